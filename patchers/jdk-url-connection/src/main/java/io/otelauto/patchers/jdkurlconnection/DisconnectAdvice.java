package io.otelauto.patchers.jdkurlconnection;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code disconnect()} of the JDK's http connection: ends a span whose response was never asked
 * for. Starts nothing.
 */
public final class DisconnectAdvice {
  private DisconnectAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object connection) {
    Object hook = Hooks.get("jdk-url-connection.disconnect");
    return hook instanceof Function ? ((Function<Object, Object>) hook).apply(connection) : null;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(
      @Advice.Enter Object exit,
      @Advice.Thrown Throwable thrown,
      @Advice.FieldValue("responseCode") int responseCode) {
    if (exit instanceof ObjIntConsumer) {
      ((ObjIntConsumer<Throwable>) exit).accept(thrown, responseCode);
    }
  }
}
