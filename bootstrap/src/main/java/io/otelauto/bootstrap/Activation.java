package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.Patcher;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What happens at a trigger ({@link PremainTrigger} waits for it): the patchers it is for are applied (the
 * agent's {@code Setup.fire} chooses them), the triggering class is put through the new transformers as it
 * loads, and the classes that began to load on the triggering thread just before it are retransformed once
 * their definition completes.
 *
 * <p>Why the last step: the JVM transforms a class before it loads its superclass and interfaces, so a
 * trigger that is an interface or a superclass (e.g. {@code jakarta.servlet.Servlet}, loaded because
 * {@code HttpServlet} is) fires after the classes that caused it were transformed, and before they are
 * loaded: neither the new transformers nor Byte Buddy's pass over loaded classes sees them.
 */
final class Activation {
  private Activation() {}

  /**
   * Applies {@code deferred} through {@code apply} (whose transformers {@code instrumentation} records) and
   * returns the triggering class's file as the new transformers make it (null: unchanged). {@code trigger}
   * is what {@link PremainTrigger} hands over, or null if a trigger class was loaded already.
   */
  static byte[] fire(RecordingInstrumentation instrumentation, List<Patcher> deferred,
      Consumer<List<Patcher>> apply, AgentLog log, Object[] trigger) {
    instrumentation.drainAdded();
    if (trigger == null) {
      apply.accept(new ArrayList<>(deferred));
      instrumentation.drainAdded();
      return null;
    }
    Module module = (Module) trigger[0];
    ClassLoader loader = (ClassLoader) trigger[1];
    String className = (String) trigger[2];
    ProtectionDomain domain = (ProtectionDomain) trigger[3];
    byte[] classfile = (byte[]) trigger[4];
    log.debug("Trigger " + className.replace('/', '.') + " is loading");
    apply.accept(new ArrayList<>(deferred));
    List<ClassFileTransformer> added = instrumentation.drainAdded();
    patchLate(instrumentation, log, (Object[]) trigger[5]);
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

  /**
   * Retransforms the classes of {@code ring} (loader, internal name pairs, then the ring's position) once
   * loaded. Asking a loader for a class being defined waits for its definition, so this runs on a thread of
   * its own; classes already loaded, or that no patcher matches, cost one retransformation that changes nothing.
   */
  private static void patchLate(RecordingInstrumentation instrumentation, AgentLog log, Object[] ring) {
    List<Object[]> classes = new ArrayList<>();
    for (int i = 0; i + 1 < ring.length; i += 2) {
      if (ring[i] instanceof ClassLoader loader && ring[i + 1] instanceof String name) {
        classes.add(new Object[] {loader, name.replace('/', '.')});
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
}
