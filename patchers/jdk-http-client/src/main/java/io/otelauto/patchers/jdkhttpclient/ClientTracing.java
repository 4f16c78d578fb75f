package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.impl.InstrumentationUtil;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.otelauto.patchers.api.AgentLog;
import java.net.http.HttpRequest;

/**
 * Starts the CLIENT span of one {@code send}/{@code sendAsync}: a child of the current context, its
 * context injected into a copy of the request with the configured propagators and made current while the
 * intercepted method runs. A failure of ours never reaches the program: the call then goes on untraced with
 * its own request.
 */
final class ClientTracing {
  /** Set while an intercepted call runs: a call the JDK would make inside it is the same request. */
  private static final ContextKey<Boolean> IN_CALL = ContextKey.named("otel-auto-instrument " + JdkHttpClientPatcher.NAME);
  /** The WebSocket opening handshake goes through sendAsync with this internal request; copying it would break it. */
  private static final String INTERNAL_REQUEST = "jdk.internal.net.http.HttpRequestImpl";
  /**
   * Threads of OpenTelemetry's JDK HttpClient sender (OTLP over HTTP). The agent's own export must not make
   * spans that are exported in turn; the sender's suppression (from SDK 1.68 on) marks the context of the
   * thread that calls it, not of these threads, where it sends.
   */
  private static final String EXPORTER_THREAD_PREFIX = "jdkhttp-executor";

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final AgentLog log;

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
      if (parent.get(IN_CALL) != null
          || InstrumentationUtil.shouldSuppressInstrumentation(parent)
          || request.getClass().getName().equals(INTERNAL_REQUEST)
          || Thread.currentThread().getName().startsWith(EXPORTER_THREAD_PREFIX)) {
        return null;
      }
      String method = HttpClientAttributes.method(request);
      Span span = tracer.spanBuilder(HttpClientAttributes.spanName(method))
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAllAttributes(HttpClientAttributes.onStart(request, method))
          .startSpan();
      Context context = parent.with(span).with(IN_CALL, Boolean.TRUE);
      // Should the propagator or the copy fail, the span is left unended: never exported, the call untraced.
      PropagationHeaders headers = new PropagationHeaders(request);
      propagator.inject(context, headers, PropagationHeaders.SETTER);
      HttpRequest traced = headers.request();
      return new ClientCall(span, traced, context.makeCurrent(), log);
    } catch (RuntimeException | LinkageError e) {
      log.errorOnce(JdkHttpClientPatcher.START_HOOK, "Could not start the CLIENT span; the request goes on untraced", e);
      return null;
    }
  }
}
