package io.otelauto.patchers.api;

import io.opentelemetry.api.OpenTelemetry;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;

/** What the agent hands a {@link Patcher}: the JVM's instrumentation, telemetry, configuration and logging. */
public interface PatchContext {

  Instrumentation instrumentation();

  /**
   * A fresh Byte Buddy agent builder, set up so that its transformer can be undone: class format changes
   * disabled, retransformation of already loaded classes, JDK classes not ignored, failures logged. Add
   * {@code type(...).transform(...)} and {@code installOn(instrumentation())}; keep the returned
   * {@link net.bytebuddy.agent.builder.ResettableClassFileTransformer} and call
   * {@code reset(instrumentation(), AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)} in
   * {@link Patcher#unpatch()}. A reset transformer is never reinstalled: patch again with a new builder.
   */
  AgentBuilder agentBuilder();

  /**
   * {@link #agentBuilder()}, whose search of the classes loaded before the patch looks at {@code candidates}
   * only, instead of describing every loaded class from its class file. For a patcher that can tell its
   * candidates from the loaded {@code Class} objects without loading anything (a subtype of a JDK class, a
   * class by name); the matchers still decide.
   */
  default AgentBuilder agentBuilder(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy candidates) {
    return agentBuilder();
  }

  /** The agent's OpenTelemetry, configured from the standard {@code OTEL_*} variables. */
  OpenTelemetry openTelemetry();

  /**
   * A configuration value: the system property {@code key} (e.g. {@code otel.instrumentation.x.y}) or,
   * failing that, the environment variable derived from it ({@code OTEL_INSTRUMENTATION_X_Y}).
   */
  String config(String key, String defaultValue);

  /** The agent's log: quiet by default, verbose with {@code --debug}. */
  AgentLog log();
}
