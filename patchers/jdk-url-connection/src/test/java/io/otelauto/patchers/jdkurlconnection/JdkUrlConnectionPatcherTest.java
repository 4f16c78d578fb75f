package io.otelauto.patchers.jdkurlconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.ExceptionAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The patcher in a real JVM: the JDK's own URLConnection against a real JDK HttpServer on 127.0.0.1. The JDK
 * client is synchronous and the span ends inside the call that reads the response, on the calling thread, so
 * once that call has returned every span of the request has been exported: "no span" needs no waiting.
 */
class JdkUrlConnectionPatcherTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final PatcherTestKit KIT = PatcherTestKit.install();
  private static final String CALLERS_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private final JdkUrlConnectionPatcher patcher = new JdkUrlConnectionPatcher();
  /** What the server received, one entry per request, in order. */
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private HttpServer server;

  private record Received(String method, String path, List<String> traceparents, String body) {}

  @BeforeEach
  void patchAndStart() throws IOException {
    KIT.clearSpans();
    patcher.patch(KIT.context());
    server = start(HttpServer.create());
  }

  @AfterEach
  void unpatchAndStop() {
    patcher.unpatch();
    server.stop(0);
  }

  @Test
  void getReadingTheBodyMakesOneClientSpanWhoseContextReachesTheServer() throws Exception {
    HttpURLConnection connection = open("http://user:secret@127.0.0.1:" + port() + "/hello?a=1&sig=abc");

    String body = read(connection.getInputStream());

    assertThat(body).isEqualTo("hi");
    SpanData span = onlySpan();
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.getName()).isEqualTo("GET");
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    var attributes = span.getAttributes();
    assertThat(attributes.get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("GET");
    assertThat(attributes.get(UrlAttributes.URL_FULL))
        .isEqualTo("http://REDACTED:REDACTED@127.0.0.1:" + port() + "/hello?a=1&sig=REDACTED");
    assertThat(attributes.get(ServerAttributes.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(attributes.get(ServerAttributes.SERVER_PORT)).isEqualTo((long) port());
    assertThat(attributes.get(NetworkAttributes.NETWORK_PROTOCOL_VERSION)).isEqualTo("1.1");
    assertThat(attributes.get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(attributes.get(ErrorAttributes.ERROR_TYPE)).isNull();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(received).singleElement()
        .satisfies(request -> assertThat(request.traceparents()).containsExactly(traceparentOf(span)));
  }

  @Test
  void aCallUnderTheSdksInstrumentationSuppressionMakesNoSpanAndInjectsNothing() throws Exception {
    // The agent's own OTLP sender posts through HttpURLConnection under this suppression.
    List<String> bodies = new ArrayList<>();
    io.opentelemetry.api.impl.InstrumentationUtil.suppressInstrumentation(() -> {
      try {
        bodies.add(read(open("/hello").getInputStream()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    assertThat(bodies).containsExactly("hi");
    assertThat(received).singleElement().satisfies(request -> assertThat(request.traceparents()).isEmpty());
    assertThat(KIT.spans()).isEmpty();
  }

  @Test
  void repeatedCallsOnOneConnectionMakeOneSpan() throws Exception {
    HttpURLConnection connection = open("/hello");

    connection.connect();
    assertThat(connection.getResponseCode()).isEqualTo(200);
    assertThat(connection.getResponseCode()).isEqualTo(200);
    assertThat(read(connection.getInputStream())).isEqualTo("hi");
    assertThat(connection.getInputStream()).isNotNull();
    assertThat(connection.getResponseCode()).isEqualTo(200);
    assertThat(connection.getHeaderField("Content-Length")).isEqualTo("2");

    SpanData span = onlySpan();
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(received).singleElement()
        .satisfies(request -> assertThat(request.traceparents()).containsExactly(traceparentOf(span)));
  }

  @Test
  void postWritesItsBodyInsideOneSpan() throws Exception {
    HttpURLConnection connection = open("/echo");
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    try (OutputStream out = connection.getOutputStream()) {
      out.write("payload".getBytes(StandardCharsets.UTF_8));
    }

    assertThat(connection.getResponseCode()).isEqualTo(200);

    SpanData span = onlySpan();
    assertThat(span.getName()).isEqualTo("POST");
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("POST");
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(received).singleElement().satisfies(request -> {
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.body()).isEqualTo("payload");
      assertThat(request.traceparents()).containsExactly(traceparentOf(span));
    });
  }

  @Test
  void getOutputStreamTurnsAGetIntoAPostAndTheSpanSaysSo() throws Exception {
    HttpURLConnection connection = open("/echo");
    connection.setDoOutput(true);
    connection.connect();
    try (OutputStream out = connection.getOutputStream()) {
      out.write("streamed".getBytes(StandardCharsets.UTF_8));
    }

    assertThat(read(connection.getInputStream())).isEqualTo("streamed");

    SpanData span = onlySpan();
    assertThat(span.getName()).isEqualTo("POST");
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_REQUEST_METHOD)).isEqualTo("POST");
    assertThat(received).singleElement().satisfies(request -> assertThat(request.method()).isEqualTo("POST"));
  }

  @Test
  void notFoundIsAnErrorAndTheProgramSeesWhatTheJdkAlwaysGives() throws Exception {
    HttpURLConnection connection = open("/missing");

    assertThat(connection.getResponseCode()).isEqualTo(404);
    assertThatThrownBy(connection::getInputStream).isInstanceOf(FileNotFoundException.class);
    assertThat(read(connection.getErrorStream())).isEqualTo("no such thing");

    SpanData span = onlySpan();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(404L);
    assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo("404");
    assertThat(received).hasSize(1);
  }

  @Test
  void aRefusedConnectionIsAnErrorAndItsExceptionReachesTheProgram() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    HttpURLConnection connection = open("http://127.0.0.1:" + closedPort + "/");

    Throwable thrown = catchThrowable(connection::getResponseCode);

    assertThat(thrown).isInstanceOf(IOException.class);
    SpanData span = onlySpan();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(ErrorAttributes.ERROR_TYPE)).isEqualTo(thrown.getClass().getName());
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isNull();
    assertThat(span.getEvents()).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("exception");
      assertThat(event.getAttributes().get(ExceptionAttributes.EXCEPTION_TYPE))
          .isEqualTo(thrown.getClass().getName());
    });
    // Asked again, the JDK rethrows a copy of what it remembered: still the one span.
    assertThatThrownBy(connection::getInputStream).isInstanceOf(thrown.getClass());
    assertThat(KIT.spans()).hasSize(1);
  }

  @Test
  void concurrentRequestsEachGetTheirOwnSpan() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> bodies = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        bodies.add(threads.submit(() -> read(open("/hello").getInputStream())));
      }
      for (Future<String> body : bodies) {
        assertThat(body.get()).isEqualTo("hi");
      }
    } finally {
      threads.shutdownNow();
    }

    List<SpanData> spans = KIT.awaitSpans(40, TIMEOUT);
    assertThat(spans).hasSize(40);
    assertThat(received).extracting(Received::traceparents)
        .containsExactlyInAnyOrderElementsOf(spans.stream().map(span -> List.of(traceparentOf(span))).toList());
  }

  @Test
  void aTraceparentTheProgramSetIsKeptAndSentOnce() throws Exception {
    HttpURLConnection connection = open("/hello");
    connection.setRequestProperty("traceparent", CALLERS_TRACEPARENT);

    assertThat(connection.getResponseCode()).isEqualTo(200);

    onlySpan();
    assertThat(received).singleElement()
        .satisfies(request -> assertThat(request.traceparents()).containsExactly(CALLERS_TRACEPARENT));
  }

  @Test
  void theSpanIsAChildOfTheCurrentSpan() throws Exception {
    Span parent = KIT.openTelemetry().getTracer("test").spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      assertThat(read(open("/hello").getInputStream())).isEqualTo("hi");
    } finally {
      parent.end();
    }

    List<SpanData> spans = KIT.awaitSpans(2, TIMEOUT);
    SpanData client = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(spans).hasSize(2);
    assertThat(client.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(client.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(received).singleElement()
        .satisfies(request -> assertThat(request.traceparents()).containsExactly(traceparentOf(client)));
  }

  @Test
  void redirectsFollowedByTheJdkStayInTheOneSpan() throws Exception {
    assertThat(read(open("/old").getInputStream())).isEqualTo("hi");

    SpanData span = onlySpan();
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isEqualTo(200L);
    assertThat(received).extracting(Received::path).containsExactly("/old", "/hello");
    assertThat(received).allSatisfy(
        request -> assertThat(request.traceparents()).containsExactly(traceparentOf(span)));
  }

  @Test
  void disconnectEndsASpanWhoseResponseWasNeverAskedFor() throws Exception {
    HttpURLConnection connection = open("/hello");
    connection.connect();
    connection.disconnect();
    connection.disconnect();

    SpanData span = onlySpan();
    assertThat(span.getAttributes().get(HttpAttributes.HTTP_RESPONSE_STATUS_CODE)).isNull();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void https(@TempDir Path directory) throws Exception {
    SSLContext ssl = PatcherTestKit.selfSignedSslContext(directory);
    HttpsServer https = HttpsServer.create();
    https.setHttpsConfigurator(new HttpsConfigurator(ssl));
    start(https);
    try {
      String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/hello";
      HttpsURLConnection connection = (HttpsURLConnection) URI.create(url).toURL().openConnection();
      connection.setSSLSocketFactory(ssl.getSocketFactory());
      connection.connect();

      assertThat(connection.getResponseCode()).isEqualTo(200);
      assertThat(read(connection.getInputStream())).isEqualTo("hi");

      SpanData span = onlySpan();
      assertThat(span.getAttributes().get(UrlAttributes.URL_FULL)).isEqualTo(url);
      assertThat(span.getAttributes().get(ServerAttributes.SERVER_PORT)).isEqualTo((long) https.getAddress().getPort());
      assertThat(received).singleElement()
          .satisfies(request -> assertThat(request.traceparents()).containsExactly(traceparentOf(span)));
    } finally {
      https.stop(0);
    }
  }

  @Test
  void unpatchRestoresTheOriginalBehaviourAndPatchingAgainTracesAgain() throws Exception {
    HttpURLConnection patched = open("/missing");
    assertThat(patched.getResponseCode()).isEqualTo(404);
    onlySpan();

    patcher.unpatch();
    KIT.clearSpans();
    received.clear();
    HttpURLConnection unpatched = open("/missing");
    HttpURLConnection unpatchedGet = open("/hello");

    assertThat(unpatched.getResponseCode()).isEqualTo(404);
    assertThatThrownBy(unpatched::getInputStream).isInstanceOf(FileNotFoundException.class);
    assertThat(read(unpatchedGet.getInputStream())).isEqualTo("hi");
    assertThat(KIT.spans()).isEmpty();
    assertThat(received).hasSize(2).allSatisfy(request -> assertThat(request.traceparents()).isEmpty());

    patcher.patch(KIT.context());
    received.clear();
    assertThat(read(open("/hello").getInputStream())).isEqualTo("hi");
    SpanData span = onlySpan();
    assertThat(received).singleElement()
        .satisfies(request -> assertThat(request.traceparents()).containsExactly(traceparentOf(span)));
  }

  @Test
  void aFailureInsideThePatchIsLoggedOnceAndTheRequestGoesOnUntraced() throws Exception {
    patcher.unpatch();
    OpenTelemetry failing = KIT.openTelemetryWithBrokenPropagator();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    String first;
    String second;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      patcher.patch(KIT.context(failing));
      first = read(open("/hello").getInputStream());
      HttpURLConnection post = open("/echo");
      post.setDoOutput(true);
      try (OutputStream out = post.getOutputStream()) {
        out.write("still fine".getBytes(StandardCharsets.UTF_8));
      }
      second = read(post.getInputStream());
    } finally {
      System.setErr(originalErr);
    }

    assertThat(first).isEqualTo("hi");
    assertThat(second).isEqualTo("still fine");
    assertThat(KIT.spans()).isEmpty();
    assertThat(received).hasSize(2).allSatisfy(request -> assertThat(request.traceparents()).isEmpty());
    String logged = log.toString(StandardCharsets.UTF_8);
    assertThat(logged.split("Could not start the CLIENT span", -1)).hasSize(2);
    assertThat(logged).contains("java.lang.IllegalStateException: broken propagator");
  }

  private <S extends HttpServer> S start(S created) throws IOException {
    created.bind(new InetSocketAddress("127.0.0.1", 0), 0);
    created.createContext("/", this::handle);
    created.start();
    return created;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> traceparents = exchange.getRequestHeaders().get("traceparent");
    String path = exchange.getRequestURI().getPath();
    received.add(new Received(
        exchange.getRequestMethod(), path, traceparents == null ? List.of() : List.copyOf(traceparents), body));
    switch (path) {
      case "/hello" -> respond(exchange, 200, "hi");
      case "/echo" -> respond(exchange, 200, body);
      case "/old" -> {
        exchange.getResponseHeaders().add("Location", "/hello");
        respond(exchange, 302, "");
      }
      default -> respond(exchange, 404, "no such thing");
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = exchange.getResponseBody()) {
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      out.write(bytes);
    }
  }

  private int port() {
    return server.getAddress().getPort();
  }

  private HttpURLConnection open(String pathOrUrl) throws IOException {
    String url = pathOrUrl.startsWith("/") ? "http://127.0.0.1:" + port() + pathOrUrl : pathOrUrl;
    return (HttpURLConnection) URI.create(url).toURL().openConnection();
  }

  private static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The one span of the test: it has ended (the call that ends it has returned) and no other was made. */
  private static SpanData onlySpan() throws Exception {
    KIT.awaitSpans(1, TIMEOUT);
    List<SpanData> spans = KIT.spans();
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0).getKind()).isEqualTo(SpanKind.CLIENT);
    return spans.get(0);
  }

  private static String traceparentOf(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex();
  }
}
