package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's OTLP/HTTP sender, chosen the way {@link Telemetry} chooses it and driven by the SDK's own
 * {@link OtlpHttpSpanExporter}, against a real receiver on 127.0.0.1.
 */
class UrlConnectionHttpSenderTest {
  private static final String SENDER_PROPERTY = "io.opentelemetry.sdk.common.export.HttpSenderProvider";

  private record Received(String contentType, String contentEncoding, String accept, String userAgent,
      String custom, int clientPort, byte[] body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** Statuses to answer, in order; 200 once they are used up. */
  private final Queue<Integer> statuses = new ArrayDeque<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean hang;
  private HttpServer receiver;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/v1/traces", this::receive);
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    released.countDown();
    receiver.stop(0);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      var headers = exchange.getRequestHeaders();
      received.add(new Received(headers.getFirst("Content-Type"), headers.getFirst("Content-Encoding"),
          headers.getFirst("Accept"), headers.getFirst("User-Agent"), headers.getFirst("X-Custom"),
          exchange.getRemoteAddress().getPort(), body));
      if (hang) {
        released.await(30, TimeUnit.SECONDS);
      }
      Integer status;
      synchronized (statuses) {
        status = statuses.poll();
      }
      exchange.sendResponseHeaders(status == null ? 200 : status, -1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private OtlpHttpSpanExporter exporter(java.util.function.UnaryOperator<OtlpHttpSpanExporterBuilder> configure) {
    String previous = System.getProperty(SENDER_PROPERTY);
    System.setProperty(SENDER_PROPERTY, UrlConnectionHttpSenderProvider.class.getName());
    try {
      return configure.apply(OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces")
          .addHeader("X-Custom", "yes")
          .setRetryPolicy(RetryPolicy.builder().setInitialBackoff(Duration.ofMillis(1))
              .setMaxBackoff(Duration.ofMillis(5)).build())).build();
    } finally {
      if (previous == null) {
        System.clearProperty(SENDER_PROPERTY);
      } else {
        System.setProperty(SENDER_PROPERTY, previous);
      }
    }
  }

  private static List<SpanData> spans(String... names) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      for (String name : names) {
        provider.get("test").spanBuilder(name).setSpanKind(SpanKind.SERVER).startSpan().end();
      }
      // Before the provider closes: shutting the in-memory exporter down forgets its spans.
      List<SpanData> spans = memory.getFinishedSpanItems();
      assertThat(spans).hasSize(names.length);
      return spans;
    }
  }

  private static CompletableResultCode exportAndWait(OtlpHttpSpanExporter exporter, List<SpanData> spans) {
    return exporter.export(spans).join(30, TimeUnit.SECONDS);
  }

  @Test
  void postsTheProtobufBodyWithTheExportersHeadersOverOneKeptAliveConnection() {
    try (OtlpHttpSpanExporter exporter = exporter(b -> b)) {
      assertThat(exportAndWait(exporter, spans("first span")).isSuccess()).isTrue();
      assertThat(exportAndWait(exporter, spans("second span")).isSuccess()).isTrue();
    }

    assertThat(received).hasSize(2);
    Received first = received.get(0);
    assertThat(first.contentType()).isEqualTo("application/x-protobuf");
    assertThat(first.accept()).isEqualTo("application/x-protobuf");
    assertThat(first.contentEncoding()).isNull();
    assertThat(first.userAgent()).startsWith("OTel-OTLP-Exporter-Java/");
    assertThat(first.custom()).isEqualTo("yes");
    assertThat(new String(first.body(), StandardCharsets.ISO_8859_1)).contains("first span");
    assertThat(new String(received.get(1).body(), StandardCharsets.ISO_8859_1)).contains("second span");
    assertThat(received.get(1).clientPort()).as("same connection").isEqualTo(first.clientPort());
  }

