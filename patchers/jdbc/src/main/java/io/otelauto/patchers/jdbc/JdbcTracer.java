package io.otelauto.patchers.jdbc;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.jdbc.SqlSanitizer.Dialect;
import io.otelauto.patchers.jdbc.StatementState.Batch;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The CLIENT span of each statement execution, and what it needs: the SQL each prepared statement was made
 * with, the batches being built, and each connection's URL.
 *
 * <p>One span per logical execution: a pool's statement calls the driver's, a driver's {@code execute()} may
 * call its own {@code executeQuery()}; every one of those methods is patched, and only the outermost call on
 * the thread makes a span. The calls inside it (and any statement the driver would run to answer
 * {@code getMetaData()}) find this thread busy and pass untraced.
 *
 * <p>What the advice gets back from the start of an execution is the {@link Consumer} that ends its span with
 * the exception the call threw, or null; a failure of ours is logged once and the call goes on untraced.
 * Everything here belongs to one patch: {@code unpatch()} drops it, and calls still running end their spans
 * through the consumer they hold.
 */
final class JdbcTracer {
  private static final Object STARTING = new Object();

  private final Tracer tracer;
  private final AgentLog log;
  /** This thread's outermost execution (or {@link #STARTING}); null when no statement runs. */
  private final ThreadLocal<Object> running = new ThreadLocal<>();
  private final WeakIdentityMap<Object, StatementState> statements = new WeakIdentityMap<>();
  private final WeakIdentityMap<Object, JdbcUrl> connections = new WeakIdentityMap<>();
  private final BoundedCache<JdbcUrl> urls = new BoundedCache<>(64, 4096);
  private final Map<Dialect, BoundedCache<SqlQuery>> queries = new EnumMap<>(Dialect.class);

  JdbcTracer(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers." + JdbcPatcher.NAME);
    this.log = log;
    for (Dialect dialect : Dialect.values()) {
      queries.put(dialect, new BoundedCache<>(512, 4096));
    }
  }

