package org.example.manual;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.function.LongSupplier;

/**
 * What a program traced by hand does per request, with nothing but the OpenTelemetry API: a span of its own,
 * current in a scope, an attribute on the current span, its id read. Reached from the benchmark through a JDK
 * interface only, so that it can run on another copy of the API than the benchmark's.
 */
public final class ManualSpans implements LongSupplier {
  private final Tracer tracer = GlobalOpenTelemetry.getTracer("manual", "1.0");

  @Override
  @SuppressWarnings("try")
  public long getAsLong() {
    Span span = tracer.spanBuilder("manual step").setAttribute("app.step", 1L).startSpan();
    try (Scope scope = span.makeCurrent()) {
      Span.current().setAttribute("app.items", 3L);
      return Span.current().getSpanContext().getSpanId().length();
    } finally {
      span.end();
    }
  }
}
