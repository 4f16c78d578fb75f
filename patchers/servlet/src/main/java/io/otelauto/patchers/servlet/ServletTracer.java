package io.otelauto.patchers.servlet;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.otelauto.patchers.api.AgentLog;
import java.util.function.BiFunction;

/**
 * The hook {@link RequestAdvice} calls on entering a servlet or filter: the first call of a request starts
 * its SERVER span, with the parent extracted from the request headers with the configured propagators, and
 * makes it current; a call on the thread already inside a request (a filter after the first, the servlet, a
 * forward or include) returns at once; a later dispatch of the request (async, error page) joins its span
 * ({@link ServerRequest#reenter}). Returns what the advice hands back at exit, or null. A failure of ours
 * never reaches the container: the request then goes on untraced.
 */
final class ServletTracer implements BiFunction<Object, Object, Object> {
  /** The request attribute that holds the request's {@link ServerRequest} for later dispatches. */
  static final String REQUEST_ATTRIBUTE = ServerRequest.class.getName();

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AgentLog log;

  ServletTracer(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers." + ServletPatcher.NAME);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.log = log;
  }

  @Override
  public Object apply(Object request, Object response) {
    try {
      if (ServerRequest.isDispatchingOnThisThread()) {
        return null;
      }
      ServletApi api = ServletApi.of(request);
      if (api == null) {
        RuntimeException unsupported = ServletApi.unsupported();
        if (unsupported != null) {
          log.errorOnce("servlet.api", "Could not bind to a container's Servlet API; its requests go untraced", unsupported);
        }
        return null;
      }
      Object ongoing = api.attribute(request, REQUEST_ATTRIBUTE);
      if (ongoing instanceof ServerRequest) {
        return ((ServerRequest) ongoing).reenter();
      }
      String method = ServletAttributes.method(api, request);
      Context parent = propagator.extract(Context.root(), request, api.headers);
      SpanBuilder builder = tracer.spanBuilder(ServletAttributes.spanName(method, null))
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent);
      ServletAttributes.onStart(api, request, method, builder);
      Span span = builder.startSpan();
      return new ServerRequest(api, request, response, method, span, parent.with(span), log).enter();
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce("servlet.start", "Could not start the SERVER span of a servlet request; it goes on untraced", e);
      return null;
    }
  }
}
