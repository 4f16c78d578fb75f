package io.otelauto.patchers.otelapi;

import io.otelauto.patchers.api.AgentLog;
import io.otelauto.patchers.bridge.Hooks;
import io.otelauto.patchers.bridge.OpenTelemetryApiBridge;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * The program's side of the bridge, defined once in the class loader of each copy of the OpenTelemetry API
 * the program has (a class path, a webapp, a Spring Boot jar may each bring one): classes that implement
 * that copy's interfaces and call the agent through {@code OpenTelemetryApiBridge}. They travel inside the
 * patcher's jar as {@code program-side.jar}, compiled against the oldest API supported, and are linked
 * against the program's copy only when defined there.
 *
 * <p>Also what the program's {@code GlobalOpenTelemetry} asks: whether the program set its own instance.
 */
final class ProgramSide {
  static final String STORAGE_CLASS = "io.otelauto.patchers.otelapi.program.ProgramContextStorage";
  static final String OPEN_TELEMETRY_CLASS = "io.otelauto.patchers.otelapi.program.ProgramOpenTelemetry";
  static final String BRIDGE_CLASS = "io.otelauto.patchers.otelapi.program.Bridge";

  private final Instrumentation instrumentation;
  private final AgentLog log;
  /**
   * Per class of the program's API ({@code ContextStorage}, {@code GlobalOpenTelemetry}): what answers it.
   * Read on every {@code Context.current()} of the program, so without a lock.
   */
  private final ClassValue<Answers> answers = new ClassValue<>() {
    @Override
    protected Answers computeValue(Class<?> api) {
      return answersFor(api);
    }
  };
  /** The loaders the program side is defined in (or failed to be); no value refers to a loader's classes. */
  private final Map<ClassLoader, Boolean> defined = new WeakHashMap<>();
  private Map<String, byte[]> classes;

  ProgramSide(Instrumentation instrumentation, AgentLog log) {
    this.instrumentation = instrumentation;
    this.log = log;
  }

  /** The program side's instances for one copy of the API (null where it could not be defined). */
  private static final class Answers {
    static final Answers NONE = new Answers(null, null);
    final Object storage;
    final Object openTelemetry;
    /** Whether the program called {@code GlobalOpenTelemetry.set}: its own instance wins then. */
    volatile boolean setByProgram;

    Answers(Object storage, Object openTelemetry) {
      this.storage = storage;
      this.openTelemetry = openTelemetry;
    }
  }

  /** The storage the program's {@code ContextStorage.get()} returns; null: the API's own. */
  Object contextStorage(Class<?> api) {
    return answers.get(api).storage;
  }

  /**
   * For the program's {@code GlobalOpenTelemetry}: {@code get} the agent's instance (null if the program set
   * its own), {@code set} noted, {@code reset} forgotten, {@code isSet} true while the agent's is the global.
   */
  Object global(Class<?> api, String call) {
    Answers answers = this.answers.get(api);
    switch (call) {
      case "set" -> {
        if (!answers.setByProgram) {
          answers.setByProgram = true;
          log.debug("The program set its own GlobalOpenTelemetry: its own GlobalOpenTelemetry.get() returns it");
        }
        return null;
      }
      case "reset" -> {
        answers.setByProgram = false;
        return null;
      }
      case "isSet" -> {
        return answers.setByProgram || answers.openTelemetry == null ? null : Boolean.TRUE;
      }
      default -> {
        return answers.setByProgram ? null : answers.openTelemetry;
      }
    }
  }

