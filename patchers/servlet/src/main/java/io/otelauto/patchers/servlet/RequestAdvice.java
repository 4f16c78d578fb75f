package io.otelauto.patchers.servlet;

import io.otelauto.patchers.bridge.Hooks;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code Servlet.service(ServletRequest, ServletResponse)} and
 * {@code Filter.doFilter(ServletRequest, ServletResponse, FilterChain)} of every servlet and filter, in both
 * namespaces and in any class loader: the container's, a webapp's, Spring Boot's. It names only the bridge
 * and JDK types, which every loader sees. The first such call of a request starts its SERVER span; see
 * {@link ServletTracer}.
 */
public final class RequestAdvice {
  private RequestAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static Object enter(@Advice.Argument(0) Object request, @Advice.Argument(1) Object response) {
    Object hook = Hooks.get("servlet.request");
    return hook instanceof BiFunction ? ((BiFunction<Object, Object, Object>) hook).apply(request, response) : null;
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  @SuppressWarnings("unchecked")
  public static void exit(@Advice.Enter Object call, @Advice.Thrown Throwable thrown) {
    if (call instanceof Consumer) {
      ((Consumer<Throwable>) call).accept(thrown);
    }
  }
}
