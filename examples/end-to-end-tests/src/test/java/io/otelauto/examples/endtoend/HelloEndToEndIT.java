package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The design's scenario, as real processes on 127.0.0.1 with free ports: hello calls formatter and
 * publisher. The publisher without tracing code runs through the real launcher script; the assertions are
 * on the spans the processes print.
 */
class HelloEndToEndIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Path ROOT = Path.of(System.getProperty("project.root")).toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("scripts/otel-auto-instrument");
  private static final String INSTRUMENTED = ROOT.resolve("examples/instrumented/target/example-instrumented.jar").toString();
  private static final String UNINSTRUMENTED = ROOT.resolve("examples/uninstrumented/target/example-uninstrumented.jar").toString();
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final String SECOND_JDK = System.getProperty("e2e.second.java.home", "");

  private final List<ExampleProcess> processes = new ArrayList<>();

  static List<Path> jdks() {
    List<Path> jdks = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
    if (!SECOND_JDK.isBlank()) {
      jdks.add(Path.of(SECOND_JDK));
    }
    return jdks;
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    for (ExampleProcess process : processes) {
      process.close();
    }
  }

  @Test
  void aSecondJdkIsConfigured() {
    Assumptions.assumeFalse(SECOND_JDK.isBlank(),
        "no second JDK: /usr/lib/jvm/temurin-25-jdk-amd64 is missing, so the end-to-end tests ran on one JDK");
    assertThat(Path.of(SECOND_JDK, "bin", "java")).isExecutable();
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void theUninstrumentedPublisherUnderTheLauncherJoinsHellosTrace(Path jdk) throws Exception {
    Scenario scenario = run(jdk, List.of(LAUNCHER.toString(), "--service-name", "publisher",
        java(jdk), "-jar", UNINSTRUMENTED, "0"));

    assertThat(scenario.publisherOutput).contains("Hello, testing!");
    List<ConsoleSpan> serverSpans = scenario.publisherSpans.stream().filter(s -> s.kind().equals("SERVER")).toList();
    assertThat(serverSpans).hasSize(1);
    ConsoleSpan publish = serverSpans.get(0);
    ConsoleSpan helloPublish = ConsoleSpan.named(scenario.helloSpans, "hello-publish");
    assertThat(publish.name()).isEqualTo("GET /publish_request");
    assertThat(publish.service()).isEqualTo("publisher");
    assertThat(publish.traceId()).isEqualTo(helloPublish.traceId());
    assertThat(publish.parentSpanId()).isEqualTo(helloPublish.spanId());
    assertThat(publish.attributes()).contains("http.route=/publish_request", "http.response.status_code=200",
        "url.query=helloStr=Hello");
    assertThat(scenario.publisherOutput).doesNotContain("Exception", "WARNING");
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void handMadeAndPatchedPublisherSpansAgreeOnKindTraceAndParent(Path jdk) throws Exception {
    Scenario byHand = run(jdk, List.of(java(jdk), "-cp", INSTRUMENTED,
        "io.otelauto.examples.hello.PublisherInstrumented", "0"));
    stopAll();
    processes.clear();
    Scenario patched = run(jdk, List.of(LAUNCHER.toString(), java(jdk), "-jar", UNINSTRUMENTED, "0"));

    for (Scenario scenario : List.of(byHand, patched)) {
      ConsoleSpan hello = ConsoleSpan.named(scenario.helloSpans, "hello");
      ConsoleSpan helloFormat = ConsoleSpan.named(scenario.helloSpans, "hello-format");
      ConsoleSpan helloPublish = ConsoleSpan.named(scenario.helloSpans, "hello-publish");
      assertThat(hello.parentSpanId()).isEqualTo("-");
      assertThat(helloFormat.parentSpanId()).isEqualTo(hello.spanId());
      assertThat(helloPublish.parentSpanId()).isEqualTo(hello.spanId());
      ConsoleSpan format = ConsoleSpan.named(scenario.formatterSpans, "format_request");
      assertThat(format.parentSpanId()).isEqualTo(helloFormat.spanId());
      ConsoleSpan publish = scenario.publisherSpans.get(0);
      assertThat(scenario.publisherSpans).hasSize(1);
      assertThat(publish.kind()).isEqualTo("SERVER");
      assertThat(publish.traceId()).isEqualTo(hello.traceId());
      assertThat(publish.parentSpanId()).isEqualTo(helloPublish.spanId());
    }
    assertThat(patched.publisherSpans.get(0).kind()).isEqualTo(byHand.publisherSpans.get(0).kind());
  }

  @Test
  void aProgramBundlingItsOwnOpenTelemetrySdkRunsCorrectlyUnderTheAgent() throws Exception {
    Path jdk = jdks().get(0);
    // The formatter is traced by hand with OpenTelemetry 1.42.1; the agent brings 1.63.0 of its own.
    Scenario scenario = run(jdk,
        List.of(LAUNCHER.toString(), java(jdk), "-cp", INSTRUMENTED, "io.otelauto.examples.hello.Formatter", "0"),
        List.of(LAUNCHER.toString(), java(jdk), "-jar", UNINSTRUMENTED, "0"));

    ConsoleSpan helloFormat = ConsoleSpan.named(scenario.helloSpans, "hello-format");
    ConsoleSpan byHand = ConsoleSpan.named(scenario.formatterSpans, "format_request");
    ConsoleSpan patched = ConsoleSpan.named(scenario.formatterSpans, "GET /format_request");
    assertThat(byHand.service()).isEqualTo("formatter");
    assertThat(patched.service()).isEqualTo("Formatter");
    assertThat(List.of(byHand, patched)).allSatisfy(span -> {
      assertThat(span.kind()).isEqualTo("SERVER");
      assertThat(span.traceId()).isEqualTo(helloFormat.traceId());
      assertThat(span.parentSpanId()).isEqualTo(helloFormat.spanId());
    });
    assertThat(scenario.publisherOutput).contains("Hello, testing!");
  }

  @ParameterizedTest
  @MethodSource("jdks")
  void aProgramWithItsOwnSdkSharesOneContextWithTheAgent(Path jdk) throws Exception {
    // hello traces itself with its own SDK (OpenTelemetry 1.42.1) and now runs under the launcher.
    Scenario scenario = run(jdk, List.of(LAUNCHER.toString()),
        List.of(java(jdk), "-cp", INSTRUMENTED, "io.otelauto.examples.hello.Formatter", "0"),
        List.of(java(jdk), "-cp", INSTRUMENTED, "io.otelauto.examples.hello.PublisherInstrumented", "0"));

    // Its own spans still go through its own SDK (its exporter prints its own service name), as before.
    ConsoleSpan hello = ConsoleSpan.named(scenario.helloSpans, "hello");
    ConsoleSpan helloFormat = ConsoleSpan.named(scenario.helloSpans, "hello-format");
    ConsoleSpan helloPublish = ConsoleSpan.named(scenario.helloSpans, "hello-publish");
    assertThat(List.of(hello, helloFormat, helloPublish)).allSatisfy(span -> {
      assertThat(span.service()).isEqualTo("hello");
      assertThat(span.traceId()).isEqualTo(hello.traceId());
    });
    assertThat(helloFormat.parentSpanId()).isEqualTo(hello.spanId());
    // The agent's CLIENT spans of its HttpClient calls are children of its own current spans: one context.
    List<ConsoleSpan> clients = scenario.helloSpans.stream().filter(s -> s.kind().equals("CLIENT")).toList();
    assertThat(clients).hasSize(2).allSatisfy(client -> assertThat(client.traceId()).isEqualTo(hello.traceId()));
    assertThat(clients).extracting(ConsoleSpan::parentSpanId)
        .containsExactlyInAnyOrder(helloFormat.spanId(), helloPublish.spanId());
    // Downstream, the formatter's own span is in the same trace, under hello's span: the traceparent hello
    // injected itself is kept (the agent adds only headers the request does not have).
    ConsoleSpan format = ConsoleSpan.named(scenario.formatterSpans, "format_request");
    assertThat(format.traceId()).isEqualTo(hello.traceId());
    assertThat(format.parentSpanId()).isEqualTo(helloFormat.spanId());
    assertThat(scenario.publisherOutput).contains("Hello, testing!");
  }

  private record Scenario(List<ConsoleSpan> helloSpans, List<ConsoleSpan> formatterSpans,
      List<ConsoleSpan> publisherSpans, String publisherOutput) {}

  private Scenario run(Path jdk, List<String> publisherCommand) throws Exception {
    return run(jdk, List.of(java(jdk), "-cp", INSTRUMENTED, "io.otelauto.examples.hello.Formatter", "0"),
        publisherCommand);
  }

  private Scenario run(Path jdk, List<String> formatterCommand, List<String> publisherCommand) throws Exception {
    return run(jdk, List.of(), formatterCommand, publisherCommand);
  }

  /** {@code helloPrefix}: what hello's {@code java} command is started through (the launcher, or nothing). */
  private Scenario run(Path jdk, List<String> helloPrefix, List<String> formatterCommand,
      List<String> publisherCommand) throws Exception {
    ExampleProcess formatter = started("formatter", jdk, formatterCommand);
    ExampleProcess publisher = started("publisher", jdk, publisherCommand);
    String formatterPort = formatter.awaitLine(LISTENING, TIMEOUT).group(1);
    String publisherPort = publisher.awaitLine(LISTENING, TIMEOUT).group(1);

    List<String> helloCommand = new ArrayList<>(helloPrefix);
    helloCommand.addAll(List.of(java(jdk), "-cp", INSTRUMENTED,
        "io.otelauto.examples.hello.Hello", "testing", formatterPort, publisherPort));
    ExampleProcess hello = started("hello", jdk, helloCommand);
    assertThat(hello.awaitExit(TIMEOUT)).as(hello.output()).isZero();

    // Each server prints its span when the exchange ends, which may be just after hello got its answer.
    int formatterSpanCount = formatterCommand.get(0).equals(LAUNCHER.toString()) ? 2 : 1;
    List<ConsoleSpan> formatterSpans =
        ConsoleSpan.all(formatter.awaitLines(ConsoleSpan::isSpan, formatterSpanCount, TIMEOUT));
    List<ConsoleSpan> publisherSpans = ConsoleSpan.all(publisher.awaitLines(ConsoleSpan::isSpan, 1, TIMEOUT));
    return new Scenario(ConsoleSpan.all(hello.lines()), formatterSpans, publisherSpans, publisher.output());
  }

  private ExampleProcess started(String name, Path jdk, List<String> command) throws Exception {
    ExampleProcess process = ExampleProcess.start(name, jdk, command);
    processes.add(process);
    return process;
  }

  private static String java(Path jdk) {
    return jdk.resolve("bin/java").toString();
  }
}
