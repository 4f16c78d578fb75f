package io.otelauto.patchers.jdkurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Map;
import java.util.function.Function;
import java.util.Set;
import net.bytebuddy.asm.Advice;

/**
 * Traces the JDK's {@code http:} and {@code https:} URL connections ({@code URL.openConnection()},
 * {@code URL.openStream()}): one CLIENT span per connection object, its context injected into the request
 * headers before they are written.
 *
 * <p>Where: {@code sun.net.www.protocol.http.HttpURLConnection}, in java.base. The {@code https:} connection
 * the program holds ({@code HttpsURLConnectionImpl}) forwards every call to a delegate that extends it, and
 * that delegate's superclass {@code AbstractDelegateHttpsURLConnection} overrides {@code connect()} without
 * calling it, so that one method is patched there too. Intercepted, all without arguments:
 * <ul>
 *   <li>{@code connect()}, {@code getOutputStream()}: the first of them (or of {@code getInputStream()}) starts
 *       the span and sets the propagation headers, before the JDK marks the connection as connecting;</li>
 *   <li>{@code getInputStream()}: the response. {@code getResponseCode()}, {@code getHeaderField*()} and the
 *       rest of the response getters all go through it, so its outermost return or throw ends the span;</li>
 *   <li>{@code disconnect()}: ends a span whose response was never asked for.</li>
 * </ul>
 */
public final class JdkUrlConnectionPatcher implements Patcher {
  static final String NAME = "jdk-url-connection";
  // The advice classes name these hooks with string literals: keep them equal.
  static final String CONNECT_HOOK = NAME + ".connect";
  static final String GET_OUTPUT_STREAM_HOOK = NAME + ".get-output-stream";
  static final String GET_INPUT_STREAM_HOOK = NAME + ".get-input-stream";
  static final String DISCONNECT_HOOK = NAME + ".disconnect";
  /** The classes patched. */
  private static final String[] CONNECTIONS = {
      "sun.net.www.protocol.http.HttpURLConnection", "sun.net.www.protocol.https.AbstractDelegateHttpsURLConnection"};

  private InstalledPatch installed;
  private ConnectionTracer tracer;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> triggerClasses() {
    // Loads when the program opens its first http(s) URLConnection.
    return Set.of("sun.net.www.protocol.http.HttpURLConnection");
  }

  @Override
  public String description() {
    return "java.net.HttpURLConnection of the JDK's http/https handlers: a CLIENT span per request";
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    ConnectionTracer connections = new ConnectionTracer(context.openTelemetry(), context.log());
    tracer = connections;
    Map<String, Function<Object, Object>> hooks = Map.of(
        CONNECT_HOOK, connection -> connections.enter(connection, Call.CONNECT),
        GET_OUTPUT_STREAM_HOOK, connection -> connections.enter(connection, Call.GET_OUTPUT_STREAM),
        GET_INPUT_STREAM_HOOK, connection -> connections.enter(connection, Call.GET_INPUT_STREAM),
        DISCONNECT_HOOK, connection -> connections.enter(connection, Call.DISCONNECT));
    // Advice applies to the methods a type declares: on the https delegate's superclass only connect() matches.
    installed = InstalledPatch.install(context, hooks, context.agentBuilder()
        .with(ClassFileFilter.named(CONNECTIONS))
        .type(namedOneOf(CONNECTIONS))
        .transform((builder, type, loader, module, domain) -> builder
            .visit(Advice.to(ConnectAdvice.class).on(named("connect").and(takesNoArguments())))
            .visit(Advice.to(GetOutputStreamAdvice.class).on(named("getOutputStream").and(takesNoArguments())))
            .visit(Advice.to(GetInputStreamAdvice.class).on(named("getInputStream").and(takesNoArguments())))
            .visit(Advice.to(DisconnectAdvice.class).on(named("disconnect").and(takesNoArguments())))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    installed.undo();
    // Calls still running finish their spans through the exit callbacks they hold; the rest is forgotten.
    tracer.clear();
    installed = null;
    tracer = null;
  }
}
