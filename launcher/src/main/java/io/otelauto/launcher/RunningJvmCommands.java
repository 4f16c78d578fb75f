package io.otelauto.launcher;

import io.otelauto.bootstrap.AgentConfig;
import io.otelauto.bootstrap.AgentPremain;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The subcommands that work on a running JVM through the attach mechanism ({@link Attacher}): {@code attach},
 * {@code detach} and {@code status}. Each first reads the JVM's system properties: while an agent is in it,
 * {@code otel.auto.instrument.agent} says how it came, so a JVM that has (or lacks) the agent is told so
 * without anything being loaded into it.
 */
final class RunningJvmCommands {
  private RunningJvmCommands() {}

  /** What the three share: the launcher (home, environment), the command line, and one attach session. */
  abstract static class OnRunningJvm implements Callable<Integer> {
    @CommandLine.ParentCommand
    Launcher launcher;

    @Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** {@code text} as a process id; null, said on stderr, if it is not one. */
    Long processId(String text) {
      if (text.matches("[0-9]{1,18}")) {
        return Long.parseLong(text);
      }
      err().println("otel-auto-instrument: not a process id: " + text);
      return null;
    }

    /** Attaches to {@code pid} and runs {@code action}; exit status 1, said in a line, if that fails. */
    int withJvm(long pid, WithJvm action) {
      if (!Files.isRegularFile(launcher.agentJar())) {
        err().println("otel-auto-instrument: broken installation, agent not found: " + launcher.agentJar());
        return 1;
      }
      try (Attacher jvm = Attacher.open(pid)) {
        return action.run(jvm);
      } catch (Attacher.Refused e) {
        err().println("otel-auto-instrument: cannot attach to " + pid + ": " + e.getMessage());
      } catch (IOException e) {
        err().println("otel-auto-instrument: cannot attach to " + pid + ": " + Attacher.reason(e));
      } catch (NoClassDefFoundError e) {
        err().println("otel-auto-instrument: cannot attach to " + pid + ": " + Launcher.NO_ATTACH_MODULE);
      }
      return 1;
    }

    /** How the agent came into {@code jvm} (launcher, -javaagent, attach), or null if it is not there. */
    static String agentIn(Attacher jvm) throws IOException {
      return jvm.systemProperties().getProperty(AgentPremain.AGENT_PROPERTY);
    }
  }

  /** What a subcommand does with an attached JVM. */
  interface WithJvm {
    int run(Attacher jvm) throws IOException, Attacher.Refused;
  }

  /**
   * {@code otel-auto-instrument attach PID}: loads the agent into a running JVM of the same user and applies
   * the patchers whose library is in use at once (classes loaded already are retransformed, servers running
   * already are traced from their next request), the others when it loads. Its settings are this command's
   * OTEL_* variables, then its options; they win over the JVM's own.
   */
  @Command(name = "attach", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Load the agent into the running JVM PID (same user) and apply the patchers now.",
          "Its settings: this command's OTEL_* variables, then its options, winning over the JVM's own."},
      footer = {"", "Exit status: 0 once the agent is loaded; 1 if it is there already or the JVM cannot be "
          + "attached to (no such process, not a JVM, another user's, attach disabled, no jdk.attach module); "
          + "2 for a usage error."})
  static final class Attach extends OnRunningJvm {
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

    @Override
    public Integer call() {
      Long id = processId(pid);
      if (id == null || !launcher.exportersKnown(exporter, err()) || !launcher.patchersKnown(patchers, err())) {
        return CommandLine.ExitCode.USAGE;
      }
      String settings = settings();
      return withJvm(id, jvm -> {
        String how = agentIn(jvm);
        if (how != null) {
          err().println("otel-auto-instrument: the agent is in " + pid + " already (from " + how
              + "); detach it first to attach with other settings");
          return 1;
        }
        jvm.load(launcher.agentJar(), settings);
        out().println("otel-auto-instrument: the agent is loaded into " + pid);
        return 0;
      });
    }

    /**
     * The agent's arguments, {@code NAME=VALUE} lines: this command's own OTEL_* environment first (the
     * launcher's private variables left out), then its options, which win.
     */
    private String settings() {
      StringBuilder settings = new StringBuilder();
      new TreeMap<>(launcher.environment).forEach((name, value) -> {
        if (name.startsWith("OTEL_") && !Launcher.LAUNCHER_VARIABLES.contains(name) && value.indexOf('\n') < 0) {
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
      return settings.toString();
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
  static final class Detach extends OnRunningJvm {
    @Parameters(index = "0", paramLabel = "PID", description = "The process id of the JVM.")
    String pid;

    @Override
    public Integer call() {
      Long id = processId(pid);
      if (id == null) {
        return CommandLine.ExitCode.USAGE;
      }
      return withJvm(id, jvm -> {
        if (agentIn(jvm) == null) {
          err().println("otel-auto-instrument: there is no agent in " + pid + "; nothing to detach");
          return 1;
        }
        jvm.load(launcher.agentJar(), AgentPremain.DETACH);
        out().println("otel-auto-instrument: the agent is detached from " + pid);
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
  static final class Status extends OnRunningJvm {
    @Parameters(index = "0", arity = "0..1", paramLabel = "PID", description = "The process id of the JVM.")
    String pid;

    @Override
    public Integer call() {
      if (pid != null) {
        Long id = processId(pid);
        if (id == null) {
          return CommandLine.ExitCode.USAGE;
        }
        return withJvm(id, jvm -> {
          AgentStatus.of(id, ProcessHandle.of(id).flatMap(p -> p.info().commandLine()).orElse(""), statusOf(jvm))
              .describe(out());
          return 0;
        });
      }
      Map<Long, String> jvms;
      try {
        jvms = Attacher.jvms();
      } catch (NoClassDefFoundError e) {
        err().println("otel-auto-instrument: cannot list the JVMs: " + Launcher.NO_ATTACH_MODULE);
        return 1;
      }
      jvms.remove(ProcessHandle.current().pid());
      List<AgentStatus> rows = new ArrayList<>();
      jvms.forEach((id, command) -> {
        Map<String, String> status;
        try (Attacher jvm = Attacher.open(id)) {
          status = statusOf(jvm);
        } catch (Attacher.Refused | IOException e) {
          status = Map.of("state", "unknown", "problem", String.valueOf(e.getMessage()));
        }
        rows.add(AgentStatus.of(id, command, status));
      });
      AgentStatus.table(rows, out());
      return 0;
    }

    /**
     * The agent's status in {@code jvm}, read from its system properties: the agent keeps its account there,
     * current as of its last export. Nothing is loaded into the JVM (a dynamic load would make JDK 21+
     * print a warning on the program's stderr), unless the agent has not published yet.
     */
    private Map<String, String> statusOf(Attacher jvm) throws IOException, Attacher.Refused {
      java.util.Properties properties = jvm.systemProperties();
      if (properties.getProperty(AgentPremain.AGENT_PROPERTY) == null) {
        return Map.of("state", "none");
      }
      String published = properties.getProperty(AgentPremain.STATUS_PROPERTY);
      if (published == null) {
        jvm.load(launcher.agentJar(), AgentPremain.STATUS);
        published = jvm.systemProperties().getProperty(AgentPremain.STATUS_PROPERTY, "state=unknown");
      }
      return AgentStatus.parse(published);
    }
  }
}
