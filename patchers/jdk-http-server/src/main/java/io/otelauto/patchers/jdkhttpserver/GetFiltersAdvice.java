package io.otelauto.patchers.jdkhttpserver;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined at the end of {@code HttpContextImpl.getFilters()}, which the server calls for every exchange (and
 * the program when it adds a filter): hands the context and its filter list to the patcher, which puts its
 * filter first if it is not there yet. So contexts created before the patch (an agent attached to a running
 * JVM) are traced from their next exchange.
 */
public final class GetFiltersAdvice {
  private GetFiltersAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object context, @Advice.Return Object filters) {
    Object hook = Hooks.get("jdk-http-server.filters");
    if (hook instanceof BiConsumer) {
      ((BiConsumer<Object, Object>) hook).accept(context, filters);
    }
  }
}
