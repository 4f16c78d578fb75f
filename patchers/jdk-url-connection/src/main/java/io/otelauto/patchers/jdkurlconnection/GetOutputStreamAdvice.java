package io.otelauto.patchers.jdkurlconnection;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code getOutputStream()} of the JDK's http connection: may be the first call on a connection
 * (then it starts the span and sets the propagation headers); a call that throws ends it.
 */
public final class GetOutputStreamAdvice {
  private GetOutputStreamAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object connection) {
    Object hook = Hooks.get("jdk-url-connection.get-output-stream");
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
