package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Tomcat distributions from Maven Central (11: jakarta.servlet; 9: javax.servlet), started the way their
 * users start them ({@code bin/catalina.sh run}, a shell script that execs java) under the real launcher,
 * serving their own webapps (examples, ROOT, docs), each in its own WebappClassLoader, on every JDK: one
 * SERVER span per request, in the caller's trace, named by the servlet mapping.
 */
class TomcatDistributionEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();
  private static final List<Path> TOMCATS = Stream.of(System.getProperty("tomcat.homes").split(","))
      .map(home -> Path.of(home).toAbsolutePath()).toList();
  private static final Pattern PORT = Pattern.compile("\"http-nio-127\\.0\\.0\\.1-auto-\\d+-(\\d+)\"");
  private static final Pattern STARTED = Pattern.compile("Server startup in");
  private static final String HELLO = "/examples/servlets/servlet/HelloWorldExample";

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ExampleProcess tomcat;
  private String baseUrl;
  @TempDir
  Path catalinaBase;

  /** Each distribution (by its folder's name) on each JDK. */
  static List<Arguments> tomcatsAndJdks() {
    List<Arguments> runs = new ArrayList<>();
    for (Path home : TOMCATS) {
      for (Path jdk : JdbcServiceEndToEndIT.jdks()) {
        runs.add(Arguments.of(home.getFileName().toString(), jdk));
      }
    }
    return runs;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (tomcat != null) {
      tomcat.close();
    }
  }

  @ParameterizedTest
  @MethodSource("tomcatsAndJdks")
  void itsOwnWebappsServletsJspsAsyncAndErrorsAreOneServerSpanEachAndSigtermGives143(String distribution, Path jdk)
      throws Exception {
    start(distribution, jdk);
    String trace = "0af7651916cd43dd8448eb211c80319c";

    HttpResponse<String> hello = get(HELLO, "00-" + trace + "-b7ad6b7169203331-01");

    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(hello.body()).contains("Hello World!");
    ConsoleSpan helloSpan = onlyServer(HELLO);
    assertThat(helloSpan.name()).isEqualTo("GET " + HELLO);
    assertThat(helloSpan.traceId()).isEqualTo(trace);
    assertThat(helloSpan.parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(helloSpan.service()).isEqualTo("tomcat");
    assertThat(helloSpan.attributes()).contains("http.route=" + HELLO, "http.response.status_code=200");

    String jsp = "/examples/jsp/jsp2/el/basic-arithmetic.jsp";
    assertThat(get(jsp, null).statusCode()).isEqualTo(200);
    assertThat(onlyServer(jsp).name()).isEqualTo("GET /examples/*.jsp");

    String missing = "/examples/no/such/page-7.html";
    assertThat(get(missing, null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = onlyServer(missing);
    assertThat(notFound.name()).isEqualTo("GET /examples/*");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    // Other webapps of the same JVM, each in its own class loader.
    // A welcome file: Tomcat's mapping names no pattern for it, so the name is the method alone.
    assertThat(get("/docs/", null).statusCode()).isEqualTo(200);
    assertThat(onlyServer("/docs/").name()).matches("GET( /docs/.*)?");
    assertThat(get("/", null).statusCode()).isEqualTo(200);
    assertThat(onlyServer("/").attributes()).contains("http.response.status_code=200");

    // Async0: startAsync, a new thread, then a dispatch back into the servlet on Tomcat's thread.
    String async = "/examples/async/async0";
    HttpResponse<String> asyncResponse = get(async, null);
    assertThat(asyncResponse.body()).contains("Async dispatch worked");
    ConsoleSpan asyncSpan = onlyServer(async);
    assertThat(asyncSpan.name()).isEqualTo("GET " + async);
    assertThat(asyncSpan.attributes()).contains("http.response.status_code=200");

    assertThat(tomcat.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    tomcat.signalTerminate();
    assertThat(tomcat.awaitExit(TIMEOUT)).isEqualTo(143);
  }

  @ParameterizedTest
  @MethodSource("tomcatsAndJdks")
  void concurrentRequestsEachLandInTheirOwnTrace(String distribution, Path jdk) throws Exception {
    start(distribution, jdk);
    int requests = 200;
    Map<String, String> parentByTrace = new HashMap<>();
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < requests; i++) {
        String traceId = String.format("%032x", 0xc000 + i);
        String parent = String.format("%016x", 0xd000 + i);
        parentByTrace.put(traceId, parent);
        responses.add(callers.submit(() -> get(HELLO, "00-" + traceId + "-" + parent + "-01")));
      }
      for (Future<HttpResponse<String>> response : responses) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }
    } finally {
      callers.shutdownNow();
    }

    Predicate<ConsoleSpan> ours = s -> s.kind().equals("SERVER") && parentByTrace.containsKey(s.traceId());
    tomcat.awaitLines(line -> ConsoleSpan.parse(line).filter(ours).isPresent(), requests, TIMEOUT);
    List<ConsoleSpan> servers = ConsoleSpan.all(tomcat.lines()).stream().filter(ours).toList();
    assertThat(servers).hasSize(requests).allSatisfy(server -> {
      assertThat(server.name()).isEqualTo("GET " + HELLO);
      assertThat(server.parentSpanId()).isEqualTo(parentByTrace.get(server.traceId()));
    });
  }

  /**
   * A CATALINA_BASE of our own over the distribution's CATALINA_HOME: its configuration with a free port on
   * 127.0.0.1 and no shutdown port, and the distribution's own webapps.
   */
  private void start(String distribution, Path jdk) throws Exception {
    Path home = TOMCATS.stream().filter(p -> p.getFileName().toString().equals(distribution)).findFirst().orElseThrow();
    Files.createDirectories(catalinaBase.resolve("conf"));
    try (Stream<Path> files = Files.list(home.resolve("conf"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, catalinaBase.resolve("conf").resolve(file.getFileName()));
      }
    }
    Path serverXml = catalinaBase.resolve("conf/server.xml");
    String config = Files.readString(serverXml)
        .replace("<Server port=\"8005\"", "<Server port=\"-1\"")
        .replaceFirst("<Connector port=\"8080\"", "<Connector port=\"0\" address=\"127.0.0.1\"")
        .replace("appBase=\"webapps\"", "appBase=\"" + home.resolve("webapps") + "\"");
    Files.writeString(serverXml, config);
    for (String directory : List.of("logs", "temp", "work")) {
      Files.createDirectories(catalinaBase.resolve(directory));
    }
    makeScriptsExecutable(home);
    List<String> command = List.of(LAUNCHER, "--service-name", "tomcat", home.resolve("bin/catalina.sh").toString(), "run");
    tomcat = ExampleProcess.start(distribution, jdk, command,
        Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", catalinaBase.toString()));
    baseUrl = "http://127.0.0.1:" + tomcat.awaitLine(PORT, TIMEOUT).group(1);
    tomcat.awaitLine(STARTED, TIMEOUT);
  }

  /** Maven's unpacking may drop the scripts' executable bits. */
  private static void makeScriptsExecutable(Path home) throws IOException {
    try (Stream<Path> scripts = Files.list(home.resolve("bin"))) {
      for (Path script : scripts.filter(p -> p.toString().endsWith(".sh")).toList()) {
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private HttpResponse<String> get(String path, String traceparent) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The one SERVER span of {@code path}, once printed. */
  private ConsoleSpan onlyServer(String path) throws InterruptedException {
    Predicate<ConsoleSpan> ofPath = s -> s.kind().equals("SERVER") && s.hasAttribute("url.path", path);
    tomcat.awaitLines(line -> ConsoleSpan.parse(line).filter(ofPath).isPresent(), 1, TIMEOUT);
    List<ConsoleSpan> servers = ConsoleSpan.all(tomcat.lines()).stream().filter(ofPath).toList();
    assertThat(servers).as("SERVER spans of " + path).hasSize(1);
    return servers.get(0);
  }
}
