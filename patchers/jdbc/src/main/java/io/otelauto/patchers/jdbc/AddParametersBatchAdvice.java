package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined at the return of a PreparedStatement's {@code addBatch()}: one more parameter set in the batch.
 */
public final class AddParametersBatchAdvice {
  private AddParametersBatchAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.This Object statement) {
    Object hook = Hooks.get("jdbc.add-batch");
    if (hook instanceof BiConsumer) {
      ((BiConsumer<Object, String>) hook).accept(statement, null);
    }
  }
}
