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
 */
final class Activation implements ClassFileTransformer {
  private final RecordingInstrumentation instrumentation;
  private final Set<String> triggers = new HashSet<>();
  private final List<Patcher> deferred;
  private final Consumer<List<Patcher>> apply;
  private final AgentLog log;
  private final ThreadLocal<Boolean> activating = new ThreadLocal<>();
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
    if (done || classBeingRedefined != null || className == null || !triggers.contains(className)
        || activating.get() != null) {
      return null;
    }
    synchronized (this) {
      if (done) {
        return null;
      }
      log.debug("Trigger " + className.replace('/', '.') + " is loading");
      List<ClassFileTransformer> added = activate();
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
