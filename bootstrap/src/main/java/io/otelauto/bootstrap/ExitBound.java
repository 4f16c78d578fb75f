package io.otelauto.bootstrap;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What exporting may add to the JVM's exit, whatever the collector does (refuses, answers 503, never reads,
 * never answers): at most {@code otel.auto.instrument.exit.timeout} ({@code OTEL_AUTO_INSTRUMENT_EXIT_TIMEOUT},
 * 1 s by default; {@code 500ms}, {@code 2s}, or milliseconds) past the program's own end.
 *
 * <p>The SDK's own shutdown hook waits up to 10 s, and its exporters retry with backoff in the meantime; it
 * is turned off, and this hook shuts the SDK down and waits for it at most the bound. The exporters' threads
 * are daemons, so the JVM goes once the hooks return; spans still queued or being sent then are counted
 * ({@link SpanAccounting#reportCutAtExit}). Retries while the program runs are left as they are.
 */
final class ExitBound {
  static final String KEY = "otel.auto.instrument.exit.timeout";
  static final Duration DEFAULT = Duration.ofSeconds(1);

  private ExitBound() {}

  static Duration of(ConfigProperties config) {
    Duration bound = config.getDuration(KEY, DEFAULT);
    return bound.isNegative() ? Duration.ZERO : bound;
  }

  /** The hook installed by this agent, if any: detach takes it out. */
  private static Thread installed;

  static synchronized void install(OpenTelemetrySdk sdk, SpanAccounting accounting, Duration bound) {
    Thread hook = new Thread(() -> {
      CompletableResultCode shutdown = sdk.shutdown();
      shutdown.join(bound.toMillis(), TimeUnit.MILLISECONDS);
      if (!shutdown.isDone()) {
        accounting.reportCutAtExit(bound);
      }
    }, "otel-auto-instrument-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    installed = hook;
  }

  /** Takes the hook out again (detach): the JVM's exit no longer concerns this agent. */
  static synchronized void uninstall() {
    if (installed != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(installed);
      } catch (IllegalStateException e) {
        // The JVM is exiting already: the hook runs, as it would have.
      }
      installed = null;
    }
  }
}
