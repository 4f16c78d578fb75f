package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiFunction;
import net.bytebuddy.asm.Advice;

/** Inlined into the program's {@code GlobalOpenTelemetry.isSet()} (API 1.52+): true while the agent's is the global. */
public final class GlobalIsSetAdvice {
  private GlobalIsSetAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Origin Class<?> api, @Advice.Return(readOnly = false) boolean set) {
    Object hook = Hooks.get("opentelemetry-api.global");
    if (!set && hook instanceof BiFunction
        && ((BiFunction<Class<?>, String, Object>) hook).apply(api, "isSet") != null) {
      set = true;
    }
  }
}
