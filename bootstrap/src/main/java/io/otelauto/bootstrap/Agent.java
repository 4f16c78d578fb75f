package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agent proper, loaded by {@link AgentPremain} in the agent's isolated class loader.
 *
 * <p>Start-up does as little as it can: find the patchers, apply those that must be applied now, and arm
 * {@link Activation} for those that wait for their library's classes. The SDK is configured at the first
 * span ({@link LazyOpenTelemetry}).
 */
public final class Agent {
  private Agent() {}

  /**
   * Called reflectively by {@link AgentPremain#premain} when some patcher jar has no index: finds the
   * patchers now, applies those without triggers, and waits for the others' triggers. {@code home} is the
   * distribution's root.
   */
  public static void start(Instrumentation jvm, Path home) {
    long started = System.nanoTime();
    Setup setup = Setup.of(jvm, home);
    if (setup == null) {
      return;
    }
    try {
      current = setup;
      setup.apply(setup.now);
      setup.trigger = PremainTrigger.arm(setup.instrumentation, setup.awaitedTriggers(), Agent::fire, setup.debug);
      setup.log.debug("Agent started in " + millisSince(started) + " ms");
      publish();
    } catch (Throwable t) {
      setup.log.error("The agent failed to start; the program runs without it", t);
    }
  }

  /**
   * Called reflectively by {@link AgentPremain} at the first trigger (see {@link PremainTrigger}): finds the
   * patchers, applies those without triggers and those the trigger is for ({@link Setup#fire}), and returns
   * the triggering class's file as they patch it (null: unchanged). The others wait for their own.
   */
  public static byte[] startAt(Instrumentation jvm, Path home, Object[] trigger) {
    long started = System.nanoTime();
    Setup setup = Setup.of(jvm, home);
    if (setup == null) {
      return null;
    }
    current = setup;
    try {
      setup.apply(setup.now);
      byte[] patched = setup.fire(trigger);
      setup.log.debug("Agent started at the trigger in " + millisSince(started) + " ms");
      publish();
      return patched;
    } catch (Throwable t) {
      setup.log.error("The agent failed to start; the program runs without it", t);
      return null;
    }
  }

  /** Called reflectively by {@link AgentPremain} at each later trigger: {@link Setup#fire}. */
  public static byte[] fire(Object[] trigger) {
    // Published after the setup's lock is let go: publishing reads the setup (lock order: never the
    // setup's, then PUBLISHING).
    Setup setup = current;
    if (setup == null) {
      return null;
    }
    byte[] patched = setup.fire(trigger);
    publish();
    return patched;
  }

  /**
   * Called reflectively by {@link AgentPremain#agentmain} in a running JVM ({@code otel-auto-instrument
   * attach}): finds the patchers, applies at once those whose library is in use (a trigger class is loaded;
   * classes loaded already are retransformed), and the others when theirs loads.
   * {@code overrides}: the settings the attach command was given, which win over the JVM's own.
   */
  public static void attach(Instrumentation jvm, Path home, Map<String, String> overrides) {
    long started = System.nanoTime();
    Setup setup = Setup.attached(jvm, home, AgentConfig.fromSystem().with(overrides));
    if (setup == null) {
      return;
    }
    current = setup;
    try {
      setup.apply(setup.now);
      setup.trigger = PremainTrigger.arm(setup.instrumentation, setup.awaitedTriggers(), Agent::fire, setup.debug,
          true);
      setup.log.debug("Agent attached in " + millisSince(started) + " ms");
      publish();
    } catch (Throwable t) {
      setup.log.error("The agent failed to attach; the program runs without it", t);
    }
  }

  /**
   * Called reflectively by {@link AgentPremain#agentmain} ({@code otel-auto-instrument detach}): every
   * patcher unpatched (the original bytecode back), what is buffered exported and the SDK shut down (its
   * threads end with it), the exit hook taken out. The program goes on as without the agent; this class
   * loader is left to the garbage collector, and a new attach makes a new one.
   */
  public static void detach() {
    Setup setup;
    synchronized (PUBLISHING) {
      setup = current;
      current = null;
      System.clearProperty(AgentPremain.STATUS_PROPERTY);
    }
    if (setup == null) {
      return;
    }
    if (setup.trigger != null) {
      setup.trigger.disarm();
    }
    List<Patcher> applied = new ArrayList<>(setup.applied);
    java.util.Collections.reverse(applied);
    for (Patcher patcher : applied) {
      try {
        patcher.unpatch();
        setup.log.debug("Unpatched " + patcher.name());
      } catch (Throwable t) {
        setup.log.error("Unpatching " + patcher.name() + " failed", t);
      }
    }
    try {
      ExitBound.uninstall();
      setup.openTelemetry.shutdown(ExitBound.DEFAULT);
    } catch (Throwable t) {
      setup.log.error("Shutting the SDK down failed", t);
    }
    setup.log.debug("Agent detached");
  }

