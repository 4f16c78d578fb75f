package io.otelauto.bootstrap;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * The agent's OpenTelemetry, configured the first time it is really used: the first span, the first
 * extraction or injection. Patching (often during class loading) never builds the SDK, and a program that
 * makes no span never pays for it. Nothing is lost: the first span is made by the SDK it waited for.
 */
final class LazyOpenTelemetry implements OpenTelemetry {
  private final Supplier<OpenTelemetry> configure;
  private volatile OpenTelemetry delegate;
  private final ContextPropagators propagators = ContextPropagators.create(new LazyPropagator());

  LazyOpenTelemetry(Supplier<OpenTelemetry> configure) {
    this.configure = configure;
  }

  OpenTelemetry delegate() {
    OpenTelemetry current = delegate;
    if (current == null) {
      synchronized (this) {
        current = delegate;
        if (current == null) {
          current = configure.get();
          delegate = current;
        }
      }
    }
    return current;
  }

  boolean isConfigured() {
    return delegate != null;
  }

  /**
   * Detach: flushes and shuts the SDK down (if it was ever built), waiting at most {@code bound}; its threads
   * end with it. Spans made afterwards go nowhere.
   */
  synchronized void shutdown(java.time.Duration bound) {
    OpenTelemetry built = delegate;
    delegate = OpenTelemetry.noop();
    if (built instanceof io.opentelemetry.sdk.OpenTelemetrySdk sdk) {
      sdk.shutdown().join(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public TracerProvider getTracerProvider() {
    return new TracerProvider() {
      @Override
      public Tracer get(String name) {
        return new LazyTracer(() -> delegate().getTracer(name));
      }

      @Override
      public Tracer get(String name, String version) {
        return new LazyTracer(() -> delegate().getTracer(name, version));
      }

      @Override
      public TracerBuilder tracerBuilder(String name) {
        return delegate().getTracerProvider().tracerBuilder(name);
      }
    };
  }

  @Override
  public ContextPropagators getPropagators() {
    return propagators;
  }

  /** A tracer that asks for the real one at its first span. */
  private static final class LazyTracer implements Tracer {
    private final Supplier<Tracer> resolve;
    private volatile Tracer tracer;

    LazyTracer(Supplier<Tracer> resolve) {
      this.resolve = resolve;
    }

    @Override
    public SpanBuilder spanBuilder(String spanName) {
      Tracer current = tracer;
      if (current == null) {
        current = resolve.get();
        tracer = current;
      }
      return current.spanBuilder(spanName);
    }
  }

  /** The configured propagators (OTEL_PROPAGATORS), asked for at the first extraction or injection. */
  private final class LazyPropagator implements TextMapPropagator {
    private TextMapPropagator propagator() {
      return delegate().getPropagators().getTextMapPropagator();
    }

    @Override
    public Collection<String> fields() {
      return propagator().fields();
    }

    @Override
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
      propagator().inject(context, carrier, setter);
    }

    @Override
    public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
      return propagator().extract(context, carrier, getter);
    }
  }
}
