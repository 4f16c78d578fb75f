package io.otelauto.examples.endtoend;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One span as the console exporters (the agent's and the examples') print it. */
record ConsoleSpan(String name, String kind, String traceId, String spanId, String parentSpanId, String service,
    String attributes, String scope) {
  static final Pattern LINE = Pattern.compile("^span \"(?<name>[^\"]*)\" kind=(?<kind>\\w+) "
      + "trace_id=(?<trace>[0-9a-f]{32}) span_id=(?<span>[0-9a-f]{16}) parent_span_id=(?<parent>[0-9a-f]{16}|-) "
      + "start=\\S+ duration=[0-9.]+ms service=(?<service>\\S+) attributes=(?<attributes>\\{.*})(?: scope=(?<scope>\\S+))?$");

  /** Whether the span has exactly {@code key=value} among its attributes. */
  boolean hasAttribute(String key, String value) {
    String entry = key + "=" + value;
    for (int at = attributes.indexOf(entry); at >= 0; at = attributes.indexOf(entry, at + 1)) {
      char before = attributes.charAt(at - 1);
      int end = at + entry.length();
      char after = end < attributes.length() ? attributes.charAt(end) : '}';
      if ((before == '{' || before == ' ') && (after == ',' || after == '}')) {
        return true;
      }
    }
    return false;
  }

  static boolean isSpan(String line) {
    return LINE.matcher(line).matches();
  }

  static Optional<ConsoleSpan> parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new ConsoleSpan(m.group("name"), m.group("kind"), m.group("trace"), m.group("span"),
        m.group("parent"), m.group("service"), m.group("attributes"),
        m.group("scope") == null ? "" : m.group("scope")));
  }

  static List<ConsoleSpan> all(List<String> lines) {
    return lines.stream().flatMap(l -> parse(l).stream()).toList();
  }

  static ConsoleSpan named(List<ConsoleSpan> spans, String name) {
    return spans.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
  }
}
