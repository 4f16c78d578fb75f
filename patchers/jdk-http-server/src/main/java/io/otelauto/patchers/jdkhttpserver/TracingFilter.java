package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.HttpConventions;
import java.io.IOException;

/**
 * The SERVER span of one exchange: the parent extracted from the request headers with the configured
 * propagators, made current while the rest of the chain (the application's filters and handler) runs, and
 * ended when the chain returns or throws. A failure of ours never reaches the application: the exchange then
 * goes on untraced.
 */
final class TracingFilter extends Filter {
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AgentLog log;

  TracingFilter(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers.jdk-http-server");
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.log = log;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    Span span = null;
    Scope scope = null;
    try {
      RequestHeaders headers = RequestHeaders.of(exchange);
      Context parent = propagator.extract(Context.root(), headers, RequestHeadersGetter.INSTANCE);
      String method = ExchangeAttributes.method(exchange);
      SpanBuilder builder = tracer.spanBuilder(ExchangeAttributes.spanName(exchange, method))
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent);
      ExchangeAttributes.onStart(exchange, method, headers, builder);
      span = builder.startSpan();
      scope = parent.with(span).makeCurrent();
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("jdk-http-server.start", "Could not start the SERVER span; the request goes on untraced", e);
    }
    if (span == null) {
      chain.doFilter(exchange);
      return;
    }
    Throwable failure = null;
    try {
      chain.doFilter(exchange);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      end(span, scope, exchange, failure);
    }
  }

  private void end(Span span, Scope scope, HttpExchange exchange, Throwable failure) {
    try {
      scope.close();
      int status = exchange.getResponseCode();
      if (status > 0) {
        span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, HttpConventions.statusCode(status));
      }
      // Per the HTTP conventions a server span is an error for 5xx and for a failed exchange, not for 4xx.
      if (failure != null) {
        span.recordException(failure);
        span.setAttribute(ErrorAttributes.ERROR_TYPE, failure.getClass().getName());
        span.setStatus(StatusCode.ERROR);
      } else if (status >= 500) {
        span.setAttribute(ErrorAttributes.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("jdk-http-server.end", "Could not complete the SERVER span", e);
    } finally {
      span.end();
    }
  }

  @Override
  public String description() {
    return "OpenTelemetry SERVER spans (otel-auto-instrument " + JdkHttpServerPatcher.NAME + ")";
  }
}
