package org.example.program;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A program that uses its own copy of the OpenTelemetry API (1.10.0 in the tests, loaded apart from the
 * agent's). The tests call it by reflection, in JDK types only.
 */
public final class ApiProgram {
  private static final ContextKey<String> OWN_KEY = ContextKey.named("program's own key");

  private ApiProgram() {}

  public static String currentSpanId() {
    return Span.current().getSpanContext().getSpanId();
  }

  public static String currentBaggage(String key) {
    return Baggage.current().getEntryValue(key);
  }

  /** Runs {@code inside} in a span of the program's own, with baggage; returns that span's id and what inside returned. */
  @SuppressWarnings("try")
  public static String[] inOwnSpan(Callable<String> inside) throws Exception {
    Span own = GlobalOpenTelemetry.getTracer("program", "2.0").spanBuilder("own").setAttribute("app.n", 7L)
        .startSpan();
    Context context = Context.current().with(own).with(Baggage.builder().put("tenant", "acme").build())
        .with(OWN_KEY, "kept");
    try (Scope scope = context.makeCurrent()) {
      String returned = inside.call();
      return new String[] {own.getSpanContext().getSpanId(), returned, Context.current().get(OWN_KEY)};
    } finally {
      own.end();
    }
  }

  public static String globalClass() {
    return GlobalOpenTelemetry.get().getClass().getName();
  }

  public static void setOwnGlobal() {
    GlobalOpenTelemetry.set(OpenTelemetry.noop());
  }

  public static void resetGlobal() {
    GlobalOpenTelemetry.resetForTest();
  }

  /** Completes when {@code done} does, on the thread that completes it. */
  @WithSpan
  public static CompletableFuture<String> later(CompletableFuture<String> done) {
    return done.thenApply(value -> value + " " + currentSpanId());
  }

  @WithSpan("annotated")
  public static String annotated(@SpanAttribute("app.item") String item) {
    return currentSpanId();
  }
}
