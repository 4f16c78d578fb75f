package io.otelauto.benchmarks.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ways a program is run: as is, under our launcher, under the OpenTelemetry Java agent; and, for the
 * trivial program only, with an empty {@code -javaagent} (the floor any agent pays).
 */
enum Variant {
  PLAIN("plain", "plain JVM"),
  OURS("ours", "otel-auto-instrument"),
  OTEL("otel", "OpenTelemetry agent"),
  EMPTY("empty", "empty -javaagent"),
  /** Ours with the SDK's OTLP marshaller in place of the agent's encoder (HTTP scenario, {@code --encoder-ab}). */
  OURS_SDK_ENCODER("ours-sdk-encoder", "otel-auto-instrument, SDK's OTLP encoder"),
  /**
   * Ours with {@code OTEL_TRACES_EXPORTER=none}: spans are made and ended, none is exported (HTTP scenario,
   * {@code --no-export-ab}): what the request path costs, apart from the export.
   */
  OURS_NO_EXPORT("ours-no-export", "otel-auto-instrument, no exporter"),
  /** Ours with one more setting, {@code --ab-env NAME=VALUE} (HTTP scenario): a setting's A/B in the same rounds. */
  OURS_WITH_ENV("ours-with-env", "otel-auto-instrument, with --ab-env");

  /** The variants every scenario compares. */
  static final List<Variant> COMPARED = List.of(PLAIN, OURS, OTEL);

  final String id;
  final String label;

  Variant(String id, String label) {
    this.id = id;
    this.label = label;
  }

  /** The command for {@code java ARGS} run this way. */
  List<String> command(Path java, Path launcher, Path otelAgent, Path emptyAgent, List<String> javaArgs) {
    List<String> command = new ArrayList<>();
    switch (this) {
      case PLAIN -> command.add(java.toString());
      case OURS, OURS_SDK_ENCODER, OURS_NO_EXPORT, OURS_WITH_ENV -> {
        command.add(launcher.toString());
        command.add(java.toString());
      }
      case OTEL -> {
        command.add(java.toString());
        command.add("-javaagent:" + otelAgent);
      }
      case EMPTY -> {
        command.add(java.toString());
        command.add("-javaagent:" + emptyAgent);
      }
    }
    command.addAll(javaArgs);
    return command;
  }

  /** Whether the output shows this variant's agent (and no other) was in the JVM. */
  String checkOutput(String output) {
    boolean ours = output.contains("otel-auto-instrument-agent.jar");
    boolean otel = output.contains("opentelemetry-javaagent");
    return switch (this) {
      case PLAIN, EMPTY -> ours || otel ? "an agent was loaded in the " + id + " run" : null;
      case OURS, OURS_SDK_ENCODER, OURS_NO_EXPORT, OURS_WITH_ENV ->
          !ours ? "the otel-auto-instrument agent was not loaded" : otel ? "the OTel agent was loaded" : null;
      case OTEL -> !otel ? "the OpenTelemetry agent was not loaded" : ours ? "our agent was loaded" : null;
    };
  }

  /**
   * Round {@code round}'s order of {@code variants} (or of what runs them): rotated each round and reversed
   * every other cycle, so no variant always runs first, or always right after the same other one.
   */
  static <T> List<T> order(int round, List<T> variants) {
    List<T> order = new ArrayList<>(variants);
    java.util.Collections.rotate(order, -(round % order.size()));
    if ((round / order.size()) % 2 == 1) {
      java.util.Collections.reverse(order);
    }
    return order;
  }
}
