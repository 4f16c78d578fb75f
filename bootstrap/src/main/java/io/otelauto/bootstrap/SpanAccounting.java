package io.otelauto.bootstrap;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.semconv.ServiceAttributes;
import io.otelauto.patchers.api.AgentLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Every span that is not exported is counted and reported, never lost silently: spans dropped because the
 * export queue is full, and spans an exporter failed to deliver.
 *
 * <p>The SDK's batch processor drops a span silently when its queue is full. So the agent puts a gate in
 * front of it ({@link QueueGate}) that keeps the number of spans accepted and not yet handed to the exporter
 * at most {@code otel.bsp.max.queue.size}, the queue's own capacity: the batch processor's queue therefore
 * never overflows, and every drop happens, and is counted, at the gate. Where the agent's OTLP exporter is
 * the one batched exporter, the agent's own batch processor ({@link EncodedBatchSpanProcessor}) takes the
 * SDK's place, and counts its drops itself. Each exporter is wrapped
 * ({@link CountingExporter}) to count what it was handed, delivered and failed to deliver.
 *
 * <p>Drops are reported on standard error as they start and then at most once a minute, and once more in
 * total when the SDK shuts down (at exit).
 */
final class SpanAccounting {
  private static final long REPORT_INTERVAL_NANOS = 60_000_000_000L;

  final AgentLog log;
  private final List<CountingExporter> exporters = new CopyOnWriteArrayList<>();
  private final List<CountingExporter> unbatched = new CopyOnWriteArrayList<>();
  final List<Gate> gates = new CopyOnWriteArrayList<>();
  private final AtomicLong nextReport = new AtomicLong(Long.MIN_VALUE);
  private final AtomicInteger shutDown = new AtomicInteger();
  private final AtomicBoolean finallyReported = new AtomicBoolean();

  /** The agent's status publisher (Agent.publish): told when the counts change; none in tests. */
  private volatile Runnable onChange;
  private final AtomicLong nextDropPublish = new AtomicLong(Long.MIN_VALUE);

  SpanAccounting(AgentLog log) {
    this.log = log;
  }

  void onChange(Runnable publish) {
    onChange = publish;
  }

  /** Counts changed: after every export (at most a few a second), and for drops at most every 100 ms. */
  private void changed(boolean drop) {
    Runnable publish = onChange;
    if (publish == null) {
      return;
    }
    if (drop) {
      long now = System.nanoTime();
      long next = nextDropPublish.get();
      if ((next != Long.MIN_VALUE && now - next < 0) || !nextDropPublish.compareAndSet(next, now + 100_000_000L)) {
        return;
      }
    }
    try {
      publish.run();
    } catch (RuntimeException e) {
      log.errorOnce("status", "publishing the agent's status failed", e);
    }
  }

  /** For {@code addSpanExporterCustomizer}: counts what each configured exporter delivers. */
  SpanExporter count(SpanExporter exporter) {
    CountingExporter counting = new CountingExporter(exporter, this);
    exporters.add(counting);
    return counting;
  }

