package io.otelauto.patchers.jdkurlconnection;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code connect()} of the JDK's http connection and of the https delegate's superclass (which
 * overrides it without calling it). The first call on a connection starts its span and sets the propagation
 * headers; a call that throws (connection refused, TLS handshake) ends it.
 */
public final class ConnectAdvice {
  private ConnectAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.This Object connection) {
    Object hook = Hooks.get("jdk-url-connection.connect");
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
