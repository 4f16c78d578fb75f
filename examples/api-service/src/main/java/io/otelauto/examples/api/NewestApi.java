package io.otelauto.examples.api;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

/**
 * Calls that only a recent API has (1.63 and later): links added to a started span, complex attribute
 * values, the logs bridge, meters, {@code Tracer.isEnabled}. None may throw under the agent, whatever it maps.
 */
final class NewestApi {
  private NewestApi() {}

  static String run() {
    Span span = Span.current();
    span.addLink(SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getSampled(), TraceState.getDefault()));
    span.setAttribute(AttributeKey.valueKey("app.detail"), Value.of("complex"));
    GlobalOpenTelemetry.get().getLogsBridge().get("inventory").logRecordBuilder().setBody("reserved").emit();
    GlobalOpenTelemetry.getMeter("inventory").counterBuilder("reservations").build().add(1);
    return "ok, tracer enabled=" + GlobalOpenTelemetry.getTracer("inventory").isEnabled();
  }
}
