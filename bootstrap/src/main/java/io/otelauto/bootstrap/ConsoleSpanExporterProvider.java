package io.otelauto.bootstrap;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** Makes {@code OTEL_TRACES_EXPORTER=console} (the agent's default) select {@link ConsoleSpanExporter}. */
public final class ConsoleSpanExporterProvider implements ConfigurableSpanExporterProvider {
  @Override
  public SpanExporter createExporter(ConfigProperties config) {
    return new ConsoleSpanExporter();
  }

  @Override
  public String getName() {
    return "console";
  }
}
