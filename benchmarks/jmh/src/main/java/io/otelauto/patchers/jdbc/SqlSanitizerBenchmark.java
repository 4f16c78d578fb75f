package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.jdbc.SqlSanitizer.Dialect;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reading one statement costs the JDBC patcher on the statement's own path: sanitizing and summarizing
 * its SQL ({@link SqlSanitizer}), the cache that makes a repeated statement cost a lookup, and parsing a
 * connection's URL ({@link JdbcUrl}), which the patcher does once per URL.
 *
 * <ul>
 *   <li>{@code sanitize}: the full read of {@code statement}: prepared SQL without literals (returned as is),
 *       an ad-hoc query with string and number literals, and a 2 kB multi-row INSERT;</li>
 *   <li>{@code sanitizeLength}: a statement of {@code length} characters, to show the cost grows linearly
 *       (ns/op divided by {@code length} stays flat);</li>
 *   <li>{@code cachedStatement}: a statement seen before: the cost of a prepared statement's execution;</li>
 *   <li>{@code parseUrl}: one JDBC URL, uncached.</li>
 * </ul>
 *
 * Lives in the patcher's package to reach its package-private classes. Run with {@code -prof gc} for the
 * bytes allocated per statement.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class SqlSanitizerBenchmark {
  private static final String PREPARED = "SELECT id, name, price FROM items WHERE name = ? AND price < ? ORDER BY id";
  private static final String LITERALS =
      "SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer_id = c.id "
          + "WHERE c.email = 'alice@example.com' AND o.total > 99.95 AND o.status IN ('paid', 'shipped')";
  private static final String ROW = "(1024, 'widget, large', 12.50, TRUE, /* note */ 'it''s'), ";

  /** One statement as programs write them, and a cache that has seen it. */
  @State(Scope.Thread)
  public static class Statement {
    @Param({"prepared", "literals", "insert2k"})
    public String statement;

    String sql;
    BoundedCache<SqlQuery> cache;

    @Setup
    public void setUp() {
      sql = switch (statement) {
        case "prepared" -> PREPARED;
        case "literals" -> LITERALS;
        default -> "INSERT INTO items (id, name, price, active, note) VALUES " + ROW.repeat(2048 / ROW.length())
            + "(0, '', 0, FALSE, '')";
      };
      cache = new BoundedCache<>(512, 4096);
      cache.get(sql, text -> SqlSanitizer.sanitize(text, Dialect.POSTGRESQL));
    }
  }

  /** A multi-row INSERT cut to {@code length} characters. */
  @State(Scope.Thread)
  public static class Length {
    @Param({"100", "1000", "10000", "100000"})
    public int length;

    String sql;

    @Setup
    public void setUp() {
      StringBuilder built = new StringBuilder("INSERT INTO items VALUES ");
      while (built.length() < length) {
        built.append(ROW);
      }
      sql = built.substring(0, length);
    }
  }

  @Benchmark
  public SqlQuery sanitize(Statement state) {
    return SqlSanitizer.sanitize(state.sql, Dialect.POSTGRESQL);
  }

  @Benchmark
  public SqlQuery sanitizeLength(Length state) {
    return SqlSanitizer.sanitize(state.sql, Dialect.POSTGRESQL);
  }

  @Benchmark
  public SqlQuery cachedStatement(Statement state) {
    return state.cache.get(state.sql, text -> SqlSanitizer.sanitize(text, Dialect.POSTGRESQL));
  }

  @Benchmark
  public JdbcUrl parseUrl() {
    return JdbcUrl.parse("jdbc:postgresql://db.example.com:5432/shop?currentSchema=sales&user=app&password=secret");
  }
}
