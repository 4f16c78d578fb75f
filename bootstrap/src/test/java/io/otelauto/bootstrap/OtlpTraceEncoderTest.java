package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.LowAllocationTraceRequestMarshaler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OtlpTraceEncoder} against the SDK's own OTLP marshaller (the one its exporter uses by default): the
 * same bytes for the same spans, and both decoded by the official OTLP protobuf classes.
 */
class OtlpTraceEncoderTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final SpanContext REMOTE_PARENT = SpanContext.createFromRemoteParent(TRACE_ID, "b7ad6b7169203331",
      TraceFlags.getSampled(), TraceState.builder().put("vendor", "opaque-1").put("other", "x").build());
  private static final Resource RESOURCE = Resource.getDefault().merge(Resource.create(
      Attributes.of(AttributeKey.stringKey("service.name"), "shop", AttributeKey.longKey("process.pid"), 4242L)));

  @Test
  void spansMadeByTheSdkAreEncodedToTheSdksBytes() throws Exception {
    List<SpanData> spans = sdkSpans(SpanLimits.getDefault());
    assertThat(spans).hasSize(3);
    assertSameAsSdk(spans);
  }

  @Test
  void droppedAttributesEventsAndLinksAreCounted() throws Exception {
    List<SpanData> spans = sdkSpans(SpanLimits.builder().setMaxNumberOfAttributes(2).setMaxNumberOfEvents(1)
        .setMaxNumberOfLinks(1).setMaxNumberOfAttributesPerEvent(1).setMaxNumberOfAttributesPerLink(1).build());
    ExportTraceServiceRequest decoded = assertSameAsSdk(spans);
    io.opentelemetry.proto.trace.v1.Span server = decoded.getResourceSpans(0).getScopeSpans(0).getSpansList().stream()
        .filter(span -> span.getName().equals("GET /orders/{id}")).findFirst().orElseThrow();
    assertThat(server.getDroppedAttributesCount()).isPositive();
    assertThat(server.getDroppedEventsCount()).isEqualTo(1);
    assertThat(server.getDroppedLinksCount()).isEqualTo(1);
  }

  @Test
  void everyKindOfValueStringAndIdIsEncodedAsTheSdkEncodesIt() throws Exception {
    Attributes attributes = Attributes.builder()
        .put("empty", "")
        .put("ascii", "GET")
        .put("non.ascii", "héllo wörld ☃ 😀")
        .put("false", false)
        .put("true", true)
        .put("zero", 0L)
        .put("negative", -1L)
        .put("max", Long.MAX_VALUE)
        .put("double", 3.25)
        .put("nan", Double.NaN)
        .put(AttributeKey.stringArrayKey("strings"), List.of("a", "", "ü"))
        .put(AttributeKey.booleanArrayKey("booleans"), List.of(true, false))
        .put(AttributeKey.longArrayKey("longs"), List.of(1L, -300L))
        .put(AttributeKey.doubleArrayKey("doubles"), List.of(0.5, -0.0))
        .put(AttributeKey.stringArrayKey("no.strings"), List.of())
        .put(AttributeKey.valueKey("value.map"), Value.of(KeyValue.of("k", Value.of("v")),
            KeyValue.of("nested", Value.of(Value.of(1L), Value.of(true), Value.of(new byte[] {0, -1, 7}), Value.empty()))))
        .put(AttributeKey.valueKey("value.bytes"), Value.of(new byte[] {1, 2, 3}))
        .put(AttributeKey.valueKey("value.empty"), Value.empty())
        .build();
    SpanData rich = TestSpanData.builder()
        .setSpanContext(SpanContext.create(TRACE_ID, "00f067aa0ba902b7", TraceFlags.getDefault(),
            TraceState.builder().put("a", "1").build()))
        .setParentSpanContext(REMOTE_PARENT)
        .setResource(RESOURCE)
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.builder("scöpe").setVersion("1.0")
            .setSchemaUrl("https://opentelemetry.io/schemas/1.37.0")
            .setAttributes(Attributes.of(AttributeKey.stringKey("scope.attr"), "x")).build())
        .setName("nöt ascii")
        .setKind(SpanKind.CONSUMER)
        .setStartEpochNanos(1_700_000_000_123_456_789L)
        .setEndEpochNanos(1_700_000_000_987_654_321L)
        .setAttributes(attributes)
        .setTotalAttributeCount(attributes.size() + 3)
        .setEvents(List.of(EventData.create(1_700_000_000_200_000_000L, "exception",
            Attributes.of(AttributeKey.stringKey("exception.message"), "bad ☹")), EventData.create(5L, "", Attributes.empty())))
        .setTotalRecordedEvents(4)
        .setLinks(List.of(LinkData.create(REMOTE_PARENT, Attributes.of(AttributeKey.longKey("n"), 1L), 3),
            LinkData.create(SpanContext.create(TRACE_ID, "1111111111111111", TraceFlags.getSampled(), TraceState.getDefault()))))
        .setTotalRecordedLinks(2)
        .setStatus(StatusData.create(StatusCode.ERROR, "it broke: ☠"))
        .setHasEnded(true)
        .build();
    SpanData bare = TestSpanData.builder()
        .setSpanContext(SpanContext.create(TRACE_ID, "2222222222222222", TraceFlags.getDefault(), TraceState.getDefault()))
        .setResource(Resource.empty())
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.empty())
        .setName("")
        .setKind(SpanKind.INTERNAL)
        .setStartEpochNanos(0)
        .setEndEpochNanos(0)
        .setStatus(StatusData.ok())
        .setHasEnded(true)
        .build();
    assertSameAsSdk(List.of(rich));
    assertSameAsSdk(List.of(bare));
    // Two resources and three scopes in one batch: the same request, up to the order of the groups.
    SpanData otherScope = TestSpanData.builder().setSpanContext(rich.getSpanContext()).setResource(RESOURCE)
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("other")).setName("other").setKind(SpanKind.CLIENT)
        .setStartEpochNanos(1).setEndEpochNanos(2).setStatus(StatusData.unset()).setHasEnded(true).build();
    SpanData schemaResource = TestSpanData.builder().setSpanContext(rich.getSpanContext())
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "b"), "https://schema/1"))
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("third")).setName("third").setKind(SpanKind.PRODUCER)
        .setStartEpochNanos(1).setEndEpochNanos(2).setStatus(StatusData.unset()).setHasEnded(true).build();
    List<SpanData> mixed = List.of(rich, otherScope, bare, schemaResource, otherScope, rich);
    assertThat(groups(decode(new OtlpTraceEncoder().encode(mixed).toByteArray())))
        .isEqualTo(groups(decode(sdkBytes(mixed))));
  }

  @Test
  void aBatchLargerThanTheBufferGrowsItAndAReusedEncoderStartsAfresh() throws Exception {
    List<SpanData> one = sdkSpans(SpanLimits.getDefault());
    List<SpanData> many = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      many.add(one.get(i % one.size()));
    }
    OtlpTraceEncoder encoder = new OtlpTraceEncoder(16);
    assertThat(encoder.encode(many).toByteArray()).isEqualTo(sdkBytes(many));
    assertThat(encoder.encode(one).toByteArray()).isEqualTo(sdkBytes(one));
    assertThat(encoder.encode(List.of()).length()).isZero();
  }

  @Test
  void runsOfSpansEncodedAsTheyEndMakeTheSameRequestAsSpansEncodedInTheBatch() throws Exception {
    List<SpanData> spans = sdkSpans(SpanLimits.builder().setMaxNumberOfAttributes(3).setMaxNumberOfEvents(1).build());
    byte[] sdk = sdkBytes(spans);
    // One small encoder for all, as each stripe has one per scope: it grows, and starts again after a reset.
    OtlpTraceEncoder atEnd = new OtlpTraceEncoder(16);
    assertThat(new OtlpTraceEncoder(16).encodeRuns(List.of(run(atEnd, spans))).toByteArray()).isEqualTo(sdk);
    int half = spans.size() / 2;
    List<EncodedSpans> twoRuns = List.of(run(atEnd, spans.subList(0, half)), run(atEnd, spans.subList(half, spans.size())));
    assertThat(new OtlpTraceEncoder().encodeRuns(twoRuns).toByteArray()).isEqualTo(sdk);
    assertThat(new OtlpTraceEncoder().encodeRuns(List.of()).length()).isZero();

    // A span the encoder fails on leaves the run as it was.
    atEnd.reset();
    atEnd.addSpanEntry(spans.get(1));
    byte[] before = atEnd.toByteArray();
    SpanData unreadable = new DelegatingSpanData(spans.get(0)) {
      @Override
      public List<EventData> getEvents() {
        throw new IllegalStateException("a span that cannot be read");
      }
    };
    assertThatThrownBy(() -> atEnd.addSpanEntry(unreadable)).isInstanceOf(IllegalStateException.class);
    assertThat(atEnd.toByteArray()).isEqualTo(before);
    atEnd.addSpanEntry(spans.get(0));
    assertThat(new OtlpTraceEncoder().encodeRuns(List.of(new EncodedSpans(atEnd.toByteArray(), 2,
        spans.get(0).getResource(), spans.get(0).getInstrumentationScopeInfo()))).toByteArray())
        .isEqualTo(sdkBytes(spans.subList(0, 2)));

    // Several resources and scopes: grouped the same way.
    SpanData otherScope = TestSpanData.builder().setSpanContext(spans.get(0).getSpanContext())
        .setResource(Resource.empty()).setInstrumentationScopeInfo(InstrumentationScopeInfo.create("other"))
        .setName("other").setKind(SpanKind.CLIENT).setStartEpochNanos(1).setEndEpochNanos(2)
        .setStatus(StatusData.unset()).setHasEnded(true).build();
    List<EncodedSpans> groups = List.of(run(atEnd, spans.subList(0, 1)), run(new OtlpTraceEncoder(16), List.of(otherScope)),
        run(atEnd, spans.subList(1, 2)), run(new OtlpTraceEncoder(16), List.of(otherScope)));
    assertThat(groups(decode(new OtlpTraceEncoder().encodeRuns(groups).toByteArray())))
        .isEqualTo(groups(decode(sdkBytes(List.of(spans.get(0), otherScope, spans.get(1), otherScope)))));
  }

  /**
   * {@code spans} (of one resource and scope) as one run: added newest first, as they end, so added here
   * last to first, the run holds them in their order.
   */
  private static EncodedSpans run(OtlpTraceEncoder encoder, List<SpanData> spans) {
    encoder.reset();
    for (int i = spans.size() - 1; i >= 0; i--) {
      encoder.addSpanEntry(spans.get(i));
    }
    return new EncodedSpans(encoder.toByteArray(), spans.size(), spans.get(0).getResource(),
        spans.get(0).getInstrumentationScopeInfo());
  }

  @Test
  void attributeKeysThatShareACacheSlotOrNotTheirIdentityAreEachEncodedAsThemselves() throws Exception {
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode()); // one slot of the key cache
    String copyOfPath = new String("url.path".toCharArray());
    List<SpanData> spans = serverSpans("keys", List.of(
        Attributes.of(AttributeKey.stringKey("Aa"), "1", AttributeKey.stringKey("BB"), "2"),
        Attributes.of(AttributeKey.stringKey("BB"), "3", AttributeKey.stringKey("url.path"), "/a"),
        Attributes.of(AttributeKey.stringKey(copyOfPath), "/b", AttributeKey.stringKey("Aa"), "4")));
    OtlpTraceEncoder encoder = new OtlpTraceEncoder();
    for (int round = 0; round < 2; round++) { // the second round finds the keys cached
      assertThat(encoder.encode(spans).toByteArray()).isEqualTo(sdkBytes(spans));
      for (SpanData span : spans) {
        assertThat(encoder.encode(List.of(span)).toByteArray()).isEqualTo(sdkBytes(List.of(span)));
      }
    }
  }

  @Test
  void valuesThatRepeatChangeOrChangeTypeUnderOneKeyAreEachEncodedAsThemselves() throws Exception {
    AttributeKey<String> method = AttributeKey.stringKey("http.request.method");
    AttributeKey<Long> port = AttributeKey.longKey("server.port");
    // One key string, three types: one slot of the cache.
    AttributeKey<String> asString = AttributeKey.stringKey("n");
    AttributeKey<Long> asLong = AttributeKey.longKey("n");
    AttributeKey<Boolean> asBoolean = AttributeKey.booleanKey("n");
    List<Attributes> sets = List.of(
        Attributes.of(method, "GET", asString, "1", port, 8080L),
        Attributes.of(method, "GET", asString, "1", port, 8080L), // the second time: kept whole
        Attributes.of(method, "GET", asString, "1", port, 8080L), // the third: copied as kept
        Attributes.of(method, "POST", asLong, 1L, port, 8081L),
        Attributes.of(method, new String("POST".toCharArray()), asLong, 1L, port, 8081L), // equal, not the same
        Attributes.of(method, "POST", asBoolean, true, port, 8081L),
        Attributes.of(method, "", asBoolean, true, port, 0L),
        Attributes.of(method, "", asBoolean, false, port, 0L),
        Attributes.of(method, "GET", asString, "1", port, 8080L),
        Attributes.of(method, "GET", asString, "1", port, 8080L));
    List<SpanData> spans = serverSpans("values", sets);
    OtlpTraceEncoder oneByOne = new OtlpTraceEncoder(16);
    for (SpanData span : spans) {
      assertThat(oneByOne.encode(List.of(span)).toByteArray()).isEqualTo(sdkBytes(List.of(span)));
    }
    assertThat(new OtlpTraceEncoder().encodeRuns(List.of(run(new OtlpTraceEncoder(16), spans))).toByteArray())
        .isEqualTo(sdkBytes(spans));
    OtlpTraceEncoder batches = new OtlpTraceEncoder();
    for (int round = 0; round < 2; round++) {
      assertThat(batches.encode(spans).toByteArray()).isEqualTo(sdkBytes(spans));
    }
  }

  /** One ended SERVER span per set of attributes, named and scoped {@code name}, otherwise alike. */
  private static List<SpanData> serverSpans(String name, List<Attributes> sets) {
    InstrumentationScopeInfo scope = InstrumentationScopeInfo.create(name);
    List<SpanData> spans = new ArrayList<>();
    for (Attributes attributes : sets) {
      spans.add(TestSpanData.builder()
          .setSpanContext(SpanContext.create(TRACE_ID, "2222222222222222", TraceFlags.getSampled(), TraceState.getDefault()))
          .setResource(RESOURCE).setInstrumentationScopeInfo(scope)
          .setName(name).setKind(SpanKind.SERVER).setStartEpochNanos(1).setEndEpochNanos(2)
          .setAttributes(attributes).setTotalAttributeCount(attributes.size())
          .setStatus(StatusData.unset()).setHasEnded(true).build());
    }
    return spans;
  }

  /** Ours and the SDK's: the same bytes, which the official classes decode (to the request returned). */
  private static ExportTraceServiceRequest assertSameAsSdk(List<SpanData> spans) throws IOException {
    byte[] ours = new OtlpTraceEncoder().encode(spans).toByteArray();
    byte[] sdk = sdkBytes(spans);
    ExportTraceServiceRequest decoded = decode(ours);
    assertThat(decoded).isEqualTo(decode(sdk));
    assertThat(ours).isEqualTo(sdk);
    assertThat(decoded.getResourceSpansList().stream().mapToInt(r -> r.getScopeSpansList().stream()
        .mapToInt(ScopeSpans::getSpansCount).sum()).sum()).isEqualTo(spans.size());
    return decoded;
  }

  private static ExportTraceServiceRequest decode(byte[] bytes) throws IOException {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(bytes);
    assertThat(request.getUnknownFields().asMap()).isEmpty();
    return request;
  }

  private static byte[] sdkBytes(List<SpanData> spans) throws IOException {
    LowAllocationTraceRequestMarshaler marshaler = new LowAllocationTraceRequestMarshaler();
    marshaler.initialize(spans);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    marshaler.writeBinaryTo(out);
    return out.toByteArray();
  }

  /** Each span with its resource and scope, whatever order the groups came in. */
  private static List<String> groups(ExportTraceServiceRequest request) {
    List<String> flat = new ArrayList<>();
    for (ResourceSpans resource : request.getResourceSpansList()) {
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        scope.getSpansList().forEach(span -> flat.add(resource.getResource() + "|" + resource.getSchemaUrl() + "|"
            + scope.getScope() + "|" + scope.getSchemaUrl() + "|" + span));
      }
    }
    flat.sort(null);
    return flat;
  }

  /** A server span under a remote parent, with an event and links, and its client and internal children. */
  private static List<SpanData> sdkSpans(SpanLimits limits) {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setResource(RESOURCE).setSpanLimits(limits)
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      Tracer tracer = provider.get("io.otelauto.patchers.jdk-http-server", "0.1.0");
      Span server = tracer.spanBuilder("GET /orders/{id}").setSpanKind(SpanKind.SERVER)
          .setParent(Context.root().with(Span.wrap(REMOTE_PARENT)))
          .addLink(REMOTE_PARENT, Attributes.of(AttributeKey.stringKey("link.kind"), "caller", AttributeKey.longKey("n"), 2L))
          .addLink(SpanContext.create(TRACE_ID, "3333333333333333", TraceFlags.getDefault(), TraceState.getDefault()))
          .setAttribute("http.request.method", "GET")
          .setAttribute("url.path", "/orders/17")
          .setAttribute("server.port", 8080L)
          .setAttribute("http.response.status_code", 500L)
          .startSpan();
      server.addEvent("first", Attributes.of(AttributeKey.stringKey("a"), "1", AttributeKey.booleanKey("b"), true));
      server.addEvent("second");
      Span client = tracer.spanBuilder("SELECT shop.orders").setSpanKind(SpanKind.CLIENT)
          .setParent(Context.root().with(server)).setAttribute("db.system.name", "h2").startSpan();
      client.end();
      tracer.spanBuilder("work").setParent(Context.root().with(server)).startSpan().end();
      server.setStatus(StatusCode.ERROR);
      server.end();
      return exporter.getFinishedSpanItems(); // before the exporter's shutdown empties it
    }
  }
}
