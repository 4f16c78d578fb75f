package io.otelauto.examples.endtoend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real process whose merged output lines are collected as they come, so tests can wait for a line. */
final class ExampleProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final String name;
  private boolean ended;

  private ExampleProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(this::collect, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  static ExampleProcess start(String name, Path jdk, List<String> command) throws IOException {
    return start(name, jdk, command, Map.of());
  }

  /** Starts {@code command} with {@code jdk} first on the PATH, no inherited JAVA_TOOL_OPTIONS, plus {@code extra}. */
  static ExampleProcess start(String name, Path jdk, List<String> command, Map<String, String> extra)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.remove("JAVA_TOOL_OPTIONS");
    environment.put("JAVA_HOME", jdk.toString());
    environment.put("PATH", jdk.resolve("bin") + ":" + System.getenv("PATH"));
    environment.putAll(extra);
    return new ExampleProcess(name, builder.start());
  }

  private void collect() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // The process was destroyed while its output was being read: the output ends here.
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }

  /** Waits for the first line matching {@code pattern} and returns its match. */
  Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    String line = awaitLines(l -> pattern.matcher(l).find(), 1, timeout).get(0);
    Matcher matcher = pattern.matcher(line);
    matcher.find();
    return matcher;
  }

  /** Waits until {@code count} lines satisfy {@code test} (or the process ends) and returns those lines. */
  synchronized List<String> awaitLines(Predicate<String> test, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> matching = lines.stream().filter(test).toList();
      if (matching.size() >= count) {
        return matching;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || ended) {
        throw new AssertionError(name + ": expected " + count + " matching lines; output so far:\n"
            + String.join("\n", lines));
      }
      wait(Math.max(1, Math.min(left / 1_000_000, 200)));
    }
  }

  /** SIGTERM, as a service manager stops a service (Process.destroy on Unix). */
  void signalTerminate() {
    process.destroy();
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit; output:\n" + output());
    }
    return process.exitValue();
  }

  synchronized String output() {
    return String.join("\n", lines);
  }

  synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
