package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiFunction;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into the program's {@code GlobalOpenTelemetry.get()} and {@code getOrNoop()}: unless the program
 * set its own instance, the answer is the agent's, and the API's own (a no-op) is never made.
 */
public final class GlobalGetAdvice {
  private GlobalGetAdvice() {}

  @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.Origin Class<?> api) {
    Object hook = Hooks.get("opentelemetry-api.global");
    return hook instanceof BiFunction ? ((BiFunction<Class<?>, String, Object>) hook).apply(api, "get") : null;
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  public static void exit(@Advice.Enter Object agents,
      @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object openTelemetry) {
    if (agents != null) {
      openTelemetry = agents;
    }
  }
}
