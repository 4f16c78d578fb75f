package io.otelauto.patchers.jdkexecutors;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Carries the context across thread hand-offs: ThreadPoolExecutor (so every ExecutorService and
 * ScheduledExecutorService of the JDK, and submit/invokeAll), ForkJoinPool and its tasks, CompletableFuture's
 * async stages, and new threads running application code. The context current where a task is handed over
 * is current inside it; afterwards the worker's context is what it was.
 *
 * <p>Tasks are not wrapped where the program could see a wrapper (a pool's queue, shutdownNow's list): the
 * context is kept beside the task instead ({@link ContextStore}) and made current by the pool's own
 * beforeExecute/afterExecute, or by ForkJoinTask.doExec and Thread.run.
 */
public final class JdkExecutorsPatcher implements Patcher {
  static final String NAME = "jdk-executors";

  private InstalledPatch installed;
  private ContextHandoff handoff;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> triggerClasses() {
    // A context to carry exists only once another patcher makes spans.
    return Set.of(ANY_TRIGGER);
  }

  @Override
  public String description() {
    return "thread hand-offs: executors, ForkJoinPool, CompletableFuture, new Thread: context follows the task";
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    handoff = new ContextHandoff(context.log());
    ContextHandoff h = handoff;
    Map<String, Object> hooks = new LinkedHashMap<>();
    hooks.put(NAME + ".capture", (Consumer<Object>) h::capture);
    hooks.put(NAME + ".thread-created", (BiConsumer<Object, Object>) (thread, arguments) ->
        h.captureForThread((Thread) thread, (Object[]) arguments));
    hooks.put(NAME + ".attach", (Function<Object, Object>) h::attach);
    hooks.put(NAME + ".before-pool-task", (Consumer<Object>) h::beforePoolTask);
    hooks.put(NAME + ".after-pool-task", (Runnable) h::afterPoolTask);
    hooks.put(NAME + ".fork-join-submit", (Function<Object, Object>) h::forkJoinSubmission);
    hooks.put(NAME + ".wrap", (Function<Object, Object>) h::wrap);
    hooks.put(NAME + ".wrap-all", (Function<Object, Object>) tasks -> h.wrapAll((Collection<?>) tasks));
    installed = InstalledPatch.install(context, hooks, context.agentBuilder()
        // The classes named below, and those that declare beforeExecute or afterExecute (PoolHooks).
        .with(ClassFileFilter.named("java.util.concurrent.ThreadPoolExecutor",
                "java.util.concurrent.ScheduledThreadPoolExecutor", "java.util.concurrent.ForkJoinPool",
                "java.util.concurrent.ForkJoinTask", "java.util.concurrent.CompletableFuture$ThreadPerTaskExecutor",
                "java.lang.Thread")
            .orDeclaring("beforeExecute", "afterExecute"))
        .type(named("java.util.concurrent.ThreadPoolExecutor"))
        .transform(advice(
            CaptureTaskAdvice.class, named("execute").and(takesArguments(Runnable.class)),
            BeforeExecuteAdvice.class, PoolHooks.BEFORE_EXECUTE,
            AfterExecuteAdvice.class, PoolHooks.AFTER_EXECUTE))
        // Subclasses that override beforeExecute/afterExecute without calling super (Spring's
        // ThreadPoolTaskExecutor does, for Spring MVC's Callable) get the same advice in their override;
        // where the override does call super, the second attach replaces the first with the same context.
        .type(PoolHooks.overrides())
        .transform(advice(BeforeExecuteAdvice.class, PoolHooks.BEFORE_EXECUTE,
            AfterExecuteAdvice.class, PoolHooks.AFTER_EXECUTE))
        .type(named("java.util.concurrent.ScheduledThreadPoolExecutor"))
        .transform(advice(CaptureTaskAdvice.class, named("delayedExecute").and(takesArguments(1))))
        .type(named("java.util.concurrent.ForkJoinPool"))
        .transform(advice(
            ForkJoinSubmitAdvice.class,
            isPublic().and(named("execute").or(named("submit")).or(named("invoke")))
                .and(takesArguments(1).or(takesArguments(2))),
            ForkJoinInvokeAllAdvice.class,
            isPublic().and(named("invokeAll")).and(takesArgument(0, Collection.class))))
        .type(named("java.util.concurrent.ForkJoinTask"))
        .transform(advice(
            ForkAdvice.class, named("fork").and(takesNoArguments()),
            RunWithContextAdvice.class, named("doExec").and(takesNoArguments())))
        .type(named("java.util.concurrent.CompletableFuture$ThreadPerTaskExecutor"))
        .transform(advice(ThreadPerTaskExecuteAdvice.class, named("execute").and(takesArguments(1))))
        .type(named("java.lang.Thread"))
        .transform(advice(
            ThreadConstructorAdvice.class, isConstructor().and(isPublic()),
            RunWithContextAdvice.class, named("run").and(takesNoArguments()))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    installed.undo();
    installed = null;
    handoff = null;
  }

  /** Tasks whose context is held, for tests: captured contexts must not pile up. */
  synchronized int capturedTasks() {
    return handoff == null ? 0 : handoff.capturedTasks();
  }

  /** ThreadPoolExecutor's hooks, built at the first patch (a nested class: discovery must not load Byte Buddy). */
  private static final class PoolHooks {
    static final ElementMatcher.Junction<MethodDescription> BEFORE_EXECUTE = named("beforeExecute")
        .and(takesArguments(2)).and(takesArgument(0, named("java.lang.Thread")))
        .and(takesArgument(1, named("java.lang.Runnable")));
    static final ElementMatcher.Junction<MethodDescription> AFTER_EXECUTE = named("afterExecute")
        .and(takesArguments(2)).and(takesArgument(0, named("java.lang.Runnable")))
        .and(takesArgument(1, named("java.lang.Throwable")));

    /**
     * Classes that override them. Cheap first: not the JDK's, not an interface, declares one of the two (read
     * from its own class file); only then are its superclasses looked at.
     */
    static ElementMatcher.Junction<TypeDescription> overrides() {
      return not(nameStartsWith("java.").or(nameStartsWith("jdk.")).or(nameStartsWith("sun.")))
          .and(not(isInterface()))
          .and(declaresMethod(not(isAbstract()).and(BEFORE_EXECUTE.or(AFTER_EXECUTE))))
          .and(hasSuperClass(named("java.util.concurrent.ThreadPoolExecutor")));
    }
  }

  /** Pairs of (advice class, method matcher) applied to one type. */
  private static AgentBuilder.Transformer advice(Object... adviceAndMatchers) {
    return (builder, type, loader, module, domain) -> {
      for (int i = 0; i < adviceAndMatchers.length; i += 2) {
        @SuppressWarnings("unchecked")
        ElementMatcher<? super MethodDescription> methods =
            (ElementMatcher<? super MethodDescription>) adviceAndMatchers[i + 1];
        builder = builder.visit(Advice.to((Class<?>) adviceAndMatchers[i]).on(methods));
      }
      return builder;
    };
  }
}
