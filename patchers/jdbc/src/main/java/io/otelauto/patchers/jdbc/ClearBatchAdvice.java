package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/** Inlined at the return of {@code clearBatch()}: the statement's batch is empty again. */
public final class ClearBatchAdvice {
  private ClearBatchAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object statement) {
    Object hook = Hooks.get("jdbc.clear-batch");
    if (hook instanceof Consumer) {
      ((Consumer<Object>) hook).accept(statement);
    }
  }
}
