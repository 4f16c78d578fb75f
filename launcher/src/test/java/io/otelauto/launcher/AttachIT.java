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
 * {@code otel-auto-instrument attach PID}: the agent loaded into a JDK HTTP server started without it, while a
 * client keeps calling it: the server's next requests get SERVER spans, and no request fails.
 */
class AttachIT {
  private static final int MAX_REQUESTS = 2_000;

  static List<Path> jdks() {
    return DistributionIT.jdks();
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aServerStartedWithoutTheAgentIsTracedOnceAttachedAndNoRequestFails(Path jdk) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(jdk.resolve("bin/java").toString(), "-cp",
        DistributionIT.TEST_CLASSES.toString(), ServesUntilTerminated.class.getName());
    builder.environment().remove("JAVA_TOOL_OPTIONS");
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

      DistributionIT.Result attached = DistributionIT.run(DistributionIT.LAUNCHER, jdk, Map.of(), "attach",
          Long.toString(server.pid()), "--service-name", "attached", "--exporter", "console");
      assertThat(attached.status()).as(attached.err()).isZero();
      assertThat(attached.out()).contains("the agent is loaded into " + server.pid());

      // The requests made from now on are traced: wait for a SERVER span on the server's stderr.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(err).contains("span \"GET /ping\" kind=SERVER") && System.nanoTime() < deadline
          && load.isAlive()) {
        load.join(50);
      }
      load.interrupt();
      load.join(TimeUnit.SECONDS.toMillis(30));

      String output = Files.readString(err);
      assertThat(output).contains("span \"GET /ping\" kind=SERVER").contains("service=attached");
      assertThat(failures.get()).as("failed requests of " + sent.get()).isZero();
    } finally {
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void whatCannotBeAttachedToIsSaidWithItsExitStatus() throws Exception {
    DistributionIT.Result notANumber = DistributionIT.run(DistributionIT.jdk(), "attach", "abc");
    DistributionIT.Result noSuchProcess = DistributionIT.run(DistributionIT.jdk(), "attach", "999999999");
    DistributionIT.Result badExporter = DistributionIT.run(DistributionIT.jdk(), "attach", "1", "--exporter", "nope");

    assertThat(notANumber.status()).isEqualTo(2);
    assertThat(notANumber.err()).isEqualTo("otel-auto-instrument: not a process id: abc\n");
    assertThat(noSuchProcess.status()).isEqualTo(1);
    assertThat(noSuchProcess.err()).startsWith("otel-auto-instrument: cannot attach to 999999999: ");
    assertThat(badExporter.status()).isEqualTo(2);
    assertThat(badExporter.err()).startsWith("otel-auto-instrument: unknown exporter 'nope'");
  }
}
