package io.otelauto.patchers.jdkhttpserver;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/** Inlined at the end of {@code HttpContextImpl}'s constructor: hands the new context to the patcher. */
public final class HttpContextConstructorAdvice {
  private HttpContextConstructorAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object context) {
    Object hook = Hooks.get("jdk-http-server.context-created");
    if (hook instanceof Consumer) {
      ((Consumer<Object>) hook).accept(context);
    }
  }
}
