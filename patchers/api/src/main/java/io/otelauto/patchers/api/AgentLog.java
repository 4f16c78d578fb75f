package io.otelauto.patchers.api;

/**
 * The agent's log, on standard error. It is not java.util.logging on purpose: touching the JDK's LogManager
 * from an agent fixes it before the application can choose its own.
 */
public interface AgentLog {

  /** Printed only when debugging is on ({@code otel-auto-instrument --debug}). */
  void debug(String message);

  /** Always printed, with the stack trace. */
  void error(String message, Throwable error);

  /**
   * For failures on the application's own call path (inside advice, a filter, a hook): printed the first
   * time {@code key} fails and counted after that, so a failing patch never floods the application's logs.
   */
  void errorOnce(String key, String message, Throwable error);
}
