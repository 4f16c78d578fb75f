package io.otelauto.patchers.servlet;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.otelauto.patchers.api.AgentLog;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The SERVER span of one request, kept in a request attribute for as long as the request lives: every later
 * dispatch of the same request (a nested filter, a forward or include, an async or error dispatch) finds it
 * there and joins it instead of starting a span of its own.
 *
 * <p>As a {@link Consumer}, it is the exit of the request's outermost call (the first filter or the
 * servlet): it ends the span, or, when the request went asynchronous, leaves that to the async context's
 * completion ({@link InvocationHandler} of an {@code AsyncListener}).
 */
final class ServerRequest implements Consumer<Throwable>, InvocationHandler {
  private final ServletApi api;
  private final Object request;
  private final Object response;
  private final String method;
  private final Span span;
  private final Context context;
  private final AgentLog log;
  /**
   * The request each thread is dispatching now: its outermost call, or a later dispatch it joined. A nested
   * filter or the servlet on that thread finds it here (by the request's identity) without asking the
   * container for the request attribute, four or five times per request behind Spring Boot's filters.
   */
  private static final ThreadLocal<ServerRequest> DISPATCHING = new ThreadLocal<>();

  private final AtomicBoolean ended = new AtomicBoolean();
  private ServerRequest outer;
  private Scope scope;
  private volatile Throwable failure;
  private volatile boolean timedOut;

  ServerRequest(ServletApi api, Object request, Object response, String method, Span span, Context context,
      AgentLog log) {
    this.api = api;
    this.request = request;
    this.response = response;
    this.method = method;
    this.span = span;
    this.context = context;
    this.log = log;
  }

  /** Whether this thread is inside a dispatch of {@code request} (the same object, not a wrapper of it). */
  static boolean isDispatchingOnThisThread(Object request) {
    ServerRequest current = DISPATCHING.get();
    return current != null && current.request == request;
  }

  /** Makes the span current on this thread for the outermost call; {@link #accept} undoes it. */
  ServerRequest enter() {
    outer = DISPATCHING.get();
    DISPATCHING.set(this);
    scope = context.makeCurrent();
    return this;
  }

  /**
   * A later call for the same request: on the thread already inside it (a filter after the first, the
   * servlet, a forward or include) nothing to do; on another thread (an async dispatch) or after the first
   * dispatch (an error page), the span's context is made current for the length of the call.
   */
  Consumer<Throwable> reenter() {
    ServerRequest previous = DISPATCHING.get();
    if (previous == this) {
      return null;
    }
    DISPATCHING.set(this);
    Scope joined = context.makeCurrent();
    return thrown -> {
      joined.close();
      DISPATCHING.set(previous);
    };
  }

  /** The exit of the outermost call. */
  @Override
  public void accept(Throwable thrown) {
    DISPATCHING.set(outer);
    outer = null;
    scope.close();
    try {
      String route = ServletAttributes.route(api, request);
      if (route != null) {
        span.setAttribute(HttpAttributes.HTTP_ROUTE, route);
      }
      span.updateName(ServletAttributes.spanName(method, route));
      if (thrown != null) {
        failure = thrown;
      } else if (api.isAsyncStarted(request)) {
        api.addAsyncListener(request, this);
        return;
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.exit", "Could not complete the SERVER span of a servlet request", e);
    }
    end(response);
  }

  /** The span ends once, with the response's status: when the servlet returns, or when async completes. */
  private void end(Object finalResponse) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      int status = api.status(finalResponse);
      Throwable error = failure;
      if (error != null && status < 500) {
        // The container turns the exception into a 500 after we return.
        status = 500;
      }
      if (status > 0) {
        span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
      }
      // Per the HTTP conventions a server span is an error for 5xx and for a failure, not for 4xx.
      if (error != null) {
        Throwable cause = unwrapServletException(error);
        span.recordException(cause);
        span.setAttribute(ErrorAttributes.ERROR_TYPE, cause.getClass().getName());
        span.setStatus(StatusCode.ERROR);
      } else if (timedOut) {
        span.setAttribute(ErrorAttributes.ERROR_TYPE, "java.util.concurrent.TimeoutException");
        span.setStatus(StatusCode.ERROR, "async request timed out");
      } else if (status >= 500) {
        span.setAttribute(ErrorAttributes.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.end", "Could not complete the SERVER span of a servlet request", e);
    } finally {
      span.end();
    }
  }

  /** The AsyncListener's methods (the proxy lives in the servlet API's loader; this is its handler). */
  @Override
  public Object invoke(Object proxy, Method method, Object[] arguments) {
    try {
      switch (method.getName()) {
        case "onComplete":
          Object supplied = api.eventResponse(arguments[0]);
          end(supplied != null ? supplied : response);
          return null;
        case "onError":
          failure = api.eventThrowable(arguments[0]);
          return null;
        case "onTimeout":
          timedOut = true;
          return null;
        case "onStartAsync":
          // Listeners do not survive a new startAsync: register again to hear the final completion.
          api.addAsyncListenerTo(api.eventAsyncContext(arguments[0]), this);
          return null;
        case "equals":
          return proxy == arguments[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return "otel-auto-instrument servlet listener";
        default:
          return null;
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.async", "Could not follow an async servlet request", e);
      return null;
    }
  }

  /** A ServletException (Spring wraps a controller's exception in one) says less than its cause. */
  private static Throwable unwrapServletException(Throwable thrown) {
    Throwable t = thrown;
    while (t.getCause() != null && isServletException(t.getClass())) {
      t = t.getCause();
    }
    return t;
  }

  private static boolean isServletException(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals("jakarta.servlet.ServletException") || c.getName().equals("javax.servlet.ServletException")) {
        return true;
      }
    }
    return false;
  }
}
