package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.StringJoiner;

/** The examples' hand-made OpenTelemetry setup: an SDK that prints every ended span to stderr. */
final class ExampleTracing {

  static final String INSTRUMENTATION_NAME = "io.otelauto.examples.hello";

  static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  static final TextMapPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();

  /** Reads propagation headers from an incoming request (its header names are case-insensitive). */
  static final TextMapGetter<HttpExchange> REQUEST_HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpExchange exchange) {
          return exchange.getRequestHeaders().keySet();
        }

        @Override
        public String get(HttpExchange exchange, String key) {
          return exchange == null ? null : exchange.getRequestHeaders().getFirst(key);
        }
      };

  /** Writes propagation headers into an outgoing request. */
  static final TextMapSetter<HttpRequest.Builder> OUTGOING_HEADERS =
      (request, key, value) -> {
        if (request != null) {
          request.header(key, value);
        }
      };

  /** Start instants as ISO-8601 in UTC, always with microseconds: 2026-11-24T07:30:01.123456Z. */
  private static final DateTimeFormatter START =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private ExampleTracing() {}

  /** A tracer provider for {@code serviceName} that prints each span to stderr as it ends. */
  static SdkTracerProvider tracerProvider(String serviceName) {
    return SdkTracerProvider.builder()
        .setResource(
            Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName))))
        .addSpanProcessor(SimpleSpanProcessor.create(new ConsoleSpanExporter()))
        .build();
  }

  /** One span as one line, in the same format as the agent's console exporter. */
  static String format(SpanData span) {
    SpanContext parent = span.getParentSpanContext();
    StringJoiner attributes = new StringJoiner(", ", "{", "}");
    span.getAttributes().forEach((key, value) -> attributes.add(key.getKey() + "=" + value));
    return "span \"" + span.getName() + "\""
        + " kind=" + span.getKind()
        + " trace_id=" + span.getTraceId()
        + " span_id=" + span.getSpanId()
        + " parent_span_id=" + (parent.isValid() ? parent.getSpanId() : "-")
        + " start=" + START.format(Instant.ofEpochSecond(0, span.getStartEpochNanos()))
        + " duration="
        + String.format(
            Locale.ROOT, "%.3f", (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6)
        + "ms"
        + " service=" + span.getResource().getAttribute(SERVICE_NAME)
        + " attributes=" + attributes;
  }

  private static final class ConsoleSpanExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      for (SpanData span : spans) {
        System.err.println(format(span));
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      System.err.flush();
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return flush();
    }
  }
}
