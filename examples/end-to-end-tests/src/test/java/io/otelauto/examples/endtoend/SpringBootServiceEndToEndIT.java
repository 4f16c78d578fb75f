package io.otelauto.examples.endtoend;

import static io.otelauto.examples.endtoend.TracedServer.LAUNCHER;
import static io.otelauto.examples.endtoend.TracedServer.ROOT;
import static io.otelauto.examples.endtoend.TracedServer.childrenOf;
import static io.otelauto.examples.endtoend.TracedServer.serverOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
  private static final Map<String, Path> JARS = Map.of(
      "spring-boot-service.jar", ROOT.resolve("examples/spring-boot-service/target/spring-boot-service.jar"),
      "spring-boot4-service.jar", ROOT.resolve("examples/spring-boot4-service/target/spring-boot4-service.jar"));
  private static final Pattern LISTENING = Pattern.compile("shop listening on http://127\\.0\\.0\\.1:(\\d+)");

  private TracedServer service;

  static List<Arguments> jarsAndJdks() {
    return TracedServer.onEveryJdk(JARS.keySet().stream().sorted().toList());
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

    HttpResponse<String> price = service.get("/orders/1/price/EUR", "00-" + trace + "-00f067aa0ba902b7-01");

    assertThat(price.statusCode()).isEqualTo(200);
    assertThat(price.body()).contains("\"name\":\"lamp\"", "\"currency\":\"EUR\"");
    ConsoleSpan server = service.onlyServer("/orders/1/price/EUR");
    assertThat(server.name()).isEqualTo("GET /orders/{id}/price/{currency}");
    assertThat(server.traceId()).isEqualTo(trace);
    assertThat(server.parentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(server.service()).isEqualTo("shop");
    assertThat(server.attributes()).contains("http.route=/orders/{id}/price/{currency}",
        "http.response.status_code=200", "http.request.method=GET");
    List<ConsoleSpan> children = childrenOf(service.spans(), server);
    assertThat(children).extracting(ConsoleSpan::name).containsExactly("SELECT items", "GET");
    ConsoleSpan restClient = children.get(1);
    assertThat(restClient.kind()).isEqualTo("CLIENT");
    // The rates endpoint's own SERVER span continues the trace from the RestClient's headers.
    ConsoleSpan rates = service.onlyServer("/rates/EUR");
    assertThat(rates.name()).isEqualTo("GET /rates/{currency}");
    assertThat(rates.traceId()).isEqualTo(trace);
    assertThat(rates.parentSpanId()).isEqualTo(restClient.spanId());

    assertThat(service.get("/orders/9", null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = service.onlyServer("/orders/9");
    assertThat(notFound.name()).isEqualTo("GET /orders/{id}");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    assertThat(service.get("/no/such/page/42", null).statusCode()).isEqualTo(404);
    ConsoleSpan unmapped = service.onlyServer("/no/such/page/42");
    assertThat(unmapped.name()).startsWith("GET ").doesNotContain("42");
    assertThat(unmapped.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    assertThat(service.get("/fail", null).statusCode()).isEqualTo(500);
    // Spring Boot renders the error through an error dispatch to /error: still the one SERVER span.
    ConsoleSpan failed = service.onlyServer("/fail");
    assertThat(failed.name()).isEqualTo("GET /fail");
    assertThat(failed.attributes()).contains("error.type=java.lang.IllegalStateException", "http.response.status_code=500");

    for (String async : List.of("/deferred/orders/2", "/async/orders/3", "/callable/orders/1")) {
      assertThat(service.get(async, null).statusCode()).as(async).isEqualTo(200);
      ConsoleSpan asyncServer = service.onlyServer(async);
      assertThat(asyncServer.name()).isEqualTo("GET " + async.replaceAll("/\\d+$", "/{id}"));
      // The query ran on another thread after the controller returned, and the span ended after it.
      assertThat(childrenOf(service.spans(), asyncServer)).as(async)
          .extracting(ConsoleSpan::name).containsExactly("SELECT items");
    }

    assertThat(service.spans()).noneMatch(s -> s.name().contains("/error"));
    assertThat(service.spans().stream().filter(serverOf("/fail"))).hasSize(1);
    assertThat(service.process.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    assertThat(service.terminate()).isEqualTo(143);
  }

  @ParameterizedTest
  @MethodSource("jarsAndJdks")
  void concurrentRequestsOnTomcatsPooledThreadsEachLandInTheirOwnTrace(String jar, Path jdk) throws Exception {
    start(jar, jdk);

    List<ConsoleSpan> servers = service.concurrentRequestsInTheirOwnTraces(200, i -> "/orders/" + (1 + i % 3), 0xa000);

    List<ConsoleSpan> spans = service.spans();
    assertThat(servers).allSatisfy(server -> {
      assertThat(server.name()).isEqualTo("GET /orders/{id}");
      assertThat(childrenOf(spans, server)).singleElement()
          .satisfies(query -> assertThat(query.traceId()).isEqualTo(server.traceId()));
    });
  }

  private void start(String jar, Path jdk) throws Exception {
    service = TracedServer.start(jar, jdk, List.of(LAUNCHER, "--service-name", "shop",
        jdk.resolve("bin/java").toString(), "-jar", JARS.get(jar).toString(), "--server.port=0"), Map.of(), LISTENING);
  }
}
