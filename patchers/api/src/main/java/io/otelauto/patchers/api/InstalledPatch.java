package io.otelauto.patchers.api;

import io.otelauto.patchers.bridge.Hooks;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

/**
 * What one {@link Patcher#patch} installed, undone in one call: its hooks and its transformer. Hooks are
 * registered before the transformer is installed (advice may run as soon as a class is retransformed) and
 * unregistered before it is reset, so advice finds either both or neither.
 */
public final class InstalledPatch {
  private final Instrumentation instrumentation;
  private final Map<String, ?> hooks;
  private final ResettableClassFileTransformer transformer;

  private InstalledPatch(Instrumentation instrumentation, Map<String, ?> hooks,
      ResettableClassFileTransformer transformer) {
    this.instrumentation = instrumentation;
    this.hooks = hooks;
    this.transformer = transformer;
  }

  /** Registers {@code hooks} (name to hook object) and installs {@code builder}, configured by the patcher. */
  public static InstalledPatch install(PatchContext context, Map<String, ?> hooks, AgentBuilder builder) {
    Map<String, ?> registered = Map.copyOf(hooks);
    registered.forEach(Hooks::register);
    try {
      return new InstalledPatch(context.instrumentation(), registered, builder.installOn(context.instrumentation()));
    } catch (RuntimeException | Error e) {
      registered.forEach(Hooks::unregister);
      throw e;
    }
  }

  /** Unregisters the hooks and restores the original bytecode of every class the transformer changed. */
  public void undo() {
    hooks.forEach(Hooks::unregister);
    transformer.reset(instrumentation, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
  }
}
