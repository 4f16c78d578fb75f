package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDBC service, which has no tracing code, started through the real launcher script: the statements a
 * request runs through the HikariCP pool are CLIENT spans, children of the request's SERVER span, one per
 * statement, with no literal of the SQL in them.
 */
class JdbcServiceEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();
  private static final String SERVICE = ROOT.resolve("examples/jdbc-service/target/jdbc-service.jar").toString();
  private static final String SECOND_JDK = System.getProperty("e2e.second.java.home", "");
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final List<String> ORDER_STATEMENTS =
      List.of("SELECT items", "INSERT orders", "BATCH INSERT order_lines", "SELECT orders");

  private final HttpClient client = HttpClient.newHttpClient();
  private ExampleProcess service;
  private String baseUrl;

  static List<Path> jdks() {
    List<Path> jdks = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    if (!SECOND_JDK.isBlank()) {
      jdks.add(Path.of(SECOND_JDK));
    }
    return jdks;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (service != null) {
      service.close();
    }
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void eachStatementOfARequestIsOneClientSpanUnderItsServerSpan(Path jdk) throws Exception {
    start(jdk);

    HttpResponse<String> first = get("/order?item=lamp&quantity=3");
    HttpResponse<String> second = get("/order?item=chair&quantity=2");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("order 1: 3 x lamp at 19.99 (1 web orders of more than one)");
    assertThat(second.body()).isEqualTo("order 2: 2 x chair at 45.00 (2 web orders of more than one)");
    List<ConsoleSpan> spans = awaitServerSpans("GET /order", 2);
    List<ConsoleSpan> servers = servers(spans, "GET /order");
    // Each request on a connection the pool hands out again (a new proxy each time): still one span each.
    for (ConsoleSpan server : servers) {
      List<ConsoleSpan> statements = childrenOf(spans, server);
      assertThat(statements).extracting(ConsoleSpan::name).containsExactlyElementsOf(ORDER_STATEMENTS);
      assertThat(statements).allSatisfy(statement -> {
        assertThat(statement.kind()).isEqualTo("CLIENT");
        assertThat(statement.traceId()).isEqualTo(server.traceId());
        assertThat(statement.service()).isEqualTo("jdbc-service");
        assertThat(statement.attributes()).contains("db.system.name=h2database", "db.namespace=shop");
      });
      assertThat(statements.get(0).attributes()).contains("db.query.text=SELECT id, price FROM items WHERE name = ?");
      assertThat(statements.get(1).attributes())
          .contains("db.query.text=INSERT INTO orders (id, item_id, quantity, channel) VALUES (?, ?, ?, ?)");
      assertThat(statements.get(3).attributes())
          .contains("db.query.text=SELECT COUNT(*) FROM orders WHERE channel = ? AND quantity > ?");
    }
    assertThat(childrenOf(spans, servers.get(0)).get(2).attributes()).contains("db.operation.batch.size=3");
    assertThat(childrenOf(spans, servers.get(1)).get(2).attributes()).contains("db.operation.batch.size=2");

    HttpResponse<String> failed = get("/returns");

    assertThat(failed.statusCode()).isEqualTo(500);
    // H2's "table not found": 42S02 (42S04 while the database has no table at all).
    assertThat(failed.body()).matches("failed: SQLSTATE 42S0\\d");
    String sqlState = failed.body().substring("failed: SQLSTATE ".length());
    List<ConsoleSpan> all = awaitServerSpans("GET /returns", 1);
    List<ConsoleSpan> failing = childrenOf(all, servers(all, "GET /returns").get(0));
    assertThat(failing).singleElement().satisfies(statement -> {
      assertThat(statement.name()).isEqualTo("SELECT returns");
      assertThat(statement.attributes()).contains("error.type=org.h2.jdbc.JdbcSQLSyntaxErrorException",
          "db.response.status_code=" + sqlState, "db.query.text=SELECT COUNT(*) FROM returns WHERE reason = ?");
    });

    assertThat(service.output()).doesNotContain("web-channel-7f3a" /* Shop.CHANNEL, a literal in its SQL */, "damaged-9c1e", "Could not", "Patching of");
  }

  private void start(Path jdk) throws Exception {
    List<String> command = List.of(LAUNCHER, "--service-name", "jdbc-service",
        jdk.resolve("bin/java").toString(), "-jar", SERVICE, "0");
    service = ExampleProcess.start("jdbc-service", jdk, command);
    baseUrl = "http://127.0.0.1:" + service.awaitLine(LISTENING, TIMEOUT).group(1);
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * All spans once {@code count} SERVER spans named {@code name} are printed. A request's statements end
   * before its SERVER span, on the same thread, and the exporter prints spans in the order they end: their
   * lines are there too.
   */
  private List<ConsoleSpan> awaitServerSpans(String name, int count) throws InterruptedException {
    service.awaitLines(line -> ConsoleSpan.parse(line)
        .filter(span -> span.kind().equals("SERVER") && span.name().equals(name)).isPresent(), count, TIMEOUT);
    return ConsoleSpan.all(service.lines());
  }

  private static List<ConsoleSpan> servers(List<ConsoleSpan> spans, String name) {
    return spans.stream().filter(span -> span.kind().equals("SERVER") && span.name().equals(name)).toList();
  }

  private static List<ConsoleSpan> childrenOf(List<ConsoleSpan> spans, ConsoleSpan parent) {
    return spans.stream().filter(span -> span.parentSpanId().equals(parent.spanId())).toList();
  }
}
