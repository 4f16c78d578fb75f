package io.otelauto.launcher;

import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.otelauto.bootstrap.AgentConfig;
import io.otelauto.bootstrap.PatcherDiscovery;
import io.otelauto.bootstrap.StderrAgentLog;
import io.otelauto.patchers.api.Patcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code otel-auto-instrument [OPTIONS] COMMAND [ARGS...]}: the counterpart of the design's {@code run()}.
 *
 * <p>It computes what COMMAND's environment must gain (the agent at the head of JAVA_TOOL_OPTIONS, the
 * options as OTEL_* variables) and writes that plan, NUL-separated, to the file {@code bin/otel-auto-instrument}
 * names in {@value #PLAN_VARIABLE}; the script then {@code exec}s COMMAND, so no launcher JVM stays
 * resident and COMMAND gets the terminal, the signals and the exit status as if started directly.
 */
@Command(
    name = "otel-auto-instrument",
    mixinStandardHelpOptions = true,
    subcommands = {RunningJvmCommands.Attach.class, RunningJvmCommands.Detach.class, RunningJvmCommands.Status.class},
    versionProvider = Launcher.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Runs COMMAND with OpenTelemetry tracing in every JVM it starts, without changing its code.",
        "The agent is added to JAVA_TOOL_OPTIONS, so `java -jar app.jar`, `java -cp ... Main`, scripts that "
            + "start java and `mvn exec:java` all work. Every standard OTEL_* variable applies."},
    footer = {"", "Exit status: COMMAND's own; 2 for a usage error, 126 if COMMAND is not executable, "
        + "127 if it is not found.", "A COMMAND named like a subcommand (attach, detach, status): give its path, or put -- before it."})
public final class Launcher implements Callable<Integer> {
  static final String PLAN_VARIABLE = "OTEL_AUTO_INSTRUMENT_PLAN";
  /** The user's JAVA_TOOL_OPTIONS, saved by the script: the launcher's own JVM runs without them. */
  static final String USER_OPTIONS_VARIABLE = "OTEL_AUTO_INSTRUMENT_USER_JAVA_TOOL_OPTIONS";
  static final String AGENT_JAR = "otel-auto-instrument-agent.jar";
  static final String BRIDGE_JAR = "otel-auto-instrument-bridge.jar";
  /** The launcher's own variables, never settings for an agent. */
  static final Set<String> LAUNCHER_VARIABLES =
      Set.of(PLAN_VARIABLE, USER_OPTIONS_VARIABLE, "OTEL_AUTO_INSTRUMENT_LAUNCHER", "OTEL_AUTO_INSTRUMENT_COMMAND_PID");
  /** Said when {@link Attacher} cannot be loaded: it, not the words, needs {@code jdk.attach}. */
  static final String NO_ATTACH_MODULE =
      "this Java runtime has no attach module (jdk.attach); run otel-auto-instrument with a full JDK (JAVA_HOME)";

  @Option(names = "--service-name", paramLabel = "NAME",
      description = "The service.name of the spans (sets OTEL_SERVICE_NAME).")
  String serviceName;

  @Option(names = "--exporter", paramLabel = "NAME[,NAME...]",
      description = "Where spans go: console (the default, one line per span on stderr), otlp, "
          + "logging-otlp, none, or one a patcher jar adds (sets OTEL_TRACES_EXPORTER; another name is a "
          + "usage error).")
  String exporter;

  @Option(names = "--include", paramLabel = "GLOB[,GLOB...]",
      description = "Trace the JVMs whose main class or jar matches, even build tools and JDK tools "
          + "(sets OTEL_AUTO_INSTRUMENT_INCLUDE).")
  String include;

  @Option(names = "--exclude", paramLabel = "GLOB[,GLOB...]",
      description = "Leave the agent dormant in the JVMs whose main class or jar matches, even COMMAND's "
          + "(sets OTEL_AUTO_INSTRUMENT_EXCLUDE).")
  String exclude;

