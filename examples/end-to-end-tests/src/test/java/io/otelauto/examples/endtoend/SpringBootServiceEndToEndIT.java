package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An ordinary Spring Boot service (embedded Tomcat, Spring MVC, RestClient, JdbcTemplate over H2), without a
 * line of tracing code, run from its executable jar through the real launcher, built against Spring Boot 3.5
 * (Tomcat 10.1) and 4.0 (Tomcat 11), each on every JDK: one SERVER span per request in the caller's trace,
 * named by the controller's route, with the JDBC and HTTP-client spans inside it.
 */
class SpringBootServiceEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();
  private static final List<String> SERVICES = List.of(
      ROOT.resolve("examples/spring-boot-service/target/spring-boot-service.jar").toString(),
      ROOT.resolve("examples/spring-boot4-service/target/spring-boot4-service.jar").toString());
  private static final Pattern LISTENING = Pattern.compile("shop listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ExampleProcess service;
  private String baseUrl;

  /** Each Spring Boot jar on each JDK. */
  static List<Arguments> jarsAndJdks() {
    List<Arguments> runs = new ArrayList<>();
    for (String jar : SERVICES) {
      for (Path jdk : JdbcServiceEndToEndIT.jdks()) {
        runs.add(Arguments.of(Path.of(jar).getFileName().toString(), jdk));
      }
    }
    return runs;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (service != null) {
      service.close();
    }
  }

  @ParameterizedTest
  @MethodSource("jarsAndJdks")
  void oneTraceThroughControllersJdbcAndTheRestClientErrorsNotFoundAndAsyncAndSigterm(String jar, Path jdk) throws Exception {
    start(jar, jdk);
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";

    HttpResponse<String> price = get("/orders/1/price/EUR", "00-" + trace + "-00f067aa0ba902b7-01");

    assertThat(price.statusCode()).isEqualTo(200);
    assertThat(price.body()).contains("\"name\":\"lamp\"", "\"currency\":\"EUR\"");
    List<ConsoleSpan> spans = awaitSpans(s -> s.kind().equals("SERVER") && s.name().equals("GET /orders/{id}/price/{currency}"));
    ConsoleSpan server = ConsoleSpan.named(spans, "GET /orders/{id}/price/{currency}");
    assertThat(server.traceId()).isEqualTo(trace);
    assertThat(server.parentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(server.service()).isEqualTo("shop");
    assertThat(server.attributes()).contains("http.route=/orders/{id}/price/{currency}",
        "url.path=/orders/1/price/EUR", "http.response.status_code=200", "http.request.method=GET");
    List<ConsoleSpan> children = childrenOf(spans, server);
    assertThat(children).extracting(ConsoleSpan::name).containsExactly("SELECT items", "GET");
    ConsoleSpan restClient = children.get(1);
    assertThat(restClient.kind()).isEqualTo("CLIENT");
    // The rates endpoint's own SERVER span continues the trace from the RestClient's headers.
    ConsoleSpan rates = ConsoleSpan.named(awaitSpans(s -> s.name().equals("GET /rates/{currency}")), "GET /rates/{currency}");
    assertThat(rates.traceId()).isEqualTo(trace);
    assertThat(rates.parentSpanId()).isEqualTo(restClient.spanId());

    assertThat(get("/orders/9", null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = onlyServer(awaitSpans(path("/orders/9")), "/orders/9");
    assertThat(notFound.name()).isEqualTo("GET /orders/{id}");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    assertThat(get("/no/such/page/42", null).statusCode()).isEqualTo(404);
    ConsoleSpan unmapped = onlyServer(awaitSpans(path("/no/such/page/42")), "/no/such/page/42");
    assertThat(unmapped.name()).startsWith("GET ").doesNotContain("42");
    assertThat(unmapped.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    assertThat(get("/fail", null).statusCode()).isEqualTo(500);
    // Spring Boot renders the error through an error dispatch to /error: still the one SERVER span.
    ConsoleSpan failed = onlyServer(awaitSpans(path("/fail")), "/fail");
    assertThat(failed.name()).isEqualTo("GET /fail");
    assertThat(failed.attributes()).contains("error.type=java.lang.IllegalStateException", "http.response.status_code=500");

    for (String async : List.of("/deferred/orders/2", "/async/orders/3", "/callable/orders/1")) {
      HttpResponse<String> response = get(async, null);
      assertThat(response.statusCode()).as(async).isEqualTo(200);
      ConsoleSpan asyncServer = onlyServer(awaitSpans(path(async)), async);
      assertThat(asyncServer.name()).isEqualTo("GET " + async.replaceAll("/\\d+$", "/{id}"));
      // The query ran on a worker thread after the controller returned, and the span ended after it.
      assertThat(childrenOf(ConsoleSpan.all(service.lines()), asyncServer))
          .extracting(ConsoleSpan::name).containsExactly("SELECT items");
    }

    assertThat(ConsoleSpan.all(service.lines())).noneMatch(s -> s.name().contains("/error"));
    assertThat(service.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    service.signalTerminate();
    assertThat(service.awaitExit(TIMEOUT)).isEqualTo(143);
  }

  @ParameterizedTest
  @MethodSource("jarsAndJdks")
  void concurrentRequestsOnTomcatsPooledThreadsEachLandInTheirOwnTrace(String jar, Path jdk) throws Exception {
    start(jar, jdk);
    int requests = 200;
    Map<String, String> parentByTrace = new HashMap<>();
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < requests; i++) {
        String traceId = String.format("%032x", 0xa000 + i);
        String parent = String.format("%016x", 0xb000 + i);
        parentByTrace.put(traceId, parent);
        String path = "/orders/" + (1 + i % 3);
        responses.add(callers.submit(() -> get(path, "00-" + traceId + "-" + parent + "-01")));
      }
      for (Future<HttpResponse<String>> response : responses) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }
    } finally {
      callers.shutdownNow();
    }

    service.awaitLines(line -> ConsoleSpan.parse(line)
        .filter(s -> s.kind().equals("SERVER") && parentByTrace.containsKey(s.traceId())).isPresent(), requests, TIMEOUT);
    List<ConsoleSpan> spans = ConsoleSpan.all(service.lines());
    List<ConsoleSpan> servers = spans.stream()
        .filter(s -> s.kind().equals("SERVER") && parentByTrace.containsKey(s.traceId())).toList();
    assertThat(servers).hasSize(requests).allSatisfy(server -> {
      assertThat(server.name()).isEqualTo("GET /orders/{id}");
      assertThat(server.parentSpanId()).isEqualTo(parentByTrace.get(server.traceId()));
      assertThat(childrenOf(spans, server)).singleElement()
          .satisfies(query -> assertThat(query.traceId()).isEqualTo(server.traceId()));
    });
  }

  private void start(String jar, Path jdk) throws Exception {
    String path = SERVICES.stream().filter(s -> s.endsWith("/" + jar)).findFirst().orElseThrow();
    List<String> command = List.of(LAUNCHER, "--service-name", "shop",
        jdk.resolve("bin/java").toString(), "-jar", path, "--server.port=0");
    service = ExampleProcess.start("spring-boot-service", jdk, command);
    baseUrl = "http://127.0.0.1:" + service.awaitLine(LISTENING, TIMEOUT).group(1);
  }

  private HttpResponse<String> get(String path, String traceparent) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Predicate<ConsoleSpan> path(String path) {
    return s -> s.kind().equals("SERVER") && s.hasAttribute("url.path", path);
  }

  /** All spans once one span satisfying {@code test} is printed (a request's inner spans end before it). */
  private List<ConsoleSpan> awaitSpans(Predicate<ConsoleSpan> test) throws InterruptedException {
    service.awaitLines(line -> ConsoleSpan.parse(line).filter(test).isPresent(), 1, TIMEOUT);
    return ConsoleSpan.all(service.lines());
  }

  private static ConsoleSpan onlyServer(List<ConsoleSpan> spans, String path) {
    List<ConsoleSpan> servers = spans.stream().filter(path(path)).toList();
    assertThat(servers).as("SERVER spans of " + path).hasSize(1);
    return servers.get(0);
  }

  private static List<ConsoleSpan> childrenOf(List<ConsoleSpan> spans, ConsoleSpan parent) {
    return spans.stream().filter(span -> span.parentSpanId().equals(parent.spanId())).toList();
  }
}
