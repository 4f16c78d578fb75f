package io.otelauto.patchers.servlet;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.HttpConventions;
import io.otelauto.patchers.servlet.ServletAttributes.RouteName;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.function.Consumer;

/**
 * The SERVER span of one request. On the thread that runs it, the request's first call (the first filter or
 * the servlet) keeps it in a thread-local, where every nested call (a filter after the first, the servlet, a
 * forward or include) finds it and does nothing more. When a later dispatch may come on another thread or
 * after the first call returned (an async or error dispatch: the request went async, threw, or has an error
 * status), it is also kept in a request attribute, where that dispatch finds it and joins it instead of
 * starting a span of its own. Most requests never need the attribute, so they never set it.
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
   * filter, the servlet, a forward or an include on that thread finds it here without asking the container
   * for anything, four or five times per request behind Spring Boot's filters.
   */
  private static final ThreadLocal<ServerRequest> DISPATCHING = new ThreadLocal<>();
  private static final VarHandle ENDED;

  static {
    try {
      ENDED = MethodHandles.lookup().findVarHandle(ServerRequest.class, "ended", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // through ENDED: the span ends once
  private volatile boolean ended;
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

  /**
   * Whether this thread is inside a traced request's dispatch: a servlet or filter called there, with that
   * request or a wrapper of it (a forward, an include), is part of that request.
   */
  static boolean isDispatchingOnThisThread() {
    return DISPATCHING.get() != null;
  }

  /** Makes the span current on this thread for the outermost call; {@link #accept} undoes it. */
  ServerRequest enter() {
    outer = DISPATCHING.get();
    DISPATCHING.set(this);
    scope = context.makeCurrent();
    return this;
  }

  /**
   * A later dispatch of the same request, found through the request attribute: on another thread (an async
   * dispatch) or after the first call returned (an error page), the span's context is made current for the
   * length of the call.
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
    if (thrown != null) {
      failure = thrown;
    }
    try {
      RouteName named = ServletAttributes.routeName(api, request, method);
      if (named != null) {
        span.setAttribute(HttpAttributes.HTTP_ROUTE, named.route());
        span.updateName(named.spanName());
      }
      if (thrown == null && api.isAsyncStarted(request)) {
        keepForLaterDispatches();
        api.addAsyncListener(request, this);
        return;
      }
      int status = api.status(response);
      if (thrown != null || status >= 400) {
        // The container may dispatch the request again to an error page, after this call.
        keepForLaterDispatches();
      }
      end(status);
      return;
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.exit", "Could not complete the SERVER span of a servlet request", e);
    }
    end(response);
  }

  private void keepForLaterDispatches() {
    api.setAttribute(request, ServletTracer.REQUEST_ATTRIBUTE, this);
  }

  /** The span ends once, with the response's status: when the servlet returns, or when async completes. */
  private void end(Object finalResponse) {
    int status;
    try {
      status = api.status(finalResponse);
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.end", "Could not complete the SERVER span of a servlet request", e);
      status = 0;
    }
    end(status);
  }

  /** {@code responseStatus}: the response's status code, 0 when unknown. */
  private void end(int responseStatus) {
    if (!ENDED.compareAndSet(this, false, true)) {
      return;
    }
    try {
      int status = responseStatus;
      Throwable error = failure;
      if (error != null && status < 500) {
        // The container turns the exception into a 500 after we return.
        status = 500;
      }
      if (status > 0) {
        span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, HttpConventions.statusCode(status));
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
