package io.otelauto.patchers.jdkexecutors;

import io.opentelemetry.context.Context;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The context captured for a task (a thread, a ForkJoinTask, a pool's Runnable) until it runs, keyed by the
 * task's identity and held weakly: a task that never runs (rejected, cancelled, dropped by shutdownNow)
 * leaves nothing behind once it is collected. Classes cannot gain fields (patches must be undoable), so
 * this map stands in for one.
 */
final class ContextStore {
  private final ConcurrentHashMap<Object, Context> contexts = new ConcurrentHashMap<>();
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

  void put(Object task, Context context) {
    expungeCollected();
    contexts.put(new IdentityKey(task, collected), context);
  }

  Context get(Object task) {
    if (contexts.isEmpty()) {
      // The common case (nothing captured): no identity hash to compute and install in the task's header,
      // which every task a pool runs would otherwise pay (a profile of a saturated server: 0.3% of its CPU).
      return null;
    }
    return contexts.get(new LookupKey(task));
  }

  int size() {
    expungeCollected();
    return contexts.size();
  }

  private void expungeCollected() {
    for (Object key = collected.poll(); key != null; key = collected.poll()) {
      contexts.remove(key);
    }
  }

  /** Stored key: weak, identity hash, equal to another key of the same (still live) task. */
  private static final class IdentityKey extends WeakReference<Object> {
    private final int hash;

    IdentityKey(Object task, ReferenceQueue<Object> queue) {
      super(task, queue);
      this.hash = System.identityHashCode(task);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      Object task = get();
      if (task == null) {
        return false;
      }
      if (other instanceof IdentityKey key) {
        return task == key.get();
      }
      return other instanceof LookupKey lookup && task == lookup.task;
    }
  }

  /** Lookup key: strong and short-lived, never stored. */
  private static final class LookupKey {
    private final Object task;

    LookupKey(Object task) {
      this.task = task;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(task);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof IdentityKey key ? key.get() == task : other == this;
    }
  }
}
