package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.otelauto.patchers.api.Patcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The assembled distribution, run for real: bin/otel-auto-instrument, the agent, real JVMs. */
class DistributionIT {
  static final Path HOME = Path.of(System.getProperty("otel.auto.instrument.home")).toAbsolutePath();
  static final Path LAUNCHER = HOME.resolve("bin/otel-auto-instrument");
  static final Path TEST_CLASSES = Path.of("target/test-classes").toAbsolutePath();

  /** The JDK running the tests, and a second one (e.g. 25) when the build names it. */
  static List<Path> jdks() {
    List<Path> jdks = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    String second = System.getProperty("e2e.second.java.home", "");
    if (!second.isBlank()) {
      jdks.add(Path.of(second));
    }
    return jdks;
  }

  record Result(int status, String out, String err) {}

  static Result run(Path launcher, Path jdk, Map<String, String> extraEnvironment, String... command)
      throws Exception {
    List<String> argv = new ArrayList<>(List.of(launcher.toString()));
    argv.addAll(List.of(command));
    ProcessBuilder builder = new ProcessBuilder(argv);
    Map<String, String> environment = builder.environment();
    environment.remove("JAVA_TOOL_OPTIONS");
    environment.put("JAVA_HOME", jdk.toString());
    environment.put("PATH", jdk.resolve("bin") + ":" + System.getenv("PATH"));
    environment.putAll(extraEnvironment);
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + argv);
    }
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  static Result run(Path jdk, String... command) throws Exception {
    return run(LAUNCHER, jdk, Map.of(), command);
  }

  static Path jdk() {
    return jdks().get(0);
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aProgramWithoutTracingCodeGetsAServerSpanAndItsExitStatus(Path jdk) throws Exception {
    Result result = run(jdk, "--debug", "java", "-cp", TEST_CLASSES.toString(),
        SelfRequestingServer.class.getName(), "3");

    assertThat(result.status()).as(result.err()).isEqualTo(3);
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(result.err()).contains("[otel-auto-instrument] Patched jdk-http-server")
        .doesNotContain("WARNING", "Exception");
    // The program's HttpURLConnection call is a CLIENT span; the server's span is its child, same trace.
    java.util.regex.Matcher client = java.util.regex.Pattern.compile("span \"GET\" kind=CLIENT "
        + "trace_id=([0-9a-f]{32}) span_id=([0-9a-f]{16}) parent_span_id=- ").matcher(result.err());
    assertThat(client.find()).as(result.err()).isTrue();
    assertThat(result.err()).containsPattern("span \"GET /ping\" kind=SERVER trace_id=" + client.group(1)
        + " span_id=[0-9a-f]{16} parent_span_id=" + client.group(2) + " start=\\S+ duration=[0-9.]+ms "
        + "service=SelfRequestingServer attributes=\\{.*url.query=from=self");
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aPatcherJarTheAgentHasNeverSeenIsLoadedFromThePatcherDirectory(Path jdk, @TempDir Path temp)
      throws Exception {
    // The distribution's tarball, unpacked in a folder whose name has a space.
    Path unpacked = Files.createDirectories(temp.resolve("dist with space"));
    Process tar = new ProcessBuilder("tar", "-xzf", HOME.getParent().getParent().resolve("otel-auto-instrument.tar.gz").toString(),
        "-C", unpacked.toString()).inheritIO().start();
    assertThat(tar.waitFor()).isZero();
    Path home = unpacked.resolve("otel-auto-instrument");
    buildExtraPatchers(temp, home.resolve("patchers/extra-patchers.jar"));

    Result result = run(home.resolve("bin/otel-auto-instrument"), jdk, Map.of(), "--debug", "java", "-cp",
        TEST_CLASSES.toString(), SelfRequestingServer.class.getName(), "0");

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(result.err())
        .contains("extra patcher applied in otel-auto-instrument-patchers")
        .contains("[otel-auto-instrument] Patched extra-test")
        .contains("[otel-auto-instrument] Patching of failing-test failed")
        .contains("[otel-auto-instrument] Skipped absent-test (library absent)")
        .contains("java.lang.IllegalStateException: failing on purpose")
        .contains("[otel-auto-instrument] Patched jdk-http-server")
        .contains("span \"GET /ping\" kind=SERVER");
  }

  @Test
  void extraPatcherJarsCanBeNamedBySetting(@TempDir Path temp) throws Exception {
    Path jar = temp.resolve("extra.jar");
    buildExtraPatchers(temp, jar);

    Result listed = run(LAUNCHER, jdk(), Map.of("OTEL_AUTO_INSTRUMENT_PATCHERS", jar.toString(),
        "OTEL_INSTRUMENTATION_FAILING_TEST_ENABLED", "false"), "--list-patchers");
    Result ran = run(LAUNCHER, jdk(), Map.of("OTEL_AUTO_INSTRUMENT_PATCHERS", temp.toString(),
        "OTEL_INSTRUMENTATION_FAILING_TEST_ENABLED", "false"), "java", "-cp", TEST_CLASSES.toString(),
        SelfRequestingServer.class.getName());

    assertThat(listed.status()).isZero();
    assertThat(listed.out()).containsPattern("jdk-http-server +yes +com.sun.net.httpserver.* "
            + HOME.resolve("patchers").resolve("otel-auto-instrument-patcher-jdk-http-server.jar"))
        .containsPattern("servlet +yes +Servlet containers.* "
            + HOME.resolve("patchers").resolve("otel-auto-instrument-patcher-servlet.jar"))
        .containsPattern("extra-test +yes +.*" + jar)
        .containsPattern("failing-test +no ");
    assertThat(ran.status()).isZero();
    assertThat(ran.err()).contains("extra patcher applied").doesNotContain("failing on purpose");
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void otlpOverHttpProtobufThroughTheAgentsSenderReachesAReceiverEvenWhenTheProgramCallsExit(Path jdk) throws Exception {
    List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      // "Accept: application/x-protobuf" is the agent's sender's signature: OkHttp sends no Accept.
      received.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
          + exchange.getRequestHeaders().getFirst("Accept") + " "
          + exchange.getRequestHeaders().getFirst("User-Agent") + " "
          + new String(body, StandardCharsets.ISO_8859_1));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      // No OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf is the default.
      Result result = run(LAUNCHER, jdk, Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getAddress().getPort()),
          "--exporter", "otlp", "--service-name", "otlp-test", "java", "-cp", TEST_CLASSES.toString(),
          SelfRequestingServer.class.getName(), "4");

      assertThat(result.status()).as(result.err()).isEqualTo(4);
      assertThat(result.err()).doesNotContain("span \"", "Exception");
      // The batch processor's exports (one, or two if its schedule fell between the spans' ends) happened
      // before the JVM went: the last one in the SDK's shutdown hook.
      assertThat(received).isNotEmpty().hasSizeLessThanOrEqualTo(2).allSatisfy(export -> assertThat(export)
          .startsWith("application/x-protobuf application/x-protobuf OTel-OTLP-Exporter-Java/")
          // The export itself, through HttpURLConnection, is not traced by the jdk-url-connection patcher.
          .doesNotContain("/v1/traces"));
      assertThat(String.join("\n", received))
          .contains("GET /ping", "otlp-test", "io.otelauto.patchers.jdk-http-server", "io.otelauto.patchers.jdk-url-connection");
    } finally {
      receiver.stop(0);
    }
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void theOtlpMarshallerUsesAFastStringEncoderOnEveryJdk(Path jdk, @TempDir Path temp) throws Exception {
    // The SDK's marshaller says at FINE which string encoder it took. On JDK 23+ the fast one needs java.lang
    // opened to the agent (Agent.openJavaLangToTheAgent); without, it falls back to encoding char by char.
    // Spans are encoded by the agent's own encoder unless the SDK's is chosen, as here; the SDK's marshaller
    // still serves a user's choice of it, and OTLP JSON.
    Path logging = temp.resolve("logging.properties");
    Files.writeString(logging, "handlers=java.util.logging.ConsoleHandler\n"
        + "java.util.logging.ConsoleHandler.level=FINE\n"
        + "io.opentelemetry.exporter.internal.marshal.level=FINE\n");
    java.util.concurrent.atomic.AtomicInteger exports = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exports.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    // The program asks this until an export has arrived, then exits: the export happens while it runs, before
    // java.util.logging is reset by the shutdown hooks.
    receiver.createContext("/count", exchange -> {
      byte[] body = Integer.toString(exports.get()).getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    receiver.start();
    try {
      String receiverUrl = "http://127.0.0.1:" + receiver.getAddress().getPort();
      Result result = run(LAUNCHER, jdk, Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT", receiverUrl,
              "OTEL_BSP_SCHEDULE_DELAY", "10",
              "OTEL_AUTO_INSTRUMENT_OTLP_ENCODER", "sdk",
              "JAVA_TOOL_OPTIONS", "-Djava.util.logging.config.file=" + logging),
          "--exporter", "otlp", "java", "-cp", TEST_CLASSES.toString(),
          SelfRequestingServer.class.getName(), "0", receiverUrl + "/count");

      assertThat(result.status()).as(result.err()).isZero();
      assertThat(result.err()).containsPattern("Using (Unsafe|VarHandle)StringEncoder")
          .doesNotContain("FallbackStringEncoder");
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void spansThatCannotBeExportedAreCountedAndReportedAtExit() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Result result = run(LAUNCHER, jdk(), Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + closedPort,
            // Without retries the refusal is final at once, well inside the exit bound.
            "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"),
        "--exporter", "otlp", "java", "-cp", TEST_CLASSES.toString(), SelfRequestingServer.class.getName());

    assertThat(result.status()).as(result.err()).isZero();
    // The program's two spans (its SERVER span and the CLIENT span of its request to itself).
    assertThat(result.err()).containsPattern(
        "\\[otel-auto-instrument\\] spans not exported in all: 2 failed to export through OtlpHttpSpanExporter \\(.*Connect");
  }

  @Test
  void otlpOverGrpcSpeaksHttp2WithTheTraceServicePath() throws Exception {
    // No gRPC server in the JDK: a raw socket records what the exporter sends, then hangs up.
    try (java.net.ServerSocket receiver = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      java.util.concurrent.CompletableFuture<String> sent = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.net.Socket socket = receiver.accept()) {
          socket.setSoTimeout(30_000);
          java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
          byte[] buffer = new byte[8192];
          while (bytes.size() < 1_000_000) {
            int read = socket.getInputStream().read(buffer);
            if (read < 0) {
              break;
            }
            bytes.write(buffer, 0, read);
            if (bytes.toString(StandardCharsets.ISO_8859_1).contains("GET /ping")) {
              break;
            }
          }
          return bytes.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });

      Result result = run(LAUNCHER, jdk(), Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getLocalPort(),
              "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
              "OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
          "--exporter", "otlp", "java", "-cp", TEST_CLASSES.toString(), SelfRequestingServer.class.getName());

      assertThat(result.status()).isZero();
      assertThat(result.out()).isEqualTo("response: pong\n");
      assertThat(sent.get(60, TimeUnit.SECONDS)).startsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").contains("GET /ping");
    }
  }

  @Test
  void otherExportersAreSelectedByTheStandardVariable() throws Exception {
    Result none = run(jdk(), "--exporter", "none", "java", "-cp", TEST_CLASSES.toString(),
        SelfRequestingServer.class.getName());
    Result otlpJson = run(LAUNCHER, jdk(), Map.of("OTEL_TRACES_EXPORTER", "logging-otlp"), "java", "-cp",
        TEST_CLASSES.toString(), SelfRequestingServer.class.getName());

    assertThat(none.status()).isZero();
    assertThat(none.err()).doesNotContain("span \"", "GET /ping");
    assertThat(otlpJson.status()).isZero();
    assertThat(otlpJson.err()).contains("\"resourceSpans\"", "\"name\":\"GET /ping\"");
  }

  @Test
  void aShellScriptThatStartsJavaIsTracedToo(@TempDir Path temp) throws Exception {
    Path script = temp.resolve("start.sh");
    Files.writeString(script, "#!/bin/sh\nexec java -cp \"$1\" " + SelfRequestingServer.class.getName() + "\n");
    script.toFile().setExecutable(true);

    Result result = run(jdk(), script.toString(), TEST_CLASSES.toString());

    assertThat(result.status()).isZero();
    assertThat(result.err()).contains("span \"GET /ping\" kind=SERVER");
  }

  @Test
  void mavenExecJavaIsTraced(@TempDir Path project) throws Exception {
    Files.writeString(project.resolve("pom.xml"), String.join("\n",
        "<project><modelVersion>4.0.0</modelVersion>",
        "<groupId>test</groupId><artifactId>exec-java</artifactId><version>1</version>",
        "<build><plugins><plugin><groupId>org.codehaus.mojo</groupId><artifactId>exec-maven-plugin</artifactId>",
        "<version>3.6.4</version><configuration>",
        "<mainClass>" + SelfRequestingServer.class.getName() + "</mainClass>",
        "<additionalClasspathElements><additionalClasspathElement>" + TEST_CLASSES
            + "</additionalClasspathElement></additionalClasspathElements>",
        "</configuration></plugin></plugins></build></project>"));

    Result result = run(jdk(), "--service-name", "in-maven", "--debug", "mvn", "-B", "-q", "-f",
        project.resolve("pom.xml").toString(), "exec:java");

    assertThat(result.status()).as(result.out() + result.err()).isZero();
    assertThat(result.out()).contains("response: pong");
    // Maven's JVM is a build tool's, dormant until exec:java runs a program in it.
    assertThat(result.err()).contains("dormant in org.codehaus.plexus.classworlds.launcher.Launcher",
        "tracing this JVM from now on: exec:java runs a program in it");
    assertThat(result.err()).contains("span \"GET /ping\" kind=SERVER").contains("service=in-maven");
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aProgramThatUsesNoPatchedLibraryLoadsNeitherByteBuddyNorTheSdk(Path jdk) throws Exception {
    Result result = run(jdk, "--debug", "java", "-Xlog:class+load=info:stdout", "-cp", TEST_CLASSES.toString(),
        PrintsAndExits.class.getName());

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.out()).contains("io.otelauto.launcher.PrintsAndExits", "hello, plain")
        .contains("io.otelauto.bootstrap.PremainTrigger ")
        // The patchers' indexes name the trigger classes: the agent's class loader is never opened.
        .doesNotContain("io.otelauto.bootstrap.Agent ", "net.bytebuddy.", "io.opentelemetry.",
            "io.otelauto.patchers.api.", "io.otelauto.patchers.jdkhttpserver.");
    assertThat(result.err()).contains("Waiting for the first of").doesNotContain("Patched ");
  }

  /** What premain reads instead of loading the patchers must be what the patchers say. */
  @Test
  void eachPatcherJarIndexesItsPatchersWithTheirTriggerClasses() throws Exception {
    Map<String, Set<String>> indexed = new TreeMap<>();
    List<Path> jars;
    try (var files = Files.list(HOME.resolve("patchers"))) {
      jars = files.filter(file -> file.toString().endsWith(".jar")).toList();
    }
    for (Path jar : jars) {
      try (java.util.zip.ZipFile file = new java.util.zip.ZipFile(jar.toFile())) {
        var entry = file.getEntry("META-INF/otel-auto-instrument/patchers.index");
        assertThat(entry).as(jar + " has no index").isNotNull();
        for (String line : new String(file.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isBlank() && !line.startsWith("#")) {
            String[] nameAndTriggers = line.split("=", 2);
            indexed.put(nameAndTriggers[0].strip(), new TreeSet<>(List.of(nameAndTriggers[1].strip().split(","))));
          }
        }
      }
    }
    Map<String, Set<String>> declared = new TreeMap<>();
    for (Patcher patcher : ServiceLoader.load(Patcher.class)) {
      declared.put(patcher.name(), new TreeSet<>(patcher.triggerClasses()));
    }
    assertThat(indexed).isEqualTo(declared).containsKeys("servlet", "opentelemetry-api", "jdk-executors");
    // lib/patchers.index, written at build time, names every bundled jar: premain reads it and opens none.
    String bundled = Files.readString(HOME.resolve("lib/patchers.index"));
    for (Path jar : jars) {
      assertThat(bundled).contains(jar.getFileName().toString());
    }
    for (Map.Entry<String, Set<String>> patcher : indexed.entrySet()) {
      assertThat(bundled).containsPattern("(?m)^" + java.util.regex.Pattern.quote(patcher.getKey()) + "=");
    }
  }

  @Test
  void theAgentNamedTwiceRunsOnce() throws Exception {
    String agent = "-javaagent:" + HOME.resolve("lib/otel-auto-instrument-agent.jar");
    Result result = run(LAUNCHER, jdk(), Map.of("JAVA_TOOL_OPTIONS", agent), "--debug", "java", agent,
        "-cp", TEST_CLASSES.toString(), SelfRequestingServer.class.getName());

    assertThat(result.status()).as(result.err()).isZero();
    assertThat(result.err().split("Patched jdk-http-server", -1)).hasSize(2);
    assertThat(result.err().split("kind=SERVER", -1)).hasSize(2);
  }

  @Test
  void aBrokenExporterSettingLeavesTheProgramRunning() throws Exception {
    // The launcher refuses an unknown --exporter; the standard variable reaches the agent unchecked.
    Result refused = run(jdk(), "--exporter", "no-such-exporter", "java", "-version");
    Result result = run(LAUNCHER, jdk(), Map.of("OTEL_TRACES_EXPORTER", "no-such-exporter"), "java", "-cp",
        TEST_CLASSES.toString(), SelfRequestingServer.class.getName(), "5");

    assertThat(refused.status()).isEqualTo(2);
    assertThat(refused.err()).startsWith("otel-auto-instrument: unknown exporter 'no-such-exporter' for --exporter");
    assertThat(result.status()).isEqualTo(5);
    assertThat(result.out()).isEqualTo("response: pong\n");
    assertThat(result.err()).contains("OpenTelemetry could not be configured");
  }

  @Test
  void exitStatusSignalsAndStandardStreamsPassThrough() throws Exception {
    assertThat(run(jdk(), "sh", "-c", "exit 42").status()).isEqualTo(42);
    assertThat(run(jdk(), "sh", "-c", "kill -TERM $$").status()).isEqualTo(128 + 15);
    Result streams = run(jdk(), "sh", "-c", "echo to-out; echo to-err >&2");
    assertThat(streams.out()).isEqualTo("to-out\n");
    assertThat(streams.err()).isEqualTo("to-err\n");
  }

  @Test
  void theLauncherBecomesTheCommandAndSigtermReachesIt() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "sh", "-c",
        "trap 'echo got-TERM; exit 7' TERM; echo \"pid $$\"; while :; do sleep 0.05; done");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process process = builder.redirectErrorStream(true).start();
    var reader = process.inputReader(StandardCharsets.UTF_8);
    // exec: the shell that prints its pid is the very process we started, not a child of a launcher.
    assertThat(reader.readLine()).isEqualTo("pid " + process.pid());
    // SIGTERM through the handle: Process.destroy() would also close our end of its output.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(reader.readLine()).isEqualTo("got-TERM");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(7);
  }

  @Test
  void standardInputReachesTheCommand() throws Exception {
    Process process = new ProcessBuilder(LAUNCHER.toString(), "cat").start();
    process.getOutputStream().write("line one\nline two\n".getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("line one\nline two\n");
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }

  @Test
  void javaToolOptionsKeepTheUsersAndNestingAddsTheAgentOnce() throws Exception {
    String print = "printf '%s' \"$JAVA_TOOL_OPTIONS\"";
    Result once = run(LAUNCHER, jdk(), Map.of("JAVA_TOOL_OPTIONS", "-Dmine=1"), "sh", "-c", print);
    Result nested = run(LAUNCHER, jdk(), Map.of("JAVA_TOOL_OPTIONS", "-Dmine=1"),
        LAUNCHER.toString(), "sh", "-c", print);

    assertThat(once.out()).isEqualTo("-Xbootclasspath/a:" + HOME.resolve("lib/bridge/otel-auto-instrument-bridge.jar")
        + " -javaagent:" + HOME.resolve("lib/otel-auto-instrument-agent.jar") + " -Dmine=1");
    assertThat(nested.out()).isEqualTo(once.out());
  }

  @Test
  void usageErrorsAndMissingCommands(@TempDir Path temp) throws Exception {
    Path notExecutable = Files.createFile(temp.resolve("script"));
    Result none = run(jdk());
    Result unknown = run(jdk(), "--nope", "java");
    Result missing = run(jdk(), "no-such-command-here");
    Result denied = run(jdk(), notExecutable.toString());

    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err()).startsWith("otel-auto-instrument: missing COMMAND\nUsage:");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("Unknown option: '--nope'");
    assertThat(missing.status()).isEqualTo(127);
    assertThat(missing.err()).isEqualTo("otel-auto-instrument: command not found: no-such-command-here\n");
    assertThat(denied.status()).isEqualTo(126);
    assertThat(run(jdk(), "--version").out()).startsWith("otel-auto-instrument 0.");
    assertThat(run(jdk(), "--help").out()).contains("--list-patchers", "--dry-run", "--service-name");
  }

  @Test
  void dryRunRunsNothing(@TempDir Path temp) throws Exception {
    Path marker = temp.resolve("marker");
    Result result = run(jdk(), "--dry-run", "--service-name", "svc", "touch", marker.toString());

    assertThat(result.status()).isZero();
    assertThat(marker).doesNotExist();
    assertThat(result.out()).contains("JAVA_TOOL_OPTIONS=", "OTEL_SERVICE_NAME=svc\n", "/touch " + marker);
  }

  /** Compiles two patchers against the published SPI only and jars them with their service file. */
  static void buildExtraPatchers(Path work, Path jar) throws IOException {
    Path sources = Files.createDirectories(work.resolve("src/extra"));
    Files.writeString(sources.resolve("ExtraPatcher.java"), String.join("\n",
        "package extra;",
        "public class ExtraPatcher implements io.otelauto.patchers.api.Patcher {",
        "  public String name() { return \"extra-test\"; }",
        "  public void patch(io.otelauto.patchers.api.PatchContext context) {",
        "    System.err.println(\"extra patcher applied in \" + getClass().getClassLoader().getName());",
        "  }",
        "  public void unpatch() {}",
        "}"));
    Files.writeString(sources.resolve("FailingPatcher.java"), String.join("\n",
        "package extra;",
        "public class FailingPatcher implements io.otelauto.patchers.api.Patcher {",
        "  public String name() { return \"failing-test\"; }",
        "  public void patch(io.otelauto.patchers.api.PatchContext context) {",
        "    throw new IllegalStateException(\"failing on purpose\");",
        "  }",
        "  public void unpatch() {}",
        "}"));
    Files.writeString(sources.resolve("AbsentPatcher.java"), String.join("\n",
        "package extra;",
        "public class AbsentPatcher implements io.otelauto.patchers.api.Patcher {",
        "  public String name() { return \"absent-test\"; }",
        "  public boolean isLibraryPresent() { return false; }",
        "  public void patch(io.otelauto.patchers.api.PatchContext context) {",
        "    throw new AssertionError(\"never patched: its library is absent\");",
        "  }",
        "  public void unpatch() {}",
        "}"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    String classPath = String.join(":", HOME.resolve("lib/agent/otel-auto-instrument-patcher-api.jar").toString(),
        HOME.resolve("lib/agent/opentelemetry-api.jar").toString(), HOME.resolve("lib/agent/byte-buddy.jar").toString());
    int status = javac.run(null, null, null, "--release", "17", "-cp", classPath, "-d", classes.toString(),
        sources.resolve("ExtraPatcher.java").toString(), sources.resolve("FailingPatcher.java").toString(),
        sources.resolve("AbsentPatcher.java").toString());
    assertThat(status).isZero();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("META-INF/services/io.otelauto.patchers.api.Patcher"));
      out.write("extra.ExtraPatcher\nextra.FailingPatcher\nextra.AbsentPatcher\n".getBytes(StandardCharsets.UTF_8));
      for (String name : List.of("ExtraPatcher", "FailingPatcher", "AbsentPatcher")) {
        out.putNextEntry(new JarEntry("extra/" + name + ".class"));
        out.write(Files.readAllBytes(classes.resolve("extra/" + name + ".class")));
      }
    }
  }
}
