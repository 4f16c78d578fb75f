package io.otelauto.patchers.servlet;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.context.Context;
import io.otelauto.patchers.api.ApplicationClassLoaders;
import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Traces Servlet containers, {@code javax.servlet} and {@code jakarta.servlet} (Servlet 3.0+): one SERVER
 * span per HTTP request, whatever the container (Tomcat, Jetty, Undertow, embedded or standalone) and
 * framework (Spring MVC refines the route).
 *
 * <p>Where: every class of the program's loaders that declares a concrete
 * {@code service(ServletRequest, ServletResponse)} (servlets: {@code HttpServlet} itself and those that
 * override it) or {@code doFilter(ServletRequest, ServletResponse, FilterChain)} (filters), matched by
 * name and signature only, in both namespaces ({@link RequestAdvice}). The first call of a request starts
 * the span, so the program's filters are inside it; see {@link ServletTracer} and {@link ServerRequest}.
 * And every {@code AsyncContext.start(Runnable)} ({@link AsyncStartAdvice}): the task runs in the context
 * that started it.
 * A request that reaches no filter and no servlet (a container's own 404 for an unknown webapp) has no span.
 */
public final class ServletPatcher implements Patcher {
  static final String NAME = "servlet";
  // RequestAdvice names this hook with a string literal: keep them equal.
  static final String REQUEST_HOOK = NAME + ".request";
  static final String ASYNC_START_HOOK = NAME + ".async-start";
  private static final String[] NAMESPACES = {"jakarta.servlet", "javax.servlet"};

  private InstalledPatch installed;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Servlet containers (javax and jakarta: Tomcat, Jetty, Undertow; Spring MVC routes): a SERVER span per request";
  }

  /** A servlet or filter class loads its interface before any of its methods can run. */
  @Override
  public Set<String> triggerClasses() {
    return Set.of("jakarta.servlet.Servlet", "jakarta.servlet.Filter", "javax.servlet.Servlet", "javax.servlet.Filter");
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    ServletTracer tracer = new ServletTracer(context.openTelemetry(), context.log());
    ElementMatcher.Junction<MethodDescription> entries = Methods.entries();
    ElementMatcher.Junction<MethodDescription> asyncStart = Methods.asyncStart();
    UnaryOperator<Runnable> inCurrentContext = task -> task == null ? null : Context.current().wrap(task);
    installed = InstalledPatch.install(context,
        Map.of(REQUEST_HOOK, tracer, ASYNC_START_HOOK, inCurrentContext),
        context.agentBuilder()
            .with(ClassFileFilter.declaring(Methods.DECLARED))
            .type(candidates(entries), ApplicationClassLoaders.matcher())
            .transform((builder, type, loader, module, domain) ->
                builder.visit(Advice.to(RequestAdvice.class).on(entries)))
            .type(candidates(asyncStart).and(Methods.asyncContexts()), ApplicationClassLoaders.matcher())
            .transform((builder, type, loader, module, domain) ->
                builder.visit(Advice.to(AsyncStartAdvice.class).on(asyncStart))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    // Requests in flight keep their ServerRequest and end their spans; new ones are no longer traced.
    installed.undo();
    installed = null;
  }

  /**
   * Cheap first: the name (not the JDK's nor OpenTelemetry's packages), not an interface, then the methods
   * the class declares, read from its own class file. No supertype is looked at, so no other class is
   * described for a class that loads.
   */
  static ElementMatcher.Junction<TypeDescription> candidates(ElementMatcher.Junction<MethodDescription> entries) {
    return not(nameStartsWith("java.").or(nameStartsWith("jdk.")).or(nameStartsWith("sun."))
            .or(nameStartsWith("com.sun.")).or(nameStartsWith("io.opentelemetry.")))
        .and(not(isInterface()))
        .and(declaresMethod(entries));
  }

  /** Method matchers, built at the first patch (a nested class: discovery must not load Byte Buddy's matchers). */
  private static final class Methods {
    /** What {@link #entries} and {@link #asyncStart} match, as {@link ClassFileFilter#declaring} takes it. */
    static final String[] DECLARED = {
        "service(Ljakarta/servlet/ServletRequest;Ljakarta/servlet/ServletResponse;)",
        "doFilter(Ljakarta/servlet/ServletRequest;Ljakarta/servlet/ServletResponse;Ljakarta/servlet/FilterChain;)",
        "service(Ljavax/servlet/ServletRequest;Ljavax/servlet/ServletResponse;)",
        "doFilter(Ljavax/servlet/ServletRequest;Ljavax/servlet/ServletResponse;Ljavax/servlet/FilterChain;)",
        "start(Ljava/lang/Runnable;)"};

    static ElementMatcher.Junction<MethodDescription> entries() {
      ElementMatcher.Junction<MethodDescription> any = null;
      for (String namespace : NAMESPACES) {
        ElementMatcher.Junction<MethodDescription> service = named("service").and(takesArguments(2))
            .and(takesArgument(0, named(namespace + ".ServletRequest")))
            .and(takesArgument(1, named(namespace + ".ServletResponse")));
        ElementMatcher.Junction<MethodDescription> doFilter = named("doFilter").and(takesArguments(3))
            .and(takesArgument(0, named(namespace + ".ServletRequest")))
            .and(takesArgument(1, named(namespace + ".ServletResponse")))
            .and(takesArgument(2, named(namespace + ".FilterChain")));
        any = any == null ? service.or(doFilter) : any.or(service).or(doFilter);
      }
      return isPublic().and(not(isAbstract())).and(any);
    }

    static ElementMatcher.Junction<MethodDescription> asyncStart() {
      return isPublic().and(not(isAbstract())).and(named("start"))
          .and(takesArguments(1)).and(takesArgument(0, named("java.lang.Runnable")));
    }

    /** Only asked of classes that declare a start(Runnable): few enough for a look at their supertypes. */
    static ElementMatcher.Junction<TypeDescription> asyncContexts() {
      return hasSuperType(namedOneOf(NAMESPACES[0] + ".AsyncContext", NAMESPACES[1] + ".AsyncContext"));
    }
  }
}
