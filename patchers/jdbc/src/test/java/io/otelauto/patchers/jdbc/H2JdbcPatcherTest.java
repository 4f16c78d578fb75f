package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.DbAttributes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract against H2 (embedded, in memory), plus what needs no second engine: a connection pool in the
 * middle, statements prepared before the patch, and a failure of the patch itself.
 */
class H2JdbcPatcherTest extends JdbcPatcherContract {
  private static final String URL = "jdbc:h2:mem:shop;DB_CLOSE_DELAY=-1";

  @Override
  Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, "sa", "");
  }

  @Override
  String system() {
    return "h2database";
  }

  @Override
  String namespace() {
    return "shop";
  }

  @Override
  String serverAddress() {
    return null;
  }

  @Override
  Long serverPort() {
    return null;
  }

  @Test
  void aConnectionPoolInTheMiddleStillGivesOneSpanPerStatement() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(URL);
    config.setUsername("sa");
    config.setMaximumPoolSize(2);
    List<String> results = new ArrayList<>();
    try (HikariDataSource pool = new HikariDataSource(config)) {
      KIT.clearSpans();
      for (int round = 0; round < 2; round++) {
        try (Connection pooled = pool.getConnection()) {
          try (PreparedStatement select = pooled.prepareStatement("SELECT name FROM items WHERE id = ?")) {
            select.setInt(1, 1);
            try (ResultSet rows = select.executeQuery()) {
              rows.next();
              results.add(rows.getString(1));
            }
          }
          try (Statement statement = pooled.createStatement()) {
            results.add("updated: " + statement.executeUpdate("UPDATE items SET price = 18.50 WHERE id = 1"));
            statement.addBatch("UPDATE items SET price = 19.99 WHERE id = 1");
            statement.addBatch("UPDATE items SET price = 45.00 WHERE id = 2");
            results.add("batch: " + statement.executeBatch().length);
          }
        }
      }
    }

    assertThat(results).containsExactly("lamp", "updated: 1", "batch: 2", "lamp", "updated: 1", "batch: 2");
    List<SpanData> spans = KIT.spans();
    assertThat(spans).extracting(SpanData::getName).containsExactly(
        "SELECT items", "UPDATE items", "BATCH UPDATE items", "SELECT items", "UPDATE items", "BATCH UPDATE items");
    assertThat(spans).allSatisfy(span -> assertDatabase(span.getAttributes()));
    assertThat(spans.get(0).getAttributes().get(DbAttributes.DB_QUERY_TEXT)).isEqualTo("SELECT name FROM items WHERE id = ?");
    assertThat(spans.get(2).getAttributes().get(DbAttributes.DB_OPERATION_BATCH_SIZE)).isEqualTo(2L);
  }

  @Test
  void aStatementPreparedBeforeThePatchIsTracedWithoutItsSql() throws SQLException {
    patcher.unpatch();
    try (PreparedStatement select = connection.prepareStatement("SELECT name FROM items WHERE id = ?")) {
      patcher.patch(KIT.context());
      select.setInt(1, 2);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).isTrue();
      }
    }

    SpanData span = onlySpan();
    assertThat(span.getName()).isEqualTo("shop");
    assertThat(span.getAttributes().get(DbAttributes.DB_QUERY_TEXT)).isNull();
    assertDatabase(span.getAttributes());
  }

  @Test
  void aFailureOfThePatchIsLoggedOnceAndStatementsRunUntraced() throws SQLException {
    patcher.unpatch();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<String> results = new ArrayList<>();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      patcher.patch(KIT.context(new BrokenTracing()));
      results.addAll(query("SELECT name FROM items WHERE id = 1"));
      results.addAll(query("SELECT name FROM items WHERE id = 2"));
    } finally {
      System.setErr(originalErr);
    }

    assertThat(results).containsExactly("lamp", "chair");
    assertThat(KIT.spans()).isEmpty();
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged.split("Could not start the CLIENT span of a JDBC statement", -1)).hasSize(2);
    assertThat(logged).contains("java.lang.IllegalStateException: broken tracer");
  }

  /** An OpenTelemetry whose tracer fails at every span. */
  private static final class BrokenTracing implements OpenTelemetry {
    @Override
    public TracerProvider getTracerProvider() {
      return new TracerProvider() {
        @Override
        public Tracer get(String instrumentationScopeName) {
          return spanName -> {
            throw new IllegalStateException("broken tracer");
          };
        }

        @Override
        public Tracer get(String instrumentationScopeName, String instrumentationScopeVersion) {
          return get(instrumentationScopeName);
        }
      };
    }

    @Override
    public ContextPropagators getPropagators() {
      return ContextPropagators.noop();
    }
  }
}
