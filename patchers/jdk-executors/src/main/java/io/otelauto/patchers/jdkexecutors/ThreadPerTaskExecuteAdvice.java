package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.asm.Advice;

/** On CompletableFuture's thread-per-task executor (JDK 17, single-core pools): the stage carries the caller's context into its new thread. */
public final class ThreadPerTaskExecuteAdvice {
  private ThreadPerTaskExecuteAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(
      @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object task) {
    Object hook = Hooks.get("jdk-executors.wrap");
    if (hook instanceof Function) {
      task = ((Function<Object, Object>) hook).apply(task);
    }
  }
}
