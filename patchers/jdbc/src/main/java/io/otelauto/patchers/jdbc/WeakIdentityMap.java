package io.otelauto.patchers.jdbc;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Values kept beside objects of the program (statements, connections) for as long as those live: keys are
 * compared by identity (a wrapper's {@code equals} may delegate) and held weakly, so nothing here keeps a
 * closed statement alive. Entries of collected keys are dropped on the next write.
 */
final class WeakIdentityMap<K, V> {
  private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
  private final ReferenceQueue<K> collected = new ReferenceQueue<>();

  V get(K key) {
    return map.get(new Lookup(key));
  }

  void put(K key, V value) {
    expunge();
    map.put(new WeakKey<>(key, collected), value);
  }

  V computeIfAbsent(K key, Supplier<V> value) {
    V existing = get(key);
    if (existing != null) {
      return existing;
    }
    expunge();
    V created = value.get();
    V raced = map.putIfAbsent(new WeakKey<>(key, collected), created);
    return raced == null ? created : raced;
  }

  void clear() {
    map.clear();
  }

  int size() {
    expunge();
    return map.size();
  }

  private void expunge() {
    for (Object key = collected.poll(); key != null; key = collected.poll()) {
      map.remove(key);
    }
  }

  /** The stored key: equal to another key or a lookup for the same, still living, object. */
  private static final class WeakKey<K> extends WeakReference<K> {
    private final int hash;

    WeakKey(K key, ReferenceQueue<K> queue) {
      super(key, queue);
      this.hash = System.identityHashCode(key);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (other == this) {
        return true;
      }
      Object referent = get();
      if (referent == null) {
        return false;
      }
      if (other instanceof WeakKey<?> key) {
        return key.get() == referent;
      }
      return other instanceof Lookup lookup && lookup.key == referent;
    }
  }

  /** A key for reading, without a reference object to allocate and enqueue. */
  private static final class Lookup {
    private final Object key;

    Lookup(Object key) {
      this.key = key;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(key);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof WeakKey<?> weak ? weak.get() == key : other instanceof Lookup lookup && lookup.key == key;
    }
  }
}
