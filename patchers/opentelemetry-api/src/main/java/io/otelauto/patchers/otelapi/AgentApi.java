package io.otelauto.patchers.otelapi;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The agent's side of {@link OpenTelemetryApiBridge}: the program's API calls, carried out with the agent's
 * OpenTelemetry and its one context. A call that cannot be carried out (a value of a type this API does
 * not know) is dropped, never thrown back into the program.
 */
final class AgentApi implements OpenTelemetryApiBridge {
  /** A span or baggage the program put in a context as it is, beside the agent's form of it. */
  private static final ContextKey<ProgramValue> PROGRAM_SPAN = ContextKey.named("otel-auto-instrument program span");
  private static final ContextKey<ProgramValue> PROGRAM_BAGGAGE = ContextKey.named("otel-auto-instrument program baggage");
  private static final ContextKey<Object> PROGRAM_CONTEXT = ContextKey.named("otel-auto-instrument program context");
  private static final String[] NONE = new String[0];

  private final OpenTelemetry openTelemetry;
  private final MethodSpans methodSpans;
  /** The agent's key for each of the program's own keys (compared by identity, as the API does). */
  private final Map<Object, ContextKey<Object>> keys = new WeakHashMap<>();

  AgentApi(OpenTelemetry openTelemetry, AgentLog log) {
    this.openTelemetry = openTelemetry;
    this.methodSpans = new MethodSpans(openTelemetry, log);
  }

  private record ProgramValue(Object agent, Object program) {}

  // Contexts

  @Override
  public Object rootContext() {
    return Context.root();
  }

  @Override
  public Object currentContext() {
    return Context.current();
  }

  @Override
  public Object attach(Object context) {
    return ((Context) context).makeCurrent();
  }

  @Override
  public void close(Object scope) {
    ((Scope) scope).close();
  }

  @Override
  public Object value(Object context, Object programKey) {
    ContextKey<Object> key;
    synchronized (keys) {
      key = keys.get(programKey);
    }
    return key == null ? null : ((Context) context).get(key);
  }

  @Override
  public Object withValue(Object context, Object programKey, Object value) {
    ContextKey<Object> key;
    synchronized (keys) {
      key = keys.computeIfAbsent(programKey, k -> ContextKey.named(String.valueOf(k)));
    }
    return ((Context) context).with(key, value);
  }

  @Override
  public Object programContext(Object context) {
    return ((Context) context).get(PROGRAM_CONTEXT);
  }

  @Override
  public Object withProgramContext(Object context, Object programContext) {
    return ((Context) context).with(PROGRAM_CONTEXT, programContext);
  }

  @Override
  public Object span(Object context) {
    Context agentContext = (Context) context;
    Span span = Span.fromContextOrNull(agentContext);
    if (span == null) {
      return null;
    }
    Object own = programsOwn(agentContext, PROGRAM_SPAN, span);
    return own != null ? own : span;
  }

  /** The program's own object that {@code agentValue} stands for, if the program put it in {@code context}. */
  private static Object programsOwn(Context context, ContextKey<ProgramValue> key, Object agentValue) {
    ProgramValue program = context.get(key);
    return program != null && program.agent() == agentValue ? program.program() : null;
  }

  @Override
  public Object withSpan(Object context, Object span) {
    return ((Context) context).with((Span) span);
  }

  @Override
  public Object withProgramSpan(Object context, Object programSpan, String traceId, String spanId, byte flags,
      String[] traceState, boolean remote) {
    Span span = Span.wrap(spanContext(traceId, spanId, flags, traceState, remote));
    return ((Context) context).with(span).with(PROGRAM_SPAN, new ProgramValue(span, programSpan));
  }

  @Override
  public Object baggage(Object context) {
    Context agentContext = (Context) context;
    Baggage baggage = Baggage.fromContextOrNull(agentContext);
    if (baggage == null) {
      return null;
    }
    Object own = programsOwn(agentContext, PROGRAM_BAGGAGE, baggage);
    if (own != null) {
      return own;
    }
    List<String> entries = new ArrayList<>(3 * baggage.size());
    baggage.forEach((key, entry) -> {
      entries.add(key);
      entries.add(entry.getValue());
      entries.add(entry.getMetadata().getValue());
    });
    return entries.toArray(NONE);
  }

