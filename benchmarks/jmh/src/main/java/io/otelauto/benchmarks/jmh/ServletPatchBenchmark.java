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
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.openjdk.jmh.annotations.Benchmark;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
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
import org.springframework.web.filter.CharacterEncodingFilter;
import org.springframework.web.filter.FormContentFilter;
import org.springframework.web.filter.RequestContextFilter;

/**
 * What the servlet patch adds to one request served by a plain container: the SERVER span (parent extracted
 * from the request's traceparent, attributes read through the servlet API's method handles, the route, the
 * status), end and hand-off to the batch processor. The same servlet (a short body, mapped to
 * {@code /shop/hello/*}) in two containers:
 * <ul>
 *   <li>{@code tomcatLoopback}: embedded Tomcat 11, a GET over kept-alive HTTP/1.1 from the JDK client on
 *       127.0.0.1. The round trip through the loopback and both sides' threads is most of the time and
 *       varies by tens of µs: it says whether the patch is visible at all next to a real request.</li>
 *   <li>{@code jettyInMemory}: embedded Jetty 12 (ee10) through its {@code LocalConnector}: the request
 *       parsed, dispatched through the servlet and the response generated, in memory, on Jetty's threads
 *       (about 0.1 ms, still noisy next to the patch).</li>
 *   <li>{@code serviceInMemory}: {@code HttpServlet.service} called on this thread with Spring's
 *       {@code MockHttpServletRequest}/{@code Response} (a new pair per request, in both variants): the
 *       patch's own work, precisely.</li>
 *   <li>{@code springFiltersInMemory}: the same, behind the three filters a Spring Boot web application has
 *       by default (character encoding, form content, request context): one outermost call that starts
 *       the span and three nested ones that join it.</li>
 * </ul>
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Warmup(iterations = 10, time = 1)
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
  private Server jetty;
  private LocalConnector local;
  private String rawRequest;
  private String traceparent;
  private final Hello servlet = new Hello();
  private CharacterEncodingFilter characterEncoding;
  private FormContentFilter formContent;
  private RequestContextFilter requestContext;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = PatchBench.start(new ServletPatcher(), patched);
    // Made after the patch, as the container makes its filters: their classes load patched.
    characterEncoding = new CharacterEncodingFilter("UTF-8", true);
    formContent = new FormContentFilter();
    requestContext = new RequestContextFilter();
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
    traceparent = "00-" + Span.fromContext(bench.request).getSpanContext().getTraceId() + "-"
        + Span.fromContext(bench.request).getSpanContext().getSpanId() + "-01";
    request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/shop/hello/42"))
        .header("traceparent", traceparent).GET().build();

    jetty = new Server();
    local = new LocalConnector(jetty);
    jetty.addConnector(local);
    ServletContextHandler jettyContext = new ServletContextHandler("/shop");
    jettyContext.addServlet(Hello.class, "/hello/*");
    jetty.setHandler(jettyContext);
    jetty.start();
    rawRequest = "GET /shop/hello/42 HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: " + traceparent + "\r\n\r\n";
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bench.stop(true);
    tomcat.stop();
    tomcat.destroy();
    jetty.stop();
  }

  @Benchmark
  public String tomcatLoopback() throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @Benchmark
  public String jettyInMemory() throws Exception {
    return local.getResponse(rawRequest);
  }

  @Benchmark
  public int serviceInMemory() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    servlet.service(mockRequest(), response);
    return response.getContentLength();
  }

  @Benchmark
  public int springFiltersInMemory() throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    new MockFilterChain(servlet, characterEncoding, formContent, requestContext).doFilter(mockRequest(), response);
    return response.getContentLength();
  }

  /** A new request per call, in both variants: {@code GET /shop/hello/42} with the caller's traceparent. */
  private MockHttpServletRequest mockRequest() {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/shop/hello/42");
    request.setContextPath("/shop");
    request.setServletPath("/hello");
    request.setPathInfo("/42");
    request.addHeader("traceparent", traceparent);
    return request;
  }

  /** A servlet that writes a short body (public, with a public constructor: Jetty instantiates it). */
  public static final class Hello extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentLength(5);
      response.getWriter().write("hello");
    }
  }
}
