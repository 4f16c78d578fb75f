package io.otelauto.patchers.jdkhttpserver;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.sun.net.httpserver.HttpContext;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Map;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.BiConsumer;
import net.bytebuddy.asm.Advice;

/**
 * Traces {@code com.sun.net.httpserver} (HttpServer and HttpsServer): every context gets {@link TracingFilter}
 * as its first filter, so one SERVER span covers the other filters and the handler.
 *
 * <p>Where: {@code getFilters()} of {@code sun.net.httpserver.HttpContextImpl}, the JDK's only HttpContext
 * (both servers create theirs through it), which the server calls for each exchange ({@link GetFiltersAdvice}):
 * the filter goes in at a context's first exchange, or when the program first adds a filter, whether the
 * context was created before the patch or after. Unpatch restores that method and takes the filter back out
 * of every context it was added to (the JDK keeps filters in a copy-on-write list, so requests in flight are
 * not disturbed); patching again puts it back into those contexts.
 */
public final class JdkHttpServerPatcher implements Patcher {
  static final String NAME = "jdk-http-server";
  // GetFiltersAdvice names this hook with a string literal: keep them equal.
  static final String FILTERS_HOOK = NAME + ".filters";
  /** The class patched. */
  private static final String CONTEXT = "sun.net.httpserver.HttpContextImpl";

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
    TracingFilter tracing = new TracingFilter(context.openTelemetry(), context.log());
    filter = tracing;
    AgentLog log = context.log();
    BiConsumer<Object, Object> hook = (httpContext, filters) -> {
      try {
        @SuppressWarnings("unchecked")
        List<com.sun.net.httpserver.Filter> list = (List<com.sun.net.httpserver.Filter>) filters;
        // Once per context: afterwards each exchange costs this one look at the list's head.
        if (list.isEmpty() || list.get(0) != tracing) {
          attach((HttpContext) httpContext, list, tracing);
        }
      } catch (RuntimeException e) {
        log.errorOnce(FILTERS_HOOK, "Could not add tracing to an HTTP context", e);
      }
    };
    // Before the advice is installed: getFilters() is the JDK's own here.
    for (HttpContext known : snapshot()) {
      attach(known, known.getFilters(), tracing);
    }
    installed = InstalledPatch.install(context, Map.of(FILTERS_HOOK, hook), context.agentBuilder()
        .with(ClassFileFilter.named(CONTEXT))
        .type(named(CONTEXT))
        .transform((builder, type, loader, module, domain) ->
            builder.visit(Advice.to(GetFiltersAdvice.class).on(named("getFilters").and(takesArguments(0))))));
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

  /** {@code filters}: the context's own list (never asked of it here: that would call the advice again). */
  private void attach(HttpContext context, List<com.sun.net.httpserver.Filter> filters, TracingFilter tracing) {
    contexts.add(context);
    synchronized (filters) {
      if (!filters.contains(tracing)) {
        filters.add(0, tracing);
      }
    }
  }

  private List<HttpContext> snapshot() {
    synchronized (contexts) {
      return new ArrayList<>(contexts);
    }
  }
}
