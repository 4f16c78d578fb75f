package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.time.TestClock;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
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

  private record Received(String contentEncoding, String custom, String pragma, byte[] body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Received> arrivals = new LinkedBlockingQueue<>();
  private volatile int status = 200;
  /** While set, the receiver waits for it before it answers. */
  private volatile java.util.concurrent.CountDownLatch hold;
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
      java.util.concurrent.CountDownLatch waitFor = hold;
      if (waitFor != null) {
        try {
          waitFor.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      var headers = exchange.getRequestHeaders();
      try (InputStream raw = exchange.getRequestBody();
          InputStream in = "gzip".equals(headers.getFirst("Content-Encoding")) ? new GZIPInputStream(raw) : raw) {
        Received body = new Received(headers.getFirst("Content-Encoding"), headers.getFirst("X-Custom"),
            headers.getFirst("Pragma"), in.readAllBytes());
        received.add(body);
        arrivals.add(body);
      }
      exchange.sendResponseHeaders(status, -1);
    }
  }

  /** The SDK as {@link Telemetry} builds it, OTLP to the receiver; the exporter in use is given to {@code inUse}. */
  private OpenTelemetrySdk sdk(AgentLog log, Map<String, String> settings, AtomicReference<String> inUse) {
    return sdk(new SpanAccounting(log), settings, inUse, (builder, config) -> builder);
  }

  private OpenTelemetrySdk sdk(SpanAccounting accounting, Map<String, String> settings, AtomicReference<String> inUse,
      BiFunction<SdkTracerProviderBuilder, ConfigProperties, SdkTracerProviderBuilder> tracerProvider) {
    Map<String, String> properties = new HashMap<>(settings);
    properties.put("otel.traces.exporter", "otlp");
    properties.put("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort());
    properties.putIfAbsent("otel.bsp.schedule.delay", "1");
    System.setProperty(SENDER_PROPERTY, UrlConnectionHttpSenderProvider.class.getName());
    try {
      return Telemetry.sdkBuilder(accounting)
          .addPropertiesSupplier(() -> properties)
          .addTracerProviderCustomizer(tracerProvider)
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
  void theBatchSizeIs1024WhereSpansAreEncodedAsTheyEndAndTheSdks512Elsewhere() {
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp"))).isEqualTo("1024");
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp,console"))).isEqualTo("1024");
    assertThat(batchSizeFor(Map.of())).isEqualTo("1024"); // the SDK's default exporter and protocol
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp,zipkin"))).isEqualTo("512");
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp", "otel.exporter.otlp.protocol", "grpc")))
        .isEqualTo("512");
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp", "otel.exporter.otlp.protocol", "grpc",
        "otel.exporter.otlp.traces.protocol", "http/protobuf"))).isEqualTo("1024");
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp", OtlpProtobufSpanExporter.ENCODER_PROPERTY, "sdk")))
        .isEqualTo("512");
    assertThat(batchSizeFor(Map.of("otel.traces.exporter", "otlp", OtlpProtobufSpanExporter.ENCODE_AT_END_PROPERTY,
        "false"))).isEqualTo("512");
    assertThat(Telemetry.exportBatchSize(DefaultConfigProperties.createFromMap(Map.of(Telemetry.EXPORT_BATCH_SIZE, "64"))))
        .isEmpty(); // the user's choice stands
  }

  private static String batchSizeFor(Map<String, String> settings) {
    return Telemetry.exportBatchSize(DefaultConfigProperties.createFromMap(settings)).get(Telemetry.EXPORT_BATCH_SIZE);
  }

  @Test
  void spansEncodedAsTheyEndLeaveInBatchesOf1024() throws Exception {
    assertThat(firstBatch(Map.of())).isEqualTo(1024);
  }

  @Test
  void spansEncodedInTheWorkerLeaveInBatchesOf512() throws Exception {
    assertThat(firstBatch(Map.of(OtlpProtobufSpanExporter.ENCODE_AT_END_PROPERTY, "false"))).isEqualTo(512);
  }

  /** The spans in the first request when 1100 end at once and the schedule would wait a minute. */
  private int firstBatch(Map<String, String> settings) throws Exception {
    Map<String, String> properties = new HashMap<>(settings);
    properties.put("otel.service.name", "encoder-test");
    properties.put("otel.bsp.schedule.delay", "60000");
    OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), properties, new AtomicReference<>());
    try {
      for (int i = 0; i < 1100; i++) {
        sdk.getTracer("test").spanBuilder("span " + i).startSpan().end();
      }
      Received first = arrivals.poll(30, TimeUnit.SECONDS);
      assertThat(first).as("a batch sent before the schedule's minute").isNotNull();
      return spans(List.of(first)).size();
    } finally {
      sdk.shutdown().join(30, TimeUnit.SECONDS);
    }
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
  void plainHttpGoesOnTheSendersOwnConnectionUnlessUrlConnectionIsChosen() throws Exception {
    for (String client : List.of("agent", "urlconnection")) {
      received.clear();
      OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), Map.of("otel.service.name", "encoder-test",
          UrlConnectionHttpSender.CLIENT_PROPERTY, client), new AtomicReference<>());
      sdk.getTracer("test").spanBuilder("through " + client).startSpan().end();
      sdk.shutdown().join(30, TimeUnit.SECONDS);

      assertThat(spans(received)).extracting(Span::getName).containsExactly("through " + client);
      // HttpURLConnection, told not to use caches, says so in a Pragma header; the kept connection sends none.
      assertThat(received.get(0).pragma()).as(client).isEqualTo(client.equals("agent") ? null : "no-cache");
    }
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

  /** Ids from a counter and a clock that stands still: two runs make the very same spans. */
  private static SdkTracerProviderBuilder deterministic(SdkTracerProviderBuilder builder, ConfigProperties config) {
    AtomicLong next = new AtomicLong();
    return builder.setClock(TestClock.create(Instant.parse("2026-12-07T00:00:00Z"))).setIdGenerator(new IdGenerator() {
      @Override
      public String generateSpanId() {
        return String.format("%016x", next.incrementAndGet());
      }

      @Override
      public String generateTraceId() {
        return String.format("%032x", next.incrementAndGet());
      }
    });
  }

  /** A server span with everything a span can carry, its children, and a span of another scope. */
  private static void makeSpans(OpenTelemetrySdk sdk) {
    Tracer server = sdk.getTracer("io.otelauto.patchers.jdk-http-server", "0.1.0");
    SpanContext caller = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getSampled(), TraceState.builder().put("vendor", "x").build());
    for (int i = 0; i < 20; i++) {
      io.opentelemetry.api.trace.Span request = server.spanBuilder("GET /orders/{id}").setSpanKind(SpanKind.SERVER)
          .setParent(Context.root().with(io.opentelemetry.api.trace.Span.wrap(caller)))
          .addLink(caller, Attributes.of(AttributeKey.stringKey("link.kind"), "caller"))
          .setAttribute("http.request.method", "GET").setAttribute("url.path", "/orders/" + i)
          .setAttribute("server.port", 8080L).setAttribute("ok", i % 2 == 0).startSpan();
      request.addEvent("exception", Attributes.of(AttributeKey.stringKey("exception.message"), "bäd " + i));
      sdk.getTracer("io.otelauto.patchers.jdbc").spanBuilder("SELECT shop.orders").setSpanKind(SpanKind.CLIENT)
          .setParent(Context.root().with(request)).setAttribute("db.system.name", "h2").startSpan().end();
      request.setStatus(StatusCode.ERROR, "it broke");
      request.end();
    }
  }

  private List<Span> receivedInOrder() throws IOException {
    List<Span> spans = spans(received);
    spans.sort(Comparator.comparing(span -> span.getSpanId().toStringUtf8()));
    return spans;
  }

  @Test
  void spansEncodedAsTheyEndArriveAsTheSpansTheBatchProcessorsWorkerEncodes() throws Exception {
    List<List<Span>> runs = new java.util.ArrayList<>();
    for (boolean atEnd : new boolean[] {true, false}) {
      received.clear();
      SpanAccounting accounting = new SpanAccounting(new SpanAccountingTest.RecordingLog());
      OpenTelemetrySdk sdk = sdk(accounting, Map.of("otel.service.name", "encoder-test",
          OtlpProtobufSpanExporter.ENCODE_AT_END_PROPERTY, String.valueOf(atEnd)), new AtomicReference<>(),
          OtlpProtobufSpanExporterTest::deterministic);
      assertThat(accounting.gates).singleElement().satisfies(gate -> assertThat(gate.encodesAtEnd()).isEqualTo(atEnd));
      makeSpans(sdk);
      assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      runs.add(receivedInOrder());
    }
    assertThat(runs.get(0)).hasSize(40).isEqualTo(runs.get(1));
    Span first = runs.get(0).stream().filter(span -> span.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
    assertThat(first.getEventsList()).singleElement().satisfies(event -> assertThat(event.getName()).isEqualTo("exception"));
    assertThat(first.getLinksList()).hasSize(1);
    assertThat(first.getAttributesCount()).isEqualTo(4);
    assertThat(first.getStatus().getMessage()).isEqualTo("it broke");
  }

  @Test
  void spansAreEncodedAsTheyEndOnlyWhereTheAgentsExporterIsTheBatchProcessorsOnlyExporter() throws Exception {
    SpanAccounting accounting = new SpanAccounting(new SpanAccountingTest.RecordingLog());
    ConfigProperties config = DefaultConfigProperties.createFromMap(Map.of());
    SpanExporter ours = accounting.count(agentExporter(new SpanAccountingTest.RecordingLog()));
    InMemorySpanExporter beside = InMemorySpanExporter.create();
    SpanProcessor alone = accounting.gate(BatchSpanProcessor.builder(ours).build(), config);
    SpanAccounting.QueueGate withAnother = (SpanAccounting.QueueGate) accounting.gate(
        BatchSpanProcessor.builder(SpanExporter.composite(ours, accounting.count(beside))).build(), config);
    assertThat(alone).isInstanceOf(EncodedBatchSpanProcessor.class);
    assertThat(((SpanAccounting.Gate) alone).encodesAtEnd()).isTrue();
    assertThat(withAnother.encodesAtEnd()).isFalse();

    // The exporter beside it reads the spans as the SDK made them.
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(withAnother)
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "encoder-test"))).build()) {
      provider.get("test").spanBuilder("two exporters").setAttribute("k", "v").startSpan().end();
      assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(beside.getFinishedSpanItems()).singleElement() // before the shutdown empties it
          .satisfies(span -> assertThat(span.getAttributes().get(AttributeKey.stringKey("k"))).isEqualTo("v"));
    }
    assertThat(spans(received)).extracting(Span::getName).containsExactly("two exporters");
    alone.shutdown().join(30, TimeUnit.SECONDS);
  }

  /** The agent's exporter in place of an SDK OTLP/HTTP exporter to the receiver, as autoconfigure gets it. */
  private SpanExporter agentExporter(AgentLog log) {
    System.setProperty(SENDER_PROPERTY, UrlConnectionHttpSenderProvider.class.getName());
    try {
      SpanExporter exporter = OtlpProtobufSpanExporter.inPlaceOf(OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces").build(),
          DefaultConfigProperties.createFromMap(Map.of()), log);
      assertThat(exporter).isInstanceOf(OtlpProtobufSpanExporter.class);
      return exporter;
    } finally {
      System.clearProperty(SENDER_PROPERTY);
    }
  }

  @Test
  void whenTheEncoderFailsAsASpanEndsTheSpansEncodedAlreadyStillGoAndLaterOnesGoThroughTheSdk() throws Exception {
    SpanAccountingTest.RecordingLog log = new SpanAccountingTest.RecordingLog();
    SpanAccounting accounting = new SpanAccounting(log);
    SpanExporter exporter = agentExporter(log);
    SpanProcessor processor = accounting.gate(BatchSpanProcessor.builder(accounting.count(exporter)).build(),
        DefaultConfigProperties.createFromMap(Map.of("otel.bsp.schedule.delay", "60000")));
    assertThat(processor).isInstanceOf(EncodedBatchSpanProcessor.class);
    Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "encoder-test"));
    SpanData broken = new DelegatingSpanData(span(resource, "broken", "0000000000000002")) {
      @Override
      public Attributes getAttributes() {
        throw new IllegalStateException("a span that cannot be read");
      }
    };

    processor.onEnd(new EndedSpan(span(resource, "encoded at end", "0000000000000001")));
    processor.onEnd(new EndedSpan(broken));
    assertThat(processor.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isFalse(); // nor can the SDK read it
    assertThat(spans(received)).extracting(Span::getName).containsExactly("encoded at end");
    assertThat(log.errors).containsExactly("the agent's OTLP encoder failed; spans go through the SDK's from now on",
        "spans not exported so far: 1 failed to export through OtlpHttpSpanExporter"
            + " (java.lang.IllegalStateException: a span that cannot be read)");
    assertThat(((OtlpProtobufSpanExporter) exporter).hasEncoderFailed()).isTrue();

    received.clear();
    processor.onEnd(new EndedSpan(span(resource, "by the sdk", "0000000000000003")));
    assertThat(processor.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(spans(received)).extracting(Span::getName).containsExactly("by the sdk");
    assertThat(accounting.failed()).isEqualTo(1);
    assertThat(processor.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  @Test
  void spansEndedOnManyThreadsAtOnceArriveEachOnceInRequestsOfAtMostABatch() throws Exception {
    SpanAccounting accounting = new SpanAccounting(new SpanAccountingTest.RecordingLog());
    // More threads than stripes, so that some share one; three scopes; a batch that is not a multiple of a run.
    OpenTelemetrySdk sdk = sdk(accounting, Map.of("otel.service.name", "encoder-test",
        "otel.bsp.max.export.batch.size", "100"), new AtomicReference<>(), (builder, config) -> builder);
    assertThat(accounting.gates).singleElement().isInstanceOf(EncodedBatchSpanProcessor.class);
    EncodedBatchSpanProcessor processor = (EncodedBatchSpanProcessor) accounting.gates.get(0);
    int threads = 40;
    int perThread = 300;
    List<Thread> ending = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      ending.add(new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          sdk.getTracer("scope-" + (i % 3)).spanBuilder("t" + thread + " " + i).startSpan().end();
        }
      }));
    }
    ending.forEach(Thread::start);
    for (Thread thread : ending) {
      thread.join();
    }
    assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();

    // Runs' arrays went back for later runs, so most runs were copied into arrays that held others before.
    assertThat(processor.spares()).isPositive();
    List<Span> spans = spans(received);
    assertThat(spans).hasSize(threads * perThread);
    assertThat(spans.stream().map(Span::getName).distinct().count()).isEqualTo(threads * perThread);
    assertThat(received).allSatisfy(body -> assertThat(spans(List.of(body)).size()).isBetween(1, 100));
    Map<String, Integer> byScope = new java.util.TreeMap<>();
    for (Received body : received) {
      ExportTraceServiceRequest.parseFrom(body.body()).getResourceSpansList().forEach(resource ->
          resource.getScopeSpansList().forEach(scope -> {
            assertThat(scope.getSpansList()).allSatisfy(span -> assertThat(Integer.parseInt(
                span.getName().substring(span.getName().indexOf(' ') + 1)) % 3)
                .isEqualTo(Integer.parseInt(scope.getScope().getName().substring("scope-".length()))));
            byScope.merge(scope.getScope().getName(), scope.getSpansCount(), Integer::sum);
          }));
    }
    assertThat(byScope).containsExactly(Map.entry("scope-0", 4000), Map.entry("scope-1", 4000),
        Map.entry("scope-2", 4000));
    StringBuilder status = new StringBuilder();
    accounting.status(status);
    assertThat(status.toString()).contains("spans.exported=12000\n", "spans.dropped=0\n", "spans.queued=0\n");
  }

  @Test
  void spansOfMoreScopesThanAStripeKeepsRunsForArriveEachUnderItsOwnScope() throws Exception {
    OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), Map.of("otel.service.name", "encoder-test"),
        new AtomicReference<>());
    for (int i = 0; i < 1200; i++) { // one thread, twelve scopes in turn: one stripe, runs taking turns
      sdk.getTracer("scope-" + (i % 12)).spanBuilder("span " + i).startSpan().end();
    }
    assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();

    Map<String, Integer> byScope = new java.util.TreeMap<>();
    for (Received body : received) {
      ExportTraceServiceRequest.parseFrom(body.body()).getResourceSpansList().forEach(resource ->
          resource.getScopeSpansList().forEach(scope -> {
            assertThat(scope.getSpansList()).allSatisfy(span -> assertThat(
                "scope-" + Integer.parseInt(span.getName().substring("span ".length())) % 12)
                .isEqualTo(scope.getScope().getName()));
            byScope.merge(scope.getScope().getName(), scope.getSpansCount(), Integer::sum);
          }));
    }
    assertThat(byScope).hasSize(12).allSatisfy((scope, count) -> assertThat(count).as(scope).isEqualTo(100));
  }

  @Test
  void spansOfARunNotYetFullLeaveOnAFlushAndOnTheSchedule() throws Exception {
    for (String delay : List.of("60000", "1")) {
      OpenTelemetrySdk sdk = sdk(new SpanAccountingTest.RecordingLog(), Map.of("otel.service.name", "encoder-test",
          "otel.bsp.schedule.delay", delay), new AtomicReference<>());
      try {
        for (int i = 0; i < 3; i++) {
          sdk.getTracer("test").spanBuilder("after " + delay + " ms, " + i).startSpan().end();
        }
        if (delay.equals("60000")) {
          assertThat(sdk.getSdkTracerProvider().forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        Received body = arrivals.poll(30, TimeUnit.SECONDS);
        assertThat(body).as("spans after a flush or the schedule's delay").isNotNull();
        assertThat(spans(List.of(body))).extracting(Span::getName).as(delay)
            .containsExactlyInAnyOrder("after " + delay + " ms, 0", "after " + delay + " ms, 1", "after " + delay + " ms, 2");
      } finally {
        sdk.shutdown().join(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aFullQueueDropsWhatItCannotTakeAndCountsIt() throws Exception {
    SpanAccountingTest.RecordingLog log = new SpanAccountingTest.RecordingLog();
    SpanAccounting accounting = new SpanAccounting(log);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    hold = release; // the receiver holds the first request: the export thread waits, the queue fills
    OpenTelemetrySdk sdk = sdk(accounting, Map.of("otel.service.name", "encoder-test",
        "otel.bsp.max.queue.size", "256", "otel.bsp.max.export.batch.size", "64"), new AtomicReference<>(),
        (builder, config) -> builder);
    int ended = 2000;
    try {
      for (int i = 0; i < ended; i++) {
        sdk.getTracer("test").spanBuilder("span " + i).startSpan().end();
      }
      assertThat(accounting.dropped()).isPositive();
    } finally {
      release.countDown();
    }
    assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(spans(received).size() + accounting.dropped()).isEqualTo(ended);
    assertThat(log.errors).first().asString().startsWith("spans not exported so far: ")
        .contains("dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=256)");
  }

  private static SpanData span(Resource resource, String name, String spanId) {
    return TestSpanData.builder()
        .setSpanContext(SpanContext.create("0af7651916cd43dd8448eb211c80319c", spanId, TraceFlags.getSampled(),
            TraceState.getDefault()))
        .setResource(resource).setInstrumentationScopeInfo(InstrumentationScopeInfo.create("test"))
        .setName(name).setKind(SpanKind.INTERNAL).setStartEpochNanos(1).setEndEpochNanos(2)
        .setAttributes(Attributes.of(AttributeKey.stringKey("k"), "v")).setTotalAttributeCount(1)
        .setStatus(StatusData.unset()).setHasEnded(true).build();
  }

  /** An ended span as the batch processor is handed one: here, only its data matters. */
  private record EndedSpan(SpanData data) implements io.opentelemetry.sdk.trace.ReadableSpan {
    @Override
    public SpanContext getSpanContext() {
      return data.getSpanContext();
    }

    @Override
    public SpanContext getParentSpanContext() {
      return data.getParentSpanContext();
    }

    @Override
    public String getName() {
      return data.getName();
    }

    @Override
    public SpanData toSpanData() {
      return data;
    }

    @Override
    @SuppressWarnings("deprecation")
    public io.opentelemetry.sdk.common.InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
      return data.getInstrumentationLibraryInfo();
    }

    @Override
    public boolean hasEnded() {
      return true;
    }

    @Override
    public long getLatencyNanos() {
      return data.getEndEpochNanos() - data.getStartEpochNanos();
    }

    @Override
    public SpanKind getKind() {
      return data.getKind();
    }

    @Override
    public <T> T getAttribute(AttributeKey<T> key) {
      return data.getAttributes().get(key);
    }
  }
}
