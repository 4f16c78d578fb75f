package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiFunction;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into the program's {@code GlobalOpenTelemetry.set(OpenTelemetry)} and {@code resetForTest()}:
 * notes that the program chose its own instance (or took it back), which its later {@code get()} returns.
 */
public final class GlobalSetAdvice {
  private GlobalSetAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Origin Class<?> api, @Advice.Origin("#m") String method) {
    Object hook = Hooks.get("opentelemetry-api.global");
    if (hook instanceof BiFunction) {
      ((BiFunction<Class<?>, String, Object>) hook).apply(api, "set".equals(method) ? "set" : "reset");
    }
  }
}
