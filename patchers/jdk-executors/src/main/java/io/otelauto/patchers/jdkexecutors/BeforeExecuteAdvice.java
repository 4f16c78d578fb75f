package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/** On ThreadPoolExecutor.beforeExecute: the worker takes on the task's context. */
public final class BeforeExecuteAdvice {
  private BeforeExecuteAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(@Advice.Argument(1) Object task) {
    Object hook = Hooks.get("jdk-executors.before-pool-task");
    if (hook instanceof Consumer) {
      ((Consumer<Object>) hook).accept(task);
    }
  }
}
