package io.otelauto.bootstrap;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.semconv.ServiceAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * One readable line per span on standard error (never standard output, which may be the program's data):
 *
 * <pre>span "GET /hello" kind=SERVER trace_id=… span_id=… parent_span_id=… start=… duration=1.234ms
 * service=… attributes={…}</pre>
 *
 * <p>{@code parent_span_id} is {@code -} for a root span. The example applications print the same format,
 * so hand-made and patched spans can be compared line by line.
 */
final class ConsoleSpanExporter implements SpanExporter {
  private static final DateTimeFormatter START =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private volatile boolean shutdown;

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    if (shutdown) {
      return CompletableResultCode.ofFailure();
    }
    StringBuilder out = new StringBuilder();
    for (SpanData span : spans) {
      out.append(format(span)).append(System.lineSeparator());
    }
    // One write for the whole batch, so lines from several threads never interleave.
    System.err.print(out);
    System.err.flush();
    return CompletableResultCode.ofSuccess();
  }

  static String format(SpanData span) {
    StringJoiner attributes = new StringJoiner(", ", "{", "}");
    span.getAttributes().forEach((key, value) -> attributes.add(key.getKey() + "=" + value));
    String parent = span.getParentSpanContext().isValid() ? span.getParentSpanId() : "-";
    long durationNanos = span.getEndEpochNanos() - span.getStartEpochNanos();
    InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
    return String.format(Locale.ROOT,
        "span \"%s\" kind=%s trace_id=%s span_id=%s parent_span_id=%s start=%s duration=%.3fms service=%s attributes=%s"
            + " scope=%s%s",
        span.getName(), span.getKind(), span.getTraceId(), span.getSpanId(), parent,
        START.format(Instant.ofEpochSecond(0, span.getStartEpochNanos())),
        durationNanos / 1_000_000.0,
        span.getResource().getAttribute(ServiceAttributes.SERVICE_NAME), attributes,
        scope.getName().isEmpty() ? "-" : scope.getName(), scope.getVersion() == null ? "" : "@" + scope.getVersion());
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    shutdown = true;
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "ConsoleSpanExporter";
  }

}
