package io.otelauto.benchmarks.jmh;

import io.opentelemetry.api.trace.Span;
import io.otelauto.patchers.servlet.ServletPatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
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
 * What the servlet patch adds to one request served by a plain embedded Tomcat 11: the SERVER span (parent
 * extracted from the traceparent the client sends, attributes read through the servlet API's method handles,
 * the route, the status), end and hand-off to the batch processor.
 *
 * <p>{@code get}: a GET over kept-alive HTTP/1.1 from the JDK client to Tomcat on 127.0.0.1, to a servlet that
 * writes a short body. The round trip through the loopback and both sides' threads is most of the time, the
 * same in both variants: the difference between them is the patch's cost per request.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Djdk.attach.allowAttachSelf=true",
    "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+EnableDynamicAgentLoading"})
public class ServletPatchBenchmark {
  @Param({"false", "true"})
  public boolean patched;

  private PatchBench bench;
  private Tomcat tomcat;
  private Path baseDir;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new ServletPatcher(), patched);
    baseDir = Files.createTempDirectory("servlet-bench");
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("/shop", baseDir.toString());
    Tomcat.addServlet(context, "hello", new Hello());
    context.addServletMappingDecoded("/hello/*", "hello");
    tomcat.start();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // The request's context travels as a caller's would: the SERVER spans are children of the request's span.
    String traceparent = "00-" + Span.fromContext(bench.request).getSpanContext().getTraceId() + "-"
        + Span.fromContext(bench.request).getSpanContext().getSpanId() + "-01";
    request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/shop/hello/42"))
        .header("traceparent", traceparent).GET().build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bench.stop(true);
    tomcat.stop();
    tomcat.destroy();
  }

  @Benchmark
  public String get() throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A servlet that writes a short body (public: Tomcat instantiates nothing here, but checks the type). */
  public static final class Hello extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentLength(5);
      response.getWriter().write("hello");
    }
  }
}
