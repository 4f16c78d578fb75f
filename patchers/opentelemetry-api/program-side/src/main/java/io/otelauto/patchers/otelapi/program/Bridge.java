package io.otelauto.patchers.otelapi.program;

import io.otelauto.patchers.bridge.Hooks;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;

/**
 * The agent's side, as this copy of the API reaches it. Set from the hook when these classes are defined,
 * and again by an agent attached later (a new agent, after a detach, finds these classes defined already):
 * an object made before keeps working, with the agent of the moment.
 */
final class Bridge {
  static volatile OpenTelemetryApiBridge AGENT = (OpenTelemetryApiBridge) Hooks.get(OpenTelemetryApiBridge.HOOK);

  private Bridge() {}
}
