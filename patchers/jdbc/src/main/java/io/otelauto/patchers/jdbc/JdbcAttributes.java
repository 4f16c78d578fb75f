package io.otelauto.patchers.jdbc;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.semconv.DbAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.ExceptionAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** A statement execution's span name and attributes under the stable database semantic conventions. */
final class JdbcAttributes {
  /** The distinct statements of a batch whose text goes into {@code db.query.text}; more are left out. */
  static final int MAX_BATCH_TEXTS = 32;
  private static final String BATCH = "BATCH";

  private JdbcAttributes() {}

  /**
   * {@code db.query.summary}; without one, the target ({@code db.namespace}, else
   * {@code server.address:server.port}); else {@code db.system.name}.
   */
  static String spanName(SqlQuery query, JdbcUrl url) {
    if (query.summary() != null) {
      return query.summary();
    }
    if (url.namespace() != null) {
      return url.namespace();
    }
    if (url.serverAddress() != null) {
      return url.serverPort() == null ? url.serverAddress() : url.serverAddress() + ":" + url.serverPort();
    }
    return url.system();
  }

  /** {@code batchSize}: {@code db.operation.batch.size}, or -1 for an operation that is not a batch. */
  static Attributes onStart(JdbcUrl url, SqlQuery query, long batchSize) {
    AttributesBuilder attributes = Attributes.builder();
    attributes.put(DbAttributes.DB_SYSTEM_NAME, url.system());
    if (url.namespace() != null) {
      attributes.put(DbAttributes.DB_NAMESPACE, url.namespace());
    }
    if (url.serverAddress() != null) {
      attributes.put(ServerAttributes.SERVER_ADDRESS, url.serverAddress());
      if (url.serverPort() != null) {
        attributes.put(ServerAttributes.SERVER_PORT, url.serverPort());
      }
    }
    if (query.text() != null) {
      attributes.put(DbAttributes.DB_QUERY_TEXT, query.text());
    }
    if (query.summary() != null) {
      attributes.put(DbAttributes.DB_QUERY_SUMMARY, query.summary());
    }
    if (query.storedProcedure() != null) {
      attributes.put(DbAttributes.DB_STORED_PROCEDURE_NAME, query.storedProcedure());
    }
    if (batchSize >= 0) {
      attributes.put(DbAttributes.DB_OPERATION_BATCH_SIZE, batchSize);
    }
    return attributes.build();
  }

  /**
   * The driver threw: status ERROR, {@code error.type} the exception's class, {@code db.response.status_code}
   * its SQLSTATE when it has one, and the exception recorded as the {@code exception} event, with its messages
   * reduced as {@link #sanitizedMessage} says: drivers quote the statement (H2) or the values that broke a
   * constraint (PostgreSQL's {@code Detail: Key (id)=(1) already exists}) in their messages.
   */
  static void onError(Span span, Throwable thrown) {
    AttributesBuilder exception = Attributes.builder()
        .put(ExceptionAttributes.EXCEPTION_TYPE, thrown.getClass().getName())
        .put(ExceptionAttributes.EXCEPTION_STACKTRACE, stackTrace(thrown));
    if (thrown.getMessage() != null) {
      exception.put(ExceptionAttributes.EXCEPTION_MESSAGE, sanitizedMessage(thrown));
    }
    span.addEvent("exception", exception.build());
    span.setAttribute(ErrorAttributes.ERROR_TYPE, thrown.getClass().getName());
    if (thrown instanceof SQLException sqlException && sqlException.getSQLState() != null) {
      span.setAttribute(DbAttributes.DB_RESPONSE_STATUS_CODE, sqlException.getSQLState());
    }
    span.setStatus(StatusCode.ERROR);
  }

  /**
   * The first line of the message (drivers put the statement and the offending values on the lines after
   * it), read as SQL of an unknown dialect: whatever is quoted, with single or double quotes, and every
   * number become {@code ?}.
   */
  static String sanitizedMessage(Throwable thrown) {
    String message = thrown.getMessage();
    int lineEnd = message.indexOf('\n');
    String firstLine = lineEnd < 0 ? message : message.substring(0, lineEnd);
    String text = SqlSanitizer.sanitize(firstLine.strip(), SqlSanitizer.Dialect.UNKNOWN).text();
    return text == null ? "" : text;
  }

  /** The stack trace as {@code Throwable.printStackTrace} prints it, causes included, messages sanitized. */
  static String stackTrace(Throwable thrown) {
    StringBuilder trace = new StringBuilder();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
      if (t != thrown) {
        trace.append("Caused by: ");
      }
      trace.append(t.getClass().getName());
      if (t.getMessage() != null) {
        trace.append(": ").append(sanitizedMessage(t));
      }
      trace.append(System.lineSeparator());
      for (StackTraceElement frame : t.getStackTrace()) {
        trace.append("\tat ").append(frame).append(System.lineSeparator());
      }
    }
    return trace.toString();
  }

  /** A PreparedStatement's batch of two or more parameter sets (or none): {@code BATCH} and its summary. */
  static SqlQuery preparedBatch(SqlQuery prepared) {
    return new SqlQuery(prepared.text(), prepared.summary() == null ? BATCH : BATCH + " " + prepared.summary(),
        prepared.storedProcedure());
  }

  /**
   * A Statement's batch of two or more statements (or none): the distinct texts joined with {@code "; "}, and
   * {@code BATCH} followed by their summary if they share one.
   */
  static SqlQuery statementBatch(List<SqlQuery> statements) {
    Set<String> texts = new LinkedHashSet<>();
    String summary = statements.isEmpty() ? null : statements.get(0).summary();
    for (SqlQuery statement : statements) {
      if (statement.text() != null && texts.size() < MAX_BATCH_TEXTS) {
        texts.add(statement.text());
      }
      if (!Objects.equals(summary, statement.summary())) {
        summary = null;
      }
    }
    return new SqlQuery(texts.isEmpty() ? null : String.join("; ", texts),
        summary == null ? BATCH : BATCH + " " + summary, null);
  }
}
