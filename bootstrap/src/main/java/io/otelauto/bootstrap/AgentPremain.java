package io.otelauto.bootstrap;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.jar.JarFile;

/**
 * The {@code -javaagent} entry point: runs before the program's {@code main}, as sitecustomize.py runs before
 * a Python program.
 *
 * <p>It and the few classes it uses ({@link PremainTrigger}, {@link AgentConfig}) are the agent's only classes
 * on the application's class path, and they use nothing but the JDK. It puts the bridge jar on the boot class
 * path (so advice inlined into JDK classes can reach hooks), reads the trigger classes from the patcher jars'
 * indexes, and waits for the first of them: a program that never loads one never opens the agent's class
 * loader. At the trigger it opens an isolated class loader over {@code lib/agent/*.jar} (the agent core, the
 * OpenTelemetry SDK, Byte Buddy; parent: the platform loader, so the application's own copies never meet
 * ours) and hands over to {@code Agent.startAt} in that loader. A patcher jar without an index makes it start
 * the agent at once ({@code Agent.start}), as before. It never throws: a broken agent leaves the program
 * running without it.
 *
 * <p>Distribution layout, relative to this jar: {@code lib/otel-auto-instrument-agent.jar} (this),
 * {@code lib/bridge/}, {@code lib/agent/}, and {@code ../patchers/}.
 */
public final class AgentPremain {
  /** Guarded by the class: an AtomicBoolean would set up VarHandles, which costs JDK 25 milliseconds. */
  private static boolean started;
  /** The agent's class in its own loader, once started (detach calls it); premain's trigger while it waits. */
  private static Class<?> agentClass;
  private static PremainTrigger trigger;
  /** Why the agent is dormant in this JVM (JvmSelection), while it is. */
  private static String dormant;
  /** The agent argument of {@code otel-auto-instrument detach}. */
  public static final String DETACH = "detach";
  /** The agent argument of {@code otel-auto-instrument status}: the answer goes to {@link #STATUS_PROPERTY}. */
  public static final String STATUS = "status";
  /**
   * Set while an agent is in this JVM, to how it came ({@code launcher}, {@code -javaagent} or {@code attach}):
   * {@code status} and {@code attach} read it with the JVM's system properties, without loading anything.
   */
  public static final String AGENT_PROPERTY = "otel.auto.instrument.agent";
  /**
   * Where {@code status} finds the agent's answer ({@code NAME=VALUE} lines), read back through the attach
   * mechanism: a system property reaches the asking process whatever the two see of each other's files.
   */
  public static final String STATUS_PROPERTY = "otel.auto.instrument.status";

  private AgentPremain() {}

