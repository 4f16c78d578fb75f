package io.otelauto.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code otel-auto-instrument attach PID}, {@code detach PID} and {@code status} on a JDK HTTP server started
 * without the agent, while clients keep calling it (its exchanges waiting in a pool's queue): attached, its requests get SERVER spans; detached, none, and no
 * thread of the agent is left; attached again, spans again; no request fails through all of it.
 */
class AttachIT {
  private static final int MAX_REQUESTS = 2_000;

  static List<Path> jdks() {
    return DistributionIT.jdks();
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aServerStartedWithoutTheAgentIsTracedOnceAttachedAndNoRequestFails(Path jdk) throws Exception {
    List<String> queued = new ArrayList<>(plainServer(jdk));
    queued.add("queued");
    attachDetachAttach(jdk, queued, false);
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aServerStartedUnderTheLauncherCanBeDetachedAndAttachedAgain(Path jdk) throws Exception {
    attachDetachAttach(jdk, List.of(DistributionIT.LAUNCHER.toString(), "--service-name", "attached",
        jdk.resolve("bin/java").toString(), "-cp", DistributionIT.TEST_CLASSES.toString(),
        ServesUntilTerminated.class.getName()), true);
  }

  /** A {@link ServesUntilTerminated} server: its process, its /ping and the file its stderr goes to. */
  record Server(Process process, URI ping, Path err) implements AutoCloseable {
    static Server start(Path jdk, List<String> command) throws Exception {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().put("JAVA_HOME", jdk.toString());
      Path err = Files.createTempFile("server", ".err");
      Process process = builder.redirectError(err.toFile()).start();
      String listening = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      if (listening == null || !listening.startsWith("listening on ")) {
        process.destroyForcibly();
        throw new AssertionError("the server did not start: " + Files.readString(err));
      }
      return new Server(process, URI.create("http://127.0.0.1:" + listening.substring("listening on ".length()) + "/ping"), err);
    }

    String pid() {
      return Long.toString(process.pid());
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> plainServer(Path jdk, String... jvmOptions) {
    List<String> command = new ArrayList<>(List.of(jdk.resolve("bin/java").toString()));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", DistributionIT.TEST_CLASSES.toString(), ServesUntilTerminated.class.getName()));
    return command;
  }

  /** {@code launched}: the server has the agent from its start (the launcher), so the first attach is skipped. */
  private static void attachDetachAttach(Path jdk, List<String> command, boolean launched) throws Exception {
    try (Server server = Server.start(jdk, command)) {
      URI ping = server.ping();
      Path err = server.err();

      // Clients calling all along, four at a time (so exchanges wait in a queued server's pool through the
      // attach and the detach), bounded in count and time, counting what fails.
      AtomicInteger failures = new AtomicInteger();
      AtomicLong sent = new AtomicLong();
      Runnable calls = () -> {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sent.get() < MAX_REQUESTS && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
          try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(ping).build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().equals("pong")) {
              failures.incrementAndGet();
            }
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            failures.incrementAndGet();
          }
          sent.incrementAndGet();
        }
      };
      List<Thread> load = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        load.add(new Thread(calls));
      }
      load.forEach(Thread::start);

      String pid = server.pid();
      if (!launched) {
        assertThat(status(jdk, pid)).contains("agent:        none");
        // Configured by the attach command's environment alone.
        attach(jdk, Map.of("OTEL_SERVICE_NAME", "attached", "OTEL_TRACES_EXPORTER", "console"), "attach", pid);
      }
      awaitSpans(err, 1, ping);
      assertThat(Files.readString(err)).contains("service=attached");

      assertThat(jcmd(jdk, pid, "VM.classloaders"))
          .contains("\"otel-auto-instrument\"", "\"otel-auto-instrument-patchers\"");

      // Status: how the agent came, what it patched, the spans it exported (as of the agent's last export,
      // which it publishes as it ends: asked until it shows); the table has the JVM's row.
      String status = statusOnceExported(jdk, pid);
      assertThat(status).contains("agent:        active, from " + (launched ? "launcher" : "attach"))
          .containsPattern("patchers: .*jdk-http-server").contains("service.name: attached")
          .containsPattern("spans: +[1-9][0-9]* exported, 0 not exported");
      DistributionIT.Result table = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "status");
      assertThat(table.status()).as(table.err()).isZero();
      assertThat(table.out()).containsPattern("(?m)^" + pid + " +active +" + (launched ? "launcher" : "attach") + " ");
      if (launched) {
        // Status reads the agent's published account: nothing was loaded into the JVM (on JDK 21+ a dynamic
        // load prints a warning on the program's stderr).
        assertThat(Files.readString(err)).doesNotContain("loaded dynamically");
      }
      DistributionIT.Result again = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "attach", pid);
      assertThat(again.status()).isEqualTo(1);
      assertThat(again.err()).contains("the agent is in " + pid + " already");

      // Detach: the spans made so far are flushed as the SDK shuts down, then none; the agent's threads go.
      DistributionIT.Result detached = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "detach", pid);
      assertThat(detached.status()).as(detached.err()).isZero();
      assertThat(detached.out()).contains("the agent is detached from " + pid);
      long spansAtDetach = spans(err);
      HttpClient client = HttpClient.newHttpClient();
      for (int i = 0; i < 20; i++) {
        assertThat(client.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.ofString()).body())
            .isEqualTo("pong");
      }
      assertThat(spans(err)).isEqualTo(spansAtDetach);
      Process threads = new ProcessBuilder(jdk.resolve("bin/jcmd").toString(), pid, "Thread.print")
          .redirectErrorStream(true).start();
      String dump = new String(threads.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(threads.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(dump).contains("HTTP-Dispatcher").doesNotContain("otel-auto-instrument", "BatchSpanProcessor");
      // Nothing keeps the agent's classes alive: after full collections both its class loaders are gone (the
      // patchers', and its own with the SDK and Byte Buddy). Now and then (about one run in fifty) the agent's
      // own loader outlives one collection and is gone at the next with nothing of ours holding it: once
      // caught, the heap dump taken right after (its own full collection first) had no such loader. So up to
      // ten collections, one after the other; what a reference of ours keeps alive survives them all (as the
      // ring of PremainTrigger did, every time, before it left out the agent's classes).
      String loaders = "";
      for (int collections = 0; collections < 10; collections++) {
        jcmd(jdk, pid, "GC.run");
        loaders = jcmd(jdk, pid, "VM.classloaders");
        if (!loaders.contains("\"otel-auto-instrument")) {
          break;
        }
      }
      assertThat(loaders).contains("\"app\"").doesNotContain("\"otel-auto-instrument\"", "\"otel-auto-instrument-patchers\"");

      assertThat(status(jdk, pid)).contains("agent:        none");

      // Attached again, with another service name and one patcher only: traced again.
      attach(jdk, Map.of("OTEL_SERVICE_NAME", "overridden", "OTEL_TRACES_EXPORTER", "console"),
          "attach", pid, "--service-name", "again", "--patchers", "jdk-http-server");
      awaitSpans(err, spansAtDetach + 1, ping);
      assertThat(status(jdk, pid)).containsPattern("patchers: +jdk-http-server\n");
      load.forEach(Thread::interrupt);
      for (Thread caller : load) {
        caller.join(TimeUnit.SECONDS.toMillis(30));
      }

      assertThat(Files.readString(err)).contains("service=again");
      assertThat(failures.get()).as("failed requests of " + sent.get()).isZero();
    }
  }

  /**
   * The class files as the JVM holds them (read by {@link ClassFileProbe}): attach changes some, the HTTP
   * server's context among them; detach gives every class loaded before the attach its original bytes back.
   */
  @ParameterizedTest
  @MethodSource("jdks")
  void detachPutsBackTheOriginalBytecodeOfEveryPatchedClass(Path jdk, @TempDir Path work) throws Exception {
    try (Server server = Server.start(jdk, plainServer(jdk))) {
      long pid = server.process().pid();
      HttpClient client = HttpClient.newHttpClient();
      assertThat(client.send(HttpRequest.newBuilder(server.ping()).build(), HttpResponse.BodyHandlers.ofString()).body())
          .isEqualTo("pong");
      Map<String, String> before = ClassFileProbe.classFiles(pid, work);

      attach(jdk, server.pid(), "probed");
      awaitSpans(server.err(), 1, server.ping());
      Map<String, String> attached = ClassFileProbe.classFiles(pid, work);

      DistributionIT.Result detached = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "detach", server.pid());
      assertThat(detached.status()).as(detached.err()).isZero();
      Map<String, String> after = ClassFileProbe.classFiles(pid, work);

      assertThat(before).hasSizeGreaterThan(500);
      Set<String> patched = differing(before, attached);
      assertThat(patched).as("classes the attach patched").anyMatch(name -> name.startsWith("sun/net/httpserver/HttpContextImpl @"));
      assertThat(differing(before, after)).as("classes not restored by the detach (of %s patched)", patched).isEmpty();
      assertThat(after.keySet()).containsAll(before.keySet());
    }
  }

  /** The classes of {@code before} whose class file is another in {@code after}. */
  private static Set<String> differing(Map<String, String> before, Map<String, String> after) {
    Set<String> differing = new TreeSet<>();
    before.forEach((name, digest) -> {
      if (after.containsKey(name) && !after.get(name).equals(digest)) {
        differing.add(name);
      }
    });
    return differing;
  }

  private static void attach(Path jdk, String pid, String serviceName, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of("attach", pid, "--service-name", serviceName));
    command.addAll(List.of(options));
    attach(jdk, Map.of("OTEL_TRACES_EXPORTER", "console"), command.toArray(String[]::new));
  }

  /** {@code otel-auto-instrument attach ...} with {@code environment} added to the command's own. */
  private static void attach(Path jdk, Map<String, String> environment, String... command) throws Exception {
    String pid = command[1];
    DistributionIT.Result attached = DistributionIT.run(DistributionIT.LAUNCHER, jdk, environment, command);
    assertThat(attached.status()).as(attached.err()).isZero();
    assertThat(attached.out()).contains("the agent is loaded into " + pid);
  }

  private static String jcmd(Path jdk, String pid, String command) throws Exception {
    Process jcmd = new ProcessBuilder(jdk.resolve("bin/jcmd").toString(), pid, command).redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(jcmd.exitValue()).as(out).isZero();
    return out;
  }

  /** Status once it counts an exported span (at most 30 s; the count is the agent's as of its last export). */
  private static String statusOnceExported(Path jdk, String pid) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String status = status(jdk, pid);
    while (!status.matches("(?s).*spans: +[1-9][0-9]* exported.*") && System.nanoTime() < deadline) {
      status = status(jdk, pid);
    }
    return status;
  }

  private static String status(Path jdk, String pid) throws Exception {
    DistributionIT.Result status = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "status", pid);
    assertThat(status.status()).as(status.err()).isZero();
    return status.out();
  }

  /**
   * Calls {@code ping} until the server has printed {@code count} SERVER spans (at most 60 s and 10,000 calls;
   * the spans of a call are printed as its exchange ends, so a few more calls may be needed).
   */
  private static void awaitSpans(Path err, long count, URI ping) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int i = 0; i < 10_000 && spans(err) < count && System.nanoTime() < deadline; i++) {
      assertThat(client.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.ofString()).body())
          .isEqualTo("pong");
    }
    assertThat(spans(err)).as(Files.readString(err)).isGreaterThanOrEqualTo(count);
  }

  private static long spans(Path err) throws Exception {
    return Files.readAllLines(err).stream().filter(line -> line.startsWith("span \"GET /ping\" kind=SERVER")).count();
  }

  @Test
  void whatCannotBeAttachedToIsSaidWithItsExitStatus() throws Exception {
    DistributionIT.Result notANumber = DistributionIT.run(DistributionIT.jdk(), "attach", "abc");
    DistributionIT.Result noSuchProcess = DistributionIT.run(DistributionIT.jdk(), "attach", "999999999");
    DistributionIT.Result badExporter = DistributionIT.run(DistributionIT.jdk(), "attach", "1", "--exporter", "nope");
    DistributionIT.Result detachNoSuchProcess = DistributionIT.run(DistributionIT.jdk(), "detach", "999999999");

    assertThat(notANumber.status()).isEqualTo(2);
    assertThat(notANumber.err()).isEqualTo("otel-auto-instrument: not a process id: abc\n");
    assertThat(noSuchProcess.status()).isEqualTo(1);
    assertThat(noSuchProcess.err()).startsWith("otel-auto-instrument: cannot attach to 999999999: ");
    assertThat(badExporter.status()).isEqualTo(2);
    assertThat(badExporter.err()).startsWith("otel-auto-instrument: unknown exporter 'nope'");
    assertThat(detachNoSuchProcess.status()).isEqualTo(1);
    assertThat(detachNoSuchProcess.err()).isEqualTo("otel-auto-instrument: cannot attach to 999999999: no such process\n");
  }

  /**
   * A process that is not a JVM is told so and sent nothing (the JDK's attach would send it SIGQUIT, which
   * ends it); a JVM with attach disabled, one without the agent (detach), an unknown patcher: each said.
   */
  @Test
  void whatIsNotAJvmOrNotAttachableIsSaidAndLeftAlone(@TempDir Path work) throws Exception {
    Path jdk = DistributionIT.jdk();
    Process sleeper = new ProcessBuilder("sleep", "120").start();
    try (Server closed = Server.start(jdk, plainServer(jdk, "-XX:+DisableAttachMechanism"));
        Server plain = Server.start(jdk, plainServer(jdk))) {
      String sleeperPid = Long.toString(sleeper.pid());
      DistributionIT.Result notAJvm = DistributionIT.run(jdk, "attach", sleeperPid);
      DistributionIT.Result statusOfNotAJvm = DistributionIT.run(jdk, "status", sleeperPid);
      DistributionIT.Result disabled = DistributionIT.run(jdk, "attach", closed.pid());
      DistributionIT.Result noAgent = DistributionIT.run(jdk, "detach", plain.pid());
      DistributionIT.Result unknownPatcher = DistributionIT.run(jdk, "attach", plain.pid(), "--patchers", "jdk-http-server,nope");

      assertThat(notAJvm.status()).isEqualTo(1);
      assertThat(notAJvm.err()).isEqualTo("otel-auto-instrument: cannot attach to " + sleeperPid
          + ": not a JVM (" + sleeper.info().command().orElseThrow() + "); nothing was sent to it\n");
      assertThat(statusOfNotAJvm.status()).isEqualTo(1);
      assertThat(sleeper.isAlive()).isTrue();
      assertThat(disabled.status()).isEqualTo(1);
      assertThat(disabled.err()).isEqualTo("otel-auto-instrument: cannot attach to " + closed.pid()
          + ": attach is disabled in that JVM (it was started with -XX:+DisableAttachMechanism)\n");
      assertThat(noAgent.status()).isEqualTo(1);
      assertThat(noAgent.err()).isEqualTo("otel-auto-instrument: there is no agent in " + plain.pid() + "; nothing to detach\n");
      assertThat(unknownPatcher.status()).isEqualTo(2);
      assertThat(unknownPatcher.err()).startsWith("otel-auto-instrument: unknown patcher 'nope' for --patchers; use one of: ")
          .contains("jdk-http-server");
      // The plain JVM still serves, without spans: none of it reached its agent-less program.
      HttpClient client = HttpClient.newHttpClient();
      assertThat(client.send(HttpRequest.newBuilder(plain.ping()).build(), HttpResponse.BodyHandlers.ofString()).body())
          .isEqualTo("pong");
      assertThat(spans(plain.err())).isZero();
    } finally {
      sleeper.destroyForcibly();
    }
  }

  /** A Java runtime without jdk.attach (made with jlink) runs the launcher, which says what is missing. */
  @Test
  void aRuntimeWithoutTheAttachModuleIsSaid(@TempDir Path work) throws Exception {
    Path jdk = DistributionIT.jdk();
    Path runtime = work.resolve("runtime");
    Process jlink = new ProcessBuilder(jdk.resolve("bin/jlink").toString(), "--add-modules",
        "java.base,java.logging,java.instrument,java.management", "--output", runtime.toString())
        .redirectErrorStream(true).start();
    String jlinkOutput = new String(jlink.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jlink.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(jlink.exitValue()).as(jlinkOutput).isZero();
    try (Server server = Server.start(jdk, plainServer(jdk))) {
      DistributionIT.Result attach = DistributionIT.run(DistributionIT.LAUNCHER, runtime, Map.of(), "attach", server.pid());
      DistributionIT.Result status = DistributionIT.run(DistributionIT.LAUNCHER, runtime, Map.of(), "status");

      String missing = "this Java runtime has no attach module (jdk.attach); run otel-auto-instrument with a full JDK (JAVA_HOME)\n";
      assertThat(attach.status()).isEqualTo(1);
      assertThat(attach.err()).isEqualTo("otel-auto-instrument: cannot attach to " + server.pid() + ": " + missing);
      assertThat(status.status()).isEqualTo(1);
      assertThat(status.err()).isEqualTo("otel-auto-instrument: cannot list the JVMs: " + missing);
    }
  }

  /** Another user's JVM: said with the user to run as (the JDK only lets a JVM's own user, or root, attach). */
  @Test
  void anotherUsersJvmIsSaidWithTheUserToRunAs() throws Exception {
    Path setpriv = Path.of("/usr/bin/setpriv");
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(setpriv),
        "needs root, to run the command as another user (nobody)");
    Path jdk = DistributionIT.jdk();
    try (Server server = Server.start(jdk, plainServer(jdk))) {
      ProcessBuilder builder = new ProcessBuilder(setpriv.toString(), "--reuid=nobody", "--regid=nogroup",
          "--clear-groups", DistributionIT.LAUNCHER.toString(), "attach", server.pid());
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().put("JAVA_HOME", jdk.toString());
      builder.environment().put("HOME", "/tmp");
      Process asNobody = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      String err = new String(asNobody.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(asNobody.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(asNobody.exitValue()).as(err).isEqualTo(1);
      assertThat(err).isEqualTo("otel-auto-instrument: cannot attach to " + server.pid()
          + ": the process runs as root, and only its own user may attach to a JVM: run this as root\n");
    }
  }
}
