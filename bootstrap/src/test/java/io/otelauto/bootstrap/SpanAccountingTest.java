package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.patchers.api.AgentLog;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SDK as the agent configures it (autoconfigure, the agent's customizers), with the real batch span
 * processor in front of an exporter the test holds: what the queue cannot take is counted and reported.
 */
class SpanAccountingTest {
  /** The exporter under the test's control: holds its first export until released; may fail exports. */
  static final class GatedExporter implements SpanExporter {
    static volatile GatedExporter current;
    final CountDownLatch firstExportEntered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<SpanData> exported = new CopyOnWriteArrayList<>();
    volatile boolean fail;

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      firstExportEntered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (fail) {
        return CompletableResultCode.ofExceptionalFailure(new IllegalStateException("receiver said no"));
      }
      exported.addAll(spans);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  public static final class GatedExporterProvider implements ConfigurableSpanExporterProvider {
    @Override
    public SpanExporter createExporter(ConfigProperties config) {
      GatedExporter exporter = new GatedExporter();
      GatedExporter.current = exporter;
      return exporter;
    }

    @Override
    public String getName() {
      return "gated-test";
    }
  }

  /** An agent log that keeps the errors (OtlpProtobufSpanExporterTest uses it too). */
  static final class RecordingLog implements AgentLog {
    final List<String> errors = new CopyOnWriteArrayList<>();

    @Override
    public void debug(String message) {}

    @Override
    public void error(String message, Throwable error) {
      errors.add(message);
    }

    @Override
    public void errorOnce(String key, String message, Throwable error) {
      errors.add(message);
    }
  }

  private static OpenTelemetrySdk sdk(RecordingLog log, Map<String, String> properties) {
    return sdk(new SpanAccounting(log), properties);
  }

  private static OpenTelemetrySdk sdk(SpanAccounting accounting, Map<String, String> properties) {
    return Telemetry.sdkBuilder(accounting)
        .addPropertiesSupplier(() -> properties)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
  }

  @Test
  void spansTheQueueCannotTakeAreCountedAtTheGateAndReportedAtOnceAndAtShutdown() throws Exception {
    RecordingLog log = new RecordingLog();
    SpanAccounting accounting = new SpanAccounting(log);
    java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
    accounting.onChange(published::incrementAndGet);
    OpenTelemetrySdk sdk = sdk(accounting, Map.of("otel.traces.exporter", "gated-test",
        "otel.bsp.max.queue.size", "10", "otel.bsp.max.export.batch.size", "4", "otel.bsp.schedule.delay", "1"));
    GatedExporter exporter = GatedExporter.current;
    Tracer tracer = sdk.getTracer("test");

    tracer.spanBuilder("first").startSpan().end();
    assertThat(exporter.firstExportEntered.await(30, TimeUnit.SECONDS)).isTrue();
    // The exporter is stuck in its first export: the queue holds 10, the other 20 cannot wait.
    for (int i = 0; i < 30; i++) {
      tracer.spanBuilder("while stuck " + i).startSpan().end();
    }
    List<String> whileStuck = List.copyOf(log.errors);
    // No export has ended yet: the drops alone had the status published (at most every 100 ms).
    assertThat(published.get()).isPositive();
    exporter.release.countDown();
    sdk.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(exporter.exported).hasSize(11);
    assertThat(whileStuck).singleElement().asString()
        .startsWith("spans not exported so far: 1 dropped because the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE=10)");
    assertThat(log.errors).hasSize(2);
    assertThat(log.errors.get(1))
        .isEqualTo("spans not exported in all: 20 dropped because the export queue was full "
            + "(OTEL_BSP_MAX_QUEUE_SIZE=10): the exporter did not keep up");
  }

  @Test
  void spansAnExporterFailsToDeliverAreCountedWithTheReason() {
    RecordingLog log = new RecordingLog();
    OpenTelemetrySdk sdk = sdk(log, Map.of("otel.traces.exporter", "gated-test", "otel.bsp.schedule.delay", "1"));
    GatedExporter exporter = GatedExporter.current;
    exporter.fail = true;
    exporter.release.countDown();

    sdk.getTracer("test").spanBuilder("lost").startSpan().end();
    sdk.getTracer("test").spanBuilder("lost too").startSpan().end();
    sdk.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(log.errors).last().asString()
        .startsWith("spans not exported in all: 2 failed to export through GatedExporter")
        .contains("receiver said no");
  }

  @Test
  void nothingIsReportedWhenEverySpanIsDelivered() {
    RecordingLog log = new RecordingLog();
    OpenTelemetrySdk sdk = sdk(log, Map.of("otel.traces.exporter", "gated-test"));
    GatedExporter.current.release.countDown();

    for (int i = 0; i < 100; i++) {
      sdk.getTracer("test").spanBuilder("span " + i).startSpan().end();
    }
    sdk.shutdown().join(30, TimeUnit.SECONDS);

    assertThat(GatedExporter.current.exported).hasSize(100);
    assertThat(log.errors).isEmpty();
  }
}
