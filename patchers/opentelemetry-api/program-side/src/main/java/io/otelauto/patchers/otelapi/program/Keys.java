package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * The API's own keys for a context's span and baggage. They are package-private in the API, so they are
 * learnt by asking a span and a baggage to store themselves in a context that only notes the key.
 */
final class Keys {
  static final ContextKey<?> SPAN = keyOf(Span.getInvalid()::storeInContext);
  static final ContextKey<?> BAGGAGE = keyOf(Baggage.empty()::storeInContext);

  private Keys() {}

  private static ContextKey<?> keyOf(java.util.function.Function<Context, Context> store) {
    KeyProbe probe = new KeyProbe();
    store.apply(probe);
    return probe.key;
  }

  private static final class KeyProbe implements Context {
    ContextKey<?> key;

    @Override
    public <V> V get(ContextKey<V> key) {
      return null;
    }

    @Override
    public <V> Context with(ContextKey<V> key, V value) {
      this.key = key;
      return this;
    }
  }
}
