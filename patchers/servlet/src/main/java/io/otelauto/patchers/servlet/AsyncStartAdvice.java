package io.otelauto.patchers.servlet;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.UnaryOperator;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code AsyncContext.start(Runnable)} of every container: the task runs on a container thread
 * (Tomcat's own executor is not a JDK one) with the context current where it was handed over, so the work of
 * an async request is in its trace.
 */
public final class AsyncStartAdvice {
  private AsyncStartAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
    Object hook = Hooks.get("servlet.async-start");
    if (hook instanceof UnaryOperator) {
      task = ((UnaryOperator<Runnable>) hook).apply(task);
    }
  }
}
