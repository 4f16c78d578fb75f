package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import java.util.ArrayList;
import java.util.List;

/** The program's spans, span contexts, baggage and attributes to JDK types for the agent, and back. */
final class Conversions {
  private static final String[] NONE = new String[0];
  private static final Object[] NO_ATTRIBUTES = new Object[0];

  private Conversions() {}

  static Object withSpan(Object agentContext, Span span) {
    if (span instanceof ProgramSpan) {
      return Bridge.AGENT.withSpan(agentContext, ((ProgramSpan) span).agent);
    }
    SpanContext spanContext = span.getSpanContext();
    return Bridge.AGENT.withProgramSpan(agentContext, span, spanContext.getTraceId(), spanContext.getSpanId(),
        spanContext.getTraceFlags().asByte(), traceState(spanContext.getTraceState()), spanContext.isRemote());
  }

  static Span span(Object agentContext) {
    Object span = Bridge.AGENT.span(agentContext);
    if (span == null || span instanceof Span) {
      return (Span) span;
    }
    return new ProgramSpan(span);
  }

  static Object withBaggage(Object agentContext, Baggage baggage) {
    List<String> entries = new ArrayList<>(3 * baggage.size());
    baggage.forEach((key, entry) -> {
      entries.add(key);
      entries.add(entry.getValue());
      entries.add(entry.getMetadata().getValue());
    });
    return Bridge.AGENT.withBaggage(agentContext, baggage, entries.toArray(NONE));
  }

  static Baggage baggage(Object agentContext) {
    Object baggage = Bridge.AGENT.baggage(agentContext);
    if (baggage == null || baggage instanceof Baggage) {
      return (Baggage) baggage;
    }
    String[] entries = (String[]) baggage;
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i + 2 < entries.length; i += 3) {
      builder.put(entries[i], entries[i + 1], BaggageEntryMetadata.create(entries[i + 2]));
    }
    return builder.build();
  }

  /** For a span builder's or a started span's {@code addLink}. */
  static void addLink(Object agentTarget, SpanContext linked, Attributes attributes) {
    if (linked != null) {
      Bridge.AGENT.addLink(agentTarget, linked.getTraceId(), linked.getSpanId(), linked.getTraceFlags().asByte(),
          traceState(linked.getTraceState()), linked.isRemote(), attributes(attributes));
    }
  }

  static SpanContext spanContext(Object[] parts) {
    String traceId = (String) parts[0];
    String spanId = (String) parts[1];
    TraceFlags flags = TraceFlags.fromByte((Byte) parts[2]);
    TraceState traceState = traceState((String[]) parts[3]);
    return (Boolean) parts[4]
        ? SpanContext.createFromRemoteParent(traceId, spanId, flags, traceState)
        : SpanContext.create(traceId, spanId, flags, traceState);
  }

  /** In the state's own order. */
  static String[] traceState(TraceState traceState) {
    if (traceState.isEmpty()) {
      return NONE;
    }
    List<String> entries = new ArrayList<>(2 * traceState.size());
    traceState.forEach((key, value) -> {
      entries.add(key);
      entries.add(value);
    });
    return entries.toArray(NONE);
  }

  static TraceState traceState(String[] entries) {
    if (entries.length == 0) {
      return TraceState.getDefault();
    }
    // The builder puts each new entry first: add them last to first.
    TraceStateBuilder builder = TraceState.builder();
    for (int i = entries.length - 2; i >= 0; i -= 2) {
      builder.put(entries[i], entries[i + 1]);
    }
    return builder.build();
  }

  static Object[] attributes(Attributes attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return NO_ATTRIBUTES;
    }
    List<Object> triples = new ArrayList<>(3 * attributes.size());
    attributes.forEach((key, value) -> {
      triples.add(key.getKey());
      triples.add(key.getType().name());
      triples.add(value);
    });
    return triples.toArray();
  }
}
