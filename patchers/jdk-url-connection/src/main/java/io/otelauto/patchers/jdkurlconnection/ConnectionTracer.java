package io.otelauto.patchers.jdkurlconnection;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.impl.InstrumentationUtil;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.HttpConventions;
import java.net.HttpURLConnection;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.ObjIntConsumer;

/**
 * The CLIENT span of each connection object. The JDK calls its own public methods from each other
 * ({@code getInputStream()} calls {@code connect()} and {@code getResponseCode()}, which calls
 * {@code getInputStream()}; {@code getHeaderField()} calls {@code getInputStream()} again), and programs call
 * them any number of times, so each connection keeps a little state, weakly keyed by the connection: its
 * span while open, how many intercepted calls are running, and after the end only the fact that it ended, so
 * that later calls start nothing. A failure of ours never reaches the program: the connection then goes on
 * untraced.
 */
final class ConnectionTracer {
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AgentLog log;
  // The JDK's connection classes keep Object's identity equals and hashCode.
  private final Map<HttpURLConnection, Exchange> exchanges = Collections.synchronizedMap(new WeakHashMap<>());

  ConnectionTracer(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers." + JdkUrlConnectionPatcher.NAME);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.log = log;
  }

  /**
   * On entry to {@code call} on {@code target}, a {@code sun.net.www.protocol.http.HttpURLConnection}:
   * starts the span if this is the connection's first call. Returns what the advice hands the call's outcome
   * to on exit ({@link ObjIntConsumer} of the exception and the response code), or null: not traced.
   */
  Object enter(Object target, Call call) {
    try {
      HttpURLConnection connection = (HttpURLConnection) target;
      Exchange exchange;
      boolean created = false;
      synchronized (exchanges) {
        exchange = exchanges.get(connection);
        if (exchange == null) {
          // Not the connection's first call, or the agent's own OTLP export (run under the SDK's suppression).
          if (!call.startsSpan || InstrumentationUtil.shouldSuppressInstrumentation(Context.current())) {
            return null;
          }
          exchange = new Exchange();
          exchanges.put(connection, exchange);
          created = true;
        }
      }
      if (created) {
        exchange.start(connection, call);
      } else if (call == Call.GET_OUTPUT_STREAM) {
        exchange.updateMethod(ConnectionAttributes.requestMethod(connection, call));
      }
      return exchange.enter(call);
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdkUrlConnectionPatcher.NAME + ".start",
          "Could not start the CLIENT span of a URLConnection; the request goes on untraced", e);
      return null;
    }
  }

  /** Forgets every connection (unpatch). */
  void clear() {
    exchanges.clear();
  }

  private void end(Span span, Throwable thrown, int status) {
    try {
      if (status > 0) {
        span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, HttpConventions.statusCode(status));
      }
      // A client span is an error for 4xx and 5xx; the JDK then throws (FileNotFoundException for 404 and
      // 410, IOException otherwise), which is the status speaking, not a failure of its own.
      if (status >= 400) {
        span.setAttribute(ErrorAttributes.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      } else if (thrown != null) {
        span.recordException(thrown);
        span.setAttribute(ErrorAttributes.ERROR_TYPE, thrown.getClass().getName());
        span.setStatus(StatusCode.ERROR);
      }
    } finally {
      span.end();
    }
  }

  /**
   * One connection object. Its span is set while open; before (another thread is starting it) and after (ended,
   * or not traced) it is null, and calls pass untraced. The exchange stays in the map until the connection is
   * collected, so that a connection is never traced twice.
   */
  private final class Exchange {
    private final Exit keepsOpen = new Exit(false);
    private final Exit ends = new Exit(true);
    private Span span;
    private String method;
    private int running;

    /** Starts the span and injects its context into the request headers, before the JDK writes them. */
    void start(HttpURLConnection connection, Call call) {
      try {
        String requestMethod = ConnectionAttributes.requestMethod(connection, call);
        Context parent = Context.current();
        Span started = tracer.spanBuilder(ConnectionAttributes.spanName(requestMethod))
            .setSpanKind(SpanKind.CLIENT)
            .setParent(parent)
            .setAllAttributes(ConnectionAttributes.onStart(requestMethod, connection.getURL()))
            .startSpan();
        // On failure the span is dropped, never ended: nothing is exported for an untraced request.
        propagator.inject(parent.with(started), connection, RequestPropertySetter.INSTANCE);
        synchronized (this) {
          span = started;
          method = requestMethod;
        }
      } catch (RequestPropertySetter.TooLate e) {
        log.debug("A URLConnection in use before it was patched goes on untraced");
      }
    }

    synchronized Object enter(Call call) {
      if (span == null) {
        return null;
      }
      running++;
      return call.endsOnReturn ? ends : keepsOpen;
    }

    /** The method changed since the start: only getOutputStream() does that, from GET to POST. */
    synchronized void updateMethod(String requestMethod) {
      if (span != null && !requestMethod.equals(method)) {
        method = requestMethod;
        span.updateName(ConnectionAttributes.spanName(requestMethod));
        AttributesBuilder attributes = Attributes.builder();
        ConnectionAttributes.putMethod(attributes, requestMethod);
        span.setAllAttributes(attributes.build());
      }
    }

    /** The span to end when the outermost running call leaves, or null. */
    synchronized Span exit(boolean endsOnReturn, Throwable thrown) {
      if (span == null || --running > 0 || (thrown == null && !endsOnReturn)) {
        return null;
      }
      Span ending = span;
      span = null;
      return ending;
    }

    /** Given to the advice of one call, which hands it the exception and the response code on exit. */
    private final class Exit implements ObjIntConsumer<Throwable> {
      private final boolean endsOnReturn;

      Exit(boolean endsOnReturn) {
        this.endsOnReturn = endsOnReturn;
      }

      @Override
      public void accept(Throwable thrown, int status) {
        try {
          Span ending = exit(endsOnReturn, thrown);
          if (ending != null) {
            end(ending, thrown, status);
          }
        } catch (RuntimeException | LinkageError e) {
          log.errorOnce(JdkUrlConnectionPatcher.NAME + ".end", "Could not end the CLIENT span of a URLConnection", e);
        }
      }
    }
  }
}
