package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.Patcher;
import java.util.List;

/**
 * One full garbage collection as a server starts, when the agent started with the JVM: the first time a
 * patcher that {@linkplain Patcher#servesRequests() serves requests} is applied, if the heap in use is small.
 *
 * <p>Why: the agent's start (Byte Buddy's own initialization most of all) leaves 2 to 4 MB of objects that
 * live for good. In the young generation G1 copies them at each collection until they are old (15
 * collections), which doubles the first pauses of a server under load; their share of time then crosses G1's
 * threshold and G1 grows the heap by about 100 MB, two or three times more than without the agent. One full
 * collection before the load makes those objects old at once; measured at saturation (5 rounds), the peak RSS
 * over the plain JVM fell from +108 to +47 MiB on JDK 17 and from +247 to +80 MiB on JDK 25, for one pause of
 * 20 to 60 ms at the server's start (docs/performance.md).
 *
 * <p>Only servers (long-running, where the peak RSS matters and one pause at start does not), only when the
 * agent came with the JVM (never when attached to a running program), only while the heap in use is at most
 * {@link #MAX_HEAP_IN_USE} (while the agent's objects are a large share of what lives, and the pause is
 * short), at most once. {@code -XX:+DisableExplicitGC} turns it
 * into nothing, and {@value #SETTING}{@code =false} turns it off.
 */
final class ServerStartCollection {
  static final String SETTING = "otel.auto.instrument.collect.at.server.start";
  /**
   * Above this much heap in use, a framework has been allocating for a while (Spring Boot: 57 MiB at the
   * servlet patch), the agent's objects are a small share of what lives, and a collection in the middle of
   * its start made the peak higher, not lower (docs/performance.md); the pause also grows with the heap.
   */
  static final long MAX_HEAP_IN_USE = 32L << 20;

  private final boolean enabled;
  private final AgentLog log;
  private boolean done;

  ServerStartCollection(boolean enabled, AgentLog log) {
    this.enabled = enabled;
    this.log = log;
  }

  /** Called with the patchers just applied. */
  synchronized void afterApplied(List<Patcher> applied) {
    if (!enabled || done) {
      return;
    }
    for (Patcher patcher : applied) {
      if (servesRequests(patcher)) {
        done = true;
        collect(patcher.name());
        return;
      }
    }
  }

  private boolean servesRequests(Patcher patcher) {
    try {
      return patcher.servesRequests();
    } catch (Throwable t) { // a patcher whose own answer fails: not a server, then
      return false;
    }
  }

  private void collect(String server) {
    Runtime runtime = Runtime.getRuntime();
    long inUse = runtime.totalMemory() - runtime.freeMemory();
    if (inUse > MAX_HEAP_IN_USE) {
      log.debug("No collection at the start of " + server + ": " + (inUse >> 20) + " MiB of heap in use");
      return;
    }
    long started = System.nanoTime();
    System.gc();
    log.debug("One full collection at the start of " + server + ": " + (inUse >> 20) + " MiB of heap in use, "
        + (System.nanoTime() - started) / 1_000_000 + " ms");
  }
}