  /**
   * For {@code addSpanProcessorCustomizer}: gates the batch processor. Autoconfigure customizes the
   * processors in order: the simple ones (console, logging) first, then the one batch processor, whose
   * exporter is every other counted exporter (all of them see every batch; the first one is asked).
   */
  SpanProcessor gate(SpanProcessor processor, ConfigProperties config) {
    if (processor instanceof SimpleSpanProcessor) {
      SpanExporter exporter = ((SimpleSpanProcessor) processor).getSpanExporter();
      if (exporter instanceof CountingExporter) {
        unbatched.add((CountingExporter) exporter);
      }
      return processor;
    }
    if (!(processor instanceof BatchSpanProcessor)) {
      return processor;
    }
    SpanExporter exporter = ((BatchSpanProcessor) processor).getSpanExporter();
    CountingExporter handedTo = exporter instanceof CountingExporter ? (CountingExporter) exporter : null;
    if (handedTo == null) {
      List<CountingExporter> batched = new ArrayList<>(exporters);
      batched.removeAll(unbatched);
      handedTo = batched.isEmpty() ? null : batched.get(0);
    }
    if (handedTo == null) {
      return processor;
    }
    int capacity = config.getInt("otel.bsp.max.queue.size", 2048);
    // Spans may be encoded as they end only where the agent's OTLP exporter is the one reader of the queue.
    OtlpProtobufSpanExporter encoding = exporter instanceof CountingExporter
        && ((CountingExporter) exporter).delegate instanceof OtlpProtobufSpanExporter
        ? (OtlpProtobufSpanExporter) ((CountingExporter) exporter).delegate : null;
    if (encoding != null && encoding.encodesAtEnd()) {
      EncodedBatchSpanProcessor encoded = new EncodedBatchSpanProcessor(encoding, handedTo, this,
          config.getDuration("otel.bsp.schedule.delay", Duration.ofSeconds(5)).toNanos(),
          config.getInt("otel.bsp.max.export.batch.size", 512),
          config.getDuration("otel.bsp.export.timeout", Duration.ofSeconds(30)).toNanos(), capacity);
      // The SDK's processor gives way: its worker stops, and leaves the exporter, now the new one's, open.
      handedTo.ignoreNextShutdown();
      processor.shutdown();
      gates.add(encoded);
      return encoded;
    }
    QueueGate gate = new QueueGate(processor, handedTo, capacity, this);
    gates.add(gate);
    return gate;
  }

  /** The service the spans are of, as the resource says (status shows it). */
  private volatile String serviceName;

  /** For the resource customizer: notes the service name, and changes nothing. */
  Resource describing(Resource resource) {
    serviceName = resource.getAttribute(ServiceAttributes.SERVICE_NAME);
    return resource;
  }

  /**
   * {@code otel-auto-instrument status}: the service name, the exporters, and the spans delivered, failed,
   * dropped at the gate and still queued or being sent, as {@code NAME=VALUE} lines. A span handed to two
   * exporters is counted once by each.
   */
  void status(StringBuilder status) {
    status.append("service.name=").append(serviceName).append('\n').append("exporters=");
    for (CountingExporter exporter : exporters) {
      status.append(exporter.name).append(',');
    }
    if (!exporters.isEmpty()) {
      status.setLength(status.length() - 1);
    }
    long queued = 0;
    for (Gate gate : gates) {
      queued += gate.unresolvedBy(gate.handedTo());
    }
    status.append("\nspans.exported=").append(delivered()).append("\nspans.failed=").append(failed())
        .append("\nspans.dropped=").append(dropped()).append("\nspans.queued=").append(queued).append('\n');
  }

  long dropped() {
    long dropped = 0;
    for (Gate gate : gates) {
      dropped += gate.dropped();
    }
    return dropped;
  }

  long failed() {
    long failed = 0;
    for (CountingExporter exporter : exporters) {
      failed += exporter.failed.sum();
    }
    return failed;
  }

  /** At most once a minute while spans are being lost. */
  private void maybeReport() {
    long now = System.nanoTime();
    long next = nextReport.get();
    if ((next != Long.MIN_VALUE && now - next < 0) || !nextReport.compareAndSet(next, now + REPORT_INTERVAL_NANOS)) {
      return;
    }
    log.error(summary("so far"), null);
  }

  /** After the last export, at shutdown (batch processors shut their exporter down last): the totals. */
  private void reportAtShutdown() {
    if (!finallyReported.compareAndSet(false, true)) {
      return;
    }
    if (dropped() + failed() > 0) {
      log.error(summary("in all"), null);
    } else {
      log.debug("every span ended was handed to the exporters; " + delivered() + " delivered, none dropped");
    }
  }

