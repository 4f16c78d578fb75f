package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.impl.InstrumentationUtil;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.otelauto.patchers.api.AgentLog;
import java.net.http.HttpRequest;

/**
 * Starts the CLIENT span of one {@code send}/{@code sendAsync}: a child of the current context, its
 * context injected into a copy of the request with the configured propagators. A failure of ours never
 * reaches the program: the call then goes on untraced with its own request.
 *
 * <p>The span is not made current while the JDK works: tasks the client hands to its executors during the
 * call would otherwise carry it (with the jdk-executors patcher), and with them code of the program's that
 * runs there later, e.g. a callback chained on the returned future.
 */
final class ClientTracing {
  /** The WebSocket opening handshake goes through sendAsync with this internal request; a copy would break it. */
  private static final String INTERNAL_REQUEST = "jdk.internal.net.http.HttpRequestImpl";

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AgentLog log;
  // Set on a thread between an intercepted call's entry and exit: should a JDK route one intercepted method
  // through the other, the inner call is the same request and makes no second span.
  private final ThreadLocal<ClientCall> inCall = new ThreadLocal<>();

  ClientTracing(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers." + JdkHttpClientPatcher.NAME);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.log = log;
  }

  /** The hook: the {@link ClientCall} of a traced request, or {@code null} to leave the call alone. */
  Object start(Object argument) {
    if (!(argument instanceof HttpRequest)) {
      return null;
    }
    HttpRequest request = (HttpRequest) argument;
    try {
      Context parent = Context.current();
      if (inCall.get() != null
          || InstrumentationUtil.shouldSuppressInstrumentation(parent)
          || request.getClass().getName().equals(INTERNAL_REQUEST)) {
        return null;
      }
      String method = HttpClientAttributes.method(request);
      Span span = tracer.spanBuilder(HttpClientAttributes.spanName(method))
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAllAttributes(HttpClientAttributes.onStart(request, method))
          .startSpan();
      // Should the propagator or the copy fail, the span is left unended: never exported, the call untraced.
      PropagationHeaders headers = new PropagationHeaders(request);
      propagator.inject(parent.with(span), headers, PropagationHeaders.SETTER);
      ClientCall call = new ClientCall(span, headers.request(), inCall, log);
      inCall.set(call);
      return call;
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdkHttpClientPatcher.START_HOOK,
          "Could not start the CLIENT span; the request goes on untraced", e);
      return null;
    }
  }
}
