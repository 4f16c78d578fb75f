package io.otelauto.benchmarks.jmh;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.jdkurlconnection.JdkUrlConnectionPatcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.util.concurrent.TimeUnit;
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
 * What the jdk-url-connection patch adds to one {@code HttpURLConnection} request: a CLIENT span with the
 * HTTP client attributes (the URL redacted), its traceparent set as a request header, the status code, end
 * and hand-off to the batch processor.
 *
 * <p>{@code get}: {@code openConnection()}, {@code getInputStream()}, the body read and the stream closed, so
 * the JDK's keep-alive cache reuses the connection to a JDK HTTP server on 127.0.0.1. The round trip is most
 * of the time, the same in both variants; {@code gc.alloc.rate.norm} counts the server threads' allocation
 * too, so compare the two variants rather than reading either alone.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading", "-Dsun.net.httpserver.nodelay=true"})
public class UrlConnectionPatchBenchmark {
  @Param({"false", "true"})
  public boolean patched;

  private PatchBench bench;
  private HttpServer server;
  private URL url;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new JdkUrlConnectionPatcher(), patched);
    server = PatchBench.helloServer();
    url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hello").toURL();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PatchBench.stop(server);
    bench.stop(true);
  }

  @Benchmark
  public int get() throws IOException {
    try (Scope ignored = bench.request.makeCurrent()) {
      HttpURLConnection connection = (HttpURLConnection) url.openConnection();
      try (InputStream body = connection.getInputStream()) {
        return body.readAllBytes().length;
      }
    }
  }
}
