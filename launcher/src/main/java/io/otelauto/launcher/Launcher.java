package io.otelauto.launcher;

import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.otelauto.bootstrap.AgentConfig;
import io.otelauto.bootstrap.AgentPremain;
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
    subcommands = {Launcher.Attach.class, Launcher.Detach.class, Launcher.Status.class},
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

  private final Map<String, String> environment;
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

  /**
   * {@code otel-auto-instrument attach PID}: loads the agent into a running JVM of the same user (the JDK's
   * attach mechanism) and applies the patchers at once; classes loaded already are retransformed, servers
   * running already are traced from their next request. The options win over the JVM's own settings.
   */
  @Command(name = "attach", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Load the agent into the running JVM PID (same user) and apply the patchers now.",
          "Its settings: this command's OTEL_* variables, then its options, winning over the JVM's own."},
      footer = {"", "Exit status: 0 once the agent is loaded; 1 if it is there already or the JVM cannot be "
          + "attached to (no such process, not a JVM, another user's, attach disabled, no jdk.attach module); "
          + "2 for a usage error."})
  static final class Attach implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PID", description = "The process id of the JVM.")
    String pid;

    @Option(names = "--patchers", paramLabel = "NAME[,NAME...]", split = ",",
        description = "Apply only these patchers (see --list-patchers); all by default.")
    List<String> patchers;

    @Option(names = "--service-name", paramLabel = "NAME", description = "The service.name of its spans.")
    String serviceName;

    @Option(names = "--exporter", paramLabel = "NAME[,NAME...]",
        description = "Where its spans go (console, otlp, logging-otlp, none, ...).")
    String exporter;

    @Option(names = "--debug", description = "The agent says, on the JVM's stderr, which patchers it applied.")
    boolean debug;

    @CommandLine.ParentCommand
    Launcher launcher;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      Long id = processId(pid, err);
      if (id == null || !launcher.exportersKnown(exporter, err) || !launcher.patchersKnown(patchers, err)) {
        return CommandLine.ExitCode.USAGE;
      }
      // The command's own OTEL_* environment first (the issue's "configured from the attach command's
      // environment"), then its options, which win; the launcher's private variables stay out.
      StringBuilder settings = new StringBuilder();
      new java.util.TreeMap<>(launcher.environment).forEach((name, value) -> {
        if (name.startsWith("OTEL_") && !LAUNCHER_VARIABLES.contains(name) && value.indexOf('\n') < 0) {
          settings.append(AgentConfig.normalized(name)).append('=').append(value).append('\n');
        }
      });
      if (patchers != null) {
        settings.append(AgentConfig.ONLY).append('=').append(String.join(",", patchers)).append('\n');
      }
      if (serviceName != null) {
        settings.append("otel.service.name=").append(serviceName).append('\n');
      }
      if (exporter != null) {
        settings.append("otel.traces.exporter=").append(exporter).append('\n');
      }
      if (debug) {
        settings.append(AgentConfig.DEBUG).append("=true\n");
      }
      return launcher.withJvm(spec, id, jvm -> {
        String how = jvm.systemProperties().getProperty(AgentPremain.AGENT_PROPERTY);
        if (how != null) {
          err.println("otel-auto-instrument: the agent is in " + pid + " already (from " + how
              + "); detach it first to attach with other settings");
          return 1;
        }
        jvm.load(launcher.agentJar(), settings.toString());
        spec.commandLine().getOut().println("otel-auto-instrument: the agent is loaded into " + pid);
        return 0;
      });
    }
  }

  /**
   * {@code otel-auto-instrument detach PID}: the agent in a running JVM undoes what it did (however it came:
   * the launcher or attach): every patcher unpatched, the SDK flushed and shut down, its threads gone. The
   * program goes on as before, and can be attached to again.
   */
  @Command(name = "detach", mixinStandardHelpOptions = true,
      description = "Take the agent out of the running JVM PID: original classes back, spans flushed, SDK shut down.",
      footer = {"", "Exit status: 0 once done; 1 if there is no agent in it or it cannot be attached to; 2 for "
          + "a usage error."})
  static final class Detach implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PID", description = "The process id of the JVM.")
    String pid;

    @CommandLine.ParentCommand
    Launcher launcher;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      Long id = processId(pid, err);
      if (id == null) {
        return CommandLine.ExitCode.USAGE;
      }
      return launcher.withJvm(spec, id, jvm -> {
        if (jvm.systemProperties().getProperty(AgentPremain.AGENT_PROPERTY) == null) {
          err.println("otel-auto-instrument: there is no agent in " + pid + "; nothing to detach");
          return 1;
        }
        jvm.load(launcher.agentJar(), AgentPremain.DETACH);
        spec.commandLine().getOut().println("otel-auto-instrument: the agent is detached from " + pid);
        return 0;
      });
    }
  }

  /**
   * {@code otel-auto-instrument status [PID]}: the local JVMs of this user and, for each, whether the agent is
   * in it, how it came, the patchers applied and what became of the spans. A JVM without the agent is only
   * asked for its system properties; one with it runs the agent's status entry point.
   */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"The agent in the running JVM PID: how it came, its patchers, its spans exported and not.",
          "Without PID: one line for each JVM of this user."},
      footer = {"", "Exit status: 0 once said; 1 if PID cannot be attached to; 2 for a usage error."})
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "PID", description = "The process id of the JVM.")
    String pid;

    @CommandLine.ParentCommand
    Launcher launcher;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (pid != null) {
        Long id = processId(pid, err);
        if (id == null) {
          return CommandLine.ExitCode.USAGE;
        }
        return launcher.withJvm(spec, id, jvm -> {
          AgentStatus.of(id, ProcessHandle.of(id).flatMap(p -> p.info().commandLine()).orElse(""),
              launcher.statusOf(jvm)).describe(out);
          return 0;
        });
      }
      Map<Long, String> jvms;
      try {
        jvms = Attacher.jvms();
      } catch (NoClassDefFoundError e) {
        err.println("otel-auto-instrument: cannot list the JVMs: " + NO_ATTACH_MODULE);
        return 1;
      }
      jvms.remove(ProcessHandle.current().pid());
      List<AgentStatus> rows = new ArrayList<>();
      jvms.forEach((id, command) -> {
        Map<String, String> status;
        try (Attacher jvm = Attacher.open(id)) {
          status = launcher.statusOf(jvm);
        } catch (Attacher.Refused | IOException e) {
          status = Map.of("state", "unknown", "problem", e.getMessage());
        }
        rows.add(AgentStatus.of(id, command, status));
      });
      AgentStatus.table(rows, out);
      return 0;
    }
  }

  /** The agent's status in {@code jvm}: none without loading anything, else its own account. */
  Map<String, String> statusOf(Attacher jvm) throws IOException, Attacher.Refused {
    if (jvm.systemProperties().getProperty(AgentPremain.AGENT_PROPERTY) == null) {
      return Map.of("state", "none");
    }
    jvm.load(agentJar(), AgentPremain.STATUS);
    return AgentStatus.parse(jvm.systemProperties().getProperty(AgentPremain.STATUS_PROPERTY, "state=unknown"));
  }

  Path agentJar() {
    return home.resolve("lib").resolve(AGENT_JAR);
  }

  /** {@code text} as a process id; null, said on {@code err}, if it is not one. */
  static Long processId(String text, PrintWriter err) {
    if (text.matches("[0-9]{1,18}")) {
      return Long.parseLong(text);
    }
    err.println("otel-auto-instrument: not a process id: " + text);
    return null;
  }

  /** What a subcommand does with an attached JVM. */
  interface WithJvm {
    int run(Attacher jvm) throws IOException, Attacher.Refused;
  }

  /** Attaches to {@code pid} and runs {@code action}; exit status 1, said in a line, if that fails. */
  int withJvm(CommandLine.Model.CommandSpec spec, long pid, WithJvm action) {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(agentJar())) {
      err.println("otel-auto-instrument: broken installation, agent not found: " + agentJar());
      return 1;
    }
    try (Attacher jvm = Attacher.open(pid)) {
      return action.run(jvm);
    } catch (Attacher.Refused e) {
      err.println("otel-auto-instrument: cannot attach to " + pid + ": " + e.getMessage());
    } catch (IOException e) {
      err.println("otel-auto-instrument: cannot attach to " + pid + ": " + Attacher.reason(e));
    } catch (NoClassDefFoundError e) {
      err.println("otel-auto-instrument: cannot attach to " + pid + ": " + NO_ATTACH_MODULE);
    }
    return 1;
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
