package io.otelauto.patchers.jdkhttpclient;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Inlined into {@code HttpClientImpl.sendAsync(HttpRequest, BodyHandler, PushPromiseHandler)} (the
 * two-argument {@code sendAsync} delegates to it): on entry the hook starts the CLIENT span and the request
 * argument becomes the copy that carries the propagation headers; on exit the {@link ClientCall} ends the span
 * when the returned future completes (or at once if the call throws). The future returned is the JDK's own.
 */
public final class SendAsyncAdvice {
  private SendAsyncAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(
      @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
    Object hook = Hooks.get(JdkHttpClientPatcher.START_HOOK);
    if (!(hook instanceof Function)) {
      return null;
    }
    Object call = ((Function<Object, Object>) hook).apply(request);
    if (call instanceof Supplier) {
      request = ((Supplier<Object>) call).get();
    }
    return call;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(
      @Advice.Enter Object call, @Advice.Return Object result, @Advice.Thrown Throwable thrown) {
    if (call instanceof BiConsumer) {
      ((BiConsumer<Object, Throwable>) call).accept(result, thrown);
    }
  }
}
