package io.otelauto.patchers.otelapi;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.semconv.CodeAttributes;
import io.otelauto.patchers.api.AgentLog;
import java.lang.annotation.Annotation;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * {@code @WithSpan} methods to spans: the name ({@code value()}, else {@code Class.method}), the kind, the
 * {@code @SpanAttribute} parameters as attributes, {@code code.function.name}. Read once per method, by
 * reflection on the program's own annotation classes (whatever their version), then kept.
 * A method that returns a {@code CompletionStage} ends its span when the stage completes.
 */
final class MethodSpans {
  static final String WITH_SPAN = "io.opentelemetry.instrumentation.annotations.WithSpan";
  static final String SPAN_ATTRIBUTE = "io.opentelemetry.instrumentation.annotations.SpanAttribute";

  private final Tracer tracer;
  private final AgentLog log;
  private final ClassValue<Map<String, Plan>> plans = new ClassValue<>() {
    @Override
    protected Map<String, Plan> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  MethodSpans(OpenTelemetry openTelemetry, AgentLog log) {
    this.tracer = openTelemetry.getTracer("io.otelauto.patchers." + OpenTelemetryApiPatcher.NAME);
    this.log = log;
  }

  /** What one annotated method's span is made of. */
  private record Plan(String name, SpanKind kind, String function, AttributeKey<?>[] parameters, boolean valid) {
    static final Plan NONE = new Plan(null, null, null, null, false);
  }

  /** A method's span while it runs: called with what the method returned or threw. */
  private record Started(Span span, Scope scope) implements BiConsumer<Object, Throwable> {
    @Override
    public void accept(Object returned, Throwable thrown) {
      scope.close();
      if (thrown == null && returned instanceof CompletionStage<?> stage) {
        stage.whenComplete((value, failure) -> end(span, failure));
      } else {
        end(span, thrown);
      }
    }
  }

  Object start(Class<?> type, String methodAndDescriptor, Object[] arguments) {
    Plan plan = plans.get(type).computeIfAbsent(methodAndDescriptor, m -> plan(type, m));
    if (!plan.valid()) {
      return null;
    }
    AttributesBuilder attributes = Attributes.builder().put(CodeAttributes.CODE_FUNCTION_NAME, plan.function());
    AttributeKey<?>[] parameters = plan.parameters();
    for (int i = 0; i < parameters.length && arguments != null && i < arguments.length; i++) {
      if (parameters[i] != null && arguments[i] != null) {
        putArgument(attributes, parameters[i], arguments[i]);
      }
    }
    Span span = tracer.spanBuilder(plan.name()).setSpanKind(plan.kind()).setAllAttributes(attributes.build())
        .startSpan();
    return new Started(span, Context.current().with(span).makeCurrent());
  }

  private static void end(Span span, Throwable thrown) {
    if (thrown != null) {
      span.recordException(thrown);
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  private Plan plan(Class<?> type, String methodAndDescriptor) {
    try {
      for (Method method : type.getDeclaredMethods()) {
        String descriptor = MethodType.methodType(method.getReturnType(), method.getParameterTypes())
            .toMethodDescriptorString();
        if (methodAndDescriptor.equals(method.getName() + descriptor)) {
          return plan(type, method);
        }
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.errorOnce("with-span " + type.getName(), "Could not read @WithSpan of " + type.getName(), e);
    }
    return Plan.NONE;
  }

  private static Plan plan(Class<?> type, Method method) throws ReflectiveOperationException {
    Annotation withSpan = annotation(method.getDeclaredAnnotations(), WITH_SPAN);
    if (withSpan == null) {
      return Plan.NONE;
    }
    String name = (String) element(withSpan, "value", "");
    if (name == null || name.isEmpty()) {
      name = type.getSimpleName() + "." + method.getName();
    }
    Object kind = element(withSpan, "kind", null);
    SpanKind spanKind = SpanKind.INTERNAL;
    for (SpanKind known : SpanKind.values()) {
      if (kind instanceof Enum<?> value && known.name().equals(value.name())) {
        spanKind = known;
      }
    }
    Parameter[] parameters = method.getParameters();
    Annotation[][] annotations = method.getParameterAnnotations();
    AttributeKey<?>[] keys = new AttributeKey<?>[parameters.length];
    for (int i = 0; i < parameters.length && i < annotations.length; i++) {
      Annotation spanAttribute = annotation(annotations[i], SPAN_ATTRIBUTE);
      if (spanAttribute == null) {
        continue;
      }
      String key = (String) element(spanAttribute, "value", "");
      if ((key == null || key.isEmpty()) && parameters[i].isNamePresent()) {
        key = parameters[i].getName();
      }
      if (key != null && !key.isEmpty()) {
        keys[i] = keyFor(key, parameters[i].getType());
      }
    }
    return new Plan(name, spanKind, type.getName() + "." + method.getName(), keys, true);
  }

  private static Annotation annotation(Annotation[] annotations, String typeName) {
    for (Annotation annotation : annotations) {
      if (annotation.annotationType().getName().equals(typeName)) {
        return annotation;
      }
    }
    return null;
  }

  /** An annotation element, or {@code absent} where this version of the annotation has none. */
  private static Object element(Annotation annotation, String name, Object absent)
      throws ReflectiveOperationException {
    try {
      Method element = annotation.annotationType().getMethod(name);
      element.setAccessible(true);
      return element.invoke(annotation);
    } catch (NoSuchMethodException e) {
      return absent;
    }
  }

  /** The key's type follows the parameter's, as the OpenTelemetry agent does; anything else is a string. */
  private static AttributeKey<?> keyFor(String key, Class<?> type) {
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class
        || type == short.class || type == Short.class || type == byte.class || type == Byte.class) {
      return AttributeKey.longKey(key);
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return AttributeKey.doubleKey(key);
    }
    if (type == boolean.class || type == Boolean.class) {
      return AttributeKey.booleanKey(key);
    }
    if (type == String[].class || Collection.class.isAssignableFrom(type)) {
      return AttributeKey.stringArrayKey(key);
    }
    return AttributeKey.stringKey(key);
  }

  @SuppressWarnings("unchecked")
  private static void putArgument(AttributesBuilder attributes, AttributeKey<?> key, Object argument) {
    switch (key.getType()) {
      case LONG -> attributes.put((AttributeKey<Long>) key, ((Number) argument).longValue());
      case DOUBLE -> attributes.put((AttributeKey<Double>) key, ((Number) argument).doubleValue());
      case BOOLEAN -> attributes.put((AttributeKey<Boolean>) key, (Boolean) argument);
      case STRING_ARRAY -> {
        Iterable<?> items = argument instanceof Object[] array ? java.util.Arrays.asList(array) : (Iterable<?>) argument;
        List<String> values = new java.util.ArrayList<>();
        items.forEach(item -> values.add(String.valueOf(item)));
        attributes.put((AttributeKey<List<String>>) key, values);
      }
      default -> attributes.put((AttributeKey<String>) key, String.valueOf(argument));
    }
  }
}
