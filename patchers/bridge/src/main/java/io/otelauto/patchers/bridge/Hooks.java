package io.otelauto.patchers.bridge;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Named hooks that advice reads at run time.
 *
 * <p>Advice inlined into a JDK class (loaded by the boot or platform loader) cannot see the agent's own
 * class loader, where patchers, the OpenTelemetry SDK and Byte Buddy live. This class is appended to the
 * boot class path, so every loader sees it; a patcher registers a hook object whose type is a JDK
 * interface (for example {@code java.util.function.Consumer}) under a name, and its advice looks it up.
 * A missing hook means "not patched": advice must then do nothing.
 *
 * <p>Hook names start with the patcher's name, e.g. {@code jdk-http-server.filters}.
 */
public final class Hooks {
  private static final ConcurrentHashMap<String, Object> HOOKS = new ConcurrentHashMap<>();

  private Hooks() {}

  /** The hook registered under {@code name}, or {@code null} when its patcher is not applied. */
  public static Object get(String name) {
    return HOOKS.get(name);
  }

  public static void register(String name, Object hook) {
    HOOKS.put(name, hook);
  }

  /** Removes the hook only if it is still {@code hook}, so a late unpatch cannot remove a newer patch's hook. */
  public static void unregister(String name, Object hook) {
    HOOKS.remove(name, hook);
  }
}
