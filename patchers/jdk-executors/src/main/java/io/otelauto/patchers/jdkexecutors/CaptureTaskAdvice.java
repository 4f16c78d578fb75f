package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/** On ThreadPoolExecutor.execute and ScheduledThreadPoolExecutor.delayedExecute: the task's context. */
public final class CaptureTaskAdvice {
  private CaptureTaskAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(@Advice.Argument(0) Object task) {
    Object hook = Hooks.get("jdk-executors.capture");
    if (hook instanceof Consumer) {
      ((Consumer<Object>) hook).accept(task);
    }
  }
}
