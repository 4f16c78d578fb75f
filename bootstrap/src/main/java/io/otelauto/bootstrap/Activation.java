package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.Patcher;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Defers the patchers that name trigger classes until the first of those classes is about to load: until
 * then the agent has loaded neither Byte Buddy nor the SDK, and its only cost per loaded class is one
 * hash-set lookup of the class's name. At the first trigger, every deferred patcher is applied at once
 * (one warm-up of Byte Buddy instead of several, and a patcher's library often loads another's), the
 * triggering class is put through the new transformers as it loads, and this transformer removes itself.
 *
 * <p>Registered as retransformation-capable, like Byte Buddy's transformers: the JVM fixes the list of
 * such transformers for a class before calling the first, so the new ones never see the triggering class
 * twice.
 *
 * <p>Classes being defined when the trigger loads: the JVM transforms a class before it loads its
 * superclass and interfaces, so a trigger that is an interface or a superclass (e.g.
 * {@code jakarta.servlet.Servlet}, loaded because {@code HttpServlet} is) fires after the classes that
 * caused it were transformed, and before they are loaded: neither the new transformers nor Byte Buddy's
 * pass over loaded classes sees them. So the last few classes that began to load on the triggering thread
 * are retransformed once their definition completes ({@link #patchLate}), on a thread of ours.
 */
final class Activation implements ClassFileTransformer {
  /** How many of the last classes that began to load are remembered per thread. */
  private static final int RECENT = 6;

  private final RecordingInstrumentation instrumentation;
  private final Set<String> triggers = new HashSet<>();
  private final List<Patcher> deferred;
  private final Consumer<List<Patcher>> apply;
  private final AgentLog log;
  private final ThreadLocal<Boolean> activating = new ThreadLocal<>();
  /** Per thread, the loaders and names of the last classes that began to load, as a ring. */
  private final ThreadLocal<Object[]> recent = ThreadLocal.withInitial(() -> new Object[2 * RECENT + 1]);
  private volatile boolean done;

  private Activation(RecordingInstrumentation instrumentation, List<Patcher> deferred,
      Consumer<List<Patcher>> apply, AgentLog log) {
    this.instrumentation = instrumentation;
    this.deferred = deferred;
    this.apply = apply;
    this.log = log;
    for (Patcher patcher : deferred) {
      for (String name : patcher.triggerClasses()) {
        if (!Patcher.ANY_TRIGGER.equals(name)) {
          triggers.add(name.replace('.', '/'));
        }
      }
    }
  }

  /**
   * Applies {@code deferred} at the first trigger: now, if a trigger class is loaded already; else when one
   * loads. Patchers whose only trigger is {@link Patcher#ANY_TRIGGER} never trigger by themselves.
   */
  static void arm(RecordingInstrumentation instrumentation, List<Patcher> deferred,
      Consumer<List<Patcher>> apply, AgentLog log) {
    Activation activation = new Activation(instrumentation, deferred, apply, log);
    if (activation.triggers.isEmpty()) {
      return;
    }
    instrumentation.addTransformer(activation, true);
    instrumentation.drainAdded();
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (activation.triggers.contains(loaded.getName().replace('.', '/'))) {
        log.debug("Trigger " + loaded.getName() + " was loaded already");
        activation.activate();
        return;
      }
    }
    log.debug("Waiting for the first of " + activation.triggers.size() + " trigger classes");
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
      ProtectionDomain domain, byte[] classfile) throws IllegalClassFormatException {
    if (done || classBeingRedefined != null || className == null) {
      return null;
    }
    if (!triggers.contains(className) || activating.get() != null || isOurs(loader)) {
      remember(loader, className);
      return null;
    }
    synchronized (this) {
      if (done) {
        return null;
      }
      log.debug("Trigger " + className.replace('/', '.') + " is loading");
      Object[] pending = recent.get().clone();
      recent.remove();
      List<ClassFileTransformer> added = activate();
      patchLate(pending);
      byte[] current = classfile;
      boolean changed = false;
      for (ClassFileTransformer transformer : added) {
        try {
          byte[] result = transformer.transform(module, loader, className, null, domain, current);
          if (result != null) {
            current = result;
            changed = true;
          }
        } catch (IllegalClassFormatException | RuntimeException e) {
          log.errorOnce("activation " + className, "Could not patch " + className + " as it loaded", e);
        }
      }
      return changed ? current : null;
    }
  }

  /**
   * The agent's own loaders load classes that are triggers elsewhere (its copy of the OpenTelemetry API):
   * only the program's copy triggers. Asked of trigger names only.
   */
  private static boolean isOurs(ClassLoader loader) {
    for (ClassLoader own = Activation.class.getClassLoader(); loader != null; loader = loader.getParent()) {
      if (loader == own) {
        return true;
      }
    }
    return false;
  }

  private void remember(ClassLoader loader, String className) {
    Object[] ring = recent.get();
    int next = ring[2 * RECENT] == null ? 0 : (Integer) ring[2 * RECENT];
    ring[2 * next] = loader;
    ring[2 * next + 1] = className;
    ring[2 * RECENT] = (next + 1) % RECENT;
  }

  /**
   * Retransforms the classes of {@code ring} (see the class comment) once loaded. Asking a loader for a
   * class being defined waits for its definition, so this runs on a thread of its own; classes already
   * loaded, or that no patcher matches, cost one retransformation that changes nothing.
   */
  private void patchLate(Object[] ring) {
    List<Object[]> classes = new ArrayList<>();
    for (int i = 0; i < RECENT; i++) {
      if (ring[2 * i + 1] != null && ring[2 * i] != null) {
        classes.add(new Object[] {ring[2 * i], ((String) ring[2 * i + 1]).replace('/', '.')});
      }
    }
    if (classes.isEmpty()) {
      return;
    }
    Thread late = new Thread(() -> {
      for (Object[] loaderAndName : classes) {
        String name = (String) loaderAndName[1];
        try {
          Class<?> type = Class.forName(name, false, (ClassLoader) loaderAndName[0]);
          if (instrumentation.isModifiableClass(type)) {
            instrumentation.retransformClasses(type);
          }
        } catch (Throwable e) {
          // A class whose definition failed, or that cannot be retransformed, stays as it is.
          log.debug("Could not patch " + name + " after the trigger: " + e);
        }
      }
    }, "otel-auto-instrument-late-patch");
    late.setDaemon(true);
    late.start();
  }

  private synchronized List<ClassFileTransformer> activate() {
    activating.set(Boolean.TRUE);
    try {
      done = true;
      instrumentation.removeTransformer(this);
      apply.accept(new ArrayList<>(deferred));
      return instrumentation.drainAdded();
    } finally {
      activating.remove();
    }
  }
}
