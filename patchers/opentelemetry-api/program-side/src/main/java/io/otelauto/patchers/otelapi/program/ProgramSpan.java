package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import java.util.concurrent.TimeUnit;

/** One of the agent's spans, as the program's API sees it. */
final class ProgramSpan implements Span {
  final Object agent;
  private volatile SpanContext spanContext;

  ProgramSpan(Object agent) {
    this.agent = agent;
  }

  @Override
  public Span setAttribute(String key, String value) {
    Bridge.AGENT.setAttribute(agent, key, "STRING", value);
    return this;
  }

  @Override
  public Span setAttribute(String key, long value) {
    Bridge.AGENT.setAttribute(agent, key, "LONG", value);
    return this;
  }

  @Override
  public Span setAttribute(String key, double value) {
    Bridge.AGENT.setAttribute(agent, key, "DOUBLE", value);
    return this;
  }

  @Override
  public Span setAttribute(String key, boolean value) {
    Bridge.AGENT.setAttribute(agent, key, "BOOLEAN", value);
    return this;
  }

  @Override
  public <T> Span setAttribute(AttributeKey<T> key, T value) {
    if (key != null) {
      Bridge.AGENT.setAttribute(agent, key.getKey(), key.getType().name(), value);
    }
    return this;
  }

  @Override
  public Span addEvent(String name, Attributes attributes) {
    Bridge.AGENT.addEvent(agent, name, Conversions.attributes(attributes), -1);
    return this;
  }

  @Override
  public Span addEvent(String name, Attributes attributes, long timestamp, TimeUnit unit) {
    Bridge.AGENT.addEvent(agent, name, Conversions.attributes(attributes), unit.toNanos(timestamp));
    return this;
  }

  @Override
  public Span setStatus(StatusCode statusCode, String description) {
    if (statusCode != null) {
      Bridge.AGENT.setStatus(agent, statusCode.name(), description);
    }
    return this;
  }

  @Override
  public Span recordException(Throwable exception, Attributes additionalAttributes) {
    Bridge.AGENT.recordException(agent, exception, Conversions.attributes(additionalAttributes));
    return this;
  }

  @Override
  public Span updateName(String name) {
    Bridge.AGENT.updateName(agent, name);
    return this;
  }

  /** {@code Span.addLink} of API 1.37 and later (its default drops the link). */
  public Span addLink(SpanContext spanContext, Attributes attributes) {
    Conversions.addLink(agent, spanContext, attributes);
    return this;
  }

  public Span addLink(SpanContext spanContext) {
    return addLink(spanContext, Attributes.empty());
  }

  @Override
  public void end() {
    Bridge.AGENT.end(agent, -1);
  }

  @Override
  public void end(long timestamp, TimeUnit unit) {
    Bridge.AGENT.end(agent, unit.toNanos(timestamp));
  }

  @Override
  public SpanContext getSpanContext() {
    SpanContext known = spanContext;
    if (known == null) {
      known = Conversions.spanContext(Bridge.AGENT.spanContext(agent));
      spanContext = known;
    }
    return known;
  }

  @Override
  public boolean isRecording() {
    return Bridge.AGENT.isRecording(agent);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProgramSpan && ((ProgramSpan) other).agent == agent;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(agent);
  }

  @Override
  public String toString() {
    return agent.toString();
  }
}
