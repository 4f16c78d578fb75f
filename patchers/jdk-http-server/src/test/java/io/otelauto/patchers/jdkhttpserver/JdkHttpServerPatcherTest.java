package io.otelauto.patchers.jdkhttpserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The patcher in a real JVM with real servers and a real client on 127.0.0.1. */
class JdkHttpServerPatcherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final PatcherTestKit KIT = PatcherTestKit.install();

  private final JdkHttpServerPatcher patcher = new JdkHttpServerPatcher();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  // One worker thread: once a marker task has run on it, every exchange before it has finished,
  // its span included. That is how "no span" is asserted without sleeping.
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private HttpServer server;

  @BeforeEach
  void patch() {
    KIT.clearSpans();
    patcher.patch(KIT.context());
  }

  @AfterEach
  void stop() {
    patcher.unpatch();
    if (server != null) {
      server.stop(0);
    }
    worker.shutdownNow();
  }

  @Test
  void serverSpanWithStableAttributesAndChildSpans() throws Exception {
    server = start(HttpServer.create(), "/hello", exchange -> {
      // A span made inside the handler must become a child of the SERVER span.
      KIT.openTelemetry().getTracer("test").spanBuilder("inside").startSpan().end();
      respond(exchange, 200, "hi");
    });

    HttpResponse<String> response = client.send(
        HttpRequest.newBuilder(uri("/hello/world?a=1&sig=secret")).header("User-Agent", "test-agent/1").build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData serverSpan = only(spans, SpanKind.SERVER);
    SpanData inside = spans.stream().filter(s -> s.getName().equals("inside")).findFirst().orElseThrow();
    assertThat(serverSpan.getName()).isEqualTo("GET /hello");
    assertThat(serverSpan.getParentSpanContext().isValid()).isFalse();
    assertThat(inside.getParentSpanId()).isEqualTo(serverSpan.getSpanId());
    assertThat(inside.getTraceId()).isEqualTo(serverSpan.getTraceId());
    var attributes = serverSpan.getAttributes();
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("GET");
    assertThat(attributes.get(HttpAttributes.HTTP_ROUTE)).isEqualTo("/hello");
    assertThat(attributes.get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(attributes.get(UrlAttributes.URL_PATH)).isEqualTo("/hello/world");
    assertThat(attributes.get(UrlAttributes.URL_QUERY)).isEqualTo("a=1&sig=REDACTED");
    assertThat(attributes.get(UrlAttributes.URL_SCHEME)).isEqualTo("http");
    assertThat(attributes.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(attributes.get(ServerAttributes.SERVER_PORT)).isEqualTo((long) port());
    assertThat(attributes.get(ClientAttributes.CLIENT_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(attributes.get(NetworkAttributes.NETWORK_PROTOCOL_VERSION)).isEqualTo("1.1");
    assertThat(attributes.get(UserAgentAttributes.USER_AGENT_ORIGINAL)).isEqualTo("test-agent/1");
    assertThat(attributes.get(ErrorAttributes.ERROR_TYPE)).isNull();
    assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void continuesTheTraceOfTheTraceparentHeader() throws Exception {
    server = start(HttpServer.create(), "/", exchange -> respond(exchange, 200, "ok"));
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    String parentId = "b7ad6b7169203331";

    send("/", "traceparent", "00-" + traceId + "-" + parentId + "-01");

    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getTraceId()).isEqualTo(traceId);
    assertThat(span.getParentSpanId()).isEqualTo(parentId);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
  }

  @Test
  void propagationHeadersAreFoundWhateverTheCaseOfTheirNames() throws Exception {
    server = start(HttpServer.create(), "/", exchange -> respond(exchange, 200, "ok"));
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    String parentId = "b7ad6b7169203331";

    send("/", "TraceParent", "00-" + traceId + "-" + parentId + "-01", "TRACESTATE", "congo=t61rcWkgMzE");

    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getParentSpanId()).isEqualTo(parentId);
    assertThat(span.getSpanContext().getTraceState().get("congo")).isEqualTo("t61rcWkgMzE");
  }

  @Test
  void theOnePassHeadersAnswerAsTheExchangesOwnHeadersDo() throws Exception {
    server = start(HttpServer.create(), "/", exchange -> {
      RequestHeaders headers = RequestHeaders.of(exchange);
      RequestHeadersGetter getter = RequestHeadersGetter.INSTANCE;
      respond(exchange, 200, String.join("|", getter.get(headers, "traceparent"), getter.get(headers, "baggage"),
          getter.get(headers, "x-b3-traceid"), String.valueOf(getter.get(headers, "tracestate")), headers.host,
          headers.userAgent, String.valueOf(getter.keys(headers).iterator().hasNext())));
    });

    HttpResponse<String> response = send("/", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "Baggage", "k=v", "X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7", "User-Agent", "probe/1");

    assertThat(response.body()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01|k=v|"
        + "80f198ee56343ba864fe8b2a57d3eff7|null|127.0.0.1:" + port() + "|probe/1|true");
  }

  @Test
  void malformedTraceparentStartsANewTraceAndTheRequestSucceeds() throws Exception {
    server = start(HttpServer.create(), "/", exchange -> respond(exchange, 200, "ok"));

    HttpResponse<String> response = send("/", "traceparent", "00-not-a-trace-id-zz");

    assertThat(response.statusCode()).isEqualTo(200);
    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(span.getSpanContext().isValid()).isTrue();
  }

  @Test
  void serverErrorsAreErrorsAndClientErrorsAreNot() throws Exception {
    server = start(HttpServer.create(), "/", exchange -> {
      int status = Integer.parseInt(exchange.getRequestURI().getQuery());
      respond(exchange, status, "status " + status);
    });

    send("/?503");
    send("/?404");

    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData unavailable = withStatus(spans, 503);
    SpanData notFound = withStatus(spans, 404);
    assertThat(unavailable.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(unavailable.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo("503");
    assertThat(notFound.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(notFound.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isNull();
  }

  @Test
  void aThrowingHandlerEndsTheSpanAsAnErrorAndTheExceptionReachesTheServerUnchanged() throws Exception {
    server = start(HttpServer.create(), "/boom", exchange -> {
      throw new IllegalStateException("handler failed");
    });

    assertThatThrownBy(() -> send("/boom")).isInstanceOf(IOException.class);

    // The JDK client retries an idempotent request once when the connection drops: a span per attempt.
    assertThat(KIT.awaitSpans(1, TIMEOUT)).allSatisfy(span -> {
      assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
      assertThat(span.getEvents()).anySatisfy(event -> assertThat(event.getName()).isEqualTo("exception"));
    });
  }

  @Test
  void theApplicationsFiltersRunInsideTheServerSpan() throws Exception {
    String[] seenByFilter = new String[1];
    server = start(HttpServer.create(), "/filtered", exchange -> respond(exchange, 200, "ok"));
    HttpContext context = server.createContext("/filtered2", exchange -> respond(exchange, 200, "ok"));
    context.getFilters().add(new Filter() {
      @Override
      public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        seenByFilter[0] = Span.current().getSpanContext().getSpanId();
        chain.doFilter(exchange);
      }

      @Override
      public String description() {
        return "the application's filter";
      }
    });

    send("/filtered2");

    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getName()).isEqualTo("GET /filtered2");
    assertThat(seenByFilter[0]).isEqualTo(span.getSpanId());
  }

  @Test
  void httpsServer(@TempDir Path directory) throws Exception {
    SSLContext ssl = PatcherTestKit.selfSignedSslContext(directory);
    HttpsServer https = HttpsServer.create();
    https.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server = start(https, "/secure", exchange -> respond(exchange, 200, "secret"));
    HttpClient tlsClient = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> response = tlsClient.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port() + "/secure")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("secret");
    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getAttributes().get(UrlAttributes.URL_SCHEME)).isEqualTo("https");
  }

  @Test
  void aFailureInsideThePatchIsLoggedOnceAndTheRequestGoesOnUntraced() throws Exception {
    patcher.unpatch();
    OpenTelemetry failing = KIT.openTelemetryWithBrokenPropagator();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<HttpResponse<String>> responses = new ArrayList<>();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      patcher.patch(KIT.context(failing));
      server = start(HttpServer.create(), "/", exchange -> respond(exchange, 200, "still fine"));
      responses.add(send("/"));
      responses.add(send("/"));
      worker.submit(() -> { }).get();
    } finally {
      System.setErr(originalErr);
    }

    assertThat(responses).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("still fine");
    });
    assertThat(KIT.spans()).isEmpty();
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged.split("Could not start the SERVER span", -1)).hasSize(2);
    assertThat(logged).contains("java.lang.IllegalStateException: broken propagator");
  }

  /** What an agent attached to a running JVM finds: a server that has served already, untraced. */
  @Test
  void aServerStartedBeforeThePatchIsTracedFromItsNextExchange() throws Exception {
    patcher.unpatch();
    server = start(HttpServer.create(), "/early", exchange -> respond(exchange, 200, "early"));
    assertThat(send("/early").statusCode()).isEqualTo(200);
    worker.submit(() -> { }).get();
    assertThat(KIT.spans()).isEmpty();

    patcher.patch(KIT.context());
    assertThat(send("/early?n=2").body()).isEqualTo("early");

    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
    assertThat(span.getName()).isEqualTo("GET /early");
    assertThat(span.getAttributes().get(UrlAttributes.URL_QUERY)).isEqualTo("n=2");
  }

  @Test
  void unpatchRestoresTheOriginalBehaviourAndPatchingAgainTracesAgain() throws Exception {
    server = start(HttpServer.create(), "/echo", exchange -> {
      exchange.getResponseHeaders().add("X-Filters", Integer.toString(exchange.getHttpContext().getFilters().size()));
      respond(exchange, 201, "echo " + exchange.getRequestURI().getQuery());
    });
    HttpResponse<String> patched = send("/echo?x=1");
    assertThat(only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER).getName()).isEqualTo("GET /echo");

    patcher.unpatch();
    KIT.clearSpans();
    HttpServer unpatchedServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    unpatchedServer.createContext("/echo", exchange -> respond(exchange, 201, "fresh"));
    unpatchedServer.setExecutor(worker);
    unpatchedServer.start();
    try {
      HttpResponse<String> unpatched = send("/echo?x=1");
      HttpResponse<String> fresh = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + unpatchedServer.getAddress().getPort() + "/echo")).build(),
          HttpResponse.BodyHandlers.ofString());
      worker.submit(() -> { }).get();

      assertThat(KIT.spans()).isEmpty();
      assertThat(unpatched.statusCode()).isEqualTo(patched.statusCode());
      assertThat(unpatched.body()).isEqualTo(patched.body());
      // While patched the application saw our filter; after unpatch its context is as it made it.
      assertThat(patched.headers().firstValue("X-Filters")).hasValue("1");
      assertThat(unpatched.headers().firstValue("X-Filters")).hasValue("0");
      assertThat(fresh.body()).isEqualTo("fresh");
    } finally {
      unpatchedServer.stop(0);
    }

    patcher.patch(KIT.context());
    send("/echo?x=2");
    assertThat(only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER).getAttributes()
        .get(UrlAttributes.URL_QUERY)).isEqualTo("x=2");
  }

  @Test
  void namesAndAddressesFollowEachRequestWhenContextsHostsAndClientsAlternate() throws Exception {
    server = start(HttpServer.create(), "/a", exchange -> respond(exchange, 200, "a"));
    server.createContext("/b", exchange -> respond(exchange, 200, "b"));
    // {client's local address, method, path, Host header, expected span name, server.address, server.port}
    Object[][] requests = {
        {"127.0.0.1", "GET", "/a/1", "shop.test:8080", "GET /a", "shop.test", 8080L},
        {"127.0.0.2", "GET", "/b", "other.test", "GET /b", "other.test", null},
        {"127.0.0.1", "POST", "/a/2", "shop.test:8080", "POST /a", "shop.test", 8080L},
        {"127.0.0.2", "GET", "/a", "[::1]:9", "GET /a", "[::1]", 9L},
        {"127.0.0.1", "GET", "/a", "shop.test:8080", "GET /a", "shop.test", 8080L},
    };
    for (Object[] request : requests) {
      KIT.clearSpans();
      rawRequest((String) request[0], (String) request[1], (String) request[2], (String) request[3]);
      SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.SERVER);
      var attributes = span.getAttributes();
      assertThat(span.getName()).isEqualTo(request[4]);
      assertThat(attributes.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo(request[5]);
      assertThat(attributes.get(ServerAttributes.SERVER_PORT)).isEqualTo(request[6]);
      assertThat(attributes.get(ClientAttributes.CLIENT_ADDRESS)).isEqualTo(request[0]);
      assertThat(attributes.get(UrlAttributes.URL_PATH)).isEqualTo(request[2]);
    }
  }

  /** One request with the given Host header, from the given loopback address, over a connection of its own. */
  private void rawRequest(String from, String method, String path, String host) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(response).startsWith("HTTP/1.1 2");
    }
  }

  private HttpServer start(HttpServer created, String path, HttpHandler handler) throws IOException {
    created.bind(new InetSocketAddress("127.0.0.1", 0), 0);
    created.createContext(path, handler);
    created.setExecutor(worker);
    created.start();
    return created;
  }

  private int port() {
    return server.getAddress().getPort();
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  private HttpResponse<String> send(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
      in.readAllBytes();
      exchange.sendResponseHeaders(status, bytes.length);
      out.write(bytes);
    }
  }

  private static SpanData only(List<SpanData> spans, SpanKind kind) {
    List<SpanData> ofKind = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(ofKind).hasSize(1);
    return ofKind.get(0);
  }

  private static SpanData withStatus(List<SpanData> spans, long status) {
    return spans.stream()
        .filter(s -> Long.valueOf(status).equals(s.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)))
        .findFirst().orElseThrow();
  }
}
