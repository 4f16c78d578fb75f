package io.otelauto.benchmarks.jmh;

import io.opentelemetry.context.Scope;
import io.otelauto.patchers.jdbc.JdbcPatcher;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the jdbc patch adds to one statement execution, on H2 in memory (no network: the statement itself is
 * cheap, so the patch's share shows): a CLIENT span with the database attributes and the sanitized query.
 *
 * <ul>
 *   <li>{@code preparedQuery}: a prepared {@code SELECT ... WHERE id = ?}, executed and its row read: the SQL
 *       noted when the statement was prepared, read back at each execution;</li>
 *   <li>{@code statementQuery}: {@code Statement.executeQuery} with the same SQL text each time: the
 *       sanitizer's cache path.</li>
 * </ul>
 *
 * Each runs inside a request's context, patched or not ({@code patched}, a fresh JVM each); the difference
 * in ns/op and {@code gc.alloc.rate.norm} ({@code -prof gc}) is the patch.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading"})
public class JdbcPatchBenchmark {
  private static final String CONSTANT_SQL = "SELECT name, price FROM items WHERE id = 2";

  @Param({"false", "true"})
  public boolean patched;

  private PatchBench bench;
  private Connection connection;
  private PreparedStatement prepared;
  private Statement statement;
  private int id;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    // Patched before H2 loads and before anything is prepared, as under the agent.
    bench = PatchBench.start(new JdbcPatcher(), patched);
    connection = DriverManager.getConnection("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1", "sa", "");
    try (Statement ddl = connection.createStatement()) {
      ddl.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(10,2) NOT NULL)");
      ddl.executeUpdate("INSERT INTO items VALUES (1, 'lamp', 19.99), (2, 'chair', 45.00), (3, 'desk', 120.00), "
          + "(4, 'shelf', 60.00)");
    }
    prepared = connection.prepareStatement("SELECT name, price FROM items WHERE id = ?");
    statement = connection.createStatement();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws SQLException {
    statement.close();
    prepared.close();
    connection.close();
    bench.stop(true);
  }

  @Benchmark
  public String preparedQuery() throws SQLException {
    id = (id & 3) + 1;
    try (Scope ignored = bench.request.makeCurrent()) {
      prepared.setInt(1, id);
      try (ResultSet rows = prepared.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  @Benchmark
  public String statementQuery() throws SQLException {
    try (Scope ignored = bench.request.makeCurrent(); ResultSet rows = statement.executeQuery(CONSTANT_SQL)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
