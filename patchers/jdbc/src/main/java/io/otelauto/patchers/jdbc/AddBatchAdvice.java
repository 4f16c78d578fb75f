package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/** Inlined at the return of a Statement's {@code addBatch(String)}: the SQL joins the statement's batch. */
public final class AddBatchAdvice {
  private AddBatchAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object statement, @Advice.Argument(0) String sql) {
    Object hook = Hooks.get("jdbc.add-batch");
    if (hook instanceof BiConsumer) {
      ((BiConsumer<Object, String>) hook).accept(statement, sql);
    }
  }
}
