package io.otelauto.patchers.otelapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.otelauto.patchers.testing.PatcherTestKit;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The patcher in a real instrumented JVM, with a program whose OpenTelemetry API (1.10.0, the oldest
 * supported) is loaded in a class loader of its own, apart from the agent's API (the test's class path).
 */
class OpenTelemetryApiPatcherTest {
  private static final PatcherTestKit KIT = PatcherTestKit.install();
  private static final String INVALID_SPAN = "0000000000000000";

  private final OpenTelemetryApiPatcher patcher = new OpenTelemetryApiPatcher();
  private final Tracer agentTracer = KIT.openTelemetry().getTracer("agent");
  private URLClassLoader program;

  @BeforeEach
  void start() throws Exception {
    KIT.clearSpans();
    List<URL> urls = new ArrayList<>();
    urls.add(Path.of(System.getProperty("program.classes")).toUri().toURL());
    for (String jar : System.getProperty("program.api.jars").split(File.pathSeparator)) {
      urls.add(Path.of(jar).toUri().toURL());
    }
    program = new URLClassLoader("program", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    patcher.patch(KIT.context());
  }

  @AfterEach
  void stop() throws Exception {
    patcher.unpatch();
    program.close();
  }

  @Test
  @SuppressWarnings("try")
  void theProgramsContextIsTheAgentsBothWays() throws Exception {
    Span server = agentTracer.spanBuilder("server").startSpan();
    String[] seen;
    try (Scope scope = server.makeCurrent()) {
      assertThat(call("currentSpanId")).isEqualTo(server.getSpanContext().getSpanId());
      Callable<String> agentSide = () -> Span.current().getSpanContext().getSpanId() + " "
          + io.opentelemetry.api.baggage.Baggage.current().getEntryValue("tenant");
      seen = (String[]) call("inOwnSpan", agentSide);
      assertThat(call("currentSpanId")).isEqualTo(server.getSpanContext().getSpanId());
    } finally {
      server.end();
    }

    // Inside the program's span, the agent's current span and baggage are the program's.
    assertThat(seen[1]).isEqualTo(seen[0] + " acme");
    // The program's own keys are kept in the one context.
    assertThat(seen[2]).isEqualTo("kept");
    // The program's span is a span of the agent's SDK, under the agent's span, in the program's scope.
    SpanData own = named("own");
    assertThat(own.getSpanId()).isEqualTo(seen[0]);
    assertThat(own.getParentSpanId()).isEqualTo(server.getSpanContext().getSpanId());
    assertThat(own.getInstrumentationScopeInfo().getName()).isEqualTo("program");
    assertThat(own.getInstrumentationScopeInfo().getVersion()).isEqualTo("2.0");
    assertThat(own.getAttributes().get(AttributeKey.longKey("app.n"))).isEqualTo(7L);
    assertThat(call("globalClass")).isEqualTo(ProgramSide.OPEN_TELEMETRY_CLASS);
  }

  @Test
  @SuppressWarnings("try")
  void withSpanMethodsMakeSpansInTheCurrentTrace() throws Exception {
    Span server = agentTracer.spanBuilder("server").startSpan();
    String inside;
    try (Scope scope = server.makeCurrent()) {
      inside = (String) call("annotated", "lamp");
    } finally {
      server.end();
    }
    SpanData annotated = named("annotated");
    assertThat(annotated.getSpanId()).isEqualTo(inside);
    assertThat(annotated.getParentSpanId()).isEqualTo(server.getSpanContext().getSpanId());
    assertThat(annotated.getAttributes().get(AttributeKey.stringKey("app.item"))).isEqualTo("lamp");
    assertThat(annotated.getAttributes().get(AttributeKey.stringKey("code.function.name")))
        .isEqualTo("org.example.program.ApiProgram.annotated");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aWithSpanMethodThatReturnsAStageEndsItsSpanWhenTheStageCompletes() throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> returned = (CompletableFuture<String>) call("later", done);

    assertThat(KIT.spans()).noneMatch(span -> span.getName().equals("ApiProgram.later"));
    done.complete("value");
    assertThat(returned.get()).startsWith("value ");
    SpanData later = named("ApiProgram.later");
    assertThat(later.getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void aProgramWithTheContextAloneKeepsItsOwnStorage() throws Exception {
    try (URLClassLoader contextOnly = new URLClassLoader("context-only", new URL[] {
        Path.of(System.getProperty("program.api.jars").split(File.pathSeparator)[1]).toUri().toURL()},
        ClassLoader.getPlatformClassLoader())) {
      Class<?> context = contextOnly.loadClass("io.opentelemetry.context.Context");
      Object current = inLoader(contextOnly, () -> context.getMethod("current").invoke(null));
      // The API's own context: the bridge's needs the API proper, which this program does not have.
      assertThat(current.getClass().getName()).isEqualTo("io.opentelemetry.context.ArrayBasedContext");
    }
  }

  @Test
  void aGlobalTheProgramSetsItselfWinsUntilItIsReset() throws Exception {
    assertThat(call("globalClass")).isEqualTo(ProgramSide.OPEN_TELEMETRY_CLASS);
    call("setOwnGlobal");
    assertThat((String) call("globalClass")).startsWith("io.opentelemetry.api.");
    call("resetGlobal");
    assertThat(call("globalClass")).isEqualTo(ProgramSide.OPEN_TELEMETRY_CLASS);
  }

  @Test
  @SuppressWarnings("try")
  void unpatchGivesTheProgramItsOwnApiBack() throws Exception {
    patcher.unpatch();
    Span server = agentTracer.spanBuilder("server").startSpan();
    try (Scope scope = server.makeCurrent()) {
      assertThat(call("currentSpanId")).isEqualTo(INVALID_SPAN);
      assertThat((String) call("globalClass")).doesNotStartWith("io.otelauto.");
    } finally {
      server.end();
    }
    patcher.patch(KIT.context());
    Span again = agentTracer.spanBuilder("again").startSpan();
    try (Scope scope = again.makeCurrent()) {
      assertThat(call("currentSpanId")).isEqualTo(again.getSpanContext().getSpanId());
    } finally {
      again.end();
    }
  }

  /** Calls the program as its own thread would: with its loader as the context loader (the API's ServiceLoader reads it). */
  private Object call(String method, Object... arguments) throws Exception {
    return inLoader(program, () -> invoke(method, arguments));
  }

  private static Object inLoader(ClassLoader loader, Callable<Object> call) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return call.call();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private Object invoke(String method, Object... arguments) throws Exception {
    Class<?> type = program.loadClass("org.example.program.ApiProgram");
    for (var candidate : type.getMethods()) {
      if (candidate.getName().equals(method) && candidate.getParameterCount() == arguments.length) {
        try {
          return candidate.invoke(null, arguments);
        } catch (InvocationTargetException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw (Exception) e.getCause();
        }
      }
    }
    throw new NoSuchMethodException(method);
  }

  private static SpanData named(String name) {
    return KIT.spans().stream().filter(span -> span.getName().equals(name)).findFirst().orElseThrow(
        () -> new AssertionError("no span " + name + " among " + KIT.spans()));
  }
}
