package io.otelauto.examples.endtoend;

import static io.otelauto.examples.endtoend.TracedServer.LAUNCHER;
import static io.otelauto.examples.endtoend.TracedServer.ROOT;
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
 * Plain jakarta servlets on embedded Jetty 12 (ee10) and Undertow 2.3, without tracing code, through the real
 * launcher on every JDK: the servlet mapping names the SERVER span, the caller's trace is continued, the
 * HttpClient call made inside (also from the async thread) is a child and reaches the server's own SERVER
 * span; an exception is an error, a 404 is not; SIGTERM gives 143.
 */
class EmbeddedServletEndToEndIT {
  private static final String JAR = ROOT.resolve("examples/embedded-servlet/target/embedded-servlet.jar").toString();

  private TracedServer server;

  static List<Arguments> containersAndJdks() {
    return TracedServer.onEveryJdk(List.of("jetty", "undertow"));
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
    server = TracedServer.start(container, jdk, List.of(LAUNCHER, "--service-name", container,
            jdk.resolve("bin/java").toString(), "-jar", JAR, container, "0"), Map.of(),
        Pattern.compile(container + " listening on http://127\\.0\\.0\\.1:(\\d+)"));
    String trace = "5b8aa5a2d2c872e8321cf37308d69df2";

    HttpResponse<String> order = server.get("/shop/orders/17", "00-" + trace + "-051581bf3cb55c13-01");

    assertThat(order.body()).isEqualTo("order /17 at 0.90");
    ConsoleSpan orders = server.onlyServer("/shop/orders/17");
    assertThat(orders.name()).isEqualTo("GET /shop/orders/*");
    assertThat(orders.traceId()).isEqualTo(trace);
    assertThat(orders.parentSpanId()).isEqualTo("051581bf3cb55c13");
    assertThat(orders.service()).isEqualTo(container);
    assertRateCalledFrom(orders);

    assertThat(server.get("/shop/fail", null).statusCode()).isEqualTo(500);
    ConsoleSpan failed = server.onlyServer("/shop/fail");
    assertThat(failed.name()).isEqualTo("GET /shop/fail");
    assertThat(failed.attributes()).contains("error.type=java.lang.IllegalStateException", "http.response.status_code=500");

    assertThat(server.get("/shop/no/such/page/3", null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = server.onlyServer("/shop/no/such/page/3");
    assertThat(notFound.name()).doesNotContain("page");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    assertThat(server.get("/shop/async", null).statusCode()).isEqualTo(202);
    ConsoleSpan async = server.onlyServer("/shop/async");
    assertThat(async.name()).isEqualTo("GET /shop/async");
    assertThat(async.attributes()).contains("http.response.status_code=202");
    assertRateCalledFrom(async);

    assertThat(server.process.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    assertThat(server.terminate()).isEqualTo(143);
  }

  /** The request's HttpClient call is its child, and the rates endpoint's SERVER span is the call's. */
  private void assertRateCalledFrom(ConsoleSpan parent) {
    List<ConsoleSpan> spans = server.spans();
    assertThat(TracedServer.childrenOf(spans, parent)).singleElement().satisfies(call -> {
      assertThat(call.kind()).isEqualTo("CLIENT");
      assertThat(call.attributes()).contains("/shop/rates/EUR");
      assertThat(spans).anySatisfy(rates -> {
        assertThat(rates.name()).isEqualTo("GET /shop/rates/*");
        assertThat(rates.parentSpanId()).isEqualTo(call.spanId());
        assertThat(rates.traceId()).isEqualTo(parent.traceId());
      });
    });
  }
}