  @Option(names = "--debug", description = "The agent says, in each JVM, whether it traces it and why, which "
      + "patchers it applied (Patched NAME), and more.")
  boolean debug;

  @Option(names = "--list-patchers", description = "List the patchers the agent would apply, and exit.")
  boolean listPatchers;

  @Option(names = "--dry-run", description = "Print the environment change and the command; run nothing.")
  boolean dryRun;

  @Parameters(index = "0", arity = "0..1", paramLabel = "COMMAND",
      description = "The program to run, looked up on PATH unless it contains a '/'.")
  String command;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "COMMAND's arguments, passed unchanged.")
  List<String> arguments = new ArrayList<>();

  @Spec
  CommandLine.Model.CommandSpec spec;

  final Map<String, String> environment;
  final Path home;

  Launcher(Map<String, String> environment, Path home) {
    this.environment = environment;
    this.home = home;
  }

  public static void main(String[] args) {
    System.exit(commandLine(new Launcher(System.getenv(), Home.locate())).execute(args));
  }

  static CommandLine commandLine(Launcher launcher) {
    // After COMMAND every argument is COMMAND's, even one that looks like an option of ours; a subcommand's
    // options may follow its PID.
    CommandLine commandLine = new CommandLine(launcher).setStopAtPositional(true);
    commandLine.getSubcommands().values().forEach(subcommand -> subcommand.setStopAtPositional(false));
    return commandLine;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (listPatchers) {
      listPatchers(out);
      return 0;
    }
    if (!exportersKnown(exporter, err)) {
      return CommandLine.ExitCode.USAGE;
    }
    if (command == null) {
      err.println("otel-auto-instrument: missing COMMAND");
      spec.commandLine().usage(err);
      return CommandLine.ExitCode.USAGE;
    }
    CommandResolver.Resolution resolution = CommandResolver.resolve(command, environment.get("PATH"));
    if (resolution.path() == null) {
      err.println("otel-auto-instrument: " + resolution.problem() + ": " + command);
      return resolution.exitStatus();
    }
    Path agentJar = home.resolve("lib").resolve(AGENT_JAR);
    if (!Files.isRegularFile(agentJar)) {
      err.println("otel-auto-instrument: broken installation, agent not found: " + agentJar);
      return 1;
    }
    Map<String, String> changes = environmentChanges(agentJar);
    List<String> argv = new ArrayList<>();
    argv.add(resolution.path().toString());
    argv.addAll(arguments);
    if (dryRun) {
      changes.forEach((name, value) -> out.println(name + "=" + ShellQuote.quote(value)));
      out.println(ShellQuote.join(argv));
      return 0;
    }
    String planFile = environment.get(PLAN_VARIABLE);
    if (planFile == null) {
      err.println("otel-auto-instrument: run me through bin/otel-auto-instrument, which executes the command");
      return CommandLine.ExitCode.USAGE;
    }
    Files.write(Path.of(planFile), plan(changes, argv));
    return 0;
  }

  /** False, said on {@code err}, if {@code exporter} names an exporter the agent does not know. */
  boolean exportersKnown(String exporter, PrintWriter err) {
    if (exporter == null) {
      return true;
    }
    Set<String> known = knownExporters();
    for (String name : exporter.split(",", -1)) {
      if (!known.contains(name.trim())) {
        err.println("otel-auto-instrument: unknown exporter '" + name.trim() + "' for --exporter; use one of: "
            + String.join(", ", known));
        return false;
      }
    }
    return true;
  }

  /** The variables COMMAND's environment gains, mapped onto the standard OTEL_* names. */
  Map<String, String> environmentChanges(Path agentJar) {
    Map<String, String> changes = new LinkedHashMap<>();
    String userOptions = environment.getOrDefault(USER_OPTIONS_VARIABLE, "");
    Path bridgeJar = home.resolve("lib").resolve("bridge").resolve(BRIDGE_JAR);
    changes.put("JAVA_TOOL_OPTIONS", JavaToolOptions.withAgent(userOptions, agentJar, bridgeJar));
    if (serviceName != null) {
      changes.put("OTEL_SERVICE_NAME", serviceName);
    }
    if (exporter != null) {
      changes.put("OTEL_TRACES_EXPORTER", exporter);
    }
    if (include != null) {
      changes.put(AgentConfig.environmentName(AgentConfig.INCLUDE), include);
    }
    if (exclude != null) {
      changes.put(AgentConfig.environmentName(AgentConfig.EXCLUDE), exclude);
    }
    if (debug) {
      changes.put(AgentConfig.environmentName(AgentConfig.DEBUG), "true");
    }
    return changes;
  }

  /** {@code N\0NAME=VALUE\0...\0COMMAND\0ARG\0...}: N variables, then the argument vector. */
  static byte[] plan(Map<String, String> changes, List<String> argv) {
    StringBuilder plan = new StringBuilder().append(changes.size()).append('\0');
    changes.forEach((name, value) -> plan.append(name).append('=').append(value).append('\0'));
    argv.forEach(argument -> plan.append(argument).append('\0'));
    return plan.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The exporter names the agent would accept: {@code none}, and every span exporter provider its SDK finds
   * (console, otlp, logging-otlp from the agent's own jars, and any a patcher jar adds), sorted. Asked only
   * for {@code --exporter}, so that a typo is a usage error here rather than the SDK's stack trace inside the
   * program.
   */
  private Set<String> knownExporters() {
    Set<String> names = new TreeSet<>(Set.of("none"));
    ClassLoader loader = PatcherDiscovery.loaderFor(
        PatcherDiscovery.patcherJars(home, AgentConfig.fromSystem()), Launcher.class.getClassLoader());
    Iterator<ConfigurableSpanExporterProvider> providers =
        ServiceLoader.load(ConfigurableSpanExporterProvider.class, loader).iterator();
    while (true) {
      try {
        if (!providers.hasNext()) {
          return names;
        }
        names.add(providers.next().getName());
      } catch (ServiceConfigurationError | LinkageError e) {
        // A broken provider in a dropped-in jar: its name cannot be known, the others still are.
      }
    }
  }

  private void listPatchers(PrintWriter out) {
    AgentConfig config = AgentConfig.fromSystem();
    List<Patcher> patchers = PatcherDiscovery.load(
        PatcherDiscovery.loaderFor(PatcherDiscovery.patcherJars(home, config), Launcher.class.getClassLoader()),
        new StderrAgentLog(false));
    String format = "%-20s %-8s %-60s %s%n";
    out.printf(format, "NAME", "ENABLED", "PATCHES", "FROM");
    for (Patcher patcher : patchers) {
      boolean enabled = config.allows(patcher.name());
      out.printf(format, patcher.name(), enabled ? "yes" : "no", patcher.description(),
          PatcherDiscovery.origin(patcher));
    }
  }

  Path agentJar() {
    return home.resolve("lib").resolve(AGENT_JAR);
  }

  /** False, said on {@code err}, if {@code names} holds a patcher name the installation does not have. */
  boolean patchersKnown(List<String> names, PrintWriter err) {
    if (names == null) {
      return true;
    }
    Set<String> known = new TreeSet<>();
    for (Patcher patcher : PatcherDiscovery.load(PatcherDiscovery.loaderFor(
        PatcherDiscovery.patcherJars(home, AgentConfig.fromSystem()), Launcher.class.getClassLoader()),
        new StderrAgentLog(false))) {
      known.add(patcher.name());
    }
    for (String name : names) {
      if (!known.contains(name.trim())) {
        err.println("otel-auto-instrument: unknown patcher '" + name.trim() + "' for --patchers; use one of: "
            + String.join(", ", known));
        return false;
      }
    }
    return true;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Launcher.class.getPackage().getImplementationVersion();
      return new String[] {"otel-auto-instrument " + (version == null ? "(development build)" : version)};
    }
  }
}
