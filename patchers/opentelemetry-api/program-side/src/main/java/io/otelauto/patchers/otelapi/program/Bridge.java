package io.otelauto.patchers.otelapi.program;

import io.otelauto.patchers.bridge.Hooks;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;

/** The agent's side, as this copy of the API reaches it: registered before any class here is defined. */
final class Bridge {
  static final OpenTelemetryApiBridge AGENT = (OpenTelemetryApiBridge) Hooks.get(OpenTelemetryApiBridge.HOOK);

  private Bridge() {}
}
