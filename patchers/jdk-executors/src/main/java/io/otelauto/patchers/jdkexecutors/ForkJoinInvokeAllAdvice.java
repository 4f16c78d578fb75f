package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.asm.Advice;

/** On ForkJoinPool.invokeAll: each task carries the submitter's context. */
public final class ForkJoinInvokeAllAdvice {
  private ForkJoinInvokeAllAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(
      @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object tasks) {
    Object hook = Hooks.get("jdk-executors.wrap-all");
    if (hook instanceof Function) {
      tasks = ((Function<Object, Object>) hook).apply(tasks);
    }
  }
}
