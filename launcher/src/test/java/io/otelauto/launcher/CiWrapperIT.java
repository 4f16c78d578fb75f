package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code otel-auto-instrument mvn test} and build scripts, for real: the JVMs a user means are traced (the test
 * JVM Surefire forks, the program a script runs), the build tools and JDK tools around them are not, and the
 * build's exit status and output are what they are without the launcher.
 */
class CiWrapperIT {
  static List<Path> jdks() {
    return DistributionIT.jdks();
  }

  record Run(int status, String output) {}

  /**
   * A real Maven project whose test starts a JDK HTTP server and calls it: its test JVM's spans reach an OTLP
   * receiver under the project's name, Maven's own JVM stays dormant, and Maven ends as it does without the
   * launcher, passing or failing, without a Surefire warning.
   */
  @ParameterizedTest
  @MethodSource("jdks")
  void aMavenBuildsTestJvmIsTracedAndMavensOwnJvmStaysDormant(Path jdk, @TempDir Path work) throws Exception {
    Path project = mavenProject(work.resolve("shop"));
    List<byte[]> exports = new ArrayList<>();
    HttpServer receiver = otlpReceiver(exports);
    try {
      Map<String, String> otlp = Map.of("OTEL_TRACES_EXPORTER", "otlp",
          "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getAddress().getPort());
      Run plain = run(project, jdk, otlp, "mvn", "-B", "-o", "test");
      Run traced = run(project, jdk, otlp, DistributionIT.LAUNCHER.toString(), "--debug", "mvn", "-B", "-o", "test");
      Run plainFailing = run(project, jdk, otlp, "mvn", "-B", "-o", "test", "-Dping.expect=nope");
      Run tracedFailing = run(project, jdk, otlp, DistributionIT.LAUNCHER.toString(), "mvn", "-B", "-o", "test",
          "-Dping.expect=nope");

      assertThat(plain.status()).as(plain.output()).isZero();
      assertThat(traced.status()).as(traced.output()).isZero();
      assertThat(plainFailing.status()).as(plainFailing.output()).isEqualTo(1);
      assertThat(tracedFailing.status()).as(tracedFailing.output()).isEqualTo(1);
      assertThat(traced.output())
          .contains("[otel-auto-instrument] dormant in org.codehaus.plexus.classworlds.launcher.Launcher: "
              + "a build tool, Maven", "Tests run: 1, Failures: 0", "BUILD SUCCESS")
          .doesNotContainIgnoringCase("corrupted");
      assertThat(tracedFailing.output()).contains("expected: <nope> but was: <pong>").doesNotContainIgnoringCase("corrupted");

      String exported;
      synchronized (exports) {
        exported = exports.stream().map(body -> new String(body, StandardCharsets.ISO_8859_1))
            .reduce("", String::concat);
      }
      // Only the test JVM exports: its server and client spans, named after the project, from both runs.
      assertThat(exported).contains("GET /ping", "shop-tests", "io.otelauto.patchers.jdk-http-server",
          "io.otelauto.patchers.jdk-http-client").doesNotContain("Launcher");
    } finally {
      receiver.stop(0);
    }
  }

  /**
   * A build script that compiles with javac and runs the program with java: javac is left alone, the program
   * is traced; {@code --include} traces javac too, {@code --exclude} leaves the program alone.
   */
  @ParameterizedTest
  @MethodSource("jdks")
  void aBuildScriptsCompilerIsDormantAndItsProgramTracedAndIncludeExcludeTurnEither(Path jdk, @TempDir Path work)
      throws Exception {
    Path script = buildScript(work);
    Map<String, String> console = Map.of("OTEL_TRACES_EXPORTER", "console");
    String launcher = DistributionIT.LAUNCHER.toString();

    Run byDefault = run(work, jdk, console, launcher, "--debug", script.toString());
    Run included = run(work, jdk, console, launcher, "--debug", "--include", "jdk.compiler/*", script.toString());
    Run excluded = run(work, jdk, console, launcher, "--debug", "--exclude", "org.example.*", script.toString());

    String javacDormant = "[otel-auto-instrument] dormant in jdk.compiler/com.sun.tools.javac.Main: a JDK tool";
    assertThat(byDefault.status()).as(byDefault.output()).isZero();
    assertThat(byDefault.output()).contains(javacDormant, "[otel-auto-instrument] tracing org.example.Ping: a program",
        "span \"GET /ping\" kind=SERVER", "service=Ping");
    assertThat(included.output()).contains("[otel-auto-instrument] tracing jdk.compiler/com.sun.tools.javac.Main: "
        + "included by jdk.compiler/* (OTEL_AUTO_INSTRUMENT_INCLUDE)", "span \"GET /ping\" kind=SERVER");
    assertThat(excluded.status()).isZero();
    assertThat(excluded.output()).contains(javacDormant,
        "[otel-auto-instrument] dormant in org.example.Ping: excluded by org.example.* (OTEL_AUTO_INSTRUMENT_EXCLUDE)")
        .doesNotContain("span \"");
  }

  /**
   * What remains of the JVM's own notice: a script's {@code java -version 2>&1 | head -1} reads "Picked up
   * JAVA_TOOL_OPTIONS" under the launcher (HotSpot prints it; no option stops it), and reads the version with
   * the variable unset for that one command, as the README says.
   */
  @ParameterizedTest
  @MethodSource("jdks")
  void aScriptThatReadsTheFirstLineOfJavaVersionNeedsTheVariableUnset(Path jdk, @TempDir Path work) throws Exception {
    Path script = work.resolve("probe.sh");
    Files.writeString(script, "#!/bin/sh\necho \"as is: $(java -version 2>&1 | head -1)\"\n"
        + "echo \"unset: $(env -u JAVA_TOOL_OPTIONS java -version 2>&1 | head -1)\"\n");
    script.toFile().setExecutable(true);

    Run probe = run(work, jdk, Map.of(), DistributionIT.LAUNCHER.toString(), script.toString());

    assertThat(probe.status()).as(probe.output()).isZero();
    assertThat(probe.output()).contains("as is: Picked up JAVA_TOOL_OPTIONS: ").containsPattern("unset: \\S+ version \"");
  }

  /** The JDK tool the user names is traced ({@code jwebserver}): the opposite mistake is not made either. */
  @ParameterizedTest
  @MethodSource("jdks")
  void aJdkToolTheUserNamesIsTraced(Path jdk, @TempDir Path work) throws Exception {
    Run jps = run(work, jdk, Map.of(), DistributionIT.LAUNCHER.toString(), "--debug", "jps", "-q");
    assertThat(jps.status()).as(jps.output()).isZero();
    assertThat(jps.output()).contains("[otel-auto-instrument] tracing jdk.jcmd/sun.tools.jps.Jps: the command you named");
  }

  /** The Maven project under {@code directory}, with the outer build's plugin and JUnit versions. */
  private static Path mavenProject(Path directory) throws IOException {
    Path template = DistributionIT.TEST_CLASSES.resolve("maven-project");
    try (Stream<Path> files = Files.walk(template)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = directory.resolve(template.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.writeString(target, Files.readString(file)
              .replace("@JUNIT_VERSION@", System.getProperty("it.junit.version"))
              .replace("@SUREFIRE_VERSION@", System.getProperty("it.surefire.version"))
              .replace("@COMPILER_VERSION@", System.getProperty("it.compiler.version"))
              .replace("@RESOURCES_VERSION@", System.getProperty("it.resources.version")));
        }
      }
    }
    return directory;
  }

