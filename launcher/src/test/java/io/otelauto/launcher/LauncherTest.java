package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher's decisions, in-process: resolution, the environment change, the plan, usage errors. */
class LauncherTest {
  @TempDir
  Path home;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Map<String, String> environment, String... args) throws Exception {
    Path lib = Files.createDirectories(home.resolve("lib"));
    if (!Files.exists(lib.resolve(Launcher.AGENT_JAR))) {
      Files.createFile(lib.resolve(Launcher.AGENT_JAR));
    }
    CommandLine commandLine = Launcher.commandLine(new Launcher(environment, home));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void missingCommandIsAUsageError() throws Exception {
    assertThat(run(Map.of())).isEqualTo(2);
    assertThat(err.toString()).startsWith("otel-auto-instrument: missing COMMAND").contains("Usage:");
  }

  @Test
  void unknownOptionBeforeTheCommandIsAUsageError() throws Exception {
    assertThat(run(Map.of("PATH", "/bin:/usr/bin"), "--servce-name", "x", "sh")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--servce-name'");
  }

  @Test
  void optionsAfterTheCommandBelongToTheCommand() throws Exception {
    Path plan = home.resolve("plan");
    int status = run(Map.of("PATH", "/bin:/usr/bin", Launcher.PLAN_VARIABLE, plan.toString()),
        "--service-name", "svc", "sh", "--debug", "-c", "exit 3");
    assertThat(status).isZero();
    List<String> fields = List.of(Files.readString(plan, StandardCharsets.UTF_8).split("\0", -1));
    assertThat(fields.get(0)).isEqualTo("2");
    assertThat(fields.get(1)).startsWith("JAVA_TOOL_OPTIONS=-Xbootclasspath/a:").contains("-javaagent:");
    assertThat(fields.get(2)).isEqualTo("OTEL_SERVICE_NAME=svc");
    assertThat(fields.subList(3, fields.size())).containsExactly(
        Path.of("/bin/sh").toAbsolutePath().toString(), "--debug", "-c", "exit 3", "");
  }

  @Test
  void anExporterTheAgentDoesNotKnowIsAUsageErrorNamingTheKnownOnes() throws Exception {
    Path plan = home.resolve("plan");
    Map<String, String> environment = Map.of("PATH", "/bin:/usr/bin", Launcher.PLAN_VARIABLE, plan.toString());

    assertThat(run(environment, "--exporter", "otlp,bogus", "sh", "-c", "exit 0")).isEqualTo(2);

    assertThat(err.toString()).isEqualTo("otel-auto-instrument: unknown exporter 'bogus' for --exporter; "
        + "use one of: console, experimental-otlp/stdout, logging-otlp, none, otlp\n");
    assertThat(plan).doesNotExist();
    assertThat(run(environment, "--exporter", "console,otlp", "sh", "-c", "exit 0")).isZero();
    assertThat(Files.readString(plan)).contains("OTEL_TRACES_EXPORTER=console,otlp\0");
  }

  @Test
  void commandNotFoundIs127AndNotExecutableIs126(@TempDir Path bin) throws Exception {
    Path script = Files.createFile(bin.resolve("not-executable"));
    assertThat(run(Map.of("PATH", bin.toString()), "no-such-command")).isEqualTo(127);
    assertThat(err.toString()).isEqualTo("otel-auto-instrument: command not found: no-such-command\n");
    assertThat(run(Map.of("PATH", bin.toString()), "not-executable")).isEqualTo(126);
    assertThat(run(Map.of(), script.toString())).isEqualTo(126);
    assertThat(run(Map.of(), bin.toString())).isEqualTo(126);
  }

  @Test
  void dryRunPrintsTheChangeAndTheCommandAndWritesNoPlan() throws Exception {
    Path plan = home.resolve("plan");
    int status = run(Map.of("PATH", "/usr/bin:/bin", Launcher.PLAN_VARIABLE, plan.toString()),
        "--dry-run", "--exporter", "otlp", "--debug", "sh", "-c", "echo 'hi there'");
    assertThat(status).isZero();
    assertThat(plan).doesNotExist();
    assertThat(out.toString()).contains("OTEL_TRACES_EXPORTER=otlp\n", "OTEL_AUTO_INSTRUMENT_DEBUG=true\n")
        .contains("/sh -c 'echo '\\''hi there'\\'''\n");
  }

  @Test
  void keepsTheUsersJavaToolOptionsAfterTheAgentAndNeverAddsItTwice() {
    Path agent = Path.of("/opt/with space/lib/otel-auto-instrument-agent.jar");
    Path bridge = Path.of("/opt/with space/lib/bridge/otel-auto-instrument-bridge.jar");
    String once = JavaToolOptions.withAgent("-Xmx1g -Dx=\"a b\"", agent, bridge);
    assertThat(once).isEqualTo("\"-Xbootclasspath/a:" + bridge + "\" \"-javaagent:" + agent + "\" -Xmx1g -Dx=\"a b\"");
    assertThat(JavaToolOptions.withAgent(once, agent, bridge)).isEqualTo(once);
    assertThat(JavaToolOptions.withAgent("-javaagent:/elsewhere/otel-auto-instrument-agent.jar", agent, bridge))
        .isEqualTo("-javaagent:/elsewhere/otel-auto-instrument-agent.jar");
    assertThat(JavaToolOptions.withAgent("-javaagent:/x/other-agent.jar", agent, bridge))
        .endsWith(" -javaagent:/x/other-agent.jar").contains("otel-auto-instrument-agent.jar");
  }
}
