package io.otelauto.patchers.api;

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

  /** Installs the patch. Anything thrown is logged by the agent, which then goes on with other patchers. */
  void patch(PatchContext context) throws Exception;

  /** Undoes {@link #patch}: original bytecode back, hooks removed, no more spans. Does nothing if not patched. */
  void unpatch();
}
