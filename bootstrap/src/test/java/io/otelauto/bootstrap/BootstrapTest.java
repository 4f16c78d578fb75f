package io.otelauto.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  @Test
  void theSdkIsBuiltAtTheFirstSpanAndOnlyOnce() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    AtomicInteger built = new AtomicInteger();
    LazyOpenTelemetry lazy = new LazyOpenTelemetry(() -> {
      built.incrementAndGet();
      return OpenTelemetrySdk.builder()
          .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
          .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
          .build();
    });

    var tracer = lazy.getTracer("test");
    var propagator = lazy.getPropagators().getTextMapPropagator();
    assertThat(built).hasValue(0);
    assertThat(lazy.isConfigured()).isFalse();

    tracer.spanBuilder("first").startSpan().end();
    tracer.spanBuilder("second").startSpan().end();
    Map<String, String> headers = new HashMap<>();
    propagator.inject(Context.current(), headers, Map::put);

    assertThat(built).hasValue(1);
    assertThat(exporter.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("first", "second");
  }

  @Test
  void consoleLinesCarryTheIdsTheParentAndTheAttributes() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    OpenTelemetry sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.builder().put("service.name", "svc").build()))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
    Span parent = sdk.getTracer("t").spanBuilder("parent").startSpan();
    sdk.getTracer("t").spanBuilder("GET /x").setSpanKind(SpanKind.SERVER)
        .setParent(Context.root().with(parent)).setAttribute("http.route", "/x").startSpan().end();
    parent.end();

    var spans = exporter.getFinishedSpanItems();
    String child = ConsoleSpanExporter.format(spans.get(0));
    String root = ConsoleSpanExporter.format(spans.get(1));

    assertThat(child).matches("span \"GET /x\" kind=SERVER trace_id=" + parent.getSpanContext().getTraceId()
        + " span_id=[0-9a-f]{16} parent_span_id=" + parent.getSpanContext().getSpanId()
        + " start=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z duration=\\d+\\.\\d{3}ms service=svc "
        + "attributes=\\{http.route=/x} scope=t");
    assertThat(root).contains("parent_span_id=- ");
  }

  @Test
  void serviceNameFromTheJarOrTheMainClass() {
    assertThat(Telemetry.serviceNameOf("/opt/apps/shop-1.2.jar --port 80")).isEqualTo("shop-1.2");
    assertThat(Telemetry.serviceNameOf("com.example.billing.Main arg")).isEqualTo("Main");
    assertThat(Telemetry.serviceNameOf("")).isEmpty();
  }

  @Test
  void configurationReadsTheSystemPropertyBeforeTheEnvironment() {
    AgentConfig config = AgentConfig.of(Map.of("OTEL_INSTRUMENTATION_JDK_HTTP_SERVER_ENABLED", "false"));
    assertThat(config.getBoolean("otel.instrumentation.jdk-http-server.enabled", true)).isFalse();
    assertThat(config.get("otel.unset.key", "fallback")).isEqualTo("fallback");
    System.setProperty("otel.instrumentation.jdk-http-server.enabled", "true");
    try {
      assertThat(config.getBoolean("otel.instrumentation.jdk-http-server.enabled", false)).isTrue();
    } finally {
      System.clearProperty("otel.instrumentation.jdk-http-server.enabled");
    }
  }

  @Test
  void aPatcherIsAllowedUnlessDisabledOrLeftOutOfTheOnlyList() {
    AgentConfig all = AgentConfig.of(Map.of("OTEL_INSTRUMENTATION_JDBC_ENABLED", "false"));
    AgentConfig only = all.with(Map.of(AgentConfig.ONLY, "jdk-http-server, jdbc"));

    assertThat(all.allows("jdk-http-server")).isTrue();
    assertThat(all.allows("jdbc")).isFalse();
    assertThat(only.allows("jdk-http-server")).isTrue();
    assertThat(only.allows("jdk-executors")).isFalse();
    assertThat(only.allows("jdbc")).as("disabled wins over listed").isFalse();
  }
}
