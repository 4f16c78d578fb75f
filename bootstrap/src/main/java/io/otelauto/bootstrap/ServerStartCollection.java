package io.otelauto.bootstrap;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.otelauto.patchers.api.AgentLog;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * One full garbage collection once a server is up, when the agent started with the JVM and G1 collects: after
 * the first SERVER span ends, on a thread of its own, if the old objects are few.
 *
 * <p>Why: the agent's start (Byte Buddy's own initialization most of all), the SDK it builds at the first
 * span and the patches that activate at the first request leave objects that live for good. While young, G1
 * copies them at each collection until they are old (15 collections), which lengthens the first pauses of a
 * server under load; their share of time then crosses G1's threshold and G1 grows the heap, by 50 to 100 MB a
 * time, more often than without the agent. One full collection before the load makes them old at once and
 * lets G1 size the heap afresh from what lives. The first request is the moment: the program has started
 * (a framework's start-up garbage is gone with it, and what it keeps is there) and so has the agent.
 * Measured at saturation, docs/performance.md.
 *
 * <p>Only where the program answered a request (a SERVER span: a long-running server, where the peak RSS
 * matters and one pause does not), only when the agent came with the JVM (never when attached to a running
 * program), only with G1 (the collector whose sizing this is about), only while the old and survivor
 * objects are at most {@link #MAX_OLD_OBJECTS} (the pause grows with them, and the agent's share shrinks), at
 * most once, and never on the request's thread. {@code -XX:+DisableExplicitGC} turns it into nothing, and
 * {@value #SETTING}{@code =false} turns it off. A span processor, so that it costs one volatile read per span
 * once done.
 */
final class ServerStartCollection implements SpanProcessor {
  static final String SETTING = "otel.auto.instrument.collect.at.server.start";
  /**
   * Above this much heap in the old generation and the survivors, a full collection pauses the program for
   * longer (about 70 ms for the Spring Boot example's 19 MiB on two cores), and the agent's own objects are
   * a small share of what G1 copies.
   */
  static final long MAX_OLD_OBJECTS = 64L << 20;
  static final String THREAD_NAME = "otel-auto-instrument-collection";

  private final AgentLog log;
  private volatile boolean pending = true;

  ServerStartCollection(AgentLog log) {
    this.log = log;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (!pending || span.getKind() != SpanKind.SERVER) {
      return;
    }
    synchronized (this) {
      if (!pending) {
        return;
      }
      pending = false;
    }
    try {
      // Not a daemon: a program that ends right after its first request still gets (and logs) the
      // collection before the JVM exits, a pause no longer than the one it would have had under load.
      Thread collecting = new Thread(this::collect, THREAD_NAME);
      collecting.setContextClassLoader(null);
      collecting.start();
    } catch (Throwable t) {
      log.debug("No collection after the first request: " + t);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    pending = false;
    return CompletableResultCode.ofSuccess();
  }

  private void collect() {
    try {
      if (!g1Collects()) {
        log.debug("No collection after the first request: the collector is not G1");
        return;
      }
      long old = oldObjects();
      if (old > MAX_OLD_OBJECTS) {
        log.debug("No collection after the first request: " + (old >> 20) + " MiB of old objects");
        return;
      }
      long started = System.nanoTime();
      System.gc();
      log.debug("One full collection after the first request: " + (old >> 20) + " MiB of old objects, "
          + (System.nanoTime() - started) / 1_000_000 + " ms");
    } catch (Throwable t) { // java.management missing from a trimmed runtime, say: no collection, then
      log.debug("No collection after the first request: " + t);
    }
  }

  private static boolean g1Collects() {
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector.getName().startsWith("G1 ")) {
        return true;
      }
    }
    return false;
  }

  /** The heap outside the eden: the old generation (humongous objects included) and the survivors. */
  private static long oldObjects() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && !pool.getName().contains("Eden")) {
        used += pool.getUsage().getUsed();
      }
    }
    return used;
  }
}
