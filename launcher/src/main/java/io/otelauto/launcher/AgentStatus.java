package io.otelauto.launcher;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code otel-auto-instrument status} says of one JVM, from the {@code NAME=VALUE} lines the agent
 * answers ({@code AgentPremain.status}, {@code Agent.status}): {@code agent} (how it came: launcher,
 * -javaagent, attach), {@code state} (none, dormant, waiting, active, failed, unknown), {@code reason}, {@code patchers}, {@code patchers.waiting},
 * {@code service.name}, {@code exporters}, {@code spans.exported|failed|dropped|queued}, {@code problem}.
 */
record AgentStatus(long pid, String command, Map<String, String> fields) {
  static AgentStatus of(long pid, String command, Map<String, String> fields) {
    return new AgentStatus(pid, command, fields);
  }

  static Map<String, String> parse(String lines) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : lines.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        fields.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return fields;
  }

  String state() {
    return fields.getOrDefault("state", "unknown");
  }

  private String field(String name) {
    return fields.getOrDefault(name, "");
  }

  private long count(String name) {
    try {
      return Long.parseLong(fields.getOrDefault(name, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private int patchers() {
    return field("patchers").isEmpty() ? 0 : field("patchers").split(",").length;
  }

  /** Spans lost so far: turned away at the full export queue, or failed by an exporter. */
  private long notExported() {
    return count("spans.failed") + count("spans.dropped");
  }

  /** {@code status PID}: one line per fact. */
  void describe(PrintWriter out) {
    String format = "%-13s %s%n";
    out.printf(format, "pid:", pid);
    out.printf(format, "command:", command);
    switch (state()) {
      case "none" -> out.printf(format, "agent:", "none (otel-auto-instrument attach " + pid + " adds it)");
      case "dormant" -> out.printf(format, "agent:", "dormant, from " + field("agent") + ": " + field("reason"));
      case "waiting" -> out.printf(format, "agent:",
          "waiting, from " + field("agent") + ": none of the patched libraries has loaded yet");
      case "active" -> {
        out.printf(format, "agent:", "active, from " + field("agent"));
        out.printf(format, "patchers:", field("patchers").isEmpty() ? "none applied" : field("patchers").replace(",", ", "));
        if (!field("patchers.waiting").isEmpty()) {
          out.printf(format, "waiting:", field("patchers.waiting").replace(",", ", ")
              + " (applied when their library loads)");
        }
        if (fields.containsKey("sdk")) {
          out.printf(format, "spans:", field("sdk"));
        } else {
          out.printf(format, "service.name:", field("service.name"));
          out.printf(format, "exporters:", field("exporters"));
          out.printf(format, "spans:", count("spans.exported") + " exported, " + notExported() + " not exported ("
              + count("spans.dropped") + " dropped at the full queue, " + count("spans.failed")
              + " failed to export), " + count("spans.queued") + " queued or being sent");
        }
      }
      default -> out.printf(format, "agent:", state() + (fields.containsKey("agent") ? ", from " + field("agent") : "")
          + (fields.containsKey("problem") ? ": " + field("problem") : ""));
    }
    out.flush();
  }

  /** {@code status}: a table, one JVM a row; PATCHERS counts those applied ({@code status PID} names them). */
  static void table(List<AgentStatus> rows, PrintWriter out) {
    String format = "%-8s %-8s %-11s %8s %9s %13s  %s%n";
    out.printf(format, "PID", "AGENT", "FROM", "PATCHERS", "EXPORTED", "NOT EXPORTED", "COMMAND");
    for (AgentStatus row : rows) {
      boolean counted = row.state().equals("active") && !row.fields.containsKey("sdk");
      out.printf(format, row.pid, row.state(), row.fields.getOrDefault("agent", "-"),
          row.state().equals("active") ? Integer.toString(row.patchers()) : "-",
          counted ? Long.toString(row.count("spans.exported")) : "-",
          counted ? Long.toString(row.notExported()) : "-", row.command);
    }
    out.flush();
  }
}
