package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into the program's {@code ContextStorage.get()}, which every {@code Context.current()},
 * {@code makeCurrent()} and {@code Context.root()} of that copy of the API goes through: it answers with the
 * agent's storage instead, and the API's own is never made.
 */
public final class ContextStorageAdvice {
  private ContextStorageAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.Origin Class<?> api) {
    Object hook = Hooks.get("opentelemetry-api.context-storage");
    return hook instanceof Function ? ((Function<Class<?>, Object>) hook).apply(api) : null;
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  public static void exit(@Advice.Enter Object agents,
      @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object storage) {
    if (agents != null) {
      storage = agents;
    }
  }
}
