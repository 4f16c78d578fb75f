package io.otelauto.bootstrap;

import io.otelauto.patchers.api.AgentLog;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@link AgentLog} on standard error, each line prefixed so it is told apart from the program's output. */
public final class StderrAgentLog implements AgentLog {
  static final String PREFIX = "[otel-auto-instrument] ";

  private final boolean debug;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  public StderrAgentLog(boolean debug) {
    this.debug = debug;
  }

  @Override
  public void debug(String message) {
    if (debug) {
      System.err.println(PREFIX + message);
    }
  }

  @Override
  public void error(String message, Throwable error) {
    // Read System.err at each call: the program may have replaced it.
    PrintStream err = System.err;
    synchronized (err) {
      err.println(PREFIX + message);
      if (error != null) {
        error.printStackTrace(err);
      }
    }
  }

  @Override
  public void errorOnce(String key, String message, Throwable error) {
    if (reported.add(key)) {
      error(message + " (reported once; later failures of this kind are not logged)", error);
    }
  }
}
