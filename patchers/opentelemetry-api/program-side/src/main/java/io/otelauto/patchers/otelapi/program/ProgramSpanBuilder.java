package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/** One of the agent's span builders, as the program's API sees it. */
final class ProgramSpanBuilder implements SpanBuilder {
  private final Object agent;

  ProgramSpanBuilder(Object agent) {
    this.agent = agent;
  }

  @Override
  public SpanBuilder setParent(Context context) {
    if (context != null) {
      Bridge.AGENT.setParent(agent, ProgramContext.toAgent(context));
    }
    return this;
  }

  @Override
  public SpanBuilder setNoParent() {
    Bridge.AGENT.setNoParent(agent);
    return this;
  }

  @Override
  public SpanBuilder addLink(SpanContext spanContext) {
    return addLink(spanContext, Attributes.empty());
  }

  @Override
  public SpanBuilder addLink(SpanContext spanContext, Attributes attributes) {
    Conversions.addLink(agent, spanContext, attributes);
    return this;
  }

  @Override
  public SpanBuilder setAttribute(String key, String value) {
    Bridge.AGENT.setAttribute(agent, key, "STRING", value);
    return this;
  }

  @Override
  public SpanBuilder setAttribute(String key, long value) {
    Bridge.AGENT.setAttribute(agent, key, "LONG", value);
    return this;
  }

  @Override
  public SpanBuilder setAttribute(String key, double value) {
    Bridge.AGENT.setAttribute(agent, key, "DOUBLE", value);
    return this;
  }

  @Override
  public SpanBuilder setAttribute(String key, boolean value) {
    Bridge.AGENT.setAttribute(agent, key, "BOOLEAN", value);
    return this;
  }

  @Override
  public <T> SpanBuilder setAttribute(AttributeKey<T> key, T value) {
    if (key != null) {
      Bridge.AGENT.setAttribute(agent, key.getKey(), key.getType().name(), value);
    }
    return this;
  }

  @Override
  public SpanBuilder setSpanKind(SpanKind spanKind) {
    if (spanKind != null) {
      Bridge.AGENT.setSpanKind(agent, spanKind.name());
    }
    return this;
  }

  @Override
  public SpanBuilder setStartTimestamp(long startTimestamp, TimeUnit unit) {
    if (unit != null) {
      Bridge.AGENT.setStartTimestamp(agent, unit.toNanos(startTimestamp));
    }
    return this;
  }

  @Override
  public Span startSpan() {
    return new ProgramSpan(Bridge.AGENT.startSpan(agent));
  }
}
