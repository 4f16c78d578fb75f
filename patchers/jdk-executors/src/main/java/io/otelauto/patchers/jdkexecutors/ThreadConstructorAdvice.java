package io.otelauto.patchers.jdkexecutors;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/** On Thread's public constructors: a thread running application code inherits the creator's context. */
public final class ThreadConstructorAdvice {
  private ThreadConstructorAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object thread, @Advice.AllArguments Object[] arguments) {
    Object hook = Hooks.get("jdk-executors.thread-created");
    if (hook instanceof BiConsumer) {
      ((BiConsumer<Object, Object>) hook).accept(thread, arguments);
    }
  }
}
