package io.otelauto.patchers.jdbc;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into a statement's {@code execute}, {@code executeQuery}, {@code executeUpdate} and
 * {@code executeLargeUpdate} that take the SQL as their first argument: the outermost such call on the
 * thread starts the span, which ends when the call returns or throws.
 */
public final class ExecuteAdvice {
  private ExecuteAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object statement, @Advice.Argument(0) String sql) {
    Object hook = Hooks.get("jdbc.execute");
    return hook instanceof BiFunction ? ((BiFunction<Object, String, Object>) hook).apply(statement, sql) : null;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Enter Object execution, @Advice.Thrown Throwable thrown) {
    if (execution instanceof Consumer) {
      ((Consumer<Throwable>) execution).accept(thrown);
    }
  }
}
