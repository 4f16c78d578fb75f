package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/** On ForkJoinTask.fork: the forked task keeps the forking task's context. */
public final class ForkAdvice {
  private ForkAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(@Advice.This Object task) {
    Object hook = Hooks.get("jdk-executors.capture");
    if (hook instanceof Consumer) {
      ((Consumer<Object>) hook).accept(task);
    }
  }
}
