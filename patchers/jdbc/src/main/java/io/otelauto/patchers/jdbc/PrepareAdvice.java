package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined at the return of a connection's {@code prepareStatement(String, ...)} and
 * {@code prepareCall(String, ...)}: the statement it returns is noted with its SQL, which its executions
 * report. Nothing is noted when the call throws.
 */
public final class PrepareAdvice {
  private PrepareAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Return Object statement, @Advice.Argument(0) String sql) {
    if (statement == null) {
      return;
    }
    Object hook = Hooks.get("jdbc.prepare");
    if (hook instanceof BiConsumer) {
      ((BiConsumer<Object, String>) hook).accept(statement, sql);
    }
  }
}