  /**
   * The exit bound ended the shutdown before the exporters were done ({@link ExitBound}): the totals, with
   * the spans still queued or being sent counted too, so that ended = delivered + reported.
   */
  void reportCutAtExit(Duration bound) {
    if (!finallyReported.compareAndSet(false, true)) {
      return;
    }
    // Every batched exporter is handed every batch of the one batch processor, each delivering at its pace.
    List<CountingExporter> batched = new ArrayList<>(exporters);
    batched.removeAll(unbatched);
    StringBuilder cut = new StringBuilder();
    for (Gate gate : gates) {
      for (CountingExporter exporter : batched) {
        long unresolved = gate.unresolvedBy(exporter);
        if (unresolved > 0) {
          cut.append(' ').append(unresolved).append(" still queued or being sent to ").append(exporter.name)
              .append(" when the exit bound (").append(bound.toMillis())
              .append(" ms, OTEL_AUTO_INSTRUMENT_EXIT_TIMEOUT) ended the export;");
        }
      }
    }
    if (dropped() + failed() == 0 && cut.length() == 0) {
      return;
    }
    String totals = dropped() + failed() > 0 ? summary("in all") + ";" : "spans not exported in all:";
    log.error(totals + cut.substring(0, Math.max(0, cut.length() - 1)), null);
  }

  private long delivered() {
    long delivered = 0;
    for (CountingExporter exporter : exporters) {
      delivered += exporter.delivered.sum();
    }
    return delivered;
  }

  String summary(String when) {
    StringBuilder line = new StringBuilder("spans not exported ").append(when).append(':');
    for (Gate gate : gates) {
      long dropped = gate.dropped();
      if (dropped > 0) {
        line.append(' ').append(dropped).append(" dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=")
            .append(gate.capacity()).append("): the exporter did not keep up;");
      }
    }
    for (CountingExporter exporter : exporters) {
      long failed = exporter.failed.sum();
      if (failed > 0) {
        line.append(' ').append(failed).append(" failed to export through ").append(exporter.name)
            .append(exporter.lastError == null ? "" : " (" + exporter.lastError + ")").append(';');
      }
    }
    line.setLength(line.length() - 1);
    return line.toString();
  }

  /** A span was turned away at a full queue: reported at most once a minute, published at most every 100 ms. */
  void spansDropped() {
    maybeReport();
    changed(true);
  }

  /** Where spans are accepted for a batched exporter, or dropped because its queue is full. */
  interface Gate {
    /** Spans accepted, ever. */
    long accepted();

    long dropped();

    /** {@code otel.bsp.max.queue.size}. */
    int capacity();

    /** The exporter whose counts say what became of the spans accepted. */
    CountingExporter handedTo();

    /** Whether spans are encoded as they end. */
    boolean encodesAtEnd();

    /** Accepted here and neither delivered nor failed by {@code exporter}: still queued, or being sent. */
    default long unresolvedBy(CountingExporter exporter) {
      return Math.max(0, accepted() - exporter.delivered.sum() - exporter.failed.sum());
    }
  }

  /** In front of the SDK's batch processor: keeps its queue from overflowing, counting what it turns away. */
  static final class QueueGate implements SpanProcessor, Gate {
    private final SpanProcessor batch;
    private final CountingExporter handedTo;
    private final int capacity;
    private final SpanAccounting accounting;
    private final AtomicLong accepted = new AtomicLong();
    private final LongAdder dropped = new LongAdder();

    QueueGate(SpanProcessor batch, CountingExporter handedTo, int capacity, SpanAccounting accounting) {
      this.batch = batch;
      this.handedTo = handedTo;
      this.capacity = capacity;
      this.accounting = accounting;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
      batch.onStart(parentContext, span);
    }

    @Override
    public boolean isStartRequired() {
      return batch.isStartRequired();
    }

