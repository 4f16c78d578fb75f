package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A server started through the launcher (its console spans on its output), the URL it listens on, and what
 * its spans say about the requests a test sends it.
 */
final class TracedServer implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();

  final ExampleProcess process;
  private final String baseUrl;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private TracedServer(ExampleProcess process, String baseUrl) {
    this.process = process;
    this.baseUrl = baseUrl;
  }

  /**
   * Starts {@code command} and waits for {@code listening} (its group 1 is the port on 127.0.0.1), then for
   * each of {@code ready}.
   */
  static TracedServer start(String name, Path jdk, List<String> command, Map<String, String> environment,
      Pattern listening, Pattern... ready) throws Exception {
    ExampleProcess process = ExampleProcess.start(name, jdk, command, environment);
    try {
      String port = process.awaitLine(listening, TIMEOUT).group(1);
      for (Pattern line : ready) {
        process.awaitLine(line, TIMEOUT);
      }
      return new TracedServer(process, "http://127.0.0.1:" + port);
    } catch (Throwable e) {
      process.close();
      throw e;
    }
  }

  /** Each variant (a jar, a container, a distribution) on each JDK the end-to-end tests run on. */
  static List<Arguments> onEveryJdk(List<String> variants) {
    List<Arguments> runs = new ArrayList<>();
    for (String variant : variants) {
      for (Path jdk : JdbcServiceEndToEndIT.jdks()) {
        runs.add(Arguments.of(variant, jdk));
      }
    }
    return runs;
  }

  HttpResponse<String> get(String path, String traceparent) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Predicate<ConsoleSpan> serverOf(String path) {
    return s -> s.kind().equals("SERVER") && s.hasAttribute("url.path", path);
  }

  /** All spans once one satisfying {@code test} is printed (a request's inner spans end before its own). */
  List<ConsoleSpan> awaitSpans(Predicate<ConsoleSpan> test) throws InterruptedException {
    process.awaitLines(line -> ConsoleSpan.parse(line).filter(test).isPresent(), 1, TIMEOUT);
    return spans();
  }

  List<ConsoleSpan> spans() {
    return ConsoleSpan.all(process.lines());
  }

  /** The one SERVER span of {@code path}, once printed. */
  ConsoleSpan onlyServer(String path) throws InterruptedException {
    List<ConsoleSpan> servers = awaitSpans(serverOf(path)).stream().filter(serverOf(path)).toList();
    assertThat(servers).as("SERVER spans of " + path).hasSize(1);
    return servers.get(0);
  }

  static List<ConsoleSpan> childrenOf(List<ConsoleSpan> spans, ConsoleSpan parent) {
    return spans.stream().filter(span -> span.parentSpanId().equals(parent.spanId())).toList();
  }

  /**
   * Sends {@code requests} GETs of {@code path.apply(i)}, 16 at a time, each with a traceparent of its own
   * (trace ids from {@code seed}); asserts each answered 200 and each SERVER span is in its caller's trace,
   * under its caller's span; returns those SERVER spans.
   */
  List<ConsoleSpan> concurrentRequestsInTheirOwnTraces(int requests, IntFunction<String> path, int seed)
      throws Exception {
    Map<String, String> parentByTrace = new HashMap<>();
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < requests; i++) {
        String traceId = String.format("%032x", seed + i);
        String parent = String.format("%016x", seed + requests + i);
        parentByTrace.put(traceId, parent);
        String target = path.apply(i);
        responses.add(callers.submit(() -> get(target, "00-" + traceId + "-" + parent + "-01")));
      }
      for (Future<HttpResponse<String>> response : responses) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }
    } finally {
      callers.shutdownNow();
    }
    Predicate<ConsoleSpan> ours = s -> s.kind().equals("SERVER") && parentByTrace.containsKey(s.traceId());
    process.awaitLines(line -> ConsoleSpan.parse(line).filter(ours).isPresent(), requests, TIMEOUT);
    List<ConsoleSpan> servers = spans().stream().filter(ours).toList();
    assertThat(servers).hasSize(requests).allSatisfy(server ->
        assertThat(server.parentSpanId()).isEqualTo(parentByTrace.get(server.traceId())));
    return servers;
  }

  /** SIGTERM, as a service manager stops a service; returns the exit status. */
  int terminate() throws InterruptedException {
    process.signalTerminate();
    return process.awaitExit(TIMEOUT);
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