  /** {@code Connection.prepareStatement(sql, ...)} / {@code prepareCall(sql, ...)} returned {@code statement}. */
  void prepared(Object statement, String sql) {
    try {
      statements.put(statement, new StatementState(sql));
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdbcPatcher.NAME + ".prepare", "Could not note a prepared statement's SQL", e);
    }
  }

  /** {@code addBatch(sql)}, or {@code addBatch()} with a null {@code sql}, returned. */
  void addBatch(Object statement, String sql) {
    try {
      statements.computeIfAbsent(statement, () -> new StatementState(null)).addBatch(sql);
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdbcPatcher.NAME + ".batch", "Could not note a statement's batch", e);
    }
  }

  void clearBatch(Object statement) {
    try {
      StatementState state = statements.get(statement);
      if (state != null) {
        state.clearBatch();
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdbcPatcher.NAME + ".batch", "Could not note a statement's batch", e);
    }
  }

  /** {@code execute(sql)}, {@code executeQuery(sql)}, {@code executeUpdate(sql)}, ... starts. */
  Object executeSql(Object statement, String sql) {
    if (running.get() != null) {
      return null;
    }
    return start(statement, url -> query(sql, url), -1);
  }

  /** {@code execute()}, {@code executeQuery()}, ... of a PreparedStatement or CallableStatement starts. */
  Object executePrepared(Object statement) {
    if (running.get() != null) {
      return null;
    }
    return start(statement, url -> preparedQuery(statement, url), -1);
  }

  /** {@code executeBatch()}, {@code executeLargeBatch()} starts; JDBC empties the batch, traced or not. */
  Object executeBatch(Object statement) {
    StatementState state;
    Batch batch;
    try {
      state = statements.get(statement);
      batch = state == null ? Batch.EMPTY : state.takeBatch();
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdbcPatcher.NAME + ".batch", "Could not note a statement's batch", e);
      return null;
    }
    if (running.get() != null) {
      return null;
    }
    // Batches of one operation are single operations (the conventions); of none, batches of size 0.
    long batchSize = batch.size() == 1 ? -1 : batch.size();
    return start(statement, url -> {
      if (!batch.sql().isEmpty()) {
        List<SqlQuery> queries = new ArrayList<>(batch.sql().size());
        for (String sql : batch.sql()) {
          queries.add(query(sql, url));
        }
        return batch.size() == 1 ? queries.get(0) : JdbcAttributes.statementBatch(queries);
      }
      if (state != null && state.sql != null) {
        SqlQuery prepared = state.query(sql -> query(sql, url));
        return batch.size() == 1 ? prepared : JdbcAttributes.preparedBatch(prepared);
      }
      return batch.size() == 1 ? SqlQuery.UNKNOWN : JdbcAttributes.statementBatch(List.of());
    }, batchSize);
  }

  /** Forgets every statement and connection (unpatch). */
  void clear() {
    statements.clear();
    connections.clear();
    urls.clear();
    queries.values().forEach(BoundedCache::clear);
  }

  private Object start(Object statement, QueryReader reader, long batchSize) {
    running.set(STARTING);
    try {
      JdbcUrl url = url((Statement) statement);
      SqlQuery query = reader.read(url);
      Span span = tracer.spanBuilder(JdbcAttributes.spanName(query, url))
          .setSpanKind(SpanKind.CLIENT)
          .setParent(Context.current())
          .setAllAttributes(JdbcAttributes.onStart(url, query, batchSize))
          .startSpan();
      Execution execution = new Execution(span);
      running.set(execution);
      return execution;
    } catch (RuntimeException | LinkageError e) {
      running.remove();
      log.errorOnce(JdbcPatcher.NAME + ".start",
          "Could not start the CLIENT span of a JDBC statement; it runs untraced", e);
      return null;
    }
  }

  private SqlQuery preparedQuery(Object statement, JdbcUrl url) {
    StatementState state = statements.get(statement);
    // Prepared before the patch, or a statement the program unwrapped from its wrapper: the SQL is unknown.
    return state == null ? SqlQuery.UNKNOWN : state.query(sql -> query(sql, url));
  }

  /** The SQL sanitized and summarized, once per distinct statement text (within the cache's bounds). */
  private SqlQuery query(String sql, JdbcUrl url) {
    if (sql == null) {
      return SqlQuery.UNKNOWN;
    }
    Dialect dialect = url.dialect();
    return queries.get(dialect).get(sql, text -> SqlSanitizer.sanitize(text, dialect));
  }

  /** The URL of the statement's connection, read once per connection object and parsed once per URL. */
  private JdbcUrl url(Statement statement) {
    Connection connection;
    try {
      connection = statement.getConnection();
    } catch (SQLException e) {
      return JdbcUrl.UNKNOWN; // closed: the execution is about to fail on its own
    }
    if (connection == null) {
      return JdbcUrl.UNKNOWN;
    }
    JdbcUrl url = connections.get(connection);
    if (url == null) {
      String raw;
      try {
        DatabaseMetaData metaData = connection.getMetaData();
        raw = metaData == null ? null : metaData.getURL();
      } catch (SQLException e) {
        raw = null;
      }
      url = raw == null ? JdbcUrl.UNKNOWN : urls.get(raw, JdbcUrl::parse);
      connections.put(connection, url);
    }
    return url;
  }

  private interface QueryReader {
    SqlQuery read(JdbcUrl url);
  }

  /** One execution's span; the advice hands it the exception the call threw (or null) when the call ends. */
  private final class Execution implements Consumer<Throwable> {
    private final Span span;

    Execution(Span span) {
      this.span = span;
    }

    @Override
    public void accept(Throwable thrown) {
      running.remove();
      try {
        if (thrown != null) {
          JdbcAttributes.onError(span, thrown);
        }
      } catch (RuntimeException | LinkageError e) {
        log.errorOnce(JdbcPatcher.NAME + ".end", "Could not complete the CLIENT span of a JDBC statement", e);
      } finally {
        span.end();
      }
    }
  }
}
