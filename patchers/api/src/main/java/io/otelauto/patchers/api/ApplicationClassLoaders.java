package io.otelauto.patchers.api;

import net.bytebuddy.matcher.ElementMatcher;

/**
 * The class loaders of the program (its class path, a webapp's loader, Spring Boot's nested-jar loader):
 * every loader but the boot and platform loaders and the agent's own. Libraries such as JDBC drivers and
 * servlet containers live there; the agent's copy of the same names must never be patched.
 */
public final class ApplicationClassLoaders {
  private ApplicationClassLoaders() {}

  public static boolean contains(ClassLoader loader) {
    return loader != null
        && loader != ClassLoader.getPlatformClassLoader()
        && !"otel-auto-instrument".equals(loader.getName())
        && !"otel-auto-instrument-patchers".equals(loader.getName());
  }

  /** {@link #contains} as a Byte Buddy class loader matcher, for {@code AgentBuilder.type(types, loaders)}. */
  public static ElementMatcher<ClassLoader> matcher() {
    return ApplicationClassLoaders::contains;
  }
}
