package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.Patcher;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds patchers the way the design's sitecustomize.py iterates entry points: {@link ServiceLoader} over the
 * jars of the patcher directory ({@code <home>/patchers}) and of {@link AgentConfig#PATCHERS}. There is no
 * list of patchers anywhere: a jar with a {@code META-INF/services/io.otelauto.patchers.api.Patcher} entry
 * is a patcher.
 */
public final class PatcherDiscovery {
  private PatcherDiscovery() {}

  /** The patcher jars: {@code <home>/patchers/*.jar}, then each jar or directory named in the setting. */
  public static List<Path> patcherJars(Path home, AgentConfig config) {
    return PremainTrigger.patcherJars(home, config);
  }

  /** A loader for the patcher jars whose parent is the agent's loader (SPI, SDK, Byte Buddy). */
  public static ClassLoader loaderFor(List<Path> jars, ClassLoader parent) {
    URL[] urls = jars.stream().map(PatcherDiscovery::toUrl).toArray(URL[]::new);
    return new URLClassLoader("otel-auto-instrument-patchers", urls, parent);
  }

  /** Every patcher the loader provides; one that cannot be instantiated is logged and skipped. */
  public static List<Patcher> load(ClassLoader loader, AgentLog log) {
    List<Patcher> patchers = new ArrayList<>();
    Iterator<Patcher> iterator = ServiceLoader.load(Patcher.class, loader).iterator();
    while (true) {
      try {
        if (!iterator.hasNext()) {
          return patchers;
        }
        patchers.add(iterator.next());
      } catch (ServiceConfigurationError | LinkageError e) {
        log.error("A patcher could not be loaded: " + e.getMessage(), e);
      }
    }
  }

  /** Where a patcher's class came from, for {@code --list-patchers}. */
  public static String origin(Patcher patcher) {
    var source = patcher.getClass().getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null ? "?" : source.getLocation().getPath();
  }

  private static URL toUrl(Path path) {
    try {
      return path.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(path.toString(), e);
    }
  }
}
