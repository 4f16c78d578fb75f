package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import net.bytebuddy.asm.Advice;

/** On Thread.run and ForkJoinTask.doExec: the task runs in its captured context, then the runner's own is back. */
public final class RunWithContextAdvice {
  private RunWithContextAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object task) {
    Object hook = Hooks.get("jdk-executors.attach");
    return hook instanceof Function ? ((Function<Object, Object>) hook).apply(task) : null;
  }

  @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
  public static void exit(@Advice.Enter Object scope) throws Exception {
    if (scope instanceof AutoCloseable) {
      ((AutoCloseable) scope).close();
    }
  }
}
