package io.otelauto.patchers.otelapi;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isAnnotatedWith;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;

import io.otelauto.patchers.api.ApplicationClassLoaders;
import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Joins the program's own use of the OpenTelemetry API (any 1.x from 1.10 on, older or newer than the
 * agent's) to the agent's trace: one current context for both, {@code GlobalOpenTelemetry} backed by the
 * agent's SDK, and {@code @WithSpan} methods traced.
 *
 * <p>Where: in each of the program's copies of the API, {@code ContextStorage.get()}
 * ({@link ContextStorageAdvice}) and {@code GlobalOpenTelemetry}'s {@code get}, {@code getOrNoop},
 * {@code isSet}, {@code set} and {@code resetForTest} ({@link GlobalGetAdvice}, {@link GlobalIsSetAdvice},
 * {@link GlobalSetAdvice}); and every method of the program annotated
 * {@code io.opentelemetry.instrumentation.annotations.WithSpan} ({@link WithSpanAdvice}). The answers come
 * from classes defined in the API's own loader ({@link ProgramSide}) that call the agent's API through
 * {@link OpenTelemetryApiBridge} ({@link AgentApi}).
 */
public final class OpenTelemetryApiPatcher implements Patcher {
  static final String NAME = "opentelemetry-api";
  // The advice names these hooks with string literals: keep them equal.
  static final String CONTEXT_STORAGE_HOOK = NAME + ".context-storage";
  static final String GLOBAL_HOOK = NAME + ".global";
  private static final String CONTEXT_STORAGE = "io.opentelemetry.context.ContextStorage";
  private static final String GLOBAL = "io.opentelemetry.api.GlobalOpenTelemetry";

  private InstalledPatch installed;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "The program's own OpenTelemetry API (1.10+) and @WithSpan: one context and one trace with the agent";
  }

  /** A program that uses the API loads one of these before its first span or context. */
  @Override
  public Set<String> triggerClasses() {
    return Set.of(CONTEXT_STORAGE, GLOBAL);
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    // The program side, once defined in a loader, stays there: a new one (patched again, or another agent
    // after a detach) finds it and points it at its own AgentApi.
    ProgramSide side = new ProgramSide(context.instrumentation(), context.log());
    Function<Class<?>, Object> storage = side::contextStorage;
    BiFunction<Class<?>, String, Object> global = side::global;
    ElementMatcher.Junction<MethodDescription> withSpan = isAnnotatedWith(named(MethodSpans.WITH_SPAN))
        .and(not(isAbstract()));
    installed = InstalledPatch.install(context,
        Map.of(OpenTelemetryApiBridge.HOOK, new AgentApi(context.openTelemetry(), context.log()),
            CONTEXT_STORAGE_HOOK, storage, GLOBAL_HOOK, global),
        context.agentBuilder()
            // The two classes named below, and those with a method annotated @WithSpan.
            .with(ClassFileFilter.named(CONTEXT_STORAGE, GLOBAL)
                .orContaining("L" + MethodSpans.WITH_SPAN.replace('.', '/') + ";"))
            .type(named(CONTEXT_STORAGE), ApplicationClassLoaders.matcher())
            .transform((builder, type, loader, module, domain) -> builder.visit(Advice.to(ContextStorageAdvice.class)
                .on(named("get").and(isStatic()).and(takesArguments(0)))))
            .type(named(GLOBAL), ApplicationClassLoaders.matcher())
            .transform((builder, type, loader, module, domain) -> builder
                .visit(Advice.to(GlobalGetAdvice.class)
                    .on(namedOneOf("get", "getOrNoop").and(isStatic()).and(takesArguments(0))))
                .visit(Advice.to(GlobalIsSetAdvice.class).on(named("isSet").and(isStatic()).and(takesArguments(0))))
                .visit(Advice.to(GlobalSetAdvice.class).on(isStatic().and(
                    named("set").and(takesArguments(1)).and(takesArgument(0, named("io.opentelemetry.api.OpenTelemetry")))
                        .or(named("resetForTest").and(takesArguments(0)))))))
            .type(not(nameStartsWith("java.").or(nameStartsWith("jdk.")).or(nameStartsWith("sun."))
                    .or(nameStartsWith("com.sun.")).or(nameStartsWith("io.opentelemetry.")))
                    .and(not(isInterface())).and(declaresMethod(withSpan)),
                ApplicationClassLoaders.matcher())
            .transform((builder, type, loader, module, domain) ->
                builder.visit(Advice.to(WithSpanAdvice.class).on(withSpan))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    // The program's objects made so far keep working through the agent; new calls go to its own API again.
    installed.undo();
    installed = null;
  }
}
