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
}
