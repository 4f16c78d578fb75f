package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bin/otel-auto-instrument computes the plan itself for the common invocation, and leaves the rest to the
 * Java launcher: both must give COMMAND the same argument vector and the same environment, and the common
 * invocation must start no JVM. Each case runs twice, through the script's own path and through the Java
 * launcher ({@code OTEL_AUTO_INSTRUMENT_LAUNCHER=java}), with a {@code java} that notes each start.
 */
class ScriptPlanIT {
  private static final Path LAUNCHER = DistributionIT.LAUNCHER;
  private static final String AGENT = "-javaagent:" + DistributionIT.HOME.resolve("lib/otel-auto-instrument-agent.jar");

  @TempDir
  Path work;
  private Path jdk;
  private Path marker;

  /** A JDK whose java notes that it started, then is the real one. */
  @BeforeEach
  void countingJdk() throws Exception {
    marker = work.resolve("java-started");
    jdk = work.resolve("jdk");
    Path java = Files.createDirectories(jdk.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\necho started >> '" + marker + "'\nexec '"
        + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path probe = Files.createDirectories(work.resolve("cwd/tools")).resolve("probe");
    Files.writeString(probe, "#!/bin/sh\nprintf 'argv0=%s\\n' \"$0\"\nfor a in \"$@\"; do printf 'arg=[%s]\\n' \"$a\"; done\n"
        + "env | grep -E '^(JAVA_TOOL_OPTIONS|OTEL_)' | grep -v '^OTEL_AUTO_INSTRUMENT_LAUNCHER=' "
        + "| sed \"s/^OTEL_AUTO_INSTRUMENT_COMMAND_PID=$$\\$/OTEL_AUTO_INSTRUMENT_COMMAND_PID=its-own/\" | sort\n");
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  static Stream<Arguments> commonInvocations() {
    String quoted = "-Dx=\"a b\" -Xmx64m";
    String ours = "-javaagent:/elsewhere/lib/otel-auto-instrument-agent.jar=x -Dy=1";
    return Stream.of(
        Arguments.of("", List.of("probe", "a", "b c", "")),
        Arguments.of("", List.of("--service-name", "svc", "probe")),
        Arguments.of("", List.of("--service-name=my svc", "--exporter=console,otlp", "--debug", "probe", "--debug")),
        Arguments.of("", List.of("--exporter", "logging-otlp", "--service-name", "", "probe")),
        Arguments.of("", List.of("--exporter", " none , console", "probe")),
        Arguments.of("", List.of("--include", "org.example.*,*.jar", "--exclude=jdk.*", "probe")),
        Arguments.of(quoted, List.of("probe", "x")),
        Arguments.of("  " + quoted + "  ", List.of("--debug", "probe")),
        Arguments.of(ours, List.of("probe")),
        Arguments.of("", List.of("./tools/probe", "relative")),
        Arguments.of("", List.of("tools/probe")));
  }

  @ParameterizedTest
  @MethodSource("commonInvocations")
  void theScriptAndTheJavaLauncherGiveCommandTheSamePlanAndOnlyTheJavaOneStartsAJvm(String userOptions,
      List<String> arguments) throws Exception {
    String byScript = run(userOptions, arguments, false);
    assertThat(marker).as("a JVM started for the script's own plan").doesNotExist();
    String byJava = run(userOptions, arguments, true);
    assertThat(marker).as("the Java launcher ran").exists();

    assertThat(byScript).isEqualTo(byJava).contains("argv0=/", "OTEL_AUTO_INSTRUMENT_COMMAND_PID=its-own\n");
    if (!userOptions.contains("otel-auto-instrument-agent.jar")) {
      assertThat(byScript).contains(AGENT);
    }
  }

  @Test
  void everythingElseGoesToTheJavaLauncher() throws Exception {
    for (List<String> arguments : List.of(List.of("--exporter", "no-such", "probe"), List.of("no-such-command"),
        List.of("--service-name", "a", "--service-name", "b", "probe"), List.of("--dry-run", "probe"),
        List.of("--exporter", "console,", "probe"), List.of("--", "probe"), List.of("attach", "abc"), List.of("detach", "abc"))) {
      Files.deleteIfExists(marker);
      run("", arguments, false);
      assertThat(marker).as(arguments.toString()).exists();
    }
  }

  /** The script's list of exporter names is the Java launcher's (which asks the agent's jars). */
  @Test
  void theScriptKnowsTheExportersTheJavaLauncherKnows() throws Exception {
    Matcher line = Pattern.compile("(?m)^known_exporters=\" (.*) \"$").matcher(Files.readString(LAUNCHER));
    assertThat(line.find()).isTrue();
    Set<String> script = new TreeSet<>(List.of(line.group(1).split(" ")));

    String refusal = run("", List.of("--exporter", "no-such", "probe"), true);
    Matcher known = Pattern.compile("use one of: (.*)").matcher(refusal);
    assertThat(known.find()).as(refusal).isTrue();
    assertThat(script).isEqualTo(new TreeSet<>(List.of(known.group(1).strip().split(", "))));
  }

  /** COMMAND's output (or the launcher's error), run from work/cwd with tools/ on PATH after an empty entry. */
  private String run(String userOptions, List<String> arguments, boolean javaLauncher) throws Exception {
    List<String> argv = new ArrayList<>(List.of(LAUNCHER.toString()));
    argv.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(argv).directory(work.resolve("cwd").toFile()).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("OTEL_") || name.equals("JAVA_TOOL_OPTIONS"));
    environment.put("JAVA_HOME", jdk.toString());
    environment.put("PATH", work.resolve("cwd/tools") + "::" + System.getenv("PATH"));
    if (!userOptions.isEmpty()) {
      environment.put("JAVA_TOOL_OPTIONS", userOptions);
    }
    if (javaLauncher) {
      environment.put("OTEL_AUTO_INSTRUMENT_LAUNCHER", "java");
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + argv);
    }
    return output;
  }
}
