package io.otelauto.bootstrap;

import java.io.File;
import java.io.IOException;

/**
 * Whether the agent traces this JVM or stays dormant in it, and why: the launcher puts the agent in every JVM
 * a command starts, and in a build most of them are not the ones the user means.
 *
 * <p>The rules, first match wins:
 * <ol>
 *   <li>{@code otel.auto.instrument.exclude} matches: dormant. {@code otel.auto.instrument.include} matches:
 *       traced. Globs ({@code *}, {@code ?}), separated by {@code ,}, against the main class (also as
 *       {@code module/class}), the jar's path and the jar's file name.
 *   <li>A build tool (Maven's and Gradle's launchers and daemons, Gradle's workers other than its test
 *       executors, the Kotlin compile daemon, Ant, sbt, IntelliJ's build process): dormant, even when it is the
 *       named command's own JVM (the {@code mvn} script execs Maven's JVM in its own process). Maven's JVM wakes
 *       if {@code exec:java} runs a program in it.
 *   <li>A JDK tool (a main class in a {@code java.*} or {@code jdk.*} module: javac, jps, jcmd, keytool, jar,
 *       jlink, jwebserver...): dormant, unless it is the command the user named (its process id is the one
 *       the launcher exec'd: {@code OTEL_AUTO_INSTRUMENT_COMMAND_PID}).
 *   <li>No main class ({@code java -version}, {@code -XshowSettings}): dormant.
 *   <li>Anything else, Surefire's and Failsafe's test JVMs and Gradle's test executors among them: traced.
 * </ol>
 *
 * <p>Runs in premain with the JDK alone: no regular expressions, no lambdas, no {@code +} on strings.
 */
final class JvmSelection {
  /** Set by bin/otel-auto-instrument to its own process id, which the command it execs keeps. */
  static final String COMMAND_PID = "otel.auto.instrument.command.pid";
  /** Where premain leaves the service name it derives for a test JVM or exec:java (Telemetry reads it). */
  static final String DERIVED_SERVICE_NAME = "otel.auto.instrument.derived.service.name";
  /** Loads in Maven's JVM when {@code mvn exec:java} is about to run a program in it. */
  static final String EXEC_JAVA_MOJO = "org.codehaus.mojo.exec.ExecJavaMojo";

  /** Main classes of build tools, and what to call them. */
  private static final String[][] BUILD_TOOLS = {
      {"org.codehaus.plexus.classworlds.launcher.Launcher", "Maven"},
      {"org.apache.maven.wrapper.MavenWrapperMain", "the Maven wrapper"},
      {"org.mvndaemon.mvnd.", "the Maven daemon (mvnd)"},
      {"org.gradle.launcher.", "Gradle"},
      {"org.gradle.wrapper.GradleWrapperMain", "the Gradle wrapper"},
      {"worker.org.gradle.process.internal.worker.GradleWorkerMain", "a Gradle worker"},
      {"org.jetbrains.kotlin.daemon.", "the Kotlin compile daemon"},
      {"org.apache.tools.ant.launch.Launcher", "Ant"},
      {"xsbt.boot.Boot", "sbt"},
      {"org.jetbrains.jps.cmdline.BuildMain", "IntelliJ's build process"},
  };

  final boolean traced;
  final String reason;
  /** Classes whose loading turns a dormant JVM into a traced one (null: none). */
  final String wakeClass;
  /** The service name for this JVM when the user set none (null: Telemetry derives it). */
  final String serviceName;

  private JvmSelection(boolean traced, String reason, String wakeClass, String serviceName) {
    this.traced = traced;
    this.reason = reason;
    this.wakeClass = wakeClass;
    this.serviceName = serviceName;
  }

  private static JvmSelection traced(String reason, String serviceName) {
    return new JvmSelection(true, reason, null, serviceName);
  }

  private static JvmSelection dormant(String reason, String wakeClass) {
    return new JvmSelection(false, reason, wakeClass, null);
  }

