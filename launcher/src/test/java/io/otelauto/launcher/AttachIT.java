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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code otel-auto-instrument attach PID} and {@code detach PID} on a JDK HTTP server started without the
 * agent, while a client keeps calling it: attached, its requests get SERVER spans; detached, none, and no
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
    attachDetachAttach(jdk, List.of(jdk.resolve("bin/java").toString(), "-cp",
        DistributionIT.TEST_CLASSES.toString(), ServesUntilTerminated.class.getName()), false);
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aServerStartedUnderTheLauncherCanBeDetachedAndAttachedAgain(Path jdk) throws Exception {
    attachDetachAttach(jdk, List.of(DistributionIT.LAUNCHER.toString(), "--service-name", "attached",
        jdk.resolve("bin/java").toString(), "-cp", DistributionIT.TEST_CLASSES.toString(),
        ServesUntilTerminated.class.getName()), true);
  }

  /** {@code launched}: the server has the agent from its start (the launcher), so the first attach is skipped. */
  private static void attachDetachAttach(Path jdk, List<String> command, boolean launched) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().put("JAVA_HOME", jdk.toString());
    Path err = Files.createTempFile("server", ".err");
    Process server = builder.redirectError(err.toFile()).start();
    try {
      String listening = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      assertThat(listening).as(Files.readString(err)).startsWith("listening on ");
      URI ping = URI.create("http://127.0.0.1:" + listening.substring("listening on ".length()) + "/ping");

      // A client calling all along, bounded in count and time, counting what fails.
      AtomicInteger failures = new AtomicInteger();
      AtomicLong sent = new AtomicLong();
      Thread load = new Thread(() -> {
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
      });
      load.start();

      String pid = Long.toString(server.pid());
      if (!launched) {
        attach(jdk, pid, "attached");
      }
      awaitSpans(err, 1, ping);
      assertThat(Files.readString(err)).contains("service=attached");

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

      // Attached again, with another service name: traced again.
      attach(jdk, pid, "again");
      awaitSpans(err, spansAtDetach + 1, ping);
      load.interrupt();
      load.join(TimeUnit.SECONDS.toMillis(30));

      assertThat(Files.readString(err)).contains("service=again");
      assertThat(failures.get()).as("failed requests of " + sent.get()).isZero();
    } finally {
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void attach(Path jdk, String pid, String serviceName) throws Exception {
    DistributionIT.Result attached = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "attach", pid,
        "--service-name", serviceName, "--exporter", "console");
    assertThat(attached.status()).as(attached.err()).isZero();
    assertThat(attached.out()).contains("the agent is loaded into " + pid);
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
  }
}