  public static void premain(String arguments, Instrumentation instrumentation) {
    // Named twice on one command line (even by two copies of the jar): the JVM loads this class once, so
    // the second premain finds the flag set and the agent runs once.
    synchronized (AgentPremain.class) {
      if (started) {
        return;
      }
      started = true;
    }
    try {
      String options = System.getenv("JAVA_TOOL_OPTIONS");
      System.setProperty(AGENT_PROPERTY,
          options != null && options.contains("otel-auto-instrument-agent.jar") ? "launcher" : "-javaagent");
      AgentConfig config = AgentConfig.fromSystem();
      boolean debug = config.getBoolean(AgentConfig.DEBUG, false);
      String command = System.getProperty("sun.java.command", "");
      JvmSelection selection = JvmSelection.of(command, System.getProperty("user.dir"), config, -1);
      String main = command.strip().isEmpty() ? "this JVM" : command.strip().split(" ", 2)[0];
      if (!selection.traced) {
        dormant = selection.reason;
        debug(debug, "dormant in ".concat(main).concat(": ").concat(selection.reason));
        if (selection.wakeClass != null) {
          trigger = PremainTrigger.arm(instrumentation, Collections.singleton(selection.wakeClass),
              new Function<Object[], byte[]>() {
                @Override
                public byte[] apply(Object[] wakeClass) {
                  wake(instrumentation, config, debug);
                  return null;
                }
              }, debug);
        }
        status();
        return;
      }
      debug(debug, "tracing ".concat(main).concat(": ").concat(selection.reason));
      if (selection.serviceName != null) {
        System.setProperty(JvmSelection.DERIVED_SERVICE_NAME, selection.serviceName);
      }
      trace(instrumentation, config, debug);
      status();
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * A dormant Maven JVM in which {@code mvn exec:java} is about to run a program: traced from now on, under
   * the program's name ({@code exec.mainClass}) or else the project's directory's.
   */
  private static void wake(Instrumentation instrumentation, AgentConfig config, boolean debug) {
    try {
      String mainClass = System.getProperty("exec.mainClass", "");
      String name = mainClass.isEmpty() ? new File(System.getProperty("user.dir", "")).getName()
          : mainClass.substring(mainClass.lastIndexOf('.') + 1);
      if (!name.isEmpty()) {
        System.setProperty(JvmSelection.DERIVED_SERVICE_NAME, name);
      }
      synchronized (AgentPremain.class) {
        dormant = null;
      }
      debug(debug, "tracing this JVM from now on: exec:java runs a program in it");
      trace(instrumentation, config, debug);
      status();
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * Traced: the bridge on the boot class path, then the agent waits for the first trigger class of its
   * patchers (or starts now if some patcher jar has no index).
   */
  private static void trace(Instrumentation instrumentation, AgentConfig config, boolean debug) throws Exception {
    Path lib = Path.of(AgentPremain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .getParent();
    if (!bridgeOnBootClassPath()) {
      // The launcher puts it there up front (-Xbootclasspath/a:); a hand-written -javaagent may not.
      instrumentation.appendToBootstrapClassLoaderSearch(
          new JarFile(lib.resolve("bridge").resolve("otel-auto-instrument-bridge.jar").toFile()));
    }
    Path home = lib.getParent();
    Set<String> triggers = PremainTrigger.fromIndexes(home, PremainTrigger.patcherJars(home, config), config);
    if (triggers == null) {
      // A patcher jar without an index (or a patcher applied at start-up): the agent starts now.
      agent(lib).getMethod("start", Instrumentation.class, Path.class).invoke(null, instrumentation, lib.getParent());
      return;
    }
    PremainTrigger armed = PremainTrigger.arm(instrumentation, triggers, new Function<Object[], byte[]>() {
      @Override
      public byte[] apply(Object[] trigger) {
        return startAt(instrumentation, lib, trigger);
      }
    }, debug);
    synchronized (AgentPremain.class) {
      trigger = armed;
    }
  }

  private static void debug(boolean debug, String message) {
    if (debug) {
      System.err.println(StderrAgentLog.PREFIX.concat(message));
    }
  }

  /**
   * The entry point of {@code otel-auto-instrument attach PID}: the agent loaded into a running JVM, which
   * applies every patcher at once. {@code arguments}: the attach command's settings, {@code NAME=VALUE}
   * lines (property names, e.g. {@code otel.service.name}), which win over the JVM's own.
   */
  public static void agentmain(String arguments, Instrumentation instrumentation) {
    if (DETACH.equals(arguments)) {
      detach();
      return;
    }
    if (STATUS.equals(arguments)) {
      status();
      return;
    }
    synchronized (AgentPremain.class) {
      if (started) {
        // The attach command looks first and says so itself; this is for a second attach racing the first.
        System.err.println("[otel-auto-instrument] the agent is in this JVM already; attach changed nothing");
        return;
      }
      started = true;
    }
    try {
      System.setProperty(AGENT_PROPERTY, "attach");
      Path lib = Path.of(AgentPremain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent();
      if (!bridgeOnBootClassPath()) {
        instrumentation.appendToBootstrapClassLoaderSearch(
            new JarFile(lib.resolve("bridge").resolve("otel-auto-instrument-bridge.jar").toFile()));
      }
      Map<String, String> overrides = new HashMap<>();
      for (String line : (arguments == null ? "" : arguments).split("\n")) {
        int equals = line.indexOf('=');
        if (equals > 0) {
          overrides.put(line.substring(0, equals), line.substring(equals + 1));
        }
      }
      agent(lib).getMethod("attach", Instrumentation.class, Path.class, Map.class)
          .invoke(null, instrumentation, lib.getParent(), overrides);
      status();
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * {@code otel-auto-instrument detach PID}: the agent, however it came (premain waiting or started, or an
   * attach), undoes everything it did; the JVM can be attached to again.
   */
  private static void detach() {
    PremainTrigger waiting;
    Class<?> agent;
    synchronized (AgentPremain.class) {
      if (!started) {
        System.err.println("[otel-auto-instrument] there is no agent in this JVM; detach changed nothing");
        return;
      }
      waiting = trigger;
      agent = agentClass;
      trigger = null;
      agentClass = null;
      dormant = null;
      started = false;
      System.clearProperty(AGENT_PROPERTY);
      System.clearProperty(STATUS_PROPERTY);
    }
    try {
      if (waiting != null) {
        waiting.disarm();
      }
      if (agent != null) {
        agent.getMethod("detach").invoke(null);
      }
    } catch (Throwable t) {
      failed(t);
    }
  }

  /**
   * The agent's account for {@code otel-auto-instrument status PID}, put in {@link #STATUS_PROPERTY}: how
   * the agent came, whether it waits for its first trigger class or is active, and then what
   * {@code Agent.status} says (patchers applied, spans exported and not). Published here when premain or
   * an attach is done; once active, the agent publishes it itself as it changes ({@code Agent.publish}), so
   * that status reads it without loading anything into the JVM.
   */
  private static void status() {
    String how;
    Class<?> agent;
    boolean waiting;
    String dormantReason;
    synchronized (AgentPremain.class) {
      dormantReason = dormant;
      how = started ? System.getProperty(AGENT_PROPERTY, "-javaagent") : null;
      agent = agentClass;
      waiting = trigger != null && agent == null;
    }
    StringBuilder status = new StringBuilder();
    if (how == null) {
      status.append("state=none\n");
    } else {
      status.append("agent=").append(how).append('\n');
      try {
        status.append(agent == null && dormantReason != null ? "state=dormant\nreason=".concat(dormantReason).concat("\n")
            : agent == null ? (waiting ? "state=waiting\n" : "state=failed\n")
            : (String) agent.getMethod("status").invoke(null));
      } catch (Throwable t) {
        status.append("state=failed\nproblem=").append(t).append('\n');
      }
    }
    System.setProperty(STATUS_PROPERTY, status.toString());
  }

  /**
   * The agent proper, at the first trigger (later ones go to the started agent's {@code fire}); returns the
   * triggering class as the patchers make it.
   */
  private static byte[] startAt(Instrumentation instrumentation, Path lib, Object[] trigger) {
    try {
      Class<?> started;
      synchronized (AgentPremain.class) {
        started = agentClass;
      }
      if (started != null) {
        return (byte[]) started.getMethod("fire", Object[].class).invoke(null, (Object) trigger);
      }
      return (byte[]) agent(lib).getMethod("startAt", Instrumentation.class, Path.class, Object[].class)
          .invoke(null, instrumentation, lib.getParent(), trigger);
    } catch (Throwable t) {
      failed(t);
      return null;
    }
  }

  /** {@code Agent}, in an isolated class loader over {@code lib/agent/*.jar} (parent: the platform loader). */
  private static Class<?> agent(Path lib) throws IOException, ClassNotFoundException {
    ClassLoader agentLoader = new URLClassLoader(
        "otel-auto-instrument", jarsIn(lib.resolve("agent")), ClassLoader.getPlatformClassLoader());
    Class<?> agent = Class.forName("io.otelauto.bootstrap.Agent", true, agentLoader);
    synchronized (AgentPremain.class) {
      agentClass = agent;
    }
    return agent;
  }

  private static void failed(Throwable t) {
    System.err.println("[otel-auto-instrument] the agent did not start; the program runs without it");
    t.printStackTrace();
    status();
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
    List<Path> jars = PremainTrigger.jarsIn(directory);
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      urls[i] = jars.get(i).toUri().toURL();
    }
    return urls;
  }
}
