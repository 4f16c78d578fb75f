package io.otelauto.patchers.jdkexecutors;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Context across real JDK pools and threads, patched in this JVM. */
class JdkExecutorsPatcherTest {
  private static final PatcherTestKit KIT = PatcherTestKit.install();

  private final JdkExecutorsPatcher patcher = new JdkExecutorsPatcher();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final ForkJoinPool forkJoin = new ForkJoinPool(2);
  private Span parent;

  @BeforeEach
  void patch() {
    patcher.patch(KIT.context());
    parent = KIT.openTelemetry().getTracer("test").spanBuilder("parent").startSpan();
  }

  @AfterEach
  void stop() {
    parent.end();
    patcher.unpatch();
    pool.shutdownNow();
    scheduler.shutdownNow();
    forkJoin.shutdownNow();
  }

  /** Runs {@code handOff} with the parent span current and returns the span context the task saw. */
  private SpanContext seenInside(Function<Callable<SpanContext>, SpanContext> handOff) {
    Callable<SpanContext> task = () -> Span.current().getSpanContext();
    try (Scope ignored = parent.makeCurrent()) {
      return handOff.apply(task);
    }
  }

  private static <T> T get(java.util.concurrent.Future<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyHandOffCarriesTheContext() {
    Map<String, Function<Callable<SpanContext>, SpanContext>> handOffs = new java.util.LinkedHashMap<>();
    handOffs.put("Executor.execute", task -> {
      CompletableFuture<SpanContext> seen = new CompletableFuture<>();
      pool.execute(() -> seen.complete(call(task)));
      return get(seen);
    });
    handOffs.put("ExecutorService.submit(Callable)", task -> get(pool.submit(task)));
    handOffs.put("ExecutorService.submit(Runnable)", task -> {
      AtomicReference<SpanContext> seen = new AtomicReference<>();
      get(pool.submit(() -> seen.set(call(task))));
      return seen.get();
    });
    handOffs.put("ExecutorService.invokeAll", task -> {
      try {
        return get(pool.invokeAll(List.of(task)).get(0));
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    handOffs.put("ScheduledExecutorService.schedule", task -> get(scheduler.schedule(task, 1, TimeUnit.MILLISECONDS)));
    handOffs.put("ScheduledExecutorService.scheduleAtFixedRate", task -> {
      CompletableFuture<SpanContext> seen = new CompletableFuture<>();
      ScheduledFuture<?> periodic = scheduler.scheduleAtFixedRate(() -> seen.complete(call(task)), 0, 1, TimeUnit.MILLISECONDS);
      try {
        return get(seen);
      } finally {
        periodic.cancel(false);
      }
    });
    handOffs.put("CompletableFuture.supplyAsync", task -> get(CompletableFuture.supplyAsync(() -> call(task))));
    handOffs.put("CompletableFuture.supplyAsync(executor)", task -> get(CompletableFuture.supplyAsync(() -> call(task), pool)));
    handOffs.put("CompletableFuture.thenApplyAsync", task ->
        get(CompletableFuture.completedFuture(1).thenApplyAsync(one -> call(task))));
    handOffs.put("ForkJoinPool.submit(Callable)", task -> get(forkJoin.submit(task)));
    handOffs.put("ForkJoinPool.execute(Runnable)", task -> {
      CompletableFuture<SpanContext> seen = new CompletableFuture<>();
      forkJoin.execute(() -> seen.complete(call(task)));
      return get(seen);
    });
    handOffs.put("ForkJoinPool.invoke + fork", task -> forkJoin.invoke(new Forking(task, 2)));
    handOffs.put("ForkJoinPool.commonPool", task -> get(ForkJoinPool.commonPool().submit(task)));
    handOffs.put("new Thread().start()", task -> {
      CompletableFuture<SpanContext> seen = new CompletableFuture<>();
      new Thread(() -> seen.complete(call(task))).start();
      return get(seen);
    });

    handOffs.forEach((name, handOff) ->
        assertThat(seenInside(handOff)).as(name).isEqualTo(parent.getSpanContext()));
  }

  @Test
  void aPoolWhoseHooksSkipSuperStillCarriesTheContext() throws Exception {
    ThreadPoolExecutor springLike = new org.example.pools.SkipSuperPool();
    try {
      assertThat(seenInside(task -> get(springLike.submit(task)))).isEqualTo(parent.getSpanContext());
      assertThat(springLike.submit(() -> Span.current().getSpanContext()).get(30, TimeUnit.SECONDS).isValid()).isFalse();
    } finally {
      springLike.shutdownNow();
    }
  }

  /** The pass over loaded classes asks them for their superclass (no class file read): a subclass is found. */
  @Test
  void aPoolClassLoadedBeforeThePatchIsPatchedToo() throws Exception {
    patcher.unpatch();
    Class<?> loadedFirst = Class.forName("org.example.pools.SkipSuperPool");
    patcher.patch(KIT.context());
    ThreadPoolExecutor springLike = (ThreadPoolExecutor) loadedFirst.getConstructor().newInstance();
    try {
      assertThat(seenInside(task -> get(springLike.submit(task)))).isEqualTo(parent.getSpanContext());
    } finally {
      springLike.shutdownNow();
    }
  }

  @Test
  void afterATaskTheWorkerIsBackToTheRootContext() throws Exception {
    ExecutorService single = Executors.newSingleThreadExecutor();
    try {
      // The worker thread is created inside the span: it must not inherit the span as its own.
      assertThat(seenInside(task -> get(single.submit(task)))).isEqualTo(parent.getSpanContext());
      assertThat(single.submit(() -> Span.current().getSpanContext()).get(30, TimeUnit.SECONDS).isValid()).isFalse();
      assertThat(get(forkJoin.submit(() -> Span.current().getSpanContext())).isValid()).isFalse();
    } finally {
      single.shutdownNow();
    }
  }

  @Test
  void noWrapperIsVisibleToTheProgram() throws Exception {
    ExecutorService single = Executors.newSingleThreadExecutor();
    CountDownLatch blocker = new CountDownLatch(1);
    Runnable queued = () -> { };
    try (Scope ignored = parent.makeCurrent()) {
      single.execute(() -> {
        try {
          blocker.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      single.execute(queued);
    }
    List<Runnable> neverRan = single.shutdownNow();
    assertThat(neverRan).containsExactly(queued);
  }

  @Test
  void unpatchStopsPropagationAndPatchingAgainRestoresIt() {
    patcher.unpatch();
    assertThat(seenInside(task -> get(pool.submit(task))).isValid()).isFalse();
    assertThat(seenInside(task -> {
      CompletableFuture<SpanContext> seen = new CompletableFuture<>();
      new Thread(() -> seen.complete(call(task))).start();
      return get(seen);
    }).isValid()).isFalse();

    patcher.patch(KIT.context());
    assertThat(seenInside(task -> get(pool.submit(task)))).isEqualTo(parent.getSpanContext());
  }

  private static SpanContext call(Callable<SpanContext> task) {
    try {
      return task.call();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Forks subtasks inside the pool; the leaf reports what it sees. */
  private static final class Forking extends RecursiveTask<SpanContext> {
    private final Callable<SpanContext> leaf;
    private final int depth;

    Forking(Callable<SpanContext> leaf, int depth) {
      this.leaf = leaf;
      this.depth = depth;
    }

    @Override
    protected SpanContext compute() {
      if (depth == 0) {
        return call(leaf);
      }
      Forking child = new Forking(leaf, depth - 1);
      child.fork();
      return child.join();
    }
  }
}
