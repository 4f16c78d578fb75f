package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;

import net.bytebuddy.asm.Advice;

/** On ThreadPoolExecutor.afterExecute: the worker is back to its own context. */
public final class AfterExecuteAdvice {
  private AfterExecuteAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  public static void enter() {
    Object hook = Hooks.get("jdk-executors.after-pool-task");
    if (hook instanceof Runnable) {
      ((Runnable) hook).run();
    }
  }
}