  private Answers answersFor(Class<?> api) {
    ClassLoader loader = api.getClassLoader();
    // The agent's own copy is never bridged to itself (it is when the agent's API is also the program's:
    // in the patcher tests, or an agent put on the class path).
    if (loader == null || loader == io.opentelemetry.context.ContextStorage.class.getClassLoader()) {
      return Answers.NONE;
    }
    if (!hasTheWholeApi(loader)) {
      log.debug("No bridge for the OpenTelemetry context without its API proper in " + loader);
      return Answers.NONE;
    }
    try {
      synchronized (this) {
        Boolean done = defined.get(loader);
        if (done == null) {
          defined.put(loader, Boolean.FALSE);
          if (definedAlready(loader)) {
            // By an agent attached before this one, and detached since: point those classes at this one.
            Field agent = Class.forName(BRIDGE_CLASS, true, loader).getDeclaredField("AGENT");
            agent.setAccessible(true);
            agent.set(null, Hooks.get(OpenTelemetryApiBridge.HOOK));
          } else {
            define(loader, api.getProtectionDomain());
          }
          defined.put(loader, Boolean.TRUE);
          log.debug("The OpenTelemetry API in " + loader + " is bridged to the agent's");
        } else if (!done) {
          return Answers.NONE;
        }
      }
      return new Answers(Class.forName(STORAGE_CLASS, true, loader).getConstructor().newInstance(),
          Class.forName(OPEN_TELEMETRY_CLASS, true, loader).getConstructor().newInstance());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError | IOException e) {
      log.errorOnce("opentelemetry-api " + loader, "Could not bridge the program's OpenTelemetry API in " + loader
          + "; it keeps working on its own, apart from the agent's trace", e);
      return Answers.NONE;
    }
  }

  /** Whether this loader itself defined the program side already (its parent's copy does not count). */
  private static boolean definedAlready(ClassLoader loader) {
    try {
      return Class.forName(BRIDGE_CLASS, false, loader).getClassLoader() == loader;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Whether both halves of the API are there: the context ({@code opentelemetry-context}, which some
   * libraries bring alone) and the API proper. With the context alone, it keeps its own storage.
   */
  private static boolean hasTheWholeApi(ClassLoader loader) {
    try {
      Class.forName("io.opentelemetry.api.trace.Span", false, loader);
      Class.forName("io.opentelemetry.context.Context", false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private void define(ClassLoader loader, ProtectionDomain domain)
      throws ReflectiveOperationException, IOException {
    Method defineClass = definer();
    for (Map.Entry<String, byte[]> entry : classes().entrySet()) {
      byte[] bytes = entry.getValue();
      defineClass.invoke(loader, entry.getKey(), bytes, 0, bytes.length, domain);
    }
  }

  /**
   * {@code ClassLoader.defineClass}, made accessible: {@code java.lang} is opened to this patcher's loader
   * only (its unnamed module), through the instrumentation the agent holds.
   */
  private Method definer() throws NoSuchMethodException {
    Module javaBase = Object.class.getModule();
    Module self = ProgramSide.class.getModule();
    if (!javaBase.isOpen("java.lang", self)) {
      instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(self)), Set.of(),
          Map.of());
    }
    Method defineClass = ClassLoader.class.getDeclaredMethod("defineClass", String.class, byte[].class, int.class,
        int.class, ProtectionDomain.class);
    defineClass.setAccessible(true);
    return defineClass;
  }

  /** The classes of program-side.jar, by binary name; read once. */
  private Map<String, byte[]> classes() throws IOException {
    if (classes == null) {
      Map<String, byte[]> read = new LinkedHashMap<>();
      try (InputStream resource = ProgramSide.class.getResourceAsStream("program-side.jar")) {
        if (resource == null) {
          throw new IOException("program-side.jar is missing from the patcher's jar");
        }
        try (JarInputStream jar = new JarInputStream(resource)) {
          for (JarEntry entry; (entry = jar.getNextJarEntry()) != null; ) {
            String name = entry.getName();
            if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
              ByteArrayOutputStream bytes = new ByteArrayOutputStream();
              jar.transferTo(bytes);
              read.put(name.substring(0, name.length() - ".class".length()).replace('/', '.'), bytes.toByteArray());
            }
          }
        }
      }
      classes = read;
    }
    return classes;
  }
}
