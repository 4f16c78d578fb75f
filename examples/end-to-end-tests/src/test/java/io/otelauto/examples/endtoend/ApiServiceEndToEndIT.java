package io.otelauto.examples.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inventory service, which traces itself with the OpenTelemetry API only, compiled here against several
 * releases of the API (the oldest supported, the agent's own, the newest on Maven Central) and run with that
 * release through the real launcher, on each JDK: its calls of the API are the agent's, in one trace with
 * the agent's spans.
 */
class ApiServiceEndToEndIT {
  private static final Path SOURCES = TracedServer.ROOT.resolve("examples/api-service/src");
  private static final Path API_JARS = Path.of(System.getProperty("opentelemetry.api.jars"));
  /** Releases whose API has every call of NewestApi; it is left out for older ones. */
  private static final String NEWEST_CALLS_SINCE = "1.63.0";
  private static final Pattern LISTENING = Pattern.compile("inventory listening on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path work;

  static List<Arguments> releasesOnEveryJdk() {
    return TracedServer.onEveryJdk(List.of(System.getProperty("opentelemetry.api.versions").split(",")));
  }

  @ParameterizedTest(name = "API {0} on {1}")
  @MethodSource("releasesOnEveryJdk")
  void theProgramsOwnApiCallsJoinTheAgentsTrace(String release, Path jdk) throws Exception {
    List<Path> classPath = compile(release);
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    try (TracedServer service = TracedServer.start("inventory-" + release, jdk,
        List.of(TracedServer.LAUNCHER, "--service-name", "inventory", jdk.resolve("bin/java").toString(), "-cp",
            String.join(java.io.File.pathSeparator, classPath.stream().map(Path::toString).toList()),
            "io.otelauto.examples.api.InventoryService", "0"),
        Map.of(), LISTENING)) {
      HttpResponse<String> response = service.get("/reserve?item=lamp", "00-" + traceId + "-00f067aa0ba902b7-01");
      assertThat(response.statusCode()).isEqualTo(200);
      Map<String, String> seen = seen(response.body());
      assertThat(seen).as(response.body()).doesNotContainKey("error");

      ConsoleSpan server = service.onlyServer("/reserve");
      List<ConsoleSpan> spans = service.awaitSpans(TracedServer.serverOf("/stock"));
      ConsoleSpan reservation = ConsoleSpan.named(spans, "reserve stock");
      ConsoleSpan client = spans.stream().filter(s -> s.kind().equals("CLIENT")).findFirst().orElseThrow();
      ConsoleSpan stock = service.onlyServer("/stock");
      ConsoleSpan price = ConsoleSpan.named(spans, "price lookup");

      // Span.current() in the handler is the agent's SERVER span, and the program's attribute lands on it.
      assertThat(server.traceId()).isEqualTo(traceId);
      assertThat(seen.get("current")).isEqualTo(server.spanId());
      assertThat(server.hasAttribute("app.item", "lamp")).as(server.attributes()).isTrue();
      // The program's own span: a real span of the agent's SDK, under the SERVER span, current in its scope,
      // with the program's attributes and its own instrumentation scope.
      assertThat(reservation.kind()).isEqualTo("INTERNAL");
      assertThat(reservation.traceId()).isEqualTo(traceId);
      assertThat(reservation.parentSpanId()).isEqualTo(server.spanId());
      assertThat(reservation.spanId()).isEqualTo(seen.get("reservation")).isEqualTo(seen.get("current.in.reservation"));
      assertThat(reservation.hasAttribute("app.item", "lamp")).isTrue();
      assertThat(reservation.hasAttribute("app.quantity", "3")).isTrue();
      assertThat(reservation.scope()).isEqualTo("io.otelauto.examples.api@1.0.0");
      assertThat(seen.get("current.after")).isEqualTo(server.spanId());
      // The agent's CLIENT span is the child of the program's span; the downstream SERVER span its child.
      assertThat(client.parentSpanId()).isEqualTo(reservation.spanId());
      assertThat(stock.traceId()).isEqualTo(traceId);
      assertThat(stock.parentSpanId()).isEqualTo(client.spanId());
      // The program's baggage went out with the agent's propagators, and came back in through them.
      assertThat(seen.get("stock")).isEqualTo("tenant=acme current=" + stock.spanId());
      // @WithSpan, with its @SpanAttribute parameters, inside the program's span.
      assertThat(price.parentSpanId()).isEqualTo(reservation.spanId());
      assertThat(price.hasAttribute("app.item", "lamp")).isTrue();
      assertThat(price.hasAttribute("app.quantity", "3")).isTrue();
      assertThat(price.hasAttribute("code.function.name", "io.otelauto.examples.api.InventoryService$Pricing.price"))
          .as(price.attributes()).isTrue();
      // Calls of a newer API than the agent maps: no exception, whatever they do.
      assertThat(seen.get("newest")).startsWith(newestCallsBuilt(release) ? "ok" : "not built");
    }
  }

  private static Map<String, String> seen(String body) {
    Map<String, String> seen = new LinkedHashMap<>();
    for (String line : body.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        seen.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return seen;
  }

  private static boolean newestCallsBuilt(String release) {
    return compare(release, NEWEST_CALLS_SINCE) >= 0;
  }

  private static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int order = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  /** Compiles the service against {@code release}; returns its class path: the classes, then the API's jars. */
  private List<Path> compile(String release) throws IOException {
    List<Path> jars;
    try (Stream<Path> files = Stream.concat(Files.list(API_JARS.resolve(release)), Files.list(API_JARS.resolve("annotations")))) {
      jars = files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
    }
    List<Path> sources = javaFiles(SOURCES.resolve("main/java")).stream()
        .filter(source -> newestCallsBuilt(release) || !source.endsWith("NewestApi.java")).toList();
    Path classes = Files.createDirectories(work.resolve("classes-" + release));
    List<String> arguments = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-cp",
        String.join(java.io.File.pathSeparator, jars.stream().map(Path::toString).toList())));
    sources.forEach(source -> arguments.add(source.toString()));
    StringWriter errors = new StringWriter();
    int status = ToolProvider.findFirst("javac").orElseThrow()
        .run(new PrintWriter(errors), new PrintWriter(errors), arguments.toArray(String[]::new));
    assertThat(status).as("compiling against API " + release + ": " + errors).isZero();
    List<Path> classPath = new ArrayList<>(List.of(classes));
    classPath.addAll(jars);
    return classPath;
  }

  private static List<Path> javaFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }
}
