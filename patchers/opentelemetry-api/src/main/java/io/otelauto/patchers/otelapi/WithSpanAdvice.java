package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.bridge.Hooks;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into each of the program's methods annotated {@code @WithSpan}: a span around the call, current
 * inside it. The method is named by a constant; what its annotations say is read once ({@link MethodSpans}).
 */
public final class WithSpanAdvice {
  private WithSpanAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  public static Object enter(@Advice.Origin Class<?> type, @Advice.Origin("#m#d") String method,
      @Advice.AllArguments Object[] arguments) {
    Object hook = Hooks.get(OpenTelemetryApiBridge.HOOK);
    return hook instanceof OpenTelemetryApiBridge
        ? ((OpenTelemetryApiBridge) hook).startMethodSpan(type, method, arguments) : null;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Enter Object started,
      @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned, @Advice.Thrown Throwable thrown) {
    if (started instanceof BiConsumer) {
      ((BiConsumer<Object, Throwable>) started).accept(returned, thrown);
    }
  }
}
