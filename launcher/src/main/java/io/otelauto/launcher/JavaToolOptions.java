package io.otelauto.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JAVA_TOOL_OPTIONS with the agent at its head, keeping what the user had after it. */
final class JavaToolOptions {
  private JavaToolOptions() {}

  /**
   * Puts the bridge on the boot class path up front (appending it at run time would print a warning and
   * turn off class-data sharing for the program's classes) and the agent after it.
   */
  static String withAgent(String userOptions, Path agentJar, Path bridgeJar) {
    String options = userOptions == null ? "" : userOptions.strip();
    // Nested launchers, or a user who added the agent by hand: never twice.
    if (namesOurAgent(options)) {
      return options;
    }
    String agent = quoted("-Xbootclasspath/a:" + bridgeJar.toAbsolutePath()) + " "
        + quoted("-javaagent:" + agentJar.toAbsolutePath());
    return options.isEmpty() ? agent : agent + " " + options;
  }

  /** True if some {@code -javaagent:} option names our agent jar, wherever installed. */
  static boolean namesOurAgent(String options) {
    for (String option : split(options)) {
      if (option.startsWith("-javaagent:")) {
        String jar = option.substring("-javaagent:".length()).split("=", 2)[0];
        if (jar.equals(Launcher.AGENT_JAR) || jar.endsWith("/" + Launcher.AGENT_JAR)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Splits as the JVM does: at white space, except inside single or double quotes, which are removed. */
  static List<String> split(String options) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char c : options.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        if (word == null) {
          word = new StringBuilder();
        }
        if (c == '\'' || c == '"') {
          quote = c;
        } else {
          word.append(c);
        }
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** The JVM splits JAVA_TOOL_OPTIONS at white space but honours single and double quotes. */
  static String quoted(String option) {
    if (option.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')) {
      return option;
    }
    if (option.indexOf('"') < 0) {
      return '"' + option + '"';
    }
    if (option.indexOf('\'') < 0) {
      return "'" + option + "'";
    }
    throw new IllegalArgumentException("the agent's path contains both kinds of quote: " + option);
  }
}
