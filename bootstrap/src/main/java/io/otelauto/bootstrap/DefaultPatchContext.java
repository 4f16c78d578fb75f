package io.otelauto.bootstrap;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import io.opentelemetry.api.OpenTelemetry;
import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.bridge.Hooks;
import java.lang.instrument.Instrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.JavaModule;

/** The {@link PatchContext} the agent (and the patcher test kit) hands to every patcher. */
public final class DefaultPatchContext implements PatchContext {
  private final Instrumentation instrumentation;
  private final OpenTelemetry openTelemetry;
  private final AgentConfig config;
  private final AgentLog log;

  public DefaultPatchContext(
      Instrumentation instrumentation, OpenTelemetry openTelemetry, AgentConfig config, AgentLog log) {
    this.instrumentation = instrumentation;
    this.openTelemetry = openTelemetry;
    this.config = config;
    this.log = log;
  }

  @Override
  public Instrumentation instrumentation() {
    return instrumentation;
  }

  @Override
  public AgentBuilder agentBuilder() {
    return agentBuilder(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.SinglePass.INSTANCE);
  }

  @Override
  public AgentBuilder agentBuilder(AgentBuilder.RedefinitionStrategy.DiscoveryStrategy candidates) {
    return newAgentBuilder()
        // Retransformation without class format changes is what lets unpatch() restore the original bytes.
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(candidates)
        .with(new BatchFailureListener(log))
        // Byte Buddy ignores boot and platform classes by default; JDK modules (jdk.httpserver,
        // java.net.http) are what we patch, so only our own and Byte Buddy's classes are ignored. By name
        // only: a matcher on modifiers (isSynthetic) would make every patcher parse every loaded class.
        .ignore(nameStartsWith("net.bytebuddy.")
            .or(nameStartsWith("io.otelauto.bootstrap."))
            .or(nameStartsWith("io.otelauto.patchers.")))
        // Advice inlined into a class of a named module (jdk.httpserver) calls Hooks on the boot class path:
        // the module must read the boot loader's unnamed module.
        .assureReadEdgeTo(instrumentation, Hooks.class)
        // Describe classes, loaded ones included, from their class files, never by reflection: reflection
        // on a loaded class loads the types in its signatures, and activation may run while one of those is
        // being defined (a trigger class), which the JVM would then see defined twice.
        .with(AgentBuilder.DescriptionStrategy.Default.POOL_ONLY)
        .with(new FailureListener(log));
  }

  /**
   * Byte Buddy's default initialization strategy would inject its Nexus class into the system class loader
   * (where the program would see it) and, on JDK 24+, print sun.misc.Unsafe warnings. We need no type
   * initializers (class format changes are disabled), so Nexus is turned off while our copy of Byte Buddy
   * decides, once, whether to use it; the property is then put back for the program's own Byte Buddy.
   */
  private static AgentBuilder newAgentBuilder() {
    String key = "net.bytebuddy.nexus.disabled";
    synchronized (DefaultPatchContext.class) {
      String previous = System.getProperty(key);
      System.setProperty(key, "true");
      try {
        return new AgentBuilder.Default();
      } finally {
        if (previous == null) {
          System.clearProperty(key);
        } else {
          System.setProperty(key, previous);
        }
      }
    }
  }

  @Override
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  @Override
  public String config(String key, String defaultValue) {
    return config.get(key, defaultValue);
  }

  @Override
  public AgentLog log() {
    return log;
  }

  /** Loaded classes are retransformed together: if the JVM refuses the batch, say which classes run unpatched. */
  private static final class BatchFailureListener extends AgentBuilder.RedefinitionStrategy.Listener.Adapter {
    private final AgentLog log;

    BatchFailureListener(AgentLog log) {
      this.log = log;
    }

    @Override
    public Iterable<? extends List<Class<?>>> onError(
        int index, List<Class<?>> batch, Throwable throwable, List<Class<?>> types) {
      log.errorOnce("retransform", "Could not patch " + batch.size() + " loaded classes; they run unpatched: "
          + batch.stream().map(Class::getName).limit(10).toList(), throwable);
      return List.of();
    }
  }

  /**
   * A class that cannot be transformed stays as it was; the failure is logged once per class. A class that
   * cannot even be described is skipped quietly: classes made at run time (JDK and CGLIB proxies, lambdas)
   * have no class file to describe them from, nor do supertypes a loader cannot find, and a stopped webapp's
   * loader refuses to read any (Tomcat throws); none of them is anything a patcher waits for, and a stack
   * trace for each would read to the user as a broken program.
   */
  private static final class FailureListener extends AgentBuilder.Listener.Adapter {
    private static final String CLASS_FILE_LOCATOR = ClassFileLocator.class.getName();
    private final AgentLog log;

    FailureListener(AgentLog log) {
      this.log = log;
    }

    @Override
    public void onError(
        String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
      if (cannotBeDescribed(throwable)) {
        log.debug("Skipped " + typeName + ": " + throwable.getMessage());
        return;
      }
      log.errorOnce("transform " + typeName, "Could not patch " + typeName + "; it runs unpatched", throwable);
    }

    /** Byte Buddy found no class file, or the class loader failed while Byte Buddy was looking for one. */
    private static boolean cannotBeDescribed(Throwable throwable) {
      for (Throwable t = throwable; t != null; t = t.getCause()) {
        if (t instanceof TypePool.Resolution.NoSuchTypeException) {
          return true;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
          if (frame.getClassName().startsWith(CLASS_FILE_LOCATOR)) {
            return true;
          }
        }
      }
      return false;
    }

    @Override
    public void onTransformation(TypeDescription type, ClassLoader classLoader, JavaModule module,
        boolean loaded, DynamicType dynamicType) {
      log.debug("Transformed " + type.getName());
    }
  }
}
