package io.otelauto.patchers.jdkurlconnection;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code getInputStream()} of the JDK's http connection, which every response getter calls
 * ({@code getResponseCode()}, {@code getHeaderField*()}, ...): the outermost call's return or throw ends the
 * span, with the response code the call left in the connection.
 */
public final class GetInputStreamAdvice {
  private GetInputStreamAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object connection) {
    Object hook = Hooks.get("jdk-url-connection.get-input-stream");
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
