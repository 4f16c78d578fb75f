package io.otelauto.examples.endtoend;

import static io.otelauto.examples.endtoend.TracedServer.LAUNCHER;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
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
  private static final List<Path> TOMCATS = Stream.of(System.getProperty("tomcat.homes").split(","))
      .map(home -> Path.of(home).toAbsolutePath()).toList();
  private static final Pattern PORT = Pattern.compile("\"http-nio-127\\.0\\.0\\.1-auto-\\d+-(\\d+)\"");
  private static final Pattern STARTED = Pattern.compile("Server startup in");
  private static final String HELLO = "/examples/servlets/servlet/HelloWorldExample";

  private TracedServer tomcat;
  @TempDir
  Path catalinaBase;

  /** Each distribution (by its folder's name) on each JDK. */
  static List<Arguments> tomcatsAndJdks() {
    return TracedServer.onEveryJdk(TOMCATS.stream().map(home -> home.getFileName().toString()).toList());
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

    HttpResponse<String> hello = tomcat.get(HELLO, "00-" + trace + "-b7ad6b7169203331-01");

    assertThat(hello.statusCode()).isEqualTo(200);
    assertThat(hello.body()).contains("Hello World!");
    ConsoleSpan helloSpan = tomcat.onlyServer(HELLO);
    assertThat(helloSpan.name()).isEqualTo("GET " + HELLO);
    assertThat(helloSpan.traceId()).isEqualTo(trace);
    assertThat(helloSpan.parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(helloSpan.service()).isEqualTo("tomcat");
    assertThat(helloSpan.attributes()).contains("http.route=" + HELLO, "http.response.status_code=200");

    String jsp = "/examples/jsp/jsp2/el/basic-arithmetic.jsp";
    assertThat(tomcat.get(jsp, null).statusCode()).isEqualTo(200);
    assertThat(tomcat.onlyServer(jsp).name()).isEqualTo("GET /examples/*.jsp");

    String missing = "/examples/no/such/page-7.html";
    assertThat(tomcat.get(missing, null).statusCode()).isEqualTo(404);
    ConsoleSpan notFound = tomcat.onlyServer(missing);
    assertThat(notFound.name()).isEqualTo("GET /examples/*");
    assertThat(notFound.attributes()).contains("http.response.status_code=404").doesNotContain("error.type");

    // Other webapps of the same JVM, each in its own class loader. A welcome file: Tomcat's mapping names
    // no pattern for it, so the name is the method alone.
    assertThat(tomcat.get("/docs/", null).statusCode()).isEqualTo(200);
    assertThat(tomcat.onlyServer("/docs/").name()).matches("GET( /docs/.*)?");
    assertThat(tomcat.get("/", null).statusCode()).isEqualTo(200);
    assertThat(tomcat.onlyServer("/").attributes()).contains("http.response.status_code=200");

    // Async0: startAsync, a new thread, then a dispatch back into the servlet on Tomcat's thread.
    String async = "/examples/async/async0";
    assertThat(tomcat.get(async, null).body()).contains("Async dispatch worked");
    ConsoleSpan asyncSpan = tomcat.onlyServer(async);
    assertThat(asyncSpan.name()).isEqualTo("GET " + async);
    assertThat(asyncSpan.attributes()).contains("http.response.status_code=200");

    assertThat(tomcat.process.output()).doesNotContain("[otel-auto-instrument] Could not", "Patching of");
    assertThat(tomcat.terminate()).isEqualTo(143);
  }

  @ParameterizedTest
  @MethodSource("tomcatsAndJdks")
  void concurrentRequestsEachLandInTheirOwnTrace(String distribution, Path jdk) throws Exception {
    start(distribution, jdk);

    List<ConsoleSpan> servers = tomcat.concurrentRequestsInTheirOwnTraces(200, i -> HELLO, 0xc000);

    assertThat(servers).allSatisfy(server -> assertThat(server.name()).isEqualTo("GET " + HELLO));
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
    tomcat = TracedServer.start(distribution, jdk,
        List.of(LAUNCHER, "--service-name", "tomcat", home.resolve("bin/catalina.sh").toString(), "run"),
        Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", catalinaBase.toString()), PORT, STARTED);
  }

  /** Maven's unpacking may drop the scripts' executable bits. */
  private static void makeScriptsExecutable(Path home) throws IOException {
    try (Stream<Path> scripts = Files.list(home.resolve("bin"))) {
      for (Path script : scripts.filter(p -> p.toString().endsWith(".sh")).toList()) {
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }
}
