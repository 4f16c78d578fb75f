package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * A program's view of one of the agent's contexts. Its span and baggage are the agent's (converted each way);
 * the program's other keys are kept in the agent's context too, under keys the agent makes for them.
 */
final class ProgramContext implements Context {
  final Object agent;

  ProgramContext(Object agent) {
    this.agent = agent;
  }

  /** The agent's context for any of the program's: its own contexts (made before the agent came) are converted. */
  static Object toAgent(Context context) {
    if (context instanceof ProgramContext) {
      return ((ProgramContext) context).agent;
    }
    Object agent = Bridge.AGENT.rootContext();
    Span span = Span.fromContextOrNull(context);
    if (span != null) {
      agent = Conversions.withSpan(agent, span);
    }
    Baggage baggage = Baggage.fromContextOrNull(context);
    if (baggage != null) {
      agent = Conversions.withBaggage(agent, baggage);
    }
    return Bridge.AGENT.withProgramContext(agent, context);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> V get(ContextKey<V> key) {
    if (key == null) {
      return null;
    }
    if (key == Keys.SPAN) {
      return (V) Conversions.span(agent);
    }
    if (key == Keys.BAGGAGE) {
      return (V) Conversions.baggage(agent);
    }
    Object value = Bridge.AGENT.value(agent, key);
    if (value == null) {
      Object own = Bridge.AGENT.programContext(agent);
      if (own != null) {
        value = ((Context) own).get(key);
      }
    }
    return (V) value;
  }

  @Override
  public <V> Context with(ContextKey<V> key, V value) {
    if (key == null) {
      return this;
    }
    if (key == Keys.SPAN && value instanceof Span) {
      return new ProgramContext(Conversions.withSpan(agent, (Span) value));
    }
    if (key == Keys.BAGGAGE && value instanceof Baggage) {
      return new ProgramContext(Conversions.withBaggage(agent, (Baggage) value));
    }
    return new ProgramContext(Bridge.AGENT.withValue(agent, key, value));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProgramContext && ((ProgramContext) other).agent == agent;
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