  @Override
  public Object withBaggage(Object context, Object programBaggage, String[] entries) {
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i + 2 < entries.length; i += 3) {
      builder.put(entries[i], entries[i + 1], BaggageEntryMetadata.create(entries[i + 2]));
    }
    Baggage baggage = builder.build();
    return ((Context) context).with(baggage).with(PROGRAM_BAGGAGE, new ProgramValue(baggage, programBaggage));
  }

  // Tracing

  @Override
  public Object tracer(String scopeName, String scopeVersion, String schemaUrl) {
    TracerBuilder builder = openTelemetry.getTracerProvider().tracerBuilder(scopeName == null ? "" : scopeName);
    if (scopeVersion != null) {
      builder.setInstrumentationVersion(scopeVersion);
    }
    if (schemaUrl != null) {
      builder.setSchemaUrl(schemaUrl);
    }
    return builder.build();
  }

  @Override
  public Object spanBuilder(Object tracer, String name) {
    return ((Tracer) tracer).spanBuilder(name == null ? "" : name);
  }

  @Override
  public void setParent(Object spanBuilder, Object context) {
    ((SpanBuilder) spanBuilder).setParent((Context) context);
  }

  @Override
  public void setNoParent(Object spanBuilder) {
    ((SpanBuilder) spanBuilder).setNoParent();
  }

  @Override
  public void addLink(Object spanBuilderOrSpan, String traceId, String spanId, byte flags, String[] traceState,
      boolean remote, Object[] attributes) {
    SpanContext linked = spanContext(traceId, spanId, flags, traceState, remote);
    if (spanBuilderOrSpan instanceof SpanBuilder builder) {
      builder.addLink(linked, attributes(attributes));
    } else {
      ((Span) spanBuilderOrSpan).addLink(linked, attributes(attributes));
    }
  }

  @Override
  public void setAttribute(Object spanBuilderOrSpan, String key, String type, Object value) {
    AttributeKey<Object> attributeKey = attributeKey(key, type, value);
    if (attributeKey == null) {
      return;
    }
    if (spanBuilderOrSpan instanceof SpanBuilder builder) {
      builder.setAttribute(attributeKey, value);
    } else {
      ((Span) spanBuilderOrSpan).setAttribute(attributeKey, value);
    }
  }

  @Override
  public void setSpanKind(Object spanBuilder, String kind) {
    for (SpanKind known : SpanKind.values()) {
      if (known.name().equals(kind)) {
        ((SpanBuilder) spanBuilder).setSpanKind(known);
      }
    }
  }

  @Override
  public void setStartTimestamp(Object spanBuilder, long epochNanos) {
    ((SpanBuilder) spanBuilder).setStartTimestamp(epochNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public Object startSpan(Object spanBuilder) {
    return ((SpanBuilder) spanBuilder).startSpan();
  }

  @Override
  public Object[] spanContext(Object span) {
    SpanContext context = ((Span) span).getSpanContext();
    String[] traceState = NONE;
    if (!context.getTraceState().isEmpty()) {
      List<String> entries = new ArrayList<>();
      context.getTraceState().forEach((key, value) -> {
        entries.add(key);
        entries.add(value);
      });
      traceState = entries.toArray(NONE);
    }
    return new Object[] {context.getTraceId(), context.getSpanId(), context.getTraceFlags().asByte(), traceState,
        context.isRemote()};
  }

  @Override
  public boolean isRecording(Object span) {
    return ((Span) span).isRecording();
  }

  @Override
  public void addEvent(Object span, String name, Object[] attributes, long epochNanos) {
    if (epochNanos < 0) {
      ((Span) span).addEvent(name, attributes(attributes));
    } else {
      ((Span) span).addEvent(name, attributes(attributes), epochNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void setStatus(Object span, String statusCode, String description) {
    for (StatusCode known : StatusCode.values()) {
      if (known.name().equals(statusCode)) {
        ((Span) span).setStatus(known, description == null ? "" : description);
      }
    }
  }

  @Override
  public void recordException(Object span, Throwable exception, Object[] attributes) {
    if (exception != null) {
      ((Span) span).recordException(exception, attributes(attributes));
    }
  }

  @Override
  public void updateName(Object span, String name) {
    if (name != null) {
      ((Span) span).updateName(name);
    }
  }

  @Override
  public void end(Object span, long epochNanos) {
    if (epochNanos < 0) {
      ((Span) span).end();
    } else {
      ((Span) span).end(epochNanos, TimeUnit.NANOSECONDS);
    }
  }

  // Propagation

  @Override
  public void inject(Object context, BiConsumer<String, String> setter) {
    openTelemetry.getPropagators().getTextMapPropagator().inject((Context) context, setter, BiConsumer::accept);
  }

  @Override
  public Object extract(Object context, Iterable<String> keys, Function<String, String> getter) {
    return openTelemetry.getPropagators().getTextMapPropagator().extract((Context) context, getter,
        new TextMapGetter<Function<String, String>>() {
          @Override
          public Iterable<String> keys(Function<String, String> carrier) {
            return keys;
          }

          @Override
          public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
          }
        });
  }

  @Override
  public Collection<String> fields() {
    return openTelemetry.getPropagators().getTextMapPropagator().fields();
  }

  // @WithSpan

  @Override
  public Object startMethodSpan(Class<?> type, String methodAndDescriptor, Object[] arguments) {
    return methodSpans.start(type, methodAndDescriptor, arguments);
  }

  // Conversions

  private static SpanContext spanContext(String traceId, String spanId, byte flags, String[] traceState,
      boolean remote) {
    TraceState state = TraceState.getDefault();
    if (traceState.length > 0) {
      // The builder puts each new entry first: add them last to first.
      TraceStateBuilder builder = TraceState.builder();
      for (int i = traceState.length - 2; i >= 0; i -= 2) {
        builder.put(traceState[i], traceState[i + 1]);
      }
      state = builder.build();
    }
    return remote
        ? SpanContext.createFromRemoteParent(traceId, spanId, TraceFlags.fromByte(flags), state)
        : SpanContext.create(traceId, spanId, TraceFlags.fromByte(flags), state);
  }

  /** Triples of (key, type name, value); those of types this API does not know are left out. */
  @SuppressWarnings("unchecked")
  static Attributes attributes(Object[] triples) {
    if (triples == null || triples.length == 0) {
      return Attributes.empty();
    }
    AttributesBuilder builder = Attributes.builder();
    for (int i = 0; i + 2 < triples.length; i += 3) {
      AttributeKey<Object> key = attributeKey((String) triples[i], (String) triples[i + 1], triples[i + 2]);
      if (key != null) {
        builder.put(key, triples[i + 2]);
      }
    }
    return builder.build();
  }

  /** The agent's key for a value of the program's type {@code type}; null if the value does not fit it. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static AttributeKey<Object> attributeKey(String key, String type, Object value) {
    if (key == null || value == null || type == null) {
      return null;
    }
    AttributeKey attributeKey = switch (type) {
      case "STRING" -> value instanceof String ? AttributeKey.stringKey(key) : null;
      case "LONG" -> value instanceof Long ? AttributeKey.longKey(key) : null;
      case "DOUBLE" -> value instanceof Double ? AttributeKey.doubleKey(key) : null;
      case "BOOLEAN" -> value instanceof Boolean ? AttributeKey.booleanKey(key) : null;
      case "STRING_ARRAY" -> listOf(value, String.class) ? AttributeKey.stringArrayKey(key) : null;
      case "LONG_ARRAY" -> listOf(value, Long.class) ? AttributeKey.longArrayKey(key) : null;
      case "DOUBLE_ARRAY" -> listOf(value, Double.class) ? AttributeKey.doubleArrayKey(key) : null;
      case "BOOLEAN_ARRAY" -> listOf(value, Boolean.class) ? AttributeKey.booleanArrayKey(key) : null;
      default -> null; // a type of a newer API (e.g. VALUE): its value is the program's class, unknown here
    };
    return attributeKey;
  }

  private static boolean listOf(Object value, Class<?> element) {
    if (!(value instanceof List<?> list)) {
      return false;
    }
    for (Object item : list) {
      if (!element.isInstance(item)) {
        return false;
      }
    }
    return true;
  }
}