  @Test
  void gzipCompressionWhenConfigured() throws IOException {
    try (OtlpHttpSpanExporter exporter = exporter(b -> b.setCompression("gzip"))) {
      assertThat(exportAndWait(exporter, spans("compressed span")).isSuccess()).isTrue();
    }

    Received only = received.get(0);
    assertThat(only.contentEncoding()).isEqualTo("gzip");
    byte[] body = new GZIPInputStream(new ByteArrayInputStream(only.body())).readAllBytes();
    assertThat(new String(body, StandardCharsets.ISO_8859_1)).contains("compressed span");
  }

  @Test
  void retriesA503AndThenSucceeds() {
    statuses.add(503);
    statuses.add(429);
    try (OtlpHttpSpanExporter exporter = exporter(b -> b)) {
      assertThat(exportAndWait(exporter, spans("retried")).isSuccess()).isTrue();
    }

    assertThat(received).hasSize(3);
  }

  @Test
  void aBadRequestFailsTheExportWithoutRetrying() {
    statuses.add(400);
    try (OtlpHttpSpanExporter exporter = exporter(b -> b)) {
      CompletableResultCode result = exportAndWait(exporter, spans("rejected"));
      assertThat(result.isDone()).isTrue();
      assertThat(result.isSuccess()).isFalse();
    }

    assertThat(received).hasSize(1);
  }

  @Test
  void aReceiverThatNeverAnswersFailsTheExportAtTheTimeout() {
    hang = true;
    try (OtlpHttpSpanExporter exporter = exporter(b -> b.setTimeout(Duration.ofMillis(300))
        .setRetryPolicy(null))) {
      CompletableResultCode result = exportAndWait(exporter, spans("stuck"));
      assertThat(result.isDone()).isTrue();
      assertThat(result.isSuccess()).isFalse();
    }
  }

