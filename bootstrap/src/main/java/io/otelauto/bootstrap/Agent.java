package io.otelauto.bootstrap;

import io.opentelemetry.api.OpenTelemetry;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.List;

/** The agent proper, loaded by {@link AgentPremain} in the agent's isolated class loader. */
public final class Agent {
  private Agent() {}

  /** Called reflectively by {@link AgentPremain#premain}; {@code home} is the distribution's root. */
  public static void start(Instrumentation instrumentation, Path home) {
    AgentConfig config = AgentConfig.fromSystem();
    AgentLog log = new StderrAgentLog(config.getBoolean(AgentConfig.DEBUG, false));
    try {
      OpenTelemetry openTelemetry = Telemetry.configure(log);
      PatchContext context = new DefaultPatchContext(instrumentation, openTelemetry, config, log);
      ClassLoader patcherLoader =
          PatcherDiscovery.loaderFor(PatcherDiscovery.patcherJars(home, config), Agent.class.getClassLoader());
      applyAll(PatcherDiscovery.load(patcherLoader, log), context, config, log);
    } catch (Throwable t) {
      log.error("The agent failed to start; the program runs without it", t);
    }
  }

  /** Applies each enabled patcher; one that fails is logged and the others still run. */
  static void applyAll(List<Patcher> patchers, PatchContext context, AgentConfig config, AgentLog log) {
    for (Patcher patcher : patchers) {
      String name = patcher.name();
      try {
        if (!config.getBoolean("otel.instrumentation." + name + ".enabled", true)) {
          log.debug("Skipped " + name + " (disabled)");
        } else if (!patcher.isLibraryPresent()) {
          log.debug("Skipped " + name + " (library absent)");
        } else {
          patcher.patch(context);
          log.debug("Patched " + name);
        }
      } catch (Throwable t) {
        log.error("Patching of " + name + " failed", t);
      }
    }
  }
}
