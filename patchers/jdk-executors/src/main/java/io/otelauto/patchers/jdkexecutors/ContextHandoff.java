package io.otelauto.patchers.jdkexecutors;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.api.AgentLog;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;

/**
 * What happens at a hand-off: the submitting thread's context is captured with the task (or the task is
 * wrapped where a wrapper cannot be observed), made current when the task runs, and the runner's own context
 * is restored afterwards. Nothing is captured when the submitting thread has no context, which is the
 * common case and costs one thread-local read.
 */
final class ContextHandoff {
  private final ContextStore store = new ContextStore();
  // The scope a pool worker opened in beforeExecute, closed in afterExecute.
  private final ThreadLocal<Scope> poolTaskScope = new ThreadLocal<>();
  private final AgentLog log;

  ContextHandoff(AgentLog log) {
    this.log = log;
  }

  /** Remembers the current context for {@code task}, to be made current when it runs. */
  void capture(Object task) {
    try {
      Context context = Context.current();
      if (context != Context.root() && task != null) {
        store.put(task, context);
      }
    } catch (RuntimeException e) {
      log.errorOnce("jdk-executors.capture", "Could not capture the context of a task", e);
    }
  }

  /**
   * A new thread inherits the context where it is created, if the code it runs is the application's.
   * Threads whose code is the JDK's (pool workers, the HTTP client's selector, ...) live long and serve
   * many requests: giving them one request's context would leak it into every later one.
   */
  void captureForThread(Thread thread, Object[] constructorArguments) {
    Object target = null;
    for (Object argument : constructorArguments) {
      if (argument instanceof Runnable) {
        target = argument;
      }
    }
    Class<?> code = target != null ? target.getClass() : thread.getClass();
    if (code.getClassLoader() != null && code.getClassLoader() != ClassLoader.getPlatformClassLoader()
        && !(target instanceof ContextRunnable)) {
      capture(thread);
    }
  }

  /** Makes the context captured for {@code task} current; the returned scope (or null) ends it. */
  Scope attach(Object task) {
    try {
      Context context = store.get(task);
      return context == null || context == Context.current() ? null : context.makeCurrent();
    } catch (RuntimeException e) {
      log.errorOnce("jdk-executors.attach", "Could not restore the context of a task", e);
      return null;
    }
  }

  void beforePoolTask(Object task) {
    closePoolTaskScope(); // a subclass's afterExecute that skipped super must not leak into this task
    Scope scope = attach(task);
    if (scope != null) {
      poolTaskScope.set(scope);
    }
  }

  void afterPoolTask() {
    closePoolTaskScope();
  }

  private void closePoolTaskScope() {
    Scope scope = poolTaskScope.get();
    if (scope != null) {
      poolTaskScope.remove();
      scope.close();
    }
  }

  /**
   * For ForkJoinPool: its own tasks keep their identity (captured); a plain Runnable or Callable is
   * wrapped, which nobody can observe since the pool adapts it into a task of its own anyway.
   */
  Object forkJoinSubmission(Object task) {
    if (task instanceof ForkJoinTask) {
      capture(task);
      return task;
    }
    return wrap(task);
  }

  Object wrap(Object task) {
    Context context = Context.current();
    if (context == Context.root() || task instanceof ContextRunnable || task instanceof ContextCallable) {
      return task;
    }
    if (task instanceof Runnable runnable) {
      return new ContextRunnable(context, runnable);
    }
    if (task instanceof Callable<?> callable) {
      return new ContextCallable<>(context, callable);
    }
    return task;
  }

  Collection<?> wrapAll(Collection<?> tasks) {
    if (Context.current() == Context.root()) {
      return tasks;
    }
    List<Object> wrapped = new ArrayList<>(tasks.size());
    for (Object task : tasks) {
      wrapped.add(wrap(task));
    }
    return wrapped;
  }

  int capturedTasks() {
    return store.size();
  }

  static final class ContextRunnable implements Runnable {
    private final Context context;
    private final Runnable task;

    ContextRunnable(Context context, Runnable task) {
      this.context = context;
      this.task = task;
    }

    @Override
    public void run() {
      try (Scope ignored = context.makeCurrent()) {
        task.run();
      }
    }

    @Override
    public String toString() {
      return task.toString();
    }
  }

  static final class ContextCallable<V> implements Callable<V> {
    private final Context context;
    private final Callable<V> task;

    ContextCallable(Context context, Callable<V> task) {
      this.context = context;
      this.task = task;
    }

    @Override
    public V call() throws Exception {
      try (Scope ignored = context.makeCurrent()) {
        return task.call();
      }
    }

    @Override
    public String toString() {
      return task.toString();
    }
  }
}
