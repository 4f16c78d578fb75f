package io.otelauto.bootstrap;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The batch processor, in place of the SDK's (and of the {@link SpanAccounting.QueueGate} in front of it),
 * when the agent's {@link OtlpProtobufSpanExporter} is its one exporter: each span is encoded as it ends, on
 * the thread that ends it, into a run of spans of its resource and scope; full runs are handed to one export
 * thread, which sends them, as they are, in requests of at most {@code otel.bsp.max.export.batch.size} spans.
 *
 * <p>Why: per span, the SDK's processor and the gate did three atomic read-modify-writes on lines that every
 * request thread and the worker share (the gate's count, the queue's index, the queue's size), and the
 * worker then read each span from another core's cache. A profile of a saturated JDK HTTP server on
 * Temurin 25 put that hand-off at the cost of encoding the span itself. Here a span takes the lock of a
 * stripe, which in practice only its own thread takes (each thread is given one, and moves on to another
 * should it find it held; the export thread takes each once per schedule delay), and the shared structures
 * are touched once per run of {@value #SPANS_PER_RUN} spans.
 *
 * <p>What stays as the SDK's processor does it: the {@code otel.bsp.*} settings (schedule delay, batch
 * size, queue size, export timeout) mean what they mean there; only sampled spans are exported; a span that
 * finds {@code otel.bsp.max.queue.size} spans waiting is dropped, and counted ({@link SpanAccounting});
 * {@link #forceFlush} and {@link #shutdown} export everything ended before them. Spans in a run still being
 * filled wait at most one schedule delay: the export thread takes them then. Within a run the newest span
 * comes first (the encoder writes back to front); OTLP gives the order of spans no meaning.
 *
 * <p>Should the encoder fail, the span that made it fail and every later one go, as the SDK's spans, to the
 * SDK's exporter ({@link OtlpProtobufSpanExporter#encoderFailed}).
 */
final class EncodedBatchSpanProcessor implements SpanProcessor, SpanAccounting.Gate {
  static final int SPANS_PER_RUN = 64;
  /** A run this large is handed over before it has its {@value #SPANS_PER_RUN} spans (spans with large attributes). */
  private static final int RUN_BYTES = 64 * 1024;
  /** A stripe's encoder that grew beyond this for a few large spans is let go, not kept for good. */
  private static final int KEPT_CAPACITY = 2 * RUN_BYTES;
  /** A span of one scope more than this in a stripe takes the first run's place; that run is handed over as it is. */
  private static final int SCOPES_PER_STRIPE = 8;
  static final String THREAD_NAME = "otel-auto-instrument-span-export";

  private final OtlpProtobufSpanExporter otlp;
  private final SpanAccounting.CountingExporter exporter;
  private final long scheduleDelayNanos;
  private final int batchSize;
  /** {@value #SPANS_PER_RUN}, or the batch size if smaller: a request never holds more than a batch. */
  private final int runSpans;
  private final long exportTimeoutNanos;
  private final int capacity;

  private final Stripe[] stripes;
  private final AtomicInteger nextStripe = new AtomicInteger();
  private final ThreadLocal<Stripe> stripeOfThread = new ThreadLocal<>();
  /** Full runs, handed over by the stripes. */
  private final ConcurrentLinkedQueue<EncodedSpans> runs = new ConcurrentLinkedQueue<>();
  /** Once the encoder has failed: spans as the SDK made them, for the SDK's exporter. */
  private final ConcurrentLinkedQueue<SpanData> unencoded = new ConcurrentLinkedQueue<>();
  /**
   * Arrays of runs already sent, for the next runs: a stripe copies a run into one instead of a new array.
   * Why: a run waits for its batch across a young collection or two, and G1 copied each new array as it
   * waited; it was also the largest of the agent's allocations per request on the Spring Boot example's
   * threads (a profile: about 240 bytes of the agent's 1.5 KB). A spare is soon old, and what is written
   * into it is not copied again. At most {@link #maxSpares}, each at most {@link #KEPT_CAPACITY} long.
   */
  private final ConcurrentLinkedQueue<byte[]> spareRuns = new ConcurrentLinkedQueue<>();
  private final AtomicInteger spares = new AtomicInteger();
  private final int maxSpares;
  /** Spans in {@link #runs} and {@link #unencoded}: what the queue size bounds. */
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong acceptedUnencoded = new AtomicLong();
  private final LongAdder dropped = new LongAdder();
  private final SpanAccounting accounting;

  private final ConcurrentLinkedQueue<CompletableResultCode> flushes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean shutdownStarted = new AtomicBoolean();
  private final CompletableResultCode shutdownResult = new CompletableResultCode();
  private volatile boolean stopping;
  private final Thread worker;

  EncodedBatchSpanProcessor(OtlpProtobufSpanExporter otlp, SpanAccounting.CountingExporter exporter,
      SpanAccounting accounting, long scheduleDelayNanos, int batchSize, long exportTimeoutNanos, int capacity) {
    this.otlp = otlp;
    this.exporter = exporter;
    this.accounting = accounting;
    this.scheduleDelayNanos = scheduleDelayNanos;
    this.batchSize = Math.max(1, batchSize);
    this.runSpans = Math.min(SPANS_PER_RUN, this.batchSize);
    this.exportTimeoutNanos = exportTimeoutNanos;
    this.capacity = capacity;
    // Enough for the runs of a request being sent and of the next one being filled.
    this.maxSpares = Math.min(64, Math.max(8, 2 * (this.batchSize / runSpans)));
    // At least two stripes per core, and eight: a pool of that many threads has a stripe per thread, and
    // a larger one, of which only as many threads as cores run at once, rarely finds one held.
    int count = Integer.highestOneBit(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()) * 2 - 1);
    stripes = new Stripe[Math.min(count, 64)];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Stripe();
    }
    worker = new Thread(this::exportLoop, THREAD_NAME);
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (!span.getSpanContext().isSampled() || stopping) {
      return;
    }
    if (waiting.get() >= capacity) {
      drop();
      return;
    }
    SpanData data = span.toSpanData();
    if (!otlp.hasEncoderFailed()) {
      Stripe stripe = lockedStripe();
      try {
        stripe.add(data);
        return;
      } catch (RuntimeException | LinkageError | StackOverflowError e) {
        otlp.encoderFailed(e);
      } finally {
        stripe.lock.unlock();
      }
    }
    acceptedUnencoded.incrementAndGet();
    unencoded.add(data);
    handedOver(1);
  }

  /**
   * This thread's stripe, locked. A thread is given the next stripe in turn at its first span; should its
   * stripe be held by another thread (two threads given one stripe, or the export thread taking its runs),
   * it moves on to the next stripe in turn, for this span and the later ones: threads that end spans at the
   * same time spread over the stripes instead of waiting for each other.
   */
  private Stripe lockedStripe() {
    Stripe stripe = stripeOfThread.get();
    if (stripe == null) {
      stripe = nextStripe();
    }
    if (!stripe.lock.tryLock()) {
      stripe = nextStripe();
      stripe.lock.lock();
    }
    return stripe;
  }

  private Stripe nextStripe() {
    Stripe stripe = stripes[nextStripe.getAndIncrement() & (stripes.length - 1)];
    stripeOfThread.set(stripe);
    return stripe;
  }

  private void drop() {
    dropped.increment();
    accounting.spansDropped();
  }

  /** A spare array of at least {@code length} bytes, or a new one with a little room for a longer run. */
  private byte[] runArray(int length) {
    byte[] spare = spareRuns.poll();
    if (spare != null) {
      spares.decrementAndGet();
      if (spare.length >= length) {
        return spare;
      }
    }
    return new byte[length + (length >> 3)];
  }

  /** The runs' arrays, once their bytes are in a request, for later runs. */
  private void keepSpares(List<EncodedSpans> sent) {
    for (EncodedSpans run : sent) {
      if (run.entries.length > KEPT_CAPACITY) {
        continue;
      }
      if (spares.getAndIncrement() < maxSpares) {
        spareRuns.offer(run.entries);
      } else {
        spares.decrementAndGet();
      }
    }
  }

  /** Spare arrays kept now (for tests). */
  int spares() {
    return spares.get();
  }

  private void handOver(EncodedSpans run) {
    runs.add(run);
    handedOver(run.count);
  }

  private void handedOver(int spans) {
    if (waiting.addAndGet(spans) >= batchSize) {
      LockSupport.unpark(worker);
    }
  }

  /** The spans ended on the threads given it: the runs they are filling, one per scope. */
  private final class Stripe {
    final ReentrantLock lock = new ReentrantLock();
    private final Resource[] resources = new Resource[SCOPES_PER_STRIPE];
    private final InstrumentationScopeInfo[] scopes = new InstrumentationScopeInfo[SCOPES_PER_STRIPE];
    private final OtlpTraceEncoder[] encoders = new OtlpTraceEncoder[SCOPES_PER_STRIPE];
    private final int[] counts = new int[SCOPES_PER_STRIPE];
    private int size;
    /** Spans accepted here, ever (for status: accepted, delivered, still queued). */
    private long accepted;

    /** Under the stripe's lock, as every method here. */
    void add(SpanData span) {
      Resource resource = span.getResource();
      InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
      int run = 0;
      while (run < size && (scopes[run] != scope || resources[run] != resource)) {
        run++;
      }
      if (run == size) {
        if (size == SCOPES_PER_STRIPE) {
          run = 0;
          handOverRun(run);
        } else {
          size++;
          encoders[run] = new OtlpTraceEncoder(4096);
        }
        resources[run] = resource;
        scopes[run] = scope;
      }
      OtlpTraceEncoder encoder = encoders[run];
      encoder.addSpanEntry(span);
      accepted++;
      if (++counts[run] >= runSpans || encoder.length() >= RUN_BYTES) {
        handOverRun(run);
      }
    }

    private void handOverRun(int run) {
      if (counts[run] == 0) {
        return;
      }
      OtlpTraceEncoder encoder = encoders[run];
      int length = encoder.length();
      handOver(new EncodedSpans(encoder.copyTo(runArray(length)), length, counts[run], resources[run], scopes[run]));
      counts[run] = 0;
      if (encoder.capacity() > KEPT_CAPACITY) {
        encoders[run] = new OtlpTraceEncoder(4096);
      } else {
        encoder.reset();
      }
    }

    /** Hands over every run being filled. */
    void handOverAll() {
      for (int run = 0; run < size; run++) {
        handOverRun(run);
      }
    }
  }

  /** The export thread: a request whenever a batch is waiting, and everything once per schedule delay. */
  private void exportLoop() {
    long nextExport = System.nanoTime() + scheduleDelayNanos;
    boolean stop = false;
    while (!stop) {
      Thread.interrupted(); // an interrupt must not turn the waits below into a busy loop
      stop = stopping;
      List<CompletableResultCode> flushing = new ArrayList<>();
      for (CompletableResultCode flush; (flush = flushes.poll()) != null; ) {
        flushing.add(flush);
      }
      boolean all = stop || !flushing.isEmpty() || System.nanoTime() - nextExport >= 0;
      boolean failed = true;
      try {
        if (all) {
          for (Stripe stripe : stripes) {
            stripe.lock.lock();
            try {
              stripe.handOverAll();
            } finally {
              stripe.lock.unlock();
            }
          }
        }
        failed = exportWaiting(all);
      } catch (RuntimeException | LinkageError e) {
        // What was taken is lost, and counted as failed by the exporter's count where it got that far.
        accounting.log.errorOnce("span-export", "the agent's span export failed; it goes on with the next batch", e);
      }
      if (all) {
        nextExport = System.nanoTime() + scheduleDelayNanos;
      }
      complete(flushing, failed);
      long wait = nextExport - System.nanoTime();
      if (!stop && wait > 0 && waiting.get() < batchSize && flushes.isEmpty() && !stopping) {
        LockSupport.parkNanos(this, wait);
      }
    }
    List<CompletableResultCode> late = new ArrayList<>(flushes); // asked for as the shutdown began
    complete(late, false);
    CompletableResultCode shutdown;
    try {
      shutdown = exporter.shutdown();
    } catch (RuntimeException e) {
      shutdown = CompletableResultCode.ofExceptionalFailure(e);
    }
    CompletableResultCode exporterShutdown = shutdown;
    exporterShutdown.whenComplete(() -> {
      if (exporterShutdown.isSuccess()) {
        shutdownResult.succeed();
      } else {
        shutdownResult.fail();
      }
    });
  }

  private static void complete(List<CompletableResultCode> flushes, boolean failed) {
    for (CompletableResultCode flush : flushes) {
      if (failed) {
        flush.fail();
      } else {
        flush.succeed();
      }
    }
  }

  /**
   * Exports what waits, in requests of at most a batch: every full batch, and with {@code all} the rest too.
   * Each request is waited for (up to the export timeout) before the next, as the SDK's worker does.
   * Whether any request failed.
   */
  private boolean exportWaiting(boolean all) {
    boolean failed = false;
    while (all ? waiting.get() > 0 : waiting.get() >= batchSize) {
      List<EncodedSpans> batch = new ArrayList<>();
      int spans = 0;
      for (EncodedSpans run; (run = runs.peek()) != null && spans + run.count <= batchSize; ) {
        batch.add(runs.poll()); // this thread alone takes runs
        spans += run.count;
      }
      List<SpanData> plain = new ArrayList<>();
      for (SpanData span; spans + plain.size() < batchSize && (span = unencoded.poll()) != null; ) {
        plain.add(span);
      }
      if (spans + plain.size() == 0) {
        break; // not expected: a run is queued before it is counted
      }
      waiting.addAndGet(-(spans + plain.size()));
      if (!batch.isEmpty()) {
        CompletableResultCode sent = exporter.exportEncoded(batch, spans);
        keepSpares(batch); // the request has its own copy of their bytes by now
        failed |= !await(sent);
      }
      if (!plain.isEmpty()) {
        failed |= !await(exporter.export(plain));
      }
    }
    return failed;
  }

  private boolean await(CompletableResultCode result) {
    return result.join(exportTimeoutNanos, TimeUnit.NANOSECONDS).isSuccess();
  }

  @Override
  public CompletableResultCode forceFlush() {
    if (shutdownStarted.get()) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode flush = new CompletableResultCode();
    flushes.add(flush);
    LockSupport.unpark(worker);
    return flush;
  }

  @Override
  public CompletableResultCode shutdown() {
    if (shutdownStarted.compareAndSet(false, true)) {
      stopping = true;
      LockSupport.unpark(worker);
    }
    return shutdownResult;
  }

  // SpanAccounting.Gate

  @Override
  public long accepted() {
    long accepted = acceptedUnencoded.get();
    for (Stripe stripe : stripes) {
      stripe.lock.lock();
      try {
        accepted += stripe.accepted;
      } finally {
        stripe.lock.unlock();
      }
    }
    return accepted;
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
  public SpanAccounting.CountingExporter handedTo() {
    return exporter;
  }

  @Override
  public boolean encodesAtEnd() {
    return true;
  }

  @Override
  public String toString() {
    return "EncodedBatchSpanProcessor{" + exporter + '}';
  }
}