    @Override
    public void onEnd(ReadableSpan span) {
      if (!span.getSpanContext().isSampled()) {
        // The batch processor does not queue it (unless told to export unsampled spans: those are not gated).
        batch.onEnd(span);
        return;
      }
      // Accepted and not yet handed over is an upper bound of what waits in the batch processor's queue
      // (what its worker has taken but not yet exported is counted too), so below its capacity there is room.
      long waiting = accepted.incrementAndGet() - handedTo.handed.get();
      if (waiting > capacity) {
        accepted.decrementAndGet();
        dropped.increment();
        accounting.spansDropped();
        return;
      }
      batch.onEnd(span);
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }

    @Override
    public long accepted() {
      return accepted.get();
    }

    @Override
    public long dropped() {
      return dropped.sum();
    }

    @Override
    public int capacity() {
      return capacity;
    }

    @Override
    public CountingExporter handedTo() {
      return handedTo;
    }

    @Override
    public boolean encodesAtEnd() {
      return false;
    }

    @Override
    public CompletableResultCode shutdown() {
      return batch.shutdown();
    }

    @Override
    public CompletableResultCode forceFlush() {
      return batch.forceFlush();
    }

    @Override
    public String toString() {
      return "QueueGate{" + batch + '}';
    }
  }

  /** Counts the spans an exporter is handed, delivers and fails to deliver. */
  static final class CountingExporter implements SpanExporter {
    private final SpanExporter delegate;
    private final SpanAccounting accounting;
    final String name;
    final AtomicLong handed = new AtomicLong();
    final LongAdder delivered = new LongAdder();
    final LongAdder failed = new LongAdder();
    volatile String lastError;
    private final AtomicBoolean ignoreNextShutdown = new AtomicBoolean();

    CountingExporter(SpanExporter delegate, SpanAccounting accounting) {
      this.delegate = delegate;
      this.accounting = accounting;
      this.name = delegate instanceof OtlpProtobufSpanExporter
          ? ((OtlpProtobufSpanExporter) delegate).sdkExporterName()
          : delegate.getClass().getSimpleName();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return counted(spans.size(), () -> delegate.export(spans));
    }

    /** Runs of spans encoded as they ended, {@code count} spans in all: only for the agent's OTLP exporter. */
    CompletableResultCode exportEncoded(List<EncodedSpans> runs, int count) {
      return counted(count, () -> ((OtlpProtobufSpanExporter) delegate).exportEncoded(runs));
    }

    private CompletableResultCode counted(int count, Supplier<CompletableResultCode> export) {
      handed.addAndGet(count);
      CompletableResultCode result;
      try {
        result = export.get();
      } catch (RuntimeException e) {
        fail(count, describe(e));
        return CompletableResultCode.ofFailure();
      }
      result.whenComplete(() -> {
        if (result.isSuccess()) {
          delivered.add(count);
        } else {
          fail(count, describe(result.getFailureThrowable()));
        }
        accounting.changed(false);
      });
      return result;
    }

    /** The innermost cause says what happened (refused, timed out); the SDK's wrapper only that it failed. */
    private static String describe(Throwable failure) {
      if (failure == null) {
        return null;
      }
      Throwable root = failure;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.toString();
    }

    private void fail(int count, String error) {
      if (error != null) {
        lastError = error;
      }
      failed.add(count);
      accounting.maybeReport();
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    /**
     * The next {@link #shutdown} is not passed on: it comes from the SDK's batch processor, which gave this
     * exporter up to {@link EncodedBatchSpanProcessor} (whichever of the two shuts down first, the exporter
     * is shut down once, by the other).
     */
    void ignoreNextShutdown() {
      ignoreNextShutdown.set(true);
    }

    @Override
    public CompletableResultCode shutdown() {
      if (ignoreNextShutdown.compareAndSet(true, false)) {
        return CompletableResultCode.ofSuccess();
      }
      CompletableResultCode result = delegate.shutdown();
      if (accounting.shutDown.incrementAndGet() == accounting.exporters.size()) {
        accounting.reportAtShutdown();
      }
      return result;
    }

    @Override
    public String toString() {
      return "Counting{" + delegate + '}';
    }
  }
}
