package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpHandler;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.patchers.api.AgentLog;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What the jdk-http-server patch adds to one request: W3C extract from the request headers, span start with
 * the stable HTTP server attributes, the context made current around the rest of the chain, the status code,
 * end, and the hand-off to a {@link BatchSpanProcessor} (whose exporter does nothing).
 *
 * <ul>
 *   <li>{@code noTracing}: the filter chain and the handler alone: what every request pays without us.
 *   <li>{@code patcherFilter}: the same chain with the patcher's real {@link TracingFilter} first, as the patch
 *       installs it (so this class lives in the patcher's package: the filter is package-private).
 *   <li>{@code handWrittenSdk}: the same chain with {@link HandWrittenSdkFilter}, the same span written by hand
 *       with the plain OpenTelemetry API.
 * </ul>
 *
 * Read {@code patcherFilter - noTracing} against {@code handWrittenSdk - noTracing}, in ns/op and in
 * {@code gc.alloc.rate.norm} (bytes allocated per request, {@code -prof gc}). The same SDK instance (W3C
 * tracecontext + baggage, parent-based always-on sampler, default batch processor) serves both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class ServerPatchBenchmark {
  /** With an upstream service's traceparent (a child span) or without (a new trace), as wrk sends. */
  @Param({"none", "traceparent"})
  public String parent;

  private static final HttpHandler HANDLER = exchange -> exchange.sendResponseHeaders(200, -1);

  // Kept strongly: java.util.logging holds its loggers weakly.
  private static final Logger BSP_LOGGER = Logger.getLogger(BatchSpanProcessor.class.getName());

  private OpenTelemetrySdk sdk;
  private CountingExporter exporter;
  private BenchExchange exchange;
  private List<Filter> none;
  private List<Filter> patcher;
  private List<Filter> handWritten;

  @Setup(org.openjdk.jmh.annotations.Level.Trial)
  public void setUp() {
    // The batch processor warns (on its own thread) when its queue is full; that is not the request's cost.
    BSP_LOGGER.setLevel(Level.SEVERE);
    exporter = new CountingExporter();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
    exchange = new BenchExchange("traceparent".equals(parent));
    none = List.of();
    patcher = List.of(new TracingFilter(sdk, new StderrLog()));
    handWritten = List.of(new HandWrittenSdkFilter(sdk));
  }

  @TearDown(org.openjdk.jmh.annotations.Level.Trial)
  public void tearDown(BenchmarkParams params) {
    sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    sdk.close();
    // A filter that failed would send the request on untraced and look free: make that loud instead.
    long spans = exporter.spans.get();
    SpanData last = exporter.last;
    boolean tracing = !params.getBenchmark().endsWith(".noTracing");
    if (tracing && spans == 0) {
      throw new IllegalStateException("no span reached the exporter: the filter under test did not trace");
    }
    if (tracing && "traceparent".equals(parent) && !BenchExchange.TRACE_ID.equals(last.getTraceId())) {
      throw new IllegalStateException("the span did not continue the traceparent's trace: " + last.getTraceId());
    }
  }

  @Benchmark
  public int noTracing() throws IOException {
    exchange.reset();
    new Filter.Chain(none, HANDLER).doFilter(exchange);
    return exchange.getResponseCode();
  }

  @Benchmark
  public int patcherFilter() throws IOException {
    exchange.reset();
    new Filter.Chain(patcher, HANDLER).doFilter(exchange);
    return exchange.getResponseCode();
  }

  @Benchmark
  public int handWrittenSdk() throws IOException {
    exchange.reset();
    new Filter.Chain(handWritten, HANDLER).doFilter(exchange);
    return exchange.getResponseCode();
  }

  /** The exporter the batch processor hands spans to: counts them and keeps the last one, nothing more. */
  static final class CountingExporter implements SpanExporter {
    final AtomicLong spans = new AtomicLong();
    volatile SpanData last;

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAndGet(batch.size());
      for (SpanData span : batch) {
        last = span;
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  static final class StderrLog implements AgentLog {
    @Override
    public void debug(String message) {}

    @Override
    public void error(String message, Throwable error) {
      System.err.println("[otel-auto-instrument] " + message);
      error.printStackTrace();
    }

    @Override
    public void errorOnce(String key, String message, Throwable error) {
      error(message, error);
    }
  }
}
