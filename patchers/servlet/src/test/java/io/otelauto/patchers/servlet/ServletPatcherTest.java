package io.otelauto.patchers.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The patcher in a real JVM, on real containers on 127.0.0.1 serving real servlets, called by a real client. */
class ServletPatcherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final PatcherTestKit KIT = PatcherTestKit.install();
  private static final String INVALID_TRACE = "0".repeat(32);

  private final ServletPatcher patcher = new ServletPatcher();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ContainerUnderTest container;
  @TempDir
  Path baseDir;

  private void start(String name) throws Exception {
    KIT.clearSpans();
    patcher.patch(KIT.context());
    container = ContainerUnderTest.start(name, baseDir);
  }

  @AfterEach
  void stop() throws Exception {
    patcher.unpatch();
    if (container != null) {
      container.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void oneServerSpanNamedByTheMappingInTheCallersTraceWithFiltersAndChildrenInside(String name) throws Exception {
    start(name);
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    HttpResponse<String> response = get("/shop/orders/42?coupon=x", "00-" + traceId + "-00f067aa0ba902b7-01");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("order /42");
    // The program's filter ran inside the span.
    assertThat(response.headers().firstValue("x-trace-id")).hasValue(traceId);
    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData server = only(spans, SpanKind.SERVER);
    assertThat(server.getName()).isEqualTo("GET /shop/orders/*");
    assertThat(server.getTraceId()).isEqualTo(traceId);
    assertThat(server.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(server.getAttributes().asMap()).containsAllEntriesOf(Map.of(
        HttpAttributes.HTTP_REQUEST_METHOD, "GET",
        HttpAttributes.HTTP_ROUTE, "/shop/orders/*",
        HttpAttributes.HTTP_RESPONSE_STATUS_CODE, 200L,
        UrlAttributes.URL_PATH, "/shop/orders/42",
        UrlAttributes.URL_QUERY, "coupon=x",
        UrlAttributes.URL_SCHEME, "http",
        ServerAttributes.SERVER_ADDRESS, "127.0.0.1",
        ServerAttributes.SERVER_PORT, (long) container.port(),
        ClientAttributes.CLIENT_ADDRESS, "127.0.0.1",
        NetworkAttributes.NETWORK_PROTOCOL_VERSION, "1.1"));
    SpanData child = named(spans, "load order");
    assertThat(child.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(child.getTraceId()).isEqualTo(traceId);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void anExceptionAndA5xxAreErrorsA404IsNot(String name) throws Exception {
    start(name);

    assertThat(get("/shop/fail", null).statusCode()).isEqualTo(500);
    SpanData failed = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    KIT.clearSpans();
    assertThat(get("/shop/unavailable", null).statusCode()).isEqualTo(503);
    SpanData unavailable = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    KIT.clearSpans();
    assertThat(get("/shop/no/such/page/17", null).statusCode()).isEqualTo(404);
    SpanData notFound = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);

    assertThat(failed.getName()).isEqualTo("GET /shop/fail");
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
    assertThat(failed.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(500L);
    assertThat(failed.getEvents()).anySatisfy(event -> assertThat(event.getName()).isEqualTo("exception"));
    assertThat(unavailable.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(unavailable.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo("503");
    assertThat(notFound.getName()).isEqualTo("GET /shop/*");
    assertThat(notFound.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(notFound.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(404L);
    assertThat(notFound.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isNull();
    assertThat(notFound.getAttributes().get(UrlAttributes.URL_PATH)).isEqualTo("/shop/no/such/page/17");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void aForwardStaysInTheOneServerSpan(String name) throws Exception {
    start(name);

    assertThat(get("/shop/forward", null).body()).isEqualTo("order /forwarded");

    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData server = only(spans, SpanKind.SERVER);
    assertThat(server.getName()).isEqualTo("GET /shop/forward");
    assertThat(named(spans, "load order").getParentSpanId()).isEqualTo(server.getSpanId());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void theErrorPageAfterAnExceptionOrA404IsInsideTheRequestsOneServerSpan(String name) throws Exception {
    start(name);

    for (String path : List.of("/shop/fail", "/shop/no/such/page/17")) {
      HttpResponse<String> response = get(path, null);

      assertThat(response.body()).isEqualTo("error page");
      List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
      SpanData server = only(spans, SpanKind.SERVER);
      assertThat(server.getAttributes().get(UrlAttributes.URL_PATH)).isEqualTo(path);
      assertThat(server.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
          .isEqualTo((long) response.statusCode());
      assertThat(named(spans, "render error page").getParentSpanId()).isEqualTo(server.getSpanId());
      KIT.clearSpans();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void anAsyncRequestEndsWhenItCompletesWithItsWorkInside(String name) throws Exception {
    start(name);

    HttpResponse<String> response = get("/shop/async", null);

    assertThat(response.statusCode()).isEqualTo(202);
    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData server = only(spans, SpanKind.SERVER);
    SpanData work = named(spans, "async work");
    assertThat(server.getName()).isEqualTo("GET /shop/async");
    assertThat(server.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(202L);
    assertThat(work.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(server.getEndEpochNanos()).isGreaterThanOrEqualTo(work.getEndEpochNanos());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee10", "jetty-12-ee8-javax", "undertow-2.3"})
  void concurrentRequestsOnPooledThreadsEachLandInTheirOwnTrace(String name) throws Exception {
    start(name);
    int requests = 200;
    ExecutorService callers = Executors.newFixedThreadPool(16);
    Map<String, String> parentByTrace = new HashMap<>();
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    try {
      for (int i = 0; i < requests; i++) {
        String traceId = String.format("%032x", 0x1000 + i);
        String parent = String.format("%016x", 0x2000 + i);
        parentByTrace.put(traceId, parent);
        responses.add(callers.submit(() -> get("/shop/orders/" + traceId, "00-" + traceId + "-" + parent + "-01")));
      }
      for (Future<HttpResponse<String>> response : responses) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }
    } finally {
      callers.shutdownNow();
    }

    List<SpanData> spans = KIT.awaitSpans(2 * requests, TIMEOUT);
    List<SpanData> servers = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
    assertThat(servers).hasSize(requests);
    assertThat(servers).allSatisfy(server -> {
      assertThat(server.getParentSpanId()).isEqualTo(parentByTrace.get(server.getTraceId()));
      assertThat(server.getAttributes().get(UrlAttributes.URL_PATH)).isEqualTo("/shop/orders/" + server.getTraceId());
    });
    Map<String, SpanData> serverBySpanId = servers.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
    List<SpanData> children = spans.stream().filter(s -> s.getName().equals("load order")).toList();
    assertThat(children).hasSize(requests).allSatisfy(child ->
        assertThat(serverBySpanId.get(child.getParentSpanId()).getTraceId()).isEqualTo(child.getTraceId()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tomcat-11", "jetty-12-ee8-javax"})
  void unpatchStopsTracingAndTheContainerGoesOnServingPatchingAgainWorks(String name) throws Exception {
    Class<?> httpServlet = Class.forName(name.endsWith("javax") ? "javax.servlet.http.HttpServlet" : "jakarta.servlet.http.HttpServlet");
    byte[] original = classFile(httpServlet);
    start(name);
    get("/shop/orders/1", null);
    KIT.awaitSpans(2, TIMEOUT);
    assertThat(classFile(httpServlet)).isNotEqualTo(original);

    patcher.unpatch();
    HttpResponse<String> untraced = get("/shop/orders/2", null);

    assertThat(classFile(httpServlet)).isEqualTo(original);
    assertThat(untraced.body()).isEqualTo("order /2");
    assertThat(untraced.headers().firstValue("x-trace-id")).hasValue(INVALID_TRACE);

    patcher.patch(KIT.context());
    KIT.clearSpans();
    HttpResponse<String> traced = get("/shop/orders/3", null);

    assertThat(traced.headers().firstValue("x-trace-id")).isNotEqualTo(INVALID_TRACE);
    SpanData server = only(KIT.awaitSpans(2, TIMEOUT), SpanKind.SERVER);
    assertThat(server.getAttributes().get(UrlAttributes.URL_PATH)).isEqualTo("/shop/orders/3");
  }

  @org.junit.jupiter.api.Test
  void classesWithoutAClassFileAreSkippedQuietly() throws Exception {
    Object proxy = org.example.shop.Proxies.runtimeProxy();
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      // Installing retransforms the loaded classes that match, so each loaded class is described.
      patcher.patch(KIT.context());
    } finally {
      System.setErr(stderr);
    }

    assertThat(proxy.getClass().getName()).startsWith("org.example.shop.$Proxy");
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("Could not patch", "Exception");
  }

  /**
   * The class's bytecode as the JVM runs it now: a transformer added last sees what every transformer before
   * it (the patch's, if installed) made of the class file.
   */
  private static byte[] classFile(Class<?> type) throws Exception {
    Instrumentation instrumentation = KIT.context().instrumentation();
    AtomicReference<byte[]> seen = new AtomicReference<>();
    ClassFileTransformer capture = new ClassFileTransformer() {
      @Override
      public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
          ProtectionDomain domain, byte[] classfile) {
        if (redefined == type) {
          seen.set(classfile.clone());
        }
        return null;
      }
    };
    instrumentation.addTransformer(capture, true);
    try {
      instrumentation.retransformClasses(type);
    } finally {
      instrumentation.removeTransformer(capture);
    }
    return seen.get();
  }

  private HttpResponse<String> get(String path, String traceparent) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + container.port() + path))
        .timeout(TIMEOUT);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SpanData only(List<SpanData> spans, SpanKind kind) {
    List<SpanData> ofKind = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(ofKind).as("%s spans in %s", kind, spans).hasSize(1);
    return ofKind.get(0);
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
  }
}
