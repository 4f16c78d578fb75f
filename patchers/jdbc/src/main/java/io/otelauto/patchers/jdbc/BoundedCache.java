package io.otelauto.patchers.jdbc;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Results of a pure function of a string (a parsed URL, a sanitized statement), for the strings a program
 * uses again and again. Bounded in entries and in key length: when full it starts over, so statements with
 * literals that never repeat cannot pin memory, and the ones that do repeat are back after one miss.
 */
final class BoundedCache<V> {
  private final ConcurrentHashMap<String, V> values = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final int maxKeyLength;

  BoundedCache(int maxEntries, int maxKeyLength) {
    this.maxEntries = maxEntries;
    this.maxKeyLength = maxKeyLength;
  }

  V get(String key, Function<String, V> compute) {
    V value = values.get(key);
    if (value != null) {
      return value;
    }
    value = compute.apply(key);
    if (key.length() <= maxKeyLength) {
      if (values.size() >= maxEntries) {
        values.clear();
      }
      values.put(key, value);
    }
    return value;
  }

  void clear() {
    values.clear();
  }
}
