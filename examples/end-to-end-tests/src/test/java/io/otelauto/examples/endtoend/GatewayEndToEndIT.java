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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A system with no tracing code at all, every service started through the real launcher: the gateway calls
 * the formatter with HttpClient.send, the publisher with HttpClient.sendAsync, and the publisher again with
 * HttpURLConnection on a pool thread. One request must make one connected trace.
 */
class GatewayEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final String LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument").toString();
  private static final String SERVICES = ROOT.resolve("examples/uninstrumented/target/example-uninstrumented.jar").toString();
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final int CLIENT_CALLS_PER_REQUEST = 3;

  private final List<ExampleProcess> processes = new ArrayList<>();
  private ExampleProcess formatter;
  private ExampleProcess publisher;
  private ExampleProcess gateway;
  private String gatewayUrl;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (ExampleProcess process : processes) {
      process.close();
    }
  }

  private void startSystem(Path jdk) throws Exception {
    formatter = start(jdk, "formatter", "io.otelauto.examples.hello.PlainFormatter", "0");
    publisher = start(jdk, "publisher", "io.otelauto.examples.hello.Publisher", "0");
    String formatterPort = formatter.awaitLine(LISTENING, TIMEOUT).group(1);
    String publisherPort = publisher.awaitLine(LISTENING, TIMEOUT).group(1);
    gateway = start(jdk, "gateway", "io.otelauto.examples.hello.Gateway", "0", formatterPort, publisherPort);
    gatewayUrl = "http://127.0.0.1:" + gateway.awaitLine(LISTENING, TIMEOUT).group(1) + "/hello?name=";
  }

  private ExampleProcess start(Path jdk, String service, String mainClass, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(LAUNCHER, "--service-name", service,
        jdk.resolve("bin/java").toString(), "-cp", SERVICES, mainClass));
    command.addAll(List.of(args));
    ExampleProcess process = ExampleProcess.start(service, jdk, command);
    processes.add(process);
    return process;
  }

  @ParameterizedTest
  @MethodSource("io.otelauto.examples.endtoend.HelloEndToEndIT#jdks")
  void oneRequestThroughThreeUninstrumentedServicesIsOneTrace(Path jdk) throws Exception {
    startSystem(jdk);
    Traceparent incoming = Traceparent.random();

    HttpResponse<String> response = send(HttpClient.newHttpClient(), "world", incoming).join();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("Hello, world! (published, audit 200)");
    checkTrace(incoming, collect(1));
  }

  @Test
  void twoHundredRequestsInFlightNeverMixTheirTraces() throws Exception {
    startSystem(HelloEndToEndIT.jdks().get(0));
    int requests = 200;
    int clientThreads = 4;
    HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(clientThreads)).build();
    ExecutorService senders = Executors.newFixedThreadPool(clientThreads);
    List<Traceparent> sent = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    try {
      List<java.util.concurrent.Future<List<Object[]>>> batches = new ArrayList<>();
      for (int thread = 0; thread < clientThreads; thread++) {
        int index = thread;
        batches.add(senders.submit(() -> {
          List<Object[]> batch = new ArrayList<>();
          for (int i = 0; i < requests / clientThreads; i++) {
            Traceparent incoming = Traceparent.random();
            batch.add(new Object[] {incoming, send(client, "user-" + index + "-" + i, incoming)});
          }
          return batch;
        }));
      }
      for (var batch : batches) {
        for (Object[] pair : batch.get(60, TimeUnit.SECONDS)) {
          sent.add((Traceparent) pair[0]);
          @SuppressWarnings("unchecked")
          CompletableFuture<HttpResponse<String>> response = (CompletableFuture<HttpResponse<String>>) pair[1];
          responses.add(response);
        }
      }
      for (CompletableFuture<HttpResponse<String>> response : responses) {
        assertThat(response.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
    } finally {
      senders.shutdownNow();
    }

    Spans spans = collect(requests);
    Map<String, Spans> byTrace = spans.byTrace();
    assertThat(byTrace.keySet()).isEqualTo(sent.stream().map(Traceparent::traceId).collect(Collectors.toSet()));
    for (Traceparent incoming : sent) {
      checkTrace(incoming, byTrace.get(incoming.traceId()));
    }

    // After the load, a request with no incoming context starts a trace of its own: no pool thread kept one.
    HttpResponse<String> fresh = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gatewayUrl + "fresh")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(fresh.statusCode()).isEqualTo(200);
    Spans afterwards = collect(requests + 1);
    Set<String> newTraces = new HashSet<>(afterwards.byTrace().keySet());
    newTraces.removeAll(byTrace.keySet());
    assertThat(newTraces).hasSize(1);
    Spans freshTrace = afterwards.byTrace().get(newTraces.iterator().next());
    assertThat(freshTrace.all()).hasSize(1 + 2 * CLIENT_CALLS_PER_REQUEST);
    assertThat(freshTrace.server(freshTrace.gateway).get(0).parentSpanId()).isEqualTo("-");
  }

  /** Every span of the request in the incoming trace, linked gateway SERVER -> CLIENT -> downstream SERVER. */
  private static void checkTrace(Traceparent incoming, Spans trace) {
    assertThat(trace.all()).allSatisfy(span -> assertThat(span.traceId()).isEqualTo(incoming.traceId()));
    List<ConsoleSpan> gatewayServer = trace.server(trace.gateway);
    assertThat(gatewayServer).hasSize(1);
    ConsoleSpan entry = gatewayServer.get(0);
    assertThat(entry.name()).isEqualTo("GET /hello");
    assertThat(entry.parentSpanId()).isEqualTo(incoming.parentId());
    List<ConsoleSpan> clients = trace.gateway.stream().filter(s -> s.kind().equals("CLIENT")).toList();
    assertThat(clients).hasSize(CLIENT_CALLS_PER_REQUEST)
        .allSatisfy(client -> assertThat(client.parentSpanId()).isEqualTo(entry.spanId()));
    List<ConsoleSpan> downstream = new ArrayList<>(trace.server(trace.formatter));
    downstream.addAll(trace.server(trace.publisher));
    assertThat(downstream).hasSize(CLIENT_CALLS_PER_REQUEST);
    assertThat(downstream.stream().map(ConsoleSpan::parentSpanId).collect(Collectors.toSet()))
        .isEqualTo(clients.stream().map(ConsoleSpan::spanId).collect(Collectors.toSet()));
  }

  private Spans collect(int requests) throws InterruptedException {
    return new Spans(
        ConsoleSpan.all(gateway.awaitLines(ConsoleSpan::isSpan, requests * (1 + CLIENT_CALLS_PER_REQUEST), TIMEOUT)),
        ConsoleSpan.all(formatter.awaitLines(ConsoleSpan::isSpan, requests, TIMEOUT)),
        ConsoleSpan.all(publisher.awaitLines(ConsoleSpan::isSpan, requests * 2, TIMEOUT)));
  }

  private CompletableFuture<HttpResponse<String>> send(HttpClient client, String name, Traceparent incoming) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create(gatewayUrl + name))
        .header("traceparent", incoming.header()).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private record Traceparent(String traceId, String parentId) {
    static Traceparent random() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      return new Traceparent(String.format("%016x%016x", random.nextLong(), random.nextLong() | 1),
          String.format("%016x", random.nextLong() | 1));
    }

    String header() {
      return "00-" + traceId + "-" + parentId + "-01";
    }
  }

  private record Spans(List<ConsoleSpan> gateway, List<ConsoleSpan> formatter, List<ConsoleSpan> publisher) {
    List<ConsoleSpan> all() {
      List<ConsoleSpan> all = new ArrayList<>(gateway);
      all.addAll(formatter);
      all.addAll(publisher);
      return all;
    }

    List<ConsoleSpan> server(List<ConsoleSpan> of) {
      return of.stream().filter(s -> s.kind().equals("SERVER")).toList();
    }

    Map<String, Spans> byTrace() {
      Map<String, Spans> traces = new HashMap<>();
      for (String traceId : all().stream().map(ConsoleSpan::traceId).collect(Collectors.toSet())) {
        traces.put(traceId, new Spans(only(gateway, traceId), only(formatter, traceId), only(publisher, traceId)));
      }
      return traces;
    }

    private static List<ConsoleSpan> only(List<ConsoleSpan> spans, String traceId) {
      return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }
  }
}
