package io.otelauto.bootstrap;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.LowAllocationTraceRequestMarshaler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.ServiceAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding one batch of 2048 SERVER spans, as the JDK HTTP server patch makes them, into an OTLP protobuf
 * request written to a stream that discards it: the SDK's marshaller (the one its OTLP exporter uses by
 * default, size pass then write pass) against the agent's one-pass {@link OtlpTraceEncoder}, the batch at
 * once and each span as it ends, into runs ({@link EncodedSpans}). Figures are per span (ns, and bytes allocated with
 * {@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OtlpEncodingBenchmark {
  static final int BATCH = 2048;

  private List<SpanData> batch;
  private final LowAllocationTraceRequestMarshaler sdk = new LowAllocationTraceRequestMarshaler();
  private final OtlpTraceEncoder agent = new OtlpTraceEncoder();
  private final OtlpTraceEncoder atEnd = new OtlpTraceEncoder(1024);
  private final List<EncodedSpans> runs = new ArrayList<>();
  private final OutputStream discard = OutputStream.nullOutputStream();

  @Setup
  public void makeSpans() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put(ServiceAttributes.SERVICE_NAME, "bench").build()))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    Tracer tracer = provider.get("io.otelauto.patchers.jdk-http-server", "0.1.0");
    SpanContext caller = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getSampled(), TraceState.getDefault());
    for (int i = 0; i < BATCH; i++) {
      // As a server's spans come: each with its own path, peer port and ids; the rest repeats.
      Span span = tracer.spanBuilder("GET /hello/{id}").setSpanKind(SpanKind.SERVER)
          .setParent(i % 2 == 0 ? Context.root() : Context.root().with(Span.wrap(caller)))
          .setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, "GET")
          .setAttribute(UrlAttributes.URL_SCHEME, "http")
          .setAttribute(UrlAttributes.URL_PATH, "/hello/" + i)
          .setAttribute(HttpAttributes.HTTP_ROUTE, "/hello/{id}")
          .setAttribute(ServerAttributes.SERVER_ADDRESS, "127.0.0.1")
          .setAttribute(ServerAttributes.SERVER_PORT, 8080L)
          .setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, "1.1")
          .setAttribute(ClientAttributes.CLIENT_ADDRESS, "127.0.0.1")
          .setAttribute(NetworkAttributes.NETWORK_PEER_PORT, 40000L + i)
          .setAttribute(UserAgentAttributes.USER_AGENT_ORIGINAL, "wrk/4.1.0")
          .startSpan();
      span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, 200L);
      span.end();
    }
    batch = List.copyOf(exporter.getFinishedSpanItems());
    provider.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int sdkMarshaller() throws IOException {
    sdk.initialize(batch);
    int size = sdk.getBinarySerializedSize();
    sdk.writeBinaryTo(discard);
    sdk.reset();
    return size;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int agentEncoder() throws IOException {
    agent.encode(batch).writeTo(discard);
    return agent.length();
  }

  /**
   * The same request with each span encoded as it ends (what the agent does by default): one span at a time
   * added to a stripe's run, a run handed over every {@value EncodedBatchSpanProcessor#SPANS_PER_RUN} spans,
   * then the batch as those runs' bytes under one resource and scope.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int agentEncoderAtEnd() throws IOException {
    runs.clear();
    int inRun = 0;
    for (int i = 0; i < BATCH; i++) {
      SpanData span = batch.get(i);
      atEnd.addSpanEntry(span);
      if (++inRun == EncodedBatchSpanProcessor.SPANS_PER_RUN || i == BATCH - 1) {
        runs.add(new EncodedSpans(atEnd.toByteArray(), inRun, span.getResource(), span.getInstrumentationScopeInfo()));
        atEnd.reset();
        inRun = 0;
      }
    }
    agent.encodeRuns(runs).writeTo(discard);
    return agent.length();
  }
}
