package io.otelauto.benchmarks.jmh;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.context.Scope;
import io.otelauto.patchers.jdkhttpclient.JdkHttpClientPatcher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * What the jdk-http-client patch adds to one {@code HttpClient.send}: a CLIENT span with the HTTP client
 * attributes, its traceparent injected into a copy of the request, the status code, end and hand-off to the
 * batch processor.
 *
 * <p>{@code send}: a GET over HTTP/1.1 to a JDK HTTP server on 127.0.0.1 (kept-alive connection), body read
 * as a string. The round trip through the loopback and the server threads is most of the time, the same in
 * both variants; the server's and the client's threads allocate too, and {@code gc.alloc.rate.norm} counts
 * every thread's allocation, so compare the two variants rather than reading either alone.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading", "-Dsun.net.httpserver.nodelay=true"})
public class HttpClientPatchBenchmark {
  @Param({"false", "true"})
  public boolean patched;

  private PatchBench bench;
  private HttpServer server;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new JdkHttpClientPatcher(), patched);
    server = PatchBench.helloServer();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hello"))
        .GET().build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    PatchBench.stop(server);
    bench.stop(true);
  }

  @Benchmark
  public String send() throws IOException, InterruptedException {
    try (Scope ignored = bench.request.makeCurrent()) {
      return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
  }
}