  /** build.sh in {@code work}: javac, then java running a program that serves /ping and calls it once. */
  private static Path buildScript(Path work) throws IOException {
    Path sources = Files.createDirectories(work.resolve("src/org/example"));
    Files.writeString(sources.resolve("Ping.java"), String.join("\n",
        "package org.example;",
        "public class Ping {",
        "  public static void main(String[] args) throws Exception {",
        "    var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(\"127.0.0.1\", 0), 0);",
        "    server.createContext(\"/ping\", exchange -> { exchange.sendResponseHeaders(200, -1); exchange.close(); });",
        "    server.start();",
        "    var uri = java.net.URI.create(\"http://127.0.0.1:\" + server.getAddress().getPort() + \"/ping\");",
        "    java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri).build(),",
        "        java.net.http.HttpResponse.BodyHandlers.discarding());",
        "    server.stop(0);",
        "  }",
        "}", ""));
    Path script = work.resolve("build.sh");
    Files.writeString(script, "#!/bin/sh\nset -e\ncd \"$(dirname \"$0\")\"\n"
        + "javac -d out src/org/example/Ping.java\njava -cp out org.example.Ping\n");
    script.toFile().setExecutable(true);
    return script;
  }

  /** An OTLP/HTTP receiver on 127.0.0.1 that keeps each body it is sent. */
  private static HttpServer otlpReceiver(List<byte[]> exports) throws IOException {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      synchronized (exports) {
        exports.add(body);
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    return receiver;
  }

  /** {@code command} in {@code directory} with {@code jdk} as JAVA_HOME and first on PATH; output and errors merged. */
  private static Run run(Path directory, Path jdk, Map<String, String> extra, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("OTEL_") || name.equals("JAVA_TOOL_OPTIONS")
        || name.equals("MAVEN_OPTS"));
    environment.put("JAVA_HOME", jdk.toString());
    environment.put("PATH", jdk.resolve("bin") + ":" + System.getenv("PATH"));
    environment.putAll(new HashMap<>(extra));
    Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    process.getInputStream().transferTo(output);
    if (!process.waitFor(300, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    return new Run(process.exitValue(), output.toString(StandardCharsets.UTF_8));
  }
}
