package io.otelauto.benchmarks.jmh;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.jdkexecutors.JdkExecutorsPatcher;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What the jdk-executors patch adds to one hand-off to a pool thread and back: the request's context captured
 * with the task, made current on the worker around it, and the worker's own context restored. It makes no
 * span; what it must do is checked instead: every task reports whether it saw a valid span context.
 *
 * <ul>
 *   <li>{@code submitGet}: {@code ThreadPoolExecutor.submit(callable).get()}, one worker thread;</li>
 *   <li>{@code supplyAsyncJoin}: {@code CompletableFuture.supplyAsync(supplier, pool).join()}, same pool.</li>
 * </ul>
 *
 * Most of each call is the hand-off itself (a wake-up of the worker and of the caller), so the patch's share
 * is small and ns/op noisy; {@code gc.alloc.rate.norm} ({@code -prof gc}) shows what the patch allocates.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading"})
public class ExecutorsPatchBenchmark {
  @Param({"false", "true"})
  public boolean patched;

  private static final Callable<Boolean> SEES_CONTEXT = () -> Span.current().getSpanContext().isValid();
  private static final Supplier<Boolean> SUPPLIES_CONTEXT = () -> Span.current().getSpanContext().isValid();

  private PatchBench bench;
  private ThreadPoolExecutor pool;
  private long calls;
  private long sawContext;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new JdkExecutorsPatcher(), patched);
    pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    pool.prestartAllCoreThreads(); // outside any context: the worker must not inherit the request's
  }

  @TearDown(Level.Trial)
  public void tearDown(BenchmarkParams params) {
    pool.shutdownNow();
    bench.stop(false);
    String benchmark = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    System.out.println("[" + benchmark + "] the task saw the request's context in " + sawContext + " of " + calls
        + " calls");
    if (patched && (calls == 0 || sawContext != calls)) {
      throw new IllegalStateException("jdk-executors: the context reached the task in " + sawContext + " of " + calls
          + " calls; the patch did not carry it");
    }
    if (!patched && sawContext != 0) {
      throw new IllegalStateException("jdk-executors: the context reached the task without the patch");
    }
  }

  @Benchmark
  public boolean submitGet() throws Exception {
    boolean seen;
    try (Scope ignored = bench.request.makeCurrent()) {
      seen = pool.submit(SEES_CONTEXT).get();
    }
    return count(seen);
  }

  @Benchmark
  public boolean supplyAsyncJoin() {
    boolean seen;
    try (Scope ignored = bench.request.makeCurrent()) {
      seen = CompletableFuture.supplyAsync(SUPPLIES_CONTEXT, pool).join();
    }
    return count(seen);
  }

  private boolean count(boolean seen) {
    calls++;
    if (seen) {
      sawContext++;
    }
    return seen;
  }
}
