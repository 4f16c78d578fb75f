package io.otelauto.patchers.bridge;

import java.util.Collection;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * What the program's own copy of the OpenTelemetry API asks of the agent's. Both copies have classes named
 * {@code io.opentelemetry.*}, so neither side can name the other's: they meet here, in JDK types only.
 * Every {@code Object} parameter or result is the agent's context, scope, tracer, span builder or span,
 * opaque to the program's side, unless its name says {@code program}. Attributes travel as flat arrays of
 * (key, type name, value) triples, trace states and baggage as flat arrays of strings, in their order.
 *
 * <p>Implemented by the {@code opentelemetry-api} patcher and registered as the hook {@link #HOOK}; the
 * program's side is a set of classes that patcher defines in the loader of each copy of the API.
 */
public interface OpenTelemetryApiBridge {
  String HOOK = "opentelemetry-api.bridge";

  // Contexts

  Object rootContext();

  Object currentContext();

  /** Makes {@code context} current; returns its scope. */
  Object attach(Object context);

  void close(Object scope);

  /** The value of a key of the program's own (not its span's nor its baggage's). */
  Object value(Object context, Object programKey);

  Object withValue(Object context, Object programKey, Object value);

  /** The program's own context this one was made from, for the keys the agent's does not carry; or null. */
  Object programContext(Object context);

  Object withProgramContext(Object context, Object programContext);

  /** The context's span: the program's own span object if the program put it there, else the agent's, else null. */
  Object span(Object context);

  Object withSpan(Object context, Object span);

  /** With a span that is the program's own (its own SDK's, or a wrapped span context), kept as it is. */
  Object withProgramSpan(Object context, Object programSpan, String traceId, String spanId, byte flags,
      String[] traceState, boolean remote);

  /** The context's baggage: the program's own baggage object if unchanged, else (key, value, metadata) triples, or null. */
  Object baggage(Object context);

  Object withBaggage(Object context, Object programBaggage, String[] entries);

  // Tracing

  Object tracer(String scopeName, String scopeVersion, String schemaUrl);

  Object spanBuilder(Object tracer, String name);

  void setParent(Object spanBuilder, Object context);

  void setNoParent(Object spanBuilder);

  void addLink(Object spanBuilderOrSpan, String traceId, String spanId, byte flags, String[] traceState,
      boolean remote, Object[] attributes);

  /** {@code type} is the name of the program's {@code AttributeType}; types the agent does not know are dropped. */
  void setAttribute(Object spanBuilderOrSpan, String key, String type, Object value);

  void setSpanKind(Object spanBuilder, String kind);

  void setStartTimestamp(Object spanBuilder, long epochNanos);

  Object startSpan(Object spanBuilder);

  /** traceId, spanId, flags (Byte), trace state (String[]), remote (Boolean). */
  Object[] spanContext(Object span);

  boolean isRecording(Object span);

  /** {@code epochNanos} below zero: now. */
  void addEvent(Object span, String name, Object[] attributes, long epochNanos);

  void setStatus(Object span, String statusCode, String description);

  void recordException(Object span, Throwable exception, Object[] attributes);

  void updateName(Object span, String name);

  /** {@code epochNanos} below zero: now. */
  void end(Object span, long epochNanos);

  // Propagation, with the agent's propagators

  void inject(Object context, BiConsumer<String, String> setter);

  Object extract(Object context, Iterable<String> keys, Function<String, String> getter);

  Collection<String> fields();

  // @WithSpan, from advice inlined into the program's annotated methods

  /**
   * Starts the span of an annotated method and makes it current; null if the method is not traced. The
   * result is a {@code BiConsumer<Object, Throwable>} to call with what the method returned or threw.
   */
  Object startMethodSpan(Class<?> type, String methodAndDescriptor, Object[] arguments);
}
