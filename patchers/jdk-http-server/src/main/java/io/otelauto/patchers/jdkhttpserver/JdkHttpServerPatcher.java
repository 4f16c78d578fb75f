package io.otelauto.patchers.jdkhttpserver;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import com.sun.net.httpserver.HttpContext;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Map;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Consumer;
import net.bytebuddy.asm.Advice;

/**
 * Traces {@code com.sun.net.httpserver} (HttpServer and HttpsServer): every context the server creates gets
 * {@link TracingFilter} as its first filter, so one SERVER span covers the other filters and the handler.
 *
 * <p>Where: the constructor of {@code sun.net.httpserver.HttpContextImpl}, the JDK's only HttpContext (both
 * servers create theirs through it). Unpatch restores that constructor and takes the filter back out of
 * every context it was added to (the JDK keeps filters in a copy-on-write list, so requests in flight are
 * not disturbed); patching again puts it back into those contexts.
 */
public final class JdkHttpServerPatcher implements Patcher {
  static final String NAME = "jdk-http-server";
  static final String CONTEXT_CREATED_HOOK = NAME + ".context-created";

  // Contexts ever filtered by this patcher, weakly: a stopped server's contexts are not kept alive.
  private final Set<HttpContext> contexts = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private InstalledPatch installed;
  private TracingFilter filter;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> triggerClasses() {
    // Its constructor is what we patch: it loads when the program creates its first context.
    return Set.of("sun.net.httpserver.HttpContextImpl");
  }

  @Override
  public String description() {
    return "com.sun.net.httpserver HttpServer/HttpsServer: a SERVER span per exchange";
  }

  @Override
  public boolean isLibraryPresent() {
    return ModuleLayer.boot().findModule("jdk.httpserver").isPresent();
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    filter = new TracingFilter(context.openTelemetry(), context.log());
    AgentLog log = context.log();
    Consumer<Object> hook = created -> {
      try {
        attach((HttpContext) created);
      } catch (RuntimeException e) {
        log.errorOnce(CONTEXT_CREATED_HOOK, "Could not add tracing to an HTTP context", e);
      }
    };
    for (HttpContext known : snapshot()) {
      attach(known);
    }
    installed = InstalledPatch.install(context, Map.of(CONTEXT_CREATED_HOOK, hook), context.agentBuilder()
        .type(named("sun.net.httpserver.HttpContextImpl"))
        .transform((builder, type, loader, module, domain) ->
            builder.visit(Advice.to(HttpContextConstructorAdvice.class).on(isConstructor()))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    installed.undo();
    for (HttpContext known : snapshot()) {
      known.getFilters().remove(filter);
    }
    installed = null;
    filter = null;
  }

  private void attach(HttpContext context) {
    contexts.add(context);
    List<com.sun.net.httpserver.Filter> filters = context.getFilters();
    if (!filters.contains(filter)) {
      filters.add(0, filter);
    }
  }

  private List<HttpContext> snapshot() {
    synchronized (contexts) {
      return new ArrayList<>(contexts);
    }
  }
}
