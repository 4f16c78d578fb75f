package io.otelauto.benchmarks.jmh;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.patchers.api.Patcher;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the per-patcher benchmarks share, set up once per trial: this JVM made an instrumented JVM by
 * {@link PatcherTestKit} (in both variants, so that the only difference is the patch), an SDK as the agent
 * builds it (W3C tracecontext, batch processor, an exporter that only counts), the patch applied or not,
 * and the context of a request being handled: a recording SERVER span, current around each measured call.
 */
final class PatchBench {
  // Kept strongly: java.util.logging holds its loggers weakly.
  private static final Logger BSP_LOGGER = Logger.getLogger(BatchSpanProcessor.class.getName());

  final OpenTelemetrySdk sdk;
  /** The request's context; its span is never ended, so that only the patch's spans reach the exporter. */
  final Context request;
  private final ChildCounter exporter;
  private final Patcher patcher;
  private final boolean patched;

  private PatchBench(Patcher patcher, boolean patched) throws Exception {
    PatcherTestKit kit = PatcherTestKit.install();
    // The batch processor warns (on its own thread) when its queue is full; that is not the call's cost.
    BSP_LOGGER.setLevel(Level.SEVERE);
    exporter = new ChildCounter();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    Span span = sdk.getTracer("benchmark").spanBuilder("GET /request").setSpanKind(SpanKind.SERVER).startSpan();
    exporter.parentSpanId = span.getSpanContext().getSpanId();
    request = Context.root().with(span);
    this.patcher = patcher;
    this.patched = patched;
    if (patched) {
      patcher.patch(kit.context(sdk));
    }
  }

  /** Call first in the trial's setup: nothing may touch the patched library before. */
  static PatchBench start(Patcher patcher, boolean patched) throws Exception {
    return new PatchBench(patcher, patched);
  }

  /** Spans exported so far whose parent is the request's span. */
  long childSpans() {
    sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    return exporter.children.get();
  }

  /**
   * Flushes, undoes the patch and closes the SDK. With {@code spansExpected}, a patched run that made no span
   * under the request fails: a patch that silently stopped working must not look free. An unpatched run that
   * made one fails too (something else is tracing).
   */
  void stop(boolean spansExpected) {
    long children = close();
    if (patched && spansExpected && children == 0) {
      throw new IllegalStateException(patcher.name() + ": no span reached the exporter; the patch did not trace");
    }
    if (!patched && children != 0) {
      throw new IllegalStateException(patcher.name() + ": spans were made without the patch");
    }
  }

  /**
   * As {@link #stop}, for a benchmark whose unpatched variant makes the same spans another way (the same
   * calls straight on the SDK): both variants must have made spans under the request.
   */
  void stopMakingSpansEitherWay() {
    if (close() == 0) {
      throw new IllegalStateException(patcher.name() + ": no span reached the exporter");
    }
  }

  private long close() {
    long children = childSpans();
    if (patched) {
      patcher.unpatch();
    }
    sdk.close();
    System.out.println("[" + patcher.name() + (patched ? ", patched" : ", not patched") + "] " + children
        + " spans exported under the request's span");
    return children;
  }

  /**
   * A JDK HTTP server on 127.0.0.1, on a port of the system's choosing, answering every request with a short
   * body and a Content-Length (so HTTP/1.1 connections are kept alive), on two threads of its own.
   */
  static HttpServer helloServer() throws IOException {
    byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    ExecutorService threads = Executors.newFixedThreadPool(2);
    server.setExecutor(threads);
    server.start();
    return server;
  }

  static void stop(HttpServer server) {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }

  /** The batch processor's exporter: counts the spans whose parent is the request's span, nothing more. */
  private static final class ChildCounter implements SpanExporter {
    final AtomicLong children = new AtomicLong();
    volatile String parentSpanId;

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      for (SpanData span : batch) {
        if (span.getParentSpanId().equals(parentSpanId)) {
          children.incrementAndGet();
        }
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
}
