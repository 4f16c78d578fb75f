package io.otelauto.bootstrap;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The {@code -javaagent} entry point: runs before the program's {@code main}, as sitecustomize.py runs before
 * a Python program.
 *
 * <p>It is the only class of the agent on the application's class path, and it uses nothing but the JDK. It
 * puts the bridge jar on the boot class path (so advice inlined into JDK classes can reach hooks), opens an
 * isolated class loader over {@code lib/agent/*.jar} (the agent core, the OpenTelemetry SDK, Byte Buddy;
 * parent: the platform loader, so the application's own copies never meet ours) and hands over to
 * {@code Agent.start} in that loader. It never throws: a broken agent leaves the program running without it.
 *
 * <p>Distribution layout, relative to this jar: {@code lib/otel-auto-instrument-agent.jar} (this),
 * {@code lib/bridge/}, {@code lib/agent/}, and {@code ../patchers/}.
 */
public final class AgentPremain {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private AgentPremain() {}

  public static void premain(String arguments, Instrumentation instrumentation) {
    // Named twice on one command line (even by two copies of the jar): the JVM loads this class once, so
    // the second premain finds the flag set and the agent runs once.
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    try {
      Path lib = Path.of(AgentPremain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent();
      if (!bridgeOnBootClassPath()) {
        // The launcher puts it there up front (-Xbootclasspath/a:); a hand-written -javaagent may not.
        instrumentation.appendToBootstrapClassLoaderSearch(
            new JarFile(lib.resolve("bridge").resolve("otel-auto-instrument-bridge.jar").toFile()));
      }
      ClassLoader agentLoader = new URLClassLoader(
          "otel-auto-instrument", jarsIn(lib.resolve("agent")), ClassLoader.getPlatformClassLoader());
      Class.forName("io.otelauto.bootstrap.Agent", true, agentLoader)
          .getMethod("start", Instrumentation.class, Path.class)
          .invoke(null, instrumentation, lib.getParent());
    } catch (Throwable t) {
      System.err.println("[otel-auto-instrument] the agent did not start; the program runs without it");
      t.printStackTrace();
    }
  }

  private static boolean bridgeOnBootClassPath() {
    try {
      Class.forName("io.otelauto.patchers.bridge.Hooks", false, null);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static URL[] jarsIn(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(".jar")).sorted().map(f -> {
        try {
          return f.toUri().toURL();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).toArray(URL[]::new);
    }
  }
}