  /**
   * Called reflectively by {@link AgentPremain} ({@code otel-auto-instrument status}): {@code NAME=VALUE}
   * lines saying which patchers are applied and what became of the spans so far.
   */
  public static String status() {
    Setup setup = current;
    if (setup == null) {
      return "state=detached\n";
    }
    // Runs after every export (publish): a plain loop, no streams, which keeps the agent's periodic work out
    // of the JDK's stream code that the program's hot paths may share.
    String applied;
    synchronized (setup.applied) {
      applied = sortedNames(setup.applied);
    }
    StringBuilder status = new StringBuilder("state=active\npatchers=").append(applied);
    status.append("\npatchers.waiting=").append(setup.waitingNames()).append('\n');
    SpanAccounting accounting = setup.accounting;
    if (accounting == null) {
      status.append("sdk=not built yet (no span so far)\n");
    } else {
      accounting.status(status);
    }
    return status.toString();
  }

  /** The patchers' names, sorted, separated by commas (status lines). */
  private static String sortedNames(Iterable<Patcher> patchers) {
    List<String> names = new ArrayList<>();
    for (Patcher patcher : patchers) {
      names.add(patcher.name());
    }
    java.util.Collections.sort(names);
    return String.join(",", names);
  }

  /** The agent that started or was attached in this loader; detach clears it (under {@link #PUBLISHING}). */
  private static volatile Setup current;
  private static final Object PUBLISHING = new Object();

  /**
   * Puts the agent's account where {@code otel-auto-instrument status} reads it, with the JVM's system
   * properties (as {@link AgentPremain} words it): whenever patchers are applied, the SDK is built, and an
   * export ends. So status needs to load nothing into the JVM. A detached agent publishes nothing.
   */
  static void publish() {
    synchronized (PUBLISHING) {
      String how = System.getProperty(AgentPremain.AGENT_PROPERTY);
      if (current == null || how == null) {
        return;
      }
      System.setProperty(AgentPremain.STATUS_PROPERTY, "agent=" + how + "\n" + status());
    }
  }

  /** The agent's state once its patchers are found: those to apply now, and those that wait for a trigger. */
  private static final class Setup {
    final AgentLog log;
    final boolean debug;
    final RecordingInstrumentation instrumentation;
    final PatchContext context;
    final List<Patcher> now = new ArrayList<>();
    /** The patchers that wait for one of their trigger classes to load (guarded by this Setup). */
    private final List<Patcher> waiting = new ArrayList<>();
    /** The patchers applied so far (detach unpatches them). */
    final List<Patcher> applied = java.util.Collections.synchronizedList(new ArrayList<>());
    final LazyOpenTelemetry openTelemetry;
    /** The SDK's span accounting, once the SDK is built (status reads it). */
    volatile SpanAccounting accounting;
    /** Waiting for the waiting patchers' triggers, when started at once or attached (detach disarms it). */
    volatile PremainTrigger trigger;

    private Setup(Instrumentation jvm, Path home, AgentConfig config, AgentLog log, boolean debug,
        boolean withTheJvm) {
      this.log = log;
      this.debug = debug;
      boolean collectAfterFirstRequest = withTheJvm && config.getBoolean(ServerStartCollection.SETTING, true);
      this.instrumentation = new RecordingInstrumentation(jvm);
      this.openTelemetry = new LazyOpenTelemetry(() -> {
        long configuring = System.nanoTime();
        openJavaLangToTheAgent(jvm, log);
        var configured = Telemetry.configure(log, config.overrides(),
            collectAfterFirstRequest ? new ServerStartCollection(log) : null, built -> {
          accounting = built;
          built.onChange(Agent::publish);
        });
        log.debug("OpenTelemetry configured in " + millisSince(configuring) + " ms");
        return configured;
      });
      this.context = new DefaultPatchContext(instrumentation, openTelemetry, config, log);
      ClassLoader patcherLoader =
          PatcherDiscovery.loaderFor(PatcherDiscovery.patcherJars(home, config), Agent.class.getClassLoader());
      for (Patcher patcher : PatcherDiscovery.load(patcherLoader, log)) {
        if (isWanted(patcher, config, log)) {
          (triggerClasses(patcher, log).isEmpty() ? now : waiting).add(patcher);
        }
      }
    }

    /** The setup of an agent that started with the JVM ({@code -javaagent}). */
    static Setup of(Instrumentation jvm, Path home) {
      return of(jvm, home, AgentConfig.fromSystem(), true);
    }

    /** The setup of an agent attached to a running JVM. */
    static Setup attached(Instrumentation jvm, Path home, AgentConfig config) {
      return of(jvm, home, config, false);
    }

