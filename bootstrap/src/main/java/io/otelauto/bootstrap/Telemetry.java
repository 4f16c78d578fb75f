package io.otelauto.bootstrap;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.exporter.logging.otlp.internal.traces.OtlpStdoutSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.semconv.ServiceAttributes;
import io.otelauto.patchers.api.AgentLog;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The agent's OpenTelemetry, configured once by the SDK's autoconfigure extension, so every standard
 * {@code OTEL_*} variable and {@code otel.*} property applies. The agent's own defaults are only defaults:
 * spans go to the console exporter; OTLP, when chosen, over http/protobuf; no metrics or logs are exported
 * (the agent makes none yet). Spans that are not exported are counted and reported ({@link SpanAccounting}).
 */
final class Telemetry {
  private static final Map<String, String> DEFAULTS = Map.ofEntries(
      Map.entry("otel.traces.exporter", "console"),
      // The specification's default (the SDK's own default is still grpc).
      Map.entry("otel.exporter.otlp.protocol", "http/protobuf"),
      Map.entry("otel.metrics.exporter", "none"),
      // Batches sent often, with a queue that absorbs bursts (bounded: 16384 spans): the SDK's defaults
      // (5 s, 2048) drop spans at load. The batch size: exportBatchSize.
      Map.entry("otel.bsp.schedule.delay", "200"),
      Map.entry("otel.bsp.max.queue.size", "16384"),
      Map.entry("otel.logs.exporter", "none"));

  private Telemetry() {}

  static final String EXPORT_BATCH_SIZE = "otel.bsp.max.export.batch.size";

  /**
   * The batch size, unless the user chose one: 1024 spans where they are encoded as they end (the queue
   * then holds bytes, and a larger batch cuts the export's CPU per span by a third), else the SDK's 512 (2048 spans
   * encoded in the worker cost a saturated server 8% of its throughput on JDK 17). docs/performance.md.
   */
  static Map<String, String> exportBatchSize(ConfigProperties config) {
    if (config.getString(EXPORT_BATCH_SIZE) != null) {
      return Map.of();
    }
    return Map.of(EXPORT_BATCH_SIZE, OtlpProtobufSpanExporter.encodesAtEnd(config) ? "1024" : "512");
  }

  private static final String HTTP_SENDER_PROPERTY = "io.opentelemetry.sdk.common.export.HttpSenderProvider";
  private static final String URL_CONNECTION_SENDER = UrlConnectionHttpSenderProvider.class.getName();

  static OpenTelemetry configure(AgentLog log) {
    return configure(log, Map.of(), null, accounting -> {});
  }

  /**
   * {@code overrides}: settings that win over the system properties and the environment (an attach's);
   * {@code alsoProcessing}, if not null, is added to the SDK's span processors; {@code accountingOf} is given
   * the SDK's span accounting (for status).
   */
  static OpenTelemetry configure(AgentLog log, Map<String, String> overrides, SpanProcessor alsoProcessing,
      Consumer<SpanAccounting> accountingOf) {
    // Two HTTP senders are on the agent's class path (OkHttp only for gRPC): OTLP over HTTP must take the
    // agent's own (UrlConnectionHttpSender). The SDK reads this property while building exporters; it is put
    // back afterwards so that the program's own OpenTelemetry, if any, never sees it. A value the user set
    // is left alone.
    String previous = System.getProperty(HTTP_SENDER_PROPERTY);
    if (previous == null) {
      System.setProperty(HTTP_SENDER_PROPERTY, URL_CONNECTION_SENDER);
    }
    try {
      // A shutdown hook flushes and closes the SDK, within the exit bound: spans of a program that returns
      // from main or calls System.exit are exported before the JVM goes, and a collector that fails cannot
      // hold the exit for longer than the bound.
      SpanAccounting accounting = new SpanAccounting(log);
      AtomicReference<Duration> bound = new AtomicReference<>(ExitBound.DEFAULT);
      OpenTelemetrySdk sdk = sdkBuilder(accounting)
          .addPropertiesCustomizer(config -> overrides)
          .addTracerProviderCustomizer((tracerProvider, config) ->
              alsoProcessing == null ? tracerProvider : tracerProvider.addSpanProcessor(alsoProcessing))
          .addPropertiesCustomizer(config -> {
            bound.set(ExitBound.of(config));
            return Map.of();
          })
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
      ExitBound.install(sdk, accounting, bound.get());
      accountingOf.accept(accounting);
      return sdk;
    } catch (Throwable t) {
      log.error("OpenTelemetry could not be configured; no telemetry will be exported", t);
      return OpenTelemetry.noop();
    } finally {
      if (previous == null) {
        System.clearProperty(HTTP_SENDER_PROPERTY);
      }
    }
  }

  /** Autoconfigure with the agent's defaults, service name, exporters and span accounting. */
  static AutoConfiguredOpenTelemetrySdkBuilder sdkBuilder(SpanAccounting accounting) {
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> DEFAULTS)
        .addPropertiesCustomizer(Telemetry::exportBatchSize)
        .addResourceCustomizer((resource, config) -> accounting.describing(withServiceName(resource)))
        .addSpanExporterCustomizer((exporter, config) ->
            accounting.count(OtlpProtobufSpanExporter.inPlaceOf(withoutJavaUtilLogging(exporter), config, accounting.log)))
        .addSpanProcessorCustomizer(accounting::gate)
        .setServiceClassLoader(Telemetry.class.getClassLoader());
  }

  /**
   * {@code logging-otlp} writes through java.util.logging, whose own shutdown hook may reset its handlers
   * before the SDK's hook exports the last batch: a short program's spans would be lost at exit. The same
   * OTLP JSON (one {@code {"resourceSpans":...}} line per batch) goes straight to stderr instead.
   */
  static SpanExporter withoutJavaUtilLogging(SpanExporter exporter) {
    if (!exporter.getClass().getName().equals("io.opentelemetry.exporter.logging.otlp.OtlpJsonLoggingSpanExporter")) {
      return exporter;
    }
    exporter.shutdown();
    return OtlpStdoutSpanExporter.builder().setWrapperJsonObject(true).setOutput(new FilterOutputStream(System.err) {
      @Override
      public void write(byte[] bytes, int offset, int length) {
        System.err.write(bytes, offset, length);
      }

      @Override
      public void close() throws IOException {
        flush(); // never close the program's stderr
      }
    }).build();
  }

  /**
   * Names an unnamed service after the program: the name premain derived (a test JVM's project, exec:java's
   * main class), else the jar's file name or the main class's simple name.
   */
  static Resource withServiceName(Resource resource) {
    String name = resource.getAttribute(ServiceAttributes.SERVICE_NAME);
    if (name != null && !name.startsWith("unknown_service")) {
      return resource;
    }
    // Premain's choice for a test JVM or exec:java (JvmSelection), else the program's jar or main class.
    String derived = System.getProperty(JvmSelection.DERIVED_SERVICE_NAME, "");
    if (derived.isEmpty()) {
      derived = serviceNameOf(System.getProperty("sun.java.command", ""));
    }
    return derived.isEmpty()
        ? resource
        : resource.merge(Resource.builder().put(ServiceAttributes.SERVICE_NAME, derived).build());
  }

  static String serviceNameOf(String javaCommand) {
    String first = javaCommand.strip().split("\\s+", 2)[0];
    if (first.isEmpty()) {
      return "";
    }
    if (first.endsWith(".jar")) {
      String file = Path.of(first).getFileName().toString();
      return file.substring(0, file.length() - ".jar".length());
    }
    return first.substring(first.lastIndexOf('.') + 1);
  }
}