  @Test
  void aReceiverThatStopsReadingCannotHoldTheSenderPastItsTimeout() throws Exception {
    // HttpURLConnection has no write timeout: the sender's own deadline must cut a write that cannot go on.
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      java.util.concurrent.CompletableFuture<java.net.Socket> accepted =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
              return silent.accept(); // and never read from it
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      String[] names = new String[50_000]; // about 15 MB of spans: far more than the sockets' buffers hold
      java.util.Arrays.setAll(names, i -> "span " + i + " of a batch nobody reads");
      try (OtlpHttpSpanExporter exporter = exporter(b -> b
          .setEndpoint("http://127.0.0.1:" + silent.getLocalPort() + "/v1/traces")
          .setTimeout(Duration.ofMillis(500)).setRetryPolicy(null))) {
        CompletableResultCode result = exportAndWait(exporter, spans(names));
        assertThat(result.isDone()).isTrue();
        assertThat(result.isSuccess()).isFalse();
      } finally {
        accepted.thenAccept(socket -> {
          try {
            socket.close();
          } catch (IOException ignored) {
            // closing
          }
        });
      }
    }
  }

  @Test
  void anUnreachableReceiverFailsTheExport() throws IOException {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (OtlpHttpSpanExporter exporter = exporter(b -> b.setEndpoint("http://127.0.0.1:" + closedPort + "/v1/traces")
        .setRetryPolicy(null))) {
      CompletableResultCode result = exportAndWait(exporter, spans("lost"));
      assertThat(result.isDone()).isTrue();
      assertThat(result.isSuccess()).isFalse();
    }
  }

  /**
   * A receiver on a bare server socket, for what the JDK's server cannot be made to do: each request is
   * read whole (its body recorded), answered with {@code answers} in turn, and the connection then closed
   * when the answer says {@code close}.
   */
  private static final class ScriptedReceiver implements AutoCloseable {
    record Answer(String text, boolean close) {}

    final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
    private final Queue<Answer> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Thread thread = new Thread(this::serve, "scripted-receiver");

    ScriptedReceiver(Answer... answers) throws IOException {
      this.answers.addAll(List.of(answers));
      thread.setDaemon(true);
      thread.start();
    }

    String endpoint() {
      return "http://127.0.0.1:" + server.getLocalPort() + "/v1/traces";
    }

    private void serve() {
      while (!answers.isEmpty()) {
        try (java.net.Socket socket = server.accept()) {
          java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
          while (true) {
            StringBuilder head = new StringBuilder();
            int length = 0;
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
              head.append(line).append('\n');
              if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
              }
            }
            if (head.length() == 0) {
              break; // the client closed the connection
            }
            byte[] body = new byte[length];
            in.readFully(body);
            requests.add(new String(body, StandardCharsets.ISO_8859_1));
            clientPorts.add(socket.getPort());
            Answer answer = answers.poll();
            socket.getOutputStream().write((answer == null ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" : answer.text())
                .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            if (answer == null || answer.close()) {
              break;
            }
          }
        } catch (IOException e) {
          return; // closed at the end of the test
        }
      }
    }

    private static String readLine(java.io.InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b >= 0; b = in.read()) {
        if (b == '\n') {
          return line.toString().replace("\r", "");
        }
        line.append((char) b);
      }
      return line.length() == 0 ? null : line.toString();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @Test
  void aKeptConnectionTheReceiverClosedIsReplacedAndTheBatchSentOnce() throws Exception {
    // The first answer keeps the connection alive by HTTP's rules, and the receiver closes it anyway, as a
    // collector closing an idle connection does: the second export finds it dead and must go on a new one.
    try (ScriptedReceiver scripted = new ScriptedReceiver(
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true),
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false));
        OtlpHttpSpanExporter exporter = exporter(b -> b.setEndpoint(scripted.endpoint()).setRetryPolicy(null))) {
      assertThat(exportAndWait(exporter, spans("before the close")).isSuccess()).isTrue();
      assertThat(exportAndWait(exporter, spans("after the close")).isSuccess()).isTrue();

      assertThat(scripted.requests).hasSize(2);
      assertThat(scripted.requests.get(0)).contains("before the close");
      assertThat(scripted.requests.get(1)).contains("after the close");
      assertThat(scripted.clientPorts.get(1)).as("a new connection").isNotEqualTo(scripted.clientPorts.get(0));
    }
  }

  @Test
  void answersWithBodiesChunkedOrNotLeaveTheConnectionReadyForTheNextPost() throws Exception {
    try (ScriptedReceiver scripted = new ScriptedReceiver(
        new ScriptedReceiver.Answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: 3\r\n\r\nabc", false),
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "2\r\nab\r\n1;ext=1\r\nc\r\n0\r\nX-Trailer: t\r\n\r\n", false),
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true),
        new ScriptedReceiver.Answer("HTTP/1.0 200 OK\r\n\r\n", true),
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false));
        OtlpHttpSpanExporter exporter = exporter(b -> b.setEndpoint(scripted.endpoint()).setRetryPolicy(null))) {
      for (int i = 0; i < 5; i++) {
        assertThat(exportAndWait(exporter, spans("export " + i)).isSuccess()).as("export " + i).isTrue();
      }

      assertThat(scripted.requests).hasSize(5);
      List<Integer> ports = scripted.clientPorts;
      assertThat(ports.get(1)).as("kept after a Content-Length body").isEqualTo(ports.get(0));
      assertThat(ports.get(2)).as("kept after a chunked body").isEqualTo(ports.get(1));
      assertThat(ports.get(3)).as("new after Connection: close").isNotEqualTo(ports.get(2));
      assertThat(ports.get(4)).as("new after an HTTP/1.0 answer ended by the close").isNotEqualTo(ports.get(3));
    }
  }

  @Test
  void aRefusalWithABodyIsReadAndTheConnectionKept() throws Exception {
    try (ScriptedReceiver scripted = new ScriptedReceiver(
        new ScriptedReceiver.Answer("HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\nbad one", false),
        new ScriptedReceiver.Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false));
        OtlpHttpSpanExporter exporter = exporter(b -> b.setEndpoint(scripted.endpoint()).setRetryPolicy(null))) {
      assertThat(exportAndWait(exporter, spans("refused")).isSuccess()).isFalse();
      assertThat(exportAndWait(exporter, spans("accepted")).isSuccess()).isTrue();

      assertThat(scripted.clientPorts).hasSize(2);
      assertThat(scripted.clientPorts.get(1)).isEqualTo(scripted.clientPorts.get(0));
    }
  }
}
