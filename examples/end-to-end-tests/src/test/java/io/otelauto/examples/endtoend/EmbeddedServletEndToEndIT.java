package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plain jakarta servlets on embedded Jetty 12 (ee10) and Undertow 2.3, without tracing code, through the real
 * launcher on every JDK: the servlet mapping names the SERVER span, the caller's trace is continued, the
 * HttpClient call made inside (also from the async thread) is a child and reaches the server's own SERVER
 * span; an exception is an error, a 404 is not; SIGTERM gives 143.
 */
class EmbeddedServletEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();
  private static final String JAR = ROOT.resolve("examples/embedded-servlet/target/embedded-servlet.jar").toString();

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ExampleProcess server;
  private String baseUrl;

  static List<Arguments> containersAndJdks() {
    List<Arguments> runs = new ArrayList<>();
    for (String container : List.of("jetty", "undertow")) {
      for (Path jdk : JdbcServiceEndToEndIT.jdks()) {
        runs.add(Arguments.of(container, jdk));
      }
    }
    return runs;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest
  @MethodSource("containersAndJdks")
  void servletsOnAnEmbeddedContainerMakeOneTrace(String container, Path jdk) throws Exception {
    server = ExampleProcess.start(container, jdk, List.of(LAUNCHER, "--service-name", container,
        jdk.resolve("bin/java").toString(), "-jar", JAR, container, "0"));
    baseUrl = "http://127.0.0.1:" + server.awaitLine(
        Pattern.compile(container + " listening on http://127\\.0\\.0\\.1:(\\d+)"), TIMEOUT).group(1);
    String trace = "5b8aa5a2d2c872e8321cf37308d69df2";

    HttpResponse<String> order = get("/shop/orders/17", "00-" + trace + "-051581bf3cb55c13-01");

    assertThat(order.body()).isEqualTo("order /17 at 0.90");
    ConsoleSpan orders = onlyServer("/shop/orders/17");
    assertThat(orders.name()).isEqualTo("GET /shop/orders/*");
    assertThat(orders.traceId()).isEqualTo(trace);
    assertThat(orders.parentSpanId()).isEqualTo("051581bf3cb55c13");
    assertThat(orders.service()).isEqualTo(container);
    assertRateCalledFrom(orders);

    assertThat(get("/shop/fail", null).statusCode()).isEqualTo(500);
    ConsoleSpan failed = onlyServer("/shop/fail");
    assertThat(failed.name()).isEqualTo("GET /shop/fail");
    assertThat(failed.attributes()).contains("error.type=java.lang.IllegalStateException", "http.response.status_code=500");

    assertThat(get("/shop/no/such/page/3", null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = onlyServer("/shop/no/such/page/3");
    assertThat(notFound.name()).doesNotContain("page");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    HttpResponse<String> async = get("/shop/async", null);
    assertThat(async.statusCode()).isEqualTo(202);
    ConsoleSpan asyncSpan = onlyServer("/shop/async");
    assertThat(asyncSpan.name()).isEqualTo("GET /shop/async");
    assertThat(asyncSpan.attributes()).contains("http.response.status_code=202");
    assertRateCalledFrom(asyncSpan);

    assertThat(server.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    server.signalTerminate();
    assertThat(server.awaitExit(TIMEOUT)).isEqualTo(143);
  }

  /** The request's HttpClient call is its child, and the rates endpoint's SERVER span is the call's. */
  private void assertRateCalledFrom(ConsoleSpan parent) {
    List<ConsoleSpan> spans = ConsoleSpan.all(server.lines());
    ConsoleSpan call = spans.stream().filter(s -> s.parentSpanId().equals(parent.spanId())).findFirst()
        .orElseThrow(() -> new AssertionError("no child of " + parent + " in " + spans));
    assertThat(call.kind()).isEqualTo("CLIENT");
    assertThat(call.attributes()).contains("/shop/rates/EUR");
    assertThat(spans).anySatisfy(rates -> {
      assertThat(rates.name()).isEqualTo("GET /shop/rates/*");
      assertThat(rates.parentSpanId()).isEqualTo(call.spanId());
      assertThat(rates.traceId()).isEqualTo(parent.traceId());
    });
  }

  private HttpResponse<String> get(String path, String traceparent) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The one SERVER span of {@code path}, once printed (a request's inner spans are printed before it). */
  private ConsoleSpan onlyServer(String path) throws InterruptedException {
    Predicate<ConsoleSpan> ofPath = s -> s.kind().equals("SERVER") && s.hasAttribute("url.path", path);
    server.awaitLines(line -> ConsoleSpan.parse(line).filter(ofPath).isPresent(), 1, TIMEOUT);
    List<ConsoleSpan> servers = ConsoleSpan.all(server.lines()).stream().filter(ofPath).toList();
    assertThat(servers).as("SERVER spans of " + path).hasSize(1);
    return servers.get(0);
  }
}
