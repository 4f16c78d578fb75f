package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.otelauto.patchers.api.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK as the agent configures it, exporting OTLP/HTTP protobuf to a real receiver on 127.0.0.1: the
 * agent's encoder takes the SDK marshaller's place, behind the sender the SDK configured (compression,
 * headers), and what arrives decodes with the official OTLP classes.
 */
class OtlpProtobufSpanExporterTest {
  private static final String SENDER_PROPERTY = "io.opentelemetry.sdk.common.export.HttpSenderProvider";

  private record Received(String contentEncoding, String custom, byte[] body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private HttpServer receiver;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext("/v1/traces", this::receive);
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      var headers = exchange.getRequestHeaders();
      try (InputStream raw = exchange.getRequestBody();
          InputStream in = "gzip".equals(headers.getFirst("Content-Encoding")) ? new GZIPInputStream(raw) : raw) {
        received.add(new Received(headers.getFirst("Content-Encoding"), headers.getFirst("X-Custom"), in.readAllBytes()));
      }
      exchange.sendResponseHeaders(status, -1);
    }
  }

  /** The SDK as {@link Telemetry} builds it, OTLP to the receiver; the exporter in use is given to {@code inUse}. */
  private OpenTelemetrySdk sdk(AgentLog log, Map<String, String> settings, AtomicReference<String> inUse) {
    Map<String, String> properties = new HashMap<>(settings);
    properties.put("otel.traces.exporter", "otlp");
    properties.put("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort());
    properties.put("otel.bsp.schedule.delay", "1");
    System.setProperty(SENDER_PROPERTY, UrlConnectionHttpSenderProvider.class.getName());
    try {
      return Telemetry.sdkBuilder(new SpanAccounting(log))
          .addPropertiesSupplier(() -> properties)
          .addSpanExporterCustomizer((exporter, config) -> {
            inUse.set(exporter.toString());
            return exporter;
          })
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
    } finally {
      System.clearProperty(SENDER_PROPERTY);
    }
  }

  private static List<Span> spans(List<Received> bodies) throws IOException {
    List<Span> spans = new java.util.ArrayList<>();
    for (Received body : bodies) {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.body());
      assertThat(request.getUnknownFields().asMap()).isEmpty();
      request.getResourceSpansList().forEach(resource -> {
        assertThat(resource.getResource().getAttributesList()).anySatisfy(kv -> {
          assertThat(kv.getKey()).isEqualTo("service.name");
          assertThat(kv.getValue().getStringValue()).isEqualTo("encoder-test");
        });
        resource.getScopeSpansList().forEach(scope -> spans.addAll(scope.getSpansList()));
      });
    }
    return spans;
  }

  @Test
  void spansGoOutEncodedByTheAgentThroughTheSdksSenderWithItsCompressionAndHeaders() throws Exception {
    AtomicReference<String> inUse = new AtomicReference<>();
    OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), Map.of("otel.service.name", "encoder-test",
        "otel.exporter.otlp.compression", "gzip", "otel.exporter.otlp.headers", "x-custom=yes"), inUse);
    for (int i = 0; i < 50; i++) {
      sdk.getTracer("test").spanBuilder("GET /item/" + i).setSpanKind(SpanKind.SERVER)
          .setAttribute("http.request.method", "GET").startSpan().end();
    }
    assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(inUse.get()).startsWith("Counting{OtlpProtobufSpanExporter{");
    assertThat(received).isNotEmpty().allSatisfy(body -> {
      assertThat(body.contentEncoding()).isEqualTo("gzip");
      assertThat(body.custom()).isEqualTo("yes");
    });
    List<Span> spans = spans(received);
    assertThat(spans).hasSize(50).allSatisfy(span -> {
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(span.getAttributes(0).getValue().getStringValue()).isEqualTo("GET");
      assertThat(span.getTraceId().size()).isEqualTo(16);
    });
    assertThat(spans).extracting(Span::getName).contains("GET /item/0", "GET /item/49");
  }

  @Test
  void aReceiverThatRefusesIsCountedAsAFailedExportUnderTheSdkExportersName() throws Exception {
    status = 503;
    SpanAccountingTest.RecordingLog log = new SpanAccountingTest.RecordingLog();
    OpenTelemetrySdk sdk = sdk(log, Map.of("otel.service.name", "encoder-test",
        // No retries: the test is about the failure, not the backoff.
        "otel.java.exporter.otlp.retry.disabled", "true"), new AtomicReference<>());
    sdk.getTracer("test").spanBuilder("refused").startSpan().end();
    sdk.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(received).isNotEmpty();
    assertThat(log.errors).last().asString()
        .startsWith("spans not exported in all: 1 failed to export through OtlpHttpSpanExporter")
        .contains("HTTP 503");
  }

  @Test
  void theSdksOwnEncoderCanBeChosenAndSendsTheSameSpans() throws Exception {
    AtomicReference<String> inUse = new AtomicReference<>();
    OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), Map.of("otel.service.name", "encoder-test",
        OtlpProtobufSpanExporter.ENCODER_PROPERTY, "sdk"), inUse);
    sdk.getTracer("test").spanBuilder("by the sdk").startSpan().end();
    sdk.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(inUse.get()).startsWith("Counting{OtlpHttpSpanExporter{");
    assertThat(spans(received)).extracting(Span::getName).containsExactly("by the sdk");
  }
}
