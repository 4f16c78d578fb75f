package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.asm.Advice;

/** On ForkJoinPool.execute/submit/invoke: the submitted task carries the submitter's context. */
public final class ForkJoinSubmitAdvice {
  private ForkJoinSubmitAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void enter(
      @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object task) {
    Object hook = Hooks.get("jdk-executors.fork-join-submit");
    if (hook instanceof Function) {
      task = ((Function<Object, Object>) hook).apply(task);
    }
  }
}
