package io.otelauto.patchers.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Map;
import java.util.function.Function;
import java.util.Set;
import net.bytebuddy.asm.Advice;

/**
 * Traces {@code java.net.http.HttpClient}: a CLIENT span per {@code send} or {@code sendAsync}, its context
 * injected into the request's headers with the configured propagators.
 *
 * <p>Where: {@code jdk.internal.net.http.HttpClientImpl}, the JDK's only client (the public
 * {@code HttpClient} handed out is a facade that delegates to it), in two of its methods that never call
 * each other (JDK 17 to 25): {@code send(HttpRequest, BodyHandler)} and the public
 * {@code sendAsync(HttpRequest, BodyHandler, PushPromiseHandler)}, to which the two-argument
 * {@code sendAsync} delegates. Both end in a private four-argument {@code sendAsync}, which is deliberately
 * not intercepted: {@code send} then ends its span when it returns or throws, with what the program sees.
 * Should a later JDK route one through the other, {@link ClientTracing} still makes one span: the thread is
 * marked from the outer call's entry to its exit. The WebSocket opening handshake (a sendAsync with the JDK's
 * internal request type) is left alone.
 */
public final class JdkHttpClientPatcher implements Patcher {
  static final String NAME = "jdk-http-client";
  /** A {@code Function<Object, Object>}: HttpRequest to a {@link ClientCall}, or null (untraced). */
  static final String START_HOOK = NAME + ".start";
  /** The class patched. */
  private static final String CLIENT = "jdk.internal.net.http.HttpClientImpl";

  private InstalledPatch installed;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> triggerClasses() {
    // Loads when the program builds its first HttpClient.
    return Set.of("jdk.internal.net.http.HttpClientImpl");
  }

  @Override
  public String description() {
    return "java.net.http HttpClient: a CLIENT span per send/sendAsync, trace context in the request headers";
  }

  @Override
  public boolean isLibraryPresent() {
    return ModuleLayer.boot().findModule("java.net.http").isPresent();
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    Function<Object, Object> start = new ClientTracing(context.openTelemetry(), context.log())::start;
    installed = InstalledPatch.install(context, Map.of(START_HOOK, start), context.agentBuilder()
        .with(ClassFileFilter.named(CLIENT))
        .type(named(CLIENT))
        .transform((builder, type, loader, module, domain) -> builder
            .visit(Advice.to(SendAdvice.class).on(named("send")
                .and(takesArguments(2))
                .and(takesArgument(0, named("java.net.http.HttpRequest")))))
            .visit(Advice.to(SendAsyncAdvice.class).on(named("sendAsync")
                .and(takesArguments(3))
                .and(takesArgument(0, named("java.net.http.HttpRequest")))
                .and(takesArgument(2, named("java.net.http.HttpResponse$PushPromiseHandler")))))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed != null) {
      installed.undo();
      installed = null;
    }
  }
}
