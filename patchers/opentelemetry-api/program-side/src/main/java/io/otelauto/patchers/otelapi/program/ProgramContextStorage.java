package io.otelauto.patchers.otelapi.program;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;

/**
 * The program's {@code ContextStorage.get()}: the agent's context storage, so that the program and the agent
 * have one current context, both ways.
 */
public final class ProgramContextStorage implements ContextStorage {
  private final Context root = new ProgramContext(Bridge.AGENT.rootContext());

  @Override
  public Scope attach(Context toAttach) {
    if (toAttach == null) {
      return Scope.noop();
    }
    Object scope = Bridge.AGENT.attach(ProgramContext.toAgent(toAttach));
    return () -> Bridge.AGENT.close(scope);
  }

  @Override
  public Context current() {
    return new ProgramContext(Bridge.AGENT.currentContext());
  }

  @Override
  public Context root() {
    return root;
  }
}
