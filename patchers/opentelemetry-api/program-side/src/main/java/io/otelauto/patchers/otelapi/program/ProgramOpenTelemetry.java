package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Collections;

/**
 * The program's {@code GlobalOpenTelemetry.get()}: the agent's tracers and propagators. What the agent does
 * not provide (metrics, logs, and whatever a newer API adds) keeps the API's own no-op defaults.
 */
public final class ProgramOpenTelemetry implements OpenTelemetry, TracerProvider, ContextPropagators, TextMapPropagator {

  @Override
  public TracerProvider getTracerProvider() {
    return this;
  }

  @Override
  public ContextPropagators getPropagators() {
    return this;
  }

  @Override
  public Tracer get(String scopeName) {
    return new ProgramTracer(Bridge.AGENT.tracer(scopeName, null, null));
  }

  @Override
  public Tracer get(String scopeName, String scopeVersion) {
    return new ProgramTracer(Bridge.AGENT.tracer(scopeName, scopeVersion, null));
  }

  @Override
  public TracerBuilder tracerBuilder(String scopeName) {
    return new ProgramTracerBuilder(scopeName);
  }

  @Override
  public TextMapPropagator getTextMapPropagator() {
    return this;
  }

  @Override
  public Collection<String> fields() {
    return Collections.unmodifiableCollection(Bridge.AGENT.fields());
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    if (context == null || setter == null) {
      return;
    }
    Bridge.AGENT.inject(ProgramContext.toAgent(context), (key, value) -> setter.set(carrier, key, value));
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    if (context == null) {
      context = Context.root();
    }
    if (getter == null) {
      return context;
    }
    return new ProgramContext(Bridge.AGENT.extract(ProgramContext.toAgent(context), getter.keys(carrier),
        key -> getter.get(carrier, key)));
  }

  @Override
  public String toString() {
    return "OpenTelemetry of otel-auto-instrument";
  }

  private static final class ProgramTracer implements Tracer {
    private final Object agent;

    ProgramTracer(Object agent) {
      this.agent = agent;
    }

    @Override
    public SpanBuilder spanBuilder(String spanName) {
      return new ProgramSpanBuilder(Bridge.AGENT.spanBuilder(agent, spanName));
    }
  }

  private static final class ProgramTracerBuilder implements TracerBuilder {
    private final String scopeName;
    private String scopeVersion;
    private String schemaUrl;

    ProgramTracerBuilder(String scopeName) {
      this.scopeName = scopeName;
    }

    @Override
    public TracerBuilder setSchemaUrl(String schemaUrl) {
      this.schemaUrl = schemaUrl;
      return this;
    }

    @Override
    public TracerBuilder setInstrumentationVersion(String scopeVersion) {
      this.scopeVersion = scopeVersion;
      return this;
    }

    @Override
    public Tracer build() {
      return new ProgramTracer(Bridge.AGENT.tracer(scopeName, scopeVersion, schemaUrl));
    }
  }
}
