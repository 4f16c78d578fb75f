package io.otelauto.launcher;

import static io.otelauto.launcher.DistributionIT.LAUNCHER;
import static io.otelauto.launcher.DistributionIT.TEST_CLASSES;
import static io.otelauto.launcher.DistributionIT.jdk;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A collector that fails, in each way it can, never holds a program back for longer than the exit bound
 * (1 s by default) past its own end, and every span not delivered is counted in the exit report. Exit
 * times are asserted against the bound with a generous margin, next to the same program exporting nowhere.
 */
class ExitBoundIT {
  private static final long BOUND_MILLIS = 1000;
  private static final long MARGIN_MILLIS = 3000;
  private static final Pattern NOT_EXPORTED = Pattern.compile("\\[otel-auto-instrument\\] spans not exported in all: (.*)");
  private static final Pattern COUNT = Pattern.compile("(\\d+) (?:dropped|failed|still)");

  @ParameterizedTest
  @EnumSource(FailingCollector.Failure.class)
  void aShortProgramEndsWithinTheBoundAndItsSpansAreCounted(FailingCollector.Failure failure) throws Exception {
    long plain = timed(Map.of(), "none").millis;

    Timed failing;
    try (FailingCollector collector = new FailingCollector(failure)) {
      failing = timed(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint), "otlp");
    }

    assertThat(failing.result.status()).as(failing.result.err()).isZero();
    assertThat(failing.result.out()).isEqualTo("response: pong\n");
    assertThat(failing.millis - plain).as("exit delay over the same program exporting nowhere; " + failing.result.err())
        .isLessThan(BOUND_MILLIS + MARGIN_MILLIS);
    // Its two spans (the SERVER span and the CLIENT span of its request to itself), none delivered.
    assertThat(notExportedInAll(failing.result.err())).as(failing.result.err()).isEqualTo(2);
  }

  @Test
  void aServerStoppedBySigtermWithAStuckCollectorExitsWithinTheBoundAndCountsEverySpan() throws Exception {
    try (FailingCollector collector = new FailingCollector(FailingCollector.Failure.NEVER_ANSWERS)) {
      ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "--exporter", "otlp", "java", "-cp",
          TEST_CLASSES.toString(), ServesUntilTerminated.class.getName());
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint);
      Path err = Files.createTempFile("server", ".err");
      Process server = builder.redirectError(err.toFile()).start();
      try {
        String listening = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(listening).as(Files.readString(err)).startsWith("listening on ");
        HttpClient client = HttpClient.newHttpClient();
        URI ping = URI.create("http://127.0.0.1:" + listening.substring("listening on ".length()) + "/ping");
        int requests = 20;
        for (int i = 0; i < requests; i++) {
          assertThat(client.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("pong");
        }

        long signalled = System.nanoTime();
        server.destroy();
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);

        String output = Files.readString(err);
        assertThat(server.exitValue()).as(output).isEqualTo(143);
        assertThat(millis).as(output).isLessThan(BOUND_MILLIS + MARGIN_MILLIS);
        assertThat(notExportedInAll(output)).as(output).isEqualTo(requests);
      } finally {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void aCollectorStartedLateGetsTheSpansMadeAfterItIsUp() throws Exception {
    int port;
    try (ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = reserved.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "--exporter", "otlp", "java", "-cp",
        TEST_CLASSES.toString(), ServesUntilTerminated.class.getName());
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + port);
    Path err = Files.createTempFile("server", ".err");
    Process server = builder.redirectError(err.toFile()).start();
    HttpServer collector = null;
    try {
      String listening = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertThat(listening).as(Files.readString(err)).startsWith("listening on ");
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + listening.substring("listening on ".length()) + "/ping?";
      client.send(HttpRequest.newBuilder(URI.create(base + "before-the-collector")).build(), HttpResponse.BodyHandlers.ofString());

      // The collector comes up on the endpoint the program was given; what it receives is kept.
      BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
      collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      collector.createContext("/", exchange -> {
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.ISO_8859_1));
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      collector.start();
      client.send(HttpRequest.newBuilder(URI.create(base + "after-the-collector")).build(), HttpResponse.BodyHandlers.ofString());

      // Batches go out every 200 ms while the program runs: wait (bounded) for the one with the later span.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean received = false;
      while (!received && System.nanoTime() < deadline) {
        String body = bodies.poll(1, TimeUnit.SECONDS);
        received = body != null && body.contains("after-the-collector");
      }
      assertThat(received).as(Files.readString(err)).isTrue();
    } finally {
      server.destroy();
      server.waitFor(60, TimeUnit.SECONDS);
      if (collector != null) {
        collector.stop(0);
      }
    }
  }

  private record Timed(DistributionIT.Result result, long millis) {}

  private static Timed timed(Map<String, String> environment, String exporter) throws Exception {
    long start = System.nanoTime();
    DistributionIT.Result result = DistributionIT.run(LAUNCHER, jdk(), environment, "--exporter", exporter,
        "java", "-cp", TEST_CLASSES.toString(), SelfRequestingServer.class.getName());
    return new Timed(result, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  /** The sum of the exit report's counts (dropped, failed, still queued or being sent); 0 without a report. */
  private static long notExportedInAll(String err) {
    Matcher report = NOT_EXPORTED.matcher(err);
    if (!report.find()) {
      return 0;
    }
    long total = 0;
    for (Matcher count = COUNT.matcher(report.group(1)); count.find(); ) {
      total += Long.parseLong(count.group(1));
    }
    return total;
  }
}
