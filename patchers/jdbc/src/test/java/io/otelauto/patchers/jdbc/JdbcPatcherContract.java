package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.DbAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.ExceptionAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.math.BigDecimal;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks every database engine must pass, against a real engine through its real driver (H2 in
 * {@link H2JdbcPatcherTest}, PostgreSQL in {@link PostgresqlIT}). JDBC calls are synchronous and the span
 * ends in the call, on the calling thread, exported at once by the kit: once a call has returned, all of its
 * spans are there, so "no span" needs no waiting.
 */
abstract class JdbcPatcherContract {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final PatcherTestKit KIT = PatcherTestKit.install();

  final JdbcPatcher patcher = new JdbcPatcher();
  Connection connection;

  /** A new connection to the database under test. */
  abstract Connection connect() throws SQLException;

  abstract String system();

  abstract String namespace();

  /** Null for an embedded database. */
  abstract String serverAddress();

  abstract Long serverPort();

  /** A JUnit assumption: the engine is there (else each test is reported skipped, with the reason). */
  void assumeDatabase() {}

  @BeforeEach
  void createTableAndPatch() throws SQLException {
    assumeDatabase();
    connection = connect();
    try (Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS items");
      statement.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(10,2) NOT NULL)");
      statement.executeUpdate("INSERT INTO items (id, name, price) VALUES (1, 'lamp', 19.99), (2, 'chair', 45.00)");
    }
    KIT.clearSpans();
    patcher.patch(KIT.context());
  }

  @AfterEach
  void unpatchAndClose() throws SQLException {
    patcher.unpatch();
    if (connection != null) {
      connection.close();
    }
  }

  @Test
  void aStatementsLiteralsNeverLeaveTheProcess() throws SQLException {
    String name;
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT name FROM items WHERE name = 'lamp' AND price > 10.5")) {
      assertThat(rows.next()).isTrue();
      name = rows.getString(1);
    }

    assertThat(name).isEqualTo("lamp");
    SpanData span = onlySpan();
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.getName()).isEqualTo("SELECT items");
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    Attributes attributes = span.getAttributes();
    assertDatabase(attributes);
    assertThat(attributes.get(DbAttributes.DB_QUERY_TEXT)).isEqualTo("SELECT name FROM items WHERE name = ? AND price > ?");
    assertThat(attributes.get(DbAttributes.DB_QUERY_SUMMARY)).isEqualTo("SELECT items");
    assertThat(attributes.get(DbAttributes.DB_OPERATION_BATCH_SIZE)).isNull();
    assertThat(attributes.get(ErrorAttributes.ERROR_TYPE)).isNull();
    assertThat(span.toString()).doesNotContain("lamp", "10.5");
  }

  @Test
  void preparedStatementsReportTheSqlTheyWerePreparedWith() throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement("SELECT name, price FROM items WHERE id = ?")) {
      for (int id = 1; id <= 2; id++) {
        select.setInt(1, id);
        try (ResultSet rows = select.executeQuery()) {
          rows.next();
          names.add(rows.getString("name"));
        }
      }
    }

    assertThat(names).containsExactly("lamp", "chair");
    List<SpanData> spans = KIT.spans();
    assertThat(spans).hasSize(2).allSatisfy(span -> {
      assertThat(span.getName()).isEqualTo("SELECT items");
      assertDatabase(span.getAttributes());
      assertThat(span.getAttributes().get(DbAttributes.DB_QUERY_TEXT)).isEqualTo("SELECT name, price FROM items WHERE id = ?");
    });
  }

  @Test
  void everyKindOfExecutionIsOneSpan() throws SQLException {
    List<Object> results = new ArrayList<>();
    try (Statement statement = connection.createStatement()) {
      results.add(statement.executeUpdate("INSERT INTO items (id, name, price) VALUES (3, 'desk', 120.00)"));
      results.add(statement.execute("UPDATE items SET price = 99.50 WHERE id = 3"));
      results.add(statement.executeLargeUpdate("DELETE FROM items WHERE id = 3"));
    }
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO items (id, name, price) VALUES (?, ?, ?)")) {
      insert.setInt(1, 4);
      insert.setString(2, "shelf");
      insert.setBigDecimal(3, new BigDecimal("12.00"));
      results.add(insert.executeUpdate());
    }
    try (PreparedStatement update = connection.prepareStatement("UPDATE items SET price = ? WHERE id = ?")) {
      update.setBigDecimal(1, new BigDecimal("13.00"));
      update.setInt(2, 4);
      results.add(update.executeLargeUpdate());
      results.add(update.execute());
    }

    assertThat(results).containsExactly(1, false, 1L, 1, 1L, false);
    assertThat(KIT.spans()).extracting(SpanData::getName)
        .containsExactly("INSERT items", "UPDATE items", "DELETE items", "INSERT items", "UPDATE items", "UPDATE items");
    assertThat(KIT.spans()).extracting(span -> span.getAttributes().get(DbAttributes.DB_QUERY_TEXT)).containsExactly(
        "INSERT INTO items (id, name, price) VALUES (?, ?, ?)",
        "UPDATE items SET price = ? WHERE id = ?",
        "DELETE FROM items WHERE id = ?",
        "INSERT INTO items (id, name, price) VALUES (?, ?, ?)",
        "UPDATE items SET price = ? WHERE id = ?",
        "UPDATE items SET price = ? WHERE id = ?");
  }

  @Test
  void aBatchIsOneSpanWithItsSize() throws SQLException {
    int[] prepared;
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO items (id, name, price) VALUES (?, ?, ?)")) {
      for (int id = 10; id < 13; id++) {
        insert.setInt(1, id);
        insert.setString(2, "item " + id);
        insert.setBigDecimal(3, BigDecimal.TEN);
        insert.addBatch();
      }
      prepared = insert.executeBatch();
    }
    long[] sameSql;
    int[] mixed;
    int[] cleared;
    try (Statement statement = connection.createStatement()) {
      statement.addBatch("INSERT INTO items (id, name, price) VALUES (20, 'cup', 2.50)");
      statement.addBatch("INSERT INTO items (id, name, price) VALUES (21, 'mug', 3.50)");
      sameSql = statement.executeLargeBatch();
      statement.addBatch("UPDATE items SET price = 1.00 WHERE id = 20");
      statement.addBatch("DELETE FROM items WHERE id = 21");
      mixed = statement.executeBatch();
      statement.addBatch("DELETE FROM items WHERE id = 20");
      statement.clearBatch();
      statement.addBatch("DELETE FROM items WHERE id = 10");
      cleared = statement.executeBatch();
    }

    assertThat(prepared).hasSize(3);
    assertThat(sameSql).containsExactly(1, 1);
    assertThat(mixed).containsExactly(1, 1);
    assertThat(cleared).containsExactly(1);
    List<SpanData> spans = KIT.spans();
    assertThat(spans).extracting(SpanData::getName)
        .containsExactly("BATCH INSERT items", "BATCH INSERT items", "BATCH", "DELETE items");
    assertThat(spans).extracting(span -> span.getAttributes().get(DbAttributes.DB_OPERATION_BATCH_SIZE))
        .containsExactly(3L, 2L, 2L, null);
    assertThat(spans).extracting(span -> span.getAttributes().get(DbAttributes.DB_QUERY_TEXT)).containsExactly(
        "INSERT INTO items (id, name, price) VALUES (?, ?, ?)",
        "INSERT INTO items (id, name, price) VALUES (?, ?, ?)",
        "UPDATE items SET price = ? WHERE id = ?; DELETE FROM items WHERE id = ?",
        "DELETE FROM items WHERE id = ?");
    assertThat(spans).allSatisfy(span -> assertDatabase(span.getAttributes()));
    assertThat(spans.toString()).doesNotContain("cup", "mug", "2.5");
  }

  @Test
  void aCallEscapeIsSummarizedAsTheProcedureItCalls() throws SQLException {
    int absolute;
    try (CallableStatement call = connection.prepareCall("{? = call abs(?)}")) {
      call.registerOutParameter(1, Types.INTEGER);
      call.setInt(2, -5);
      call.execute();
      absolute = call.getInt(1);
    }

    assertThat(absolute).isEqualTo(5);
    SpanData span = onlySpan();
    assertThat(span.getName()).isEqualTo("call abs");
    assertThat(span.getAttributes().get(DbAttributes.DB_STORED_PROCEDURE_NAME)).isEqualTo("abs");
    assertThat(span.getAttributes().get(DbAttributes.DB_QUERY_TEXT)).isNull();
    assertDatabase(span.getAttributes());
  }

  @Test
  void aFailingStatementIsAnErrorAndTheProgramGetsTheDriversOwnException() throws SQLException {
    String sql = "SELECT * FROM missing_items WHERE secret = 'hunter2'";
    patcher.unpatch();
    SQLException unpatched = catchThrowableOfType(SQLException.class, () -> query(sql));
    patcher.patch(KIT.context());

    SQLException patched = catchThrowableOfType(SQLException.class, () -> query(sql));

    assertThat((Throwable) patched).isNotNull().hasSameClassAs(unpatched).hasMessage(unpatched.getMessage());
    assertThat(patched.getSQLState()).isEqualTo(unpatched.getSQLState()).isNotNull();
    assertThat(patched.getErrorCode()).isEqualTo(unpatched.getErrorCode());
    SpanData span = onlySpan();
    assertThat(span.getName()).isEqualTo("SELECT missing_items");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo(patched.getClass().getName());
    assertThat(span.getAttributes().get(DbAttributes.DB_RESPONSE_STATUS_CODE)).isEqualTo(patched.getSQLState());
    assertThat(span.getEvents()).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("exception");
      assertThat(event.getAttributes().get(ExceptionAttributes.EXCEPTION_TYPE)).isEqualTo(patched.getClass().getName());
      assertThat(event.getAttributes().get(ExceptionAttributes.EXCEPTION_STACKTRACE))
          .startsWith(patched.getClass().getName()).contains("\tat ");
    });
    // The driver's message may quote the statement: its literals are removed there too.
    assertThat(span.toString()).doesNotContain("hunter2");

    // The thread is free again: the next statement is traced as usual.
    KIT.clearSpans();
    assertThat(query("SELECT name FROM items WHERE id = 1")).containsExactly("lamp");
    assertThat(onlySpan().getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void theValuesAConstraintViolationQuotesStayOut() throws SQLException {
    SQLException duplicate = catchThrowableOfType(SQLException.class, () -> {
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("INSERT INTO items (id, name, price) VALUES (1, 'duplicate-7d1c', 5.25)");
      }
    });

    assertThat(duplicate.getSQLState()).isEqualTo("23505");
    SpanData span = onlySpan();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(DbAttributes.DB_RESPONSE_STATUS_CODE)).isEqualTo("23505");
    // H2 repeats the statement and the key in its message, PostgreSQL the key in its Detail line.
    assertThat(span.toString()).doesNotContain("duplicate-7d1c", "5.25", "=(1)", "/* 1 */");
    assertThat(span.getEvents()).singleElement().satisfies(event ->
        assertThat(event.getAttributes().get(ExceptionAttributes.EXCEPTION_MESSAGE)).isNotBlank());
  }

  @Test
  void theSpanIsAChildOfTheCurrentSpan() throws SQLException {
    Span parent = KIT.openTelemetry().getTracer("test").spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      assertThat(query("SELECT name FROM items WHERE id = 2")).containsExactly("chair");
    } finally {
      parent.end();
    }

    SpanData client = KIT.spans().stream().filter(span -> span.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(client.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(client.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
  }

  @Test
  void concurrentStatementsEachGetTheirOwnSpanUnderTheirOwnParent() throws Exception {
    int threads = 6;
    int statementsPerThread = 10;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> parents = new ArrayList<>();
    try {
      for (int thread = 0; thread < threads; thread++) {
        parents.add(pool.submit(() -> {
          Span parent = KIT.openTelemetry().getTracer("test").spanBuilder("parent").startSpan();
          try (Scope ignored = parent.makeCurrent(); Connection own = connect();
              PreparedStatement select = own.prepareStatement("SELECT name FROM items WHERE id = ?")) {
            for (int i = 0; i < statementsPerThread; i++) {
              select.setInt(1, 1 + i % 2);
              try (ResultSet rows = select.executeQuery()) {
                rows.next();
              }
            }
          } finally {
            parent.end();
          }
          return parent.getSpanContext().getSpanId();
        }));
      }
      List<String> parentIds = new ArrayList<>();
      for (Future<String> parent : parents) {
        parentIds.add(parent.get());
      }

      List<SpanData> clients = KIT.awaitSpans(threads * (statementsPerThread + 1), TIMEOUT).stream()
          .filter(span -> span.getKind() == SpanKind.CLIENT).toList();
      assertThat(clients).hasSize(threads * statementsPerThread);
      assertThat(clients.stream().collect(Collectors.groupingBy(SpanData::getParentSpanId, Collectors.counting())))
          .containsOnlyKeys(parentIds)
          .allSatisfy((parent, count) -> assertThat(count).isEqualTo((long) statementsPerThread));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unpatchRestoresTheOriginalBehaviourAndPatchingAgainTracesAgain() throws SQLException {
    List<String> patched = workload();
    int spansPerWorkload = KIT.spans().size();
    assertThat(spansPerWorkload).isEqualTo(5);

    patcher.unpatch();
    KIT.clearSpans();
    List<String> unpatched = workload();

    assertThat(unpatched).isEqualTo(patched);
    assertThat(KIT.spans()).isEmpty();

    patcher.patch(KIT.context());
    List<String> repatched = workload();
    assertThat(repatched).isEqualTo(patched);
    assertThat(KIT.spans()).hasSize(spansPerWorkload);
  }

  /** Prepared, plain and batched statements; leaves the table as it found it. Five executions. */
  private List<String> workload() throws SQLException {
    List<String> results = new ArrayList<>();
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO items (id, name, price) VALUES (?, ?, ?)")) {
      for (int id = 30; id < 33; id++) {
        insert.setInt(1, id);
        insert.setString(2, "thing " + id);
        insert.setBigDecimal(3, BigDecimal.ONE);
        insert.addBatch();
      }
      results.add(Arrays.toString(insert.executeBatch()));
    }
    results.addAll(query("SELECT name FROM items WHERE id >= 30 ORDER BY id"));
    try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM items WHERE price < ?")) {
      select.setBigDecimal(1, new BigDecimal("20"));
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        results.add("cheap: " + rows.getInt(1));
      }
    }
    try (Statement statement = connection.createStatement()) {
      results.add("updated: " + statement.executeUpdate("UPDATE items SET price = 2 WHERE id >= 30"));
      results.add("deleted: " + statement.executeUpdate("DELETE FROM items WHERE id >= 30"));
    }
    return results;
  }

  List<String> query(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    }
    return values;
  }

  void assertDatabase(Attributes attributes) {
    assertThat(attributes.get(DbAttributes.DB_SYSTEM_NAME)).isEqualTo(system());
    assertThat(attributes.get(DbAttributes.DB_NAMESPACE)).isEqualTo(namespace());
    assertThat(attributes.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo(serverAddress());
    assertThat(attributes.get(ServerAttributes.SERVER_PORT)).isEqualTo(serverPort());
  }

  static SpanData onlySpan() {
    List<SpanData> spans = KIT.spans();
    assertThat(spans).hasSize(1);
    return spans.get(0);
  }
}