  /**
   * {@code javaCommand}: the JVM's {@code sun.java.command} (main class or jar, then the arguments);
   * {@code workingDirectory}: its {@code user.dir}; {@code pid}: its process id, or -1 to look it up (only
   * a JDK tool needs it).
   */
  static JvmSelection of(String javaCommand, String workingDirectory, AgentConfig config, long pid) {
    String command = javaCommand == null ? "" : javaCommand.strip();
    int space = command.indexOf(' ');
    String main = space < 0 ? command : command.substring(0, space);
    String arguments = space < 0 ? "" : command.substring(space + 1);
    if (main.isEmpty()) {
      return dormant("no main class (java -version or the like)", null);
    }
    String excluded = firstMatch(config.get(AgentConfig.EXCLUDE, ""), main);
    if (excluded != null) {
      return dormant("excluded by ".concat(excluded).concat(" (OTEL_AUTO_INSTRUMENT_EXCLUDE)"), null);
    }
    String included = firstMatch(config.get(AgentConfig.INCLUDE, ""), main);
    if (included != null) {
      return traced("included by ".concat(included).concat(" (OTEL_AUTO_INSTRUMENT_INCLUDE)"), null);
    }
    for (String[] tool : BUILD_TOOLS) {
      if (!(tool[0].endsWith(".") ? main.startsWith(tool[0]) : main.equals(tool[0]))) {
        continue;
      }
      if (tool[0].startsWith("worker.org.gradle.") && arguments.contains("Gradle Test Executor")) {
        return traced("a test JVM of Gradle (its test executor)", testService(workingDirectory));
      }
      String reason = "a build tool, ".concat(tool[1]);
      if (tool[0].startsWith("org.codehaus.plexus.")) {
        return dormant(reason.concat("; it wakes if exec:java runs a program in it"), EXEC_JAVA_MOJO);
      }
      return dormant(reason, null);
    }
    int slash = main.indexOf('/');
    if (slash > 0 && !main.endsWith(".jar") && (main.startsWith("jdk.") || main.startsWith("java."))) {
      String tool = main.substring(slash + 1);
      if (isNamedCommand(config, pid)) {
        return traced("the command you named (".concat(tool).concat(", a JDK tool)"), null);
      }
      return dormant("a JDK tool (".concat(tool).concat(")"), null);
    }
    if (main.endsWith(".jar") && fileName(main).startsWith("surefirebooter")) {
      // <module>/target/surefire/surefirebooter-*.jar (Surefire and Failsafe alike).
      File module = new File(main).getAbsoluteFile().getParentFile();
      module = module == null || module.getParentFile() == null ? null : module.getParentFile().getParentFile();
      return traced("a test JVM of Surefire or Failsafe",
          module == null ? null : module.getName().concat("-tests"));
    }
    return traced("a program", null);
  }

  /** The service name of a test JVM: its working directory's name (the project's), then "-tests". */
  private static String testService(String workingDirectory) {
    if (workingDirectory == null || workingDirectory.isEmpty()) {
      return null;
    }
    return new File(workingDirectory).getName().concat("-tests");
  }

  private static boolean isNamedCommand(AgentConfig config, long pid) {
    String named = config.get(COMMAND_PID, "");
    if (named.isEmpty()) {
      return false;
    }
    try {
      return Long.parseLong(named) == (pid >= 0 ? pid : currentPid());
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** This process's id: /proc/self where there is one (cheaper than ProcessHandle at start-up). */
  private static long currentPid() {
    try {
      return Long.parseLong(new File("/proc/self").getCanonicalFile().getName());
    } catch (IOException | NumberFormatException e) {
      return ProcessHandle.current().pid();
    }
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The first of {@code globs} (comma-separated) that matches {@code main}, or null. */
  static String firstMatch(String globs, String main) {
    if (globs.isEmpty()) {
      return null;
    }
    int slash = main.indexOf('/');
    String className = slash > 0 && !main.endsWith(".jar") ? main.substring(slash + 1) : null;
    for (String glob : globs.split(",")) {
      String pattern = glob.strip();
      if (pattern.isEmpty()) {
        continue;
      }
      if (matches(pattern, main) || (className != null && matches(pattern, className))
          || (main.endsWith(".jar") && matches(pattern, fileName(main)))) {
        return pattern;
      }
    }
    return null;
  }

  /** Glob match: {@code *} any run of characters, {@code ?} any one; the whole text. */
  static boolean matches(String glob, String text) {
    int g = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
        g++;
        t++;
      } else if (g < glob.length() && glob.charAt(g) == '*') {
        star = g++;
        resume = t;
      } else if (star >= 0) {
        g = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (g < glob.length() && glob.charAt(g) == '*') {
      g++;
    }
    return g == glob.length();
  }
}
