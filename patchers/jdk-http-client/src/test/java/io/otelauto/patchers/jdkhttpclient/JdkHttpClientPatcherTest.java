package io.otelauto.patchers.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.impl.InstrumentationUtil;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The patcher in a real JVM: a real HttpClient against a real JDK HttpServer on 127.0.0.1. */
class JdkHttpClientPatcherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final PatcherTestKit KIT = PatcherTestKit.install();

  private final JdkHttpClientPatcher patcher = new JdkHttpClientPatcher();
  // The default client prefers HTTP/2: over http:// it asks for an h2c upgrade, which the JDK server ignores.
  private final HttpClient client = HttpClient.newHttpClient();
  // Every request the server received, with its headers; recorded before the response is written.
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;

  private record Received(String path, Headers headers) {
    List<String> traceparents() {
      return headers.getOrDefault("traceparent", List.of());
    }
  }

  @BeforeEach
  void patch() throws IOException {
    KIT.clearSpans();
    patcher.patch(KIT.context());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> respond(exchange, 200, "ok " + exchange.getRequestMethod()));
    server.createContext("/status", exchange -> {
      int status = Integer.parseInt(exchange.getRequestURI().getQuery());
      respond(exchange, status, "status " + status);
    });
    server.createContext("/old", exchange -> {
      exchange.getResponseHeaders().add("Location", "/new");
      respond(exchange, 302, "");
    });
    server.createContext("/new", exchange -> respond(exchange, 200, "moved"));
    server.createContext("/echo", exchange -> {
      Headers in = exchange.getRequestHeaders();
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      respond(exchange, 201, String.join("|", exchange.getRequestMethod(), body,
          String.join(",", in.getOrDefault("X-Multi", List.of())),
          String.valueOf(in.getFirst("Expect")).toLowerCase(Locale.ROOT),
          String.valueOf(in.getFirst("Upgrade"))));
    });
    server.createContext("/hang", exchange -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(exchange, 200, "late");
    });
    server.start();
  }

  @AfterEach
  void stop() {
    patcher.unpatch();
    release.countDown();
    server.stop(0);
  }

  @Test
  void sendMakesOneClientSpanThatEndsBeforeSendReturnsAndPropagatesIt() throws Exception {
    HttpResponse<String> response = client.send(request("/hello?a=1"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    // send's span has ended when send returns: the kit exports synchronously.
    List<SpanData> spans = KIT.spans();
    assertThat(spans).hasSize(1);
    SpanData span = spans.get(0);
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.getName()).isEqualTo("GET");
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    var attributes = span.getAttributes();
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("GET");
    assertThat(attributes.get(UrlAttributes.URL_FULL)).isEqualTo(uri("/hello?a=1").toString());
    assertThat(attributes.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(attributes.get(ServerAttributes.SERVER_PORT)).isEqualTo((long) port());
    assertThat(attributes.get(NetworkAttributes.NETWORK_PROTOCOL_VERSION)).isEqualTo("1.1");
    assertThat(attributes.get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(attributes.get(ErrorAttributes.ERROR_TYPE)).isNull();
    Received request = received.take();
    assertThat(request.traceparents()).containsExactly(traceparent(span));
    assertThat(request.headers().getFirst("Upgrade")).isEqualTo("h2c");
    assertThat(received).isEmpty();
  }

  @Test
  void aClientSpanMadeWhileASpanIsCurrentIsItsChild() throws Exception {
    Span parent = KIT.openTelemetry().getTracer("test").spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      client.send(request("/"), HttpResponse.BodyHandlers.discarding());
    } finally {
      parent.end();
    }

    SpanData clientSpan = only(KIT.spans(), SpanKind.CLIENT);
    assertThat(clientSpan.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(clientSpan.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(received.take().traceparents())
        .containsExactly(traceparent(clientSpan));
  }

  @Test
  void aTraceparentTheCallerSetIsKeptAndNotDuplicated() throws Exception {
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    client.send(HttpRequest.newBuilder(uri("/")).header("traceparent", own).build(),
        HttpResponse.BodyHandlers.discarding());

    assertThat(received.take().traceparents()).containsExactly(own);
    assertThat(only(KIT.spans(), SpanKind.CLIENT).getName()).isEqualTo("GET");
  }

  @Test
  void theCallersMethodBodyHeadersVersionAndExpectContinueReachTheServer() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri("/echo"))
        .POST(HttpRequest.BodyPublishers.ofString("payload"))
        .header("X-Multi", "1").header("X-Multi", "2")
        .version(HttpClient.Version.HTTP_1_1)
        .expectContinue(true)
        .build();

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    // No "Upgrade: h2c": the request's own HTTP/1.1 won over the client's HTTP/2 preference.
    assertThat(response.body()).isEqualTo("POST|payload|1,2|100-continue|null");
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(received.take().traceparents()).hasSize(1);
    assertThat(only(KIT.spans(), SpanKind.CLIENT).getName()).isEqualTo("POST");
  }

  @Test
  void theCallersTimeoutStillAppliesAndTheTimeoutIsTheSpansError() {
    HttpRequest request = HttpRequest.newBuilder(uri("/hang")).timeout(Duration.ofMillis(200)).build();

    assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
        .isExactlyInstanceOf(HttpTimeoutException.class);

    SpanData span = only(KIT.spans(), SpanKind.CLIENT);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo(HttpTimeoutException.class.getName());
  }

  @Test
  void sendAsyncEndsTheSpanWhenTheFutureCompletes() throws Exception {
    HttpResponse<String> response = client.sendAsync(request("/async"), HttpResponse.BodyHandlers.ofString()).join();

    assertThat(response.body()).isEqualTo("ok GET");
    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.CLIENT);
    assertThat(span.getName()).isEqualTo("GET");
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(span.getAttributes().get(NetworkAttributes.NETWORK_PROTOCOL_VERSION)).isEqualTo("1.1");
    assertThat(received.take().traceparents())
        .containsExactly(traceparent(span));
    assertThat(received).isEmpty();
  }

  @Test
  void aConnectionFailureIsTheSpansErrorAndReachesTheCallerUnchanged() throws Exception {
    URI closed = URI.create("http://127.0.0.1:" + closedPort() + "/");

    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(HttpRequest.newBuilder(closed).build(), HttpResponse.BodyHandlers.ofString());
    assertThatThrownBy(future::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(ConnectException.class);
    assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(closed).build(), HttpResponse.BodyHandlers.ofString()))
        .isExactlyInstanceOf(ConnectException.class);

    assertThat(KIT.awaitSpans(2, TIMEOUT)).hasSize(2).allSatisfy(span -> {
      assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo(ConnectException.class.getName());
      assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isNull();
      assertThat(span.getEvents()).anySatisfy(event -> assertThat(event.getName()).isEqualTo("exception"));
    });
  }

  @Test
  void cancellingTheFutureEndsTheSpanAndStillCancels() throws Exception {
    CompletableFuture<HttpResponse<String>> future =
        client.sendAsync(request("/hang"), HttpResponse.BodyHandlers.ofString());

    assertThat(future.cancel(true)).isTrue();

    // The JDK's future also cancels the exchange, whose failure can win the race to complete the future.
    assertThat(future).isCompletedExceptionally();
    Throwable failure = catchThrowable(future::join);
    Throwable seen = failure instanceof CompletionException ? failure.getCause() : failure;
    assertThat(seen).isInstanceOfAny(CancellationException.class, IOException.class);
    SpanData span = only(KIT.awaitSpans(1, TIMEOUT), SpanKind.CLIENT);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo(seen.getClass().getName());
  }

  @Test
  void clientAndServerErrorsAreErrors() throws Exception {
    assertThat(client.send(request("/status?404"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    assertThat(client.send(request("/status?500"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(500);

    List<SpanData> spans = KIT.spans();
    assertThat(spans).hasSize(2);
    assertThat(spans).allSatisfy(span -> assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
    assertThat(spans).extracting(span -> span.getAttributes().get(ErrorAttributes.ERROR_TYPE))
        .containsExactly("404", "500");
    assertThat(spans).extracting(span -> span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE))
        .containsExactly(404L, 500L);
  }

  @Test
  void aRedirectTheClientFollowsIsOneSpanWithTheFinalStatus() throws Exception {
    HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    HttpResponse<String> response = following.send(request("/old"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("moved");
    SpanData span = only(KIT.spans(), SpanKind.CLIENT);
    assertThat(KIT.spans()).hasSize(1);
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(span.getAttributes().get(UrlAttributes.URL_FULL)).isEqualTo(uri("/old").toString());
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    Received first = received.take();
    Received second = received.take();
    assertThat(List.of(first.path(), second.path())).containsExactly("/old", "/new");
    assertThat(second.traceparents()).isEqualTo(first.traceparents()).hasSize(1);
  }

  @Test
  void urlFullHasNoCredentials() throws Exception {
    URI withCredentials = URI.create("http://user:secret@127.0.0.1:" + port()
        + "/s?a=1&sig=s1&AWSAccessKeyId=k&Signature=s2&X-Goog-Signature=s3&b=2");

    client.send(HttpRequest.newBuilder(withCredentials).build(), HttpResponse.BodyHandlers.discarding());

    assertThat(only(KIT.spans(), SpanKind.CLIENT).getAttributes().get(UrlAttributes.URL_FULL)).isEqualTo(
        "http://REDACTED:REDACTED@127.0.0.1:" + port()
            + "/s?a=1&sig=REDACTED&AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED&b=2");
  }

  @Test
  void unpatchRestoresTheOriginalBehaviourAndPatchingAgainTracesAgain() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri("/echo")).POST(HttpRequest.BodyPublishers.ofString("x"))
        .header("X-Multi", "m").build();
    HttpResponse<String> patched = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(KIT.spans()).hasSize(1);
    assertThat(received.take().traceparents()).hasSize(1);

    patcher.unpatch();
    KIT.clearSpans();
    HttpResponse<String> unpatched = client.send(request, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> unpatchedAsync = client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).join();

    // No span can come later either: an unpatched call never starts one.
    assertThat(KIT.spans()).isEmpty();
    assertThat(received.take().traceparents()).isEmpty();
    assertThat(received.take().traceparents()).isEmpty();
    for (HttpResponse<String> response : List.of(unpatched, unpatchedAsync)) {
      assertThat(response.statusCode()).isEqualTo(patched.statusCode());
      assertThat(response.body()).isEqualTo(patched.body());
      assertThat(response.version()).isEqualTo(patched.version());
    }

    patcher.patch(KIT.context());
    client.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(only(KIT.spans(), SpanKind.CLIENT).getName()).isEqualTo("POST");
    assertThat(received.take().traceparents()).hasSize(1);
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
      responses.add(client.send(request("/"), HttpResponse.BodyHandlers.ofString()));
      responses.add(client.sendAsync(request("/"), HttpResponse.BodyHandlers.ofString()).join());
    } finally {
      System.setErr(originalErr);
    }

    assertThat(responses).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("ok GET");
    });
    assertThat(received.take().traceparents()).isEmpty();
    assertThat(received.take().traceparents()).isEmpty();
    assertThat(KIT.spans()).isEmpty();
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged.split("Could not start the CLIENT span", -1)).hasSize(2);
    assertThat(logged).contains("java.lang.IllegalStateException: broken propagator");
  }

  @Test
  void theWebSocketHandshakeIsLeftAlone() throws Exception {
    server.createContext("/ws", exchange -> respond(exchange, 400, "no websockets here"));

    CompletableFuture<WebSocket> webSocket = client.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port() + "/ws"), new WebSocket.Listener() { });

    assertThatThrownBy(webSocket::join).hasCauseInstanceOf(WebSocketHandshakeException.class);
    Received handshake = received.take();
    assertThat(handshake.headers().getFirst("Upgrade")).isEqualTo("websocket");
    assertThat(handshake.headers().getFirst("Sec-WebSocket-Key")).isNotNull();
    assertThat(handshake.traceparents()).isEmpty();
  }

  @Test
  void callsUnderTheSdksInstrumentationSuppressionAreNotTraced() throws Exception {
    List<Throwable> failures = new ArrayList<>();
    InstrumentationUtil.suppressInstrumentation(() -> sendQuietly(failures));

    assertThat(failures).isEmpty();
    assertThat(received.take().traceparents()).isEmpty();
    assertThat(KIT.spans()).isEmpty();
  }

  private void sendQuietly(List<Throwable> failures) {
    try {
      client.send(request("/"), HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      synchronized (failures) {
        failures.add(e);
      }
    }
  }

  private void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
      in.readAllBytes();
      Headers copy = new Headers();
      copy.putAll(exchange.getRequestHeaders());
      received.add(new Received(exchange.getRequestURI().getPath(), copy));
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      out.write(bytes);
    }
  }

  private int port() {
    return server.getAddress().getPort();
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  private HttpRequest request(String pathAndQuery) {
    return HttpRequest.newBuilder(uri(pathAndQuery)).build();
  }

  /** A port nothing listens on: it was bound a moment ago and closed. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The header W3C propagation makes for a span: its trace id, its span id as the parent, its flags. */
  private static String traceparent(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex();
  }

  private static SpanData only(List<SpanData> spans, SpanKind kind) {
    List<SpanData> ofKind = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(ofKind).hasSize(1);
    return ofKind.get(0);
  }
}
