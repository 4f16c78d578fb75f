package io.otelauto.patchers.api;

import java.util.Set;

/**
 * A patcher adds tracing to one library without touching the application's code.
 *
 * <p>The agent finds patchers with {@link java.util.ServiceLoader}: a jar that lists its implementation in
 * {@code META-INF/services/io.otelauto.patchers.api.Patcher} and sits in the agent's patcher directory (or
 * is named by {@code OTEL_AUTO_INSTRUMENT_PATCHERS}) is loaded and applied; nothing else needs to change.
 * Implementations need a public no-argument constructor.
 *
 * <p>Lifecycle: {@link #patch} and {@link #unpatch} may alternate any number of times on one instance, never
 * concurrently. {@code unpatch} restores the original classes (see {@link PatchContext#agentBuilder()}).
 */
public interface Patcher {

  /** In {@link #triggerClasses()}: patch as soon as any other patcher is triggered. */
  String ANY_TRIGGER = "*";

  /**
   * Kebab-case name, equal to the module folder; also the configuration key
   * {@code otel.instrumentation.<name>.enabled} (env {@code OTEL_INSTRUMENTATION_<NAME>_ENABLED}).
   */
  String name();

  /** One line: what this patcher patches, shown by {@code otel-auto-instrument --list-patchers}. */
  default String description() {
    return "";
  }

  /**
   * False when the library this patcher targets cannot exist in this JVM (for example a JDK module left
   * out of a jlinked runtime): the agent then skips the patcher quietly. Libraries on the class path need
   * no check here: a transformer that matches classes by name costs nothing until such a class loads.
   */
  default boolean isLibraryPresent() {
    return true;
  }

  /**
   * Binary names of classes (e.g. {@code sun.net.httpserver.HttpContextImpl}) whose loading means this
   * patcher is needed. The agent does nothing for it until one of them is about to load (or at start-up, if
   * one is loaded already); then it patches, and the triggering class itself is patched as it loads. This
   * keeps the JVMs that never use the library free of the patch's cost. Empty, the default: patched at
   * start-up. {@link #ANY_TRIGGER}: patched together with the first patcher that is triggered.
   */
  default Set<String> triggerClasses() {
    return Set.of();
  }

  /** Installs the patch. Anything thrown is logged by the agent, which then goes on with other patchers. */
  void patch(PatchContext context) throws Exception;

  /** Undoes {@link #patch}: original bytecode back, hooks removed, no more spans. Does nothing if not patched. */
  void unpatch();
}
