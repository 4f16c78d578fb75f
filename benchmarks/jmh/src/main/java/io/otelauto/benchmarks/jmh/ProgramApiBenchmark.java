package io.otelauto.benchmarks.jmh;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.otelapi.OpenTelemetryApiPatcher;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the opentelemetry-api bridge costs a program traced by hand ({@code org.example.manual.ManualSpans}:
 * a span of its own made current, an attribute on {@code Span.current()}, its id read), inside a request's
 * span, with the same SDK either way:
 *
 * <ul>
 *   <li>{@code bridged=false}: the program on the agent's own copy of the API, straight on the SDK (what the
 *       same calls cost a program that brought and configured the SDK itself);</li>
 *   <li>{@code bridged=true}: the program on a copy of its own, in a loader of its own, under the patch:
 *       every call goes through the program side and {@code OpenTelemetryApiBridge} to the same SDK.</li>
 * </ul>
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading"})
public class ProgramApiBenchmark {
  @Param({"false", "true"})
  public boolean bridged;

  private PatchBench bench;
  private URLClassLoader programLoader;
  private LongSupplier program;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new OpenTelemetryApiPatcher(), bridged);
    String name = "org.example.manual.ManualSpans";
    if (bridged) {
      // The benchmark's jar holds the API too: a loader of its own over it (parent: the platform loader)
      // makes a second copy of the API, as a program's own.
      URL jar = ProgramApiBenchmark.class.getProtectionDomain().getCodeSource().getLocation();
      programLoader = new URLClassLoader("program", new URL[] {jar}, ClassLoader.getPlatformClassLoader());
      program = (LongSupplier) programLoader.loadClass(name).getConstructor().newInstance();
    } else {
      GlobalOpenTelemetry.resetForTest();
      GlobalOpenTelemetry.set(bench.sdk);
      program = (LongSupplier) Class.forName(name).getConstructor().newInstance();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bench.stopMakingSpansEitherWay();
    if (programLoader != null) {
      programLoader.close();
    }
  }

  @Benchmark
  public long manualSpan() {
    try (Scope ignored = bench.request.makeCurrent()) {
      return program.getAsLong();
    }
  }
}
