package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Consumer;
import java.util.function.Function;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code execute()}, {@code executeQuery()}, {@code executeUpdate()} and
 * {@code executeLargeUpdate()} without arguments (PreparedStatement, CallableStatement): the span of the SQL
 * the statement was prepared with.
 */
public final class ExecutePreparedAdvice {
  private ExecutePreparedAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object statement) {
    Object hook = Hooks.get("jdbc.execute-prepared");
    return hook instanceof Function ? ((Function<Object, Object>) hook).apply(statement) : null;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Enter Object execution, @Advice.Thrown Throwable thrown) {
    if (execution instanceof Consumer) {
      ((Consumer<Throwable>) execution).accept(thrown);
    }
  }
}
