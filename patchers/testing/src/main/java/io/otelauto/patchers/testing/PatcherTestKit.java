package io.otelauto.patchers.testing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.otelauto.bootstrap.AgentConfig;
import io.otelauto.bootstrap.DefaultPatchContext;
import io.otelauto.bootstrap.StderrAgentLog;
import io.otelauto.patchers.api.PatchContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * A patcher's test bench: the test's own JVM becomes an instrumented JVM as under the real agent (Byte
 * Buddy's self-attach for the Instrumentation, the bridge on the boot class path, the agent's own
 * {@link PatchContext}), with spans collected in memory. Call {@link #install()} before any class touches
 * the bridge.
 */
public final class PatcherTestKit {
  /** The classes of the bridge module, all of which the boot class path holds. */
  private static final List<String> BRIDGE_CLASSES = List.of("Hooks", "OpenTelemetryApiBridge");
  private static PatcherTestKit installed;

  private final Instrumentation instrumentation;
  private final CollectingExporter exporter = new CollectingExporter();
  private final OpenTelemetrySdk openTelemetry;

  private PatcherTestKit(Instrumentation instrumentation) {
    this.instrumentation = instrumentation;
    this.openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /** The one kit of this JVM (a JVM has one boot class path). */
  public static synchronized PatcherTestKit install() {
    if (installed == null) {
      Instrumentation instrumentation = ByteBuddyAgent.install();
      appendBridgeToBootClassPath(instrumentation);
      installed = new PatcherTestKit(instrumentation);
    }
    return installed;
  }

  public PatchContext context() {
    return context(openTelemetry);
  }

  /** A context with another OpenTelemetry, e.g. one whose propagator fails on purpose. */
  public PatchContext context(OpenTelemetry custom) {
    return new DefaultPatchContext(instrumentation, custom, AgentConfig.of(Map.of()), new StderrAgentLog(false));
  }

  public OpenTelemetrySdk openTelemetry() {
    return openTelemetry;
  }

  /**
   * The kit's tracing with a propagator that throws on every extraction and injection: for tests that a
   * failure inside a patch is logged once and leaves the program's call untouched.
   */
  public OpenTelemetry openTelemetryWithBrokenPropagator() {
    TextMapPropagator broken = new TextMapPropagator() {
      @Override
      public Collection<String> fields() {
        return List.of("traceparent");
      }

      @Override
      public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        throw new IllegalStateException("broken propagator");
      }

      @Override
      public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
        throw new IllegalStateException("broken propagator");
      }
    };
    return OpenTelemetrySdk.builder()
        .setTracerProvider(openTelemetry.getSdkTracerProvider())
        .setPropagators(ContextPropagators.create(broken))
        .build();
  }

  /** A TLS context with a throwaway certificate for 127.0.0.1 (made by the JDK's keytool), trusting itself. */
  public static SSLContext selfSignedSslContext(Path directory) throws Exception {
    Path keystore = directory.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
        "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (keytool.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "changeit".toCharArray());
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  /** Forgets the spans collected so far. */
  public void clearSpans() {
    exporter.clear();
  }

  public List<SpanData> spans() {
    return exporter.snapshot();
  }

  /** Waits until at least {@code count} spans have ended, and returns all collected spans. */
  public List<SpanData> awaitSpans(int count, Duration timeout) throws InterruptedException, TimeoutException {
    return exporter.await(count, timeout);
  }

  /**
   * Adds the bridge to the boot class path as the agent does (from a jar built from its classes on the test
   * class path), so inlined advice in JDK classes and the patcher see the same classes.
   */
  private static void appendBridgeToBootClassPath(Instrumentation instrumentation) {
    try {
      Path jar = Files.createTempFile("otel-auto-instrument-bridge", ".jar");
      jar.toFile().deleteOnExit();
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
        for (String name : BRIDGE_CLASSES) {
          String resource = "io/otelauto/patchers/bridge/" + name + ".class";
          try (InputStream in = ClassLoader.getSystemResourceAsStream(resource)) {
            if (in == null) {
              throw new IllegalStateException(resource + " is not on the test class path");
            }
            out.putNextEntry(new ZipEntry(resource));
            in.transferTo(out);
            out.closeEntry();
          }
        }
      }
      instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class CollectingExporter implements SpanExporter {
    private final List<SpanData> spans = new ArrayList<>();

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      notifyAll();
      return CompletableResultCode.ofSuccess();
    }

    synchronized List<SpanData> await(int count, Duration timeout)
        throws InterruptedException, TimeoutException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (spans.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("expected " + count + " spans, got " + spans.size() + ": " + spans);
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return List.copyOf(spans);
    }

    synchronized List<SpanData> snapshot() {
      return List.copyOf(spans);
    }

    synchronized void clear() {
      spans.clear();
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
}