    private static Setup of(Instrumentation jvm, Path home, AgentConfig config, boolean withTheJvm) {
      boolean debug = config.getBoolean(AgentConfig.DEBUG, false);
      AgentLog log = new StderrAgentLog(debug);
      try {
        return new Setup(jvm, home, config, log, debug, withTheJvm);
      } catch (Throwable t) {
        log.error("The agent failed to start; the program runs without it", t);
        return null;
      }
    }

    void apply(List<Patcher> patchers) {
      List<Patcher> done = applyAll(patchers, context, log);
      applied.addAll(done);
    }

    /**
     * A trigger class loads (or was loaded already): the patchers waiting for it, and at the first trigger
     * those that wait for any ({@link Patcher#ANY_TRIGGER}), are applied; the trigger is told to go on waiting
     * for the other patchers' classes. A program pays only for the libraries it uses: a test JVM that starts
     * an HTTP server never applies the JDBC, servlet or OpenTelemetry API patchers, each a pass over every
     * loaded class. A null trigger applies every waiting patcher.
     */
    synchronized byte[] fire(Object[] trigger) {
      String loaded = trigger == null ? null : ((String) trigger[2]).replace('/', '.');
      List<Patcher> due = new ArrayList<>();
      for (Patcher patcher : waiting) {
        Set<String> names = triggerClasses(patcher, log);
        if (loaded == null || names.contains(Patcher.ANY_TRIGGER) || names.contains(loaded)) {
          due.add(patcher);
        }
      }
      waiting.removeAll(due);
      if (trigger != null && trigger.length > 6 && trigger[6] instanceof Consumer) {
        @SuppressWarnings("unchecked")
        Consumer<Set<String>> waitFor = (Consumer<Set<String>>) trigger[6];
        waitFor.accept(awaitedTriggers());
      }
      boolean loadedAlready = trigger == null || trigger[4] == null;
      return Activation.fire(instrumentation, due, this::apply, log, loadedAlready ? null : trigger);
    }

    /** The trigger classes of the waiting patchers. */
    synchronized Set<String> awaitedTriggers() {
      Set<String> names = new HashSet<>();
      for (Patcher patcher : waiting) {
        names.addAll(triggerClasses(patcher, log));
      }
      names.remove(Patcher.ANY_TRIGGER);
      return names;
    }

    synchronized String waitingNames() {
      return sortedNames(waiting);
    }
  }

  /**
   * Opens {@code java.lang} to the agent's own class loader, and to nothing else. The OTLP marshaller reads
   * a String's bytes through a VarHandle when it may ({@code VarHandleStringEncoder}); on JDK 23+, where it no
   * longer uses {@code sun.misc.Unsafe}, it otherwise falls back to encoding char by char, which on JDK 25
   * made the export of a saturated server's spans measurably dearer (docs/performance.md). Done just before
   * the SDK is built: a program that makes no span is not touched.
   */
  static void openJavaLangToTheAgent(Instrumentation jvm, AgentLog log) {
    try {
      Module javaBase = Object.class.getModule();
      Module agent = Agent.class.getClassLoader().getUnnamedModule();
      if (!javaBase.isOpen("java.lang", agent) && jvm.isModifiableModule(javaBase)) {
        jvm.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(agent)), Set.of(), Map.of());
      }
    } catch (RuntimeException e) {
      log.debug("java.lang not opened to the agent (" + e + "); OTLP export uses the slower string encoder");
    }
  }

  private static boolean isWanted(Patcher patcher, AgentConfig config, AgentLog log) {
    String name = patcher.name();
    try {
      if (!config.allows(name)) {
        log.debug("Skipped " + name + " (disabled, or not in " + AgentConfig.ONLY + ")");
        return false;
      }
      if (!patcher.isLibraryPresent()) {
        log.debug("Skipped " + name + " (library absent)");
        return false;
      }
      return true;
    } catch (Throwable t) {
      log.error("Patching of " + name + " failed", t);
      return false;
    }
  }

  private static Set<String> triggerClasses(Patcher patcher, AgentLog log) {
    try {
      return patcher.triggerClasses();
    } catch (Throwable t) {
      log.error("Patcher " + patcher.name() + " names no valid trigger classes; patched at start-up", t);
      return Set.of();
    }
  }

  /** Applies each patcher; one that fails is logged and the others still run. Returns those applied. */
  static List<Patcher> applyAll(List<Patcher> patchers, PatchContext context, AgentLog log) {
    List<Patcher> applied = new ArrayList<>();
    for (Patcher patcher : patchers) {
      String name = patcher.name();
      try {
        long started = System.nanoTime();
        patcher.patch(context);
        applied.add(patcher);
        log.debug("Patched " + name + " (" + millisSince(started) + " ms)");
      } catch (Throwable t) {
        log.error("Patching of " + name + " failed", t);
      }
    }
    return applied;
  }


  private static long millisSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1_000_000;
  }
}
