package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which JVMs of a command's tree the agent traces, and why ({@link JvmSelection}). */
class JvmSelectionTest {
  private static final AgentConfig NONE = AgentConfig.of(Map.of());

  private static JvmSelection of(String javaCommand, AgentConfig config) {
    return JvmSelection.of(javaCommand, "/work/shop", config, 4242);
  }

  @Test
  void programsAndTestJvmsAreTraced() {
    assertThat(of("org.example.Main --port 8080", NONE).traced).isTrue();
    assertThat(of("/srv/app.jar", NONE).reason).isEqualTo("a program");

    JvmSelection surefire = of("/work/shop/billing/target/surefire/surefirebooter-2026_1.jar /work/shop/billing/target/surefire 2026 x.tmp", NONE);
    assertThat(surefire.traced).isTrue();
    assertThat(surefire.serviceName).isEqualTo("billing-tests");

    JvmSelection gradleTests = of("worker.org.gradle.process.internal.worker.GradleWorkerMain 'Gradle Test Executor 3'", NONE);
    assertThat(gradleTests.traced).isTrue();
    assertThat(gradleTests.serviceName).isEqualTo("shop-tests");
  }

  @Test
  void buildToolsAndJdkToolsAreDormant() {
    JvmSelection maven = of("org.codehaus.plexus.classworlds.launcher.Launcher -B test", NONE);
    assertThat(maven.traced).isFalse();
    assertThat(maven.reason).startsWith("a build tool, Maven");
    assertThat(maven.wakeClass).isEqualTo(JvmSelection.EXEC_JAVA_MOJO);
    assertThat(of("org.gradle.launcher.daemon.bootstrap.GradleDaemon 8.10", NONE).traced).isFalse();
    assertThat(of("worker.org.gradle.process.internal.worker.GradleWorkerMain 'Gradle Worker Daemon 1'", NONE).traced)
        .isFalse();
    assertThat(of("org.jetbrains.kotlin.daemon.KotlinCompileDaemon --daemon-runFilesPath x", NONE).traced).isFalse();

    JvmSelection javac = of("jdk.compiler/com.sun.tools.javac.Main -d out A.java", NONE);
    assertThat(javac.traced).isFalse();
    assertThat(javac.reason).isEqualTo("a JDK tool (com.sun.tools.javac.Main)");
    assertThat(of("jdk.jcmd/sun.tools.jps.Jps -l", NONE).traced).isFalse();
    assertThat(of("", NONE).reason).startsWith("no main class");
    assertThat(of("mymodule/com.example.Main", NONE).traced).as("a module of the program's own").isTrue();
  }

  @Test
  void theCommandTheUserNamedIsTracedEvenIfItIsAJdkToolButNotIfItIsABuildTool() {
    AgentConfig named = AgentConfig.of(Map.of("OTEL_AUTO_INSTRUMENT_COMMAND_PID", "4242"));
    AgentConfig another = AgentConfig.of(Map.of("OTEL_AUTO_INSTRUMENT_COMMAND_PID", "17"));

    assertThat(of("jdk.httpserver/sun.net.httpserver.simpleserver.JWebServer -p 0", named).traced).isTrue();
    assertThat(of("jdk.httpserver/sun.net.httpserver.simpleserver.JWebServer -p 0", another).traced).isFalse();
    assertThat(of("org.codehaus.plexus.classworlds.launcher.Launcher test", named).traced).isFalse();
  }

  @Test
  void includeAndExcludeOverrideEitherWayAndExcludeWins() {
    AgentConfig both = AgentConfig.of(Map.of("OTEL_AUTO_INSTRUMENT_INCLUDE", "jdk.jcmd/*, org.codehaus.plexus.*",
        "OTEL_AUTO_INSTRUMENT_EXCLUDE", "org.example.Batch*,app-*.jar,*.Jps"));

    assertThat(of("org.codehaus.plexus.classworlds.launcher.Launcher test", both).reason)
        .isEqualTo("included by org.codehaus.plexus.* (OTEL_AUTO_INSTRUMENT_INCLUDE)");
    assertThat(of("jdk.jcmd/sun.tools.jstack.JStack 1", both).traced).isTrue();
    assertThat(of("jdk.jcmd/sun.tools.jps.Jps", both).reason).isEqualTo("excluded by *.Jps (OTEL_AUTO_INSTRUMENT_EXCLUDE)");
    assertThat(of("org.example.BatchJob", both).traced).isFalse();
    assertThat(of("/opt/app-1.2.jar --x", both).traced).as("by the jar's file name").isFalse();
    assertThat(of("org.example.Main", both).traced).isTrue();
  }

  @Test
  void globsMatchTheWholeName() {
    assertThat(JvmSelection.matches("org.*.Main", "org.example.Main")).isTrue();
    assertThat(JvmSelection.matches("org.*", "com.org.Main")).isFalse();
    assertThat(JvmSelection.matches("a?c", "abc")).isTrue();
    assertThat(JvmSelection.matches("a?c", "abbc")).isFalse();
    assertThat(JvmSelection.matches("*", "")).isTrue();
    assertThat(JvmSelection.matches("*b*b", "abcbb")).isTrue();
  }
}
