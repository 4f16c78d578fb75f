package io.otelauto.bootstrap;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Waits for the first class some patcher waits for (a trigger) to start loading, with the JDK alone: until
 * then the agent has opened no class loader, loaded neither Byte Buddy nor the SDK, and costs one hash-set
 * lookup of each loading class's name. At the trigger it calls {@code start}, with what is needed to patch
 * the triggering class as it loads; then it removes itself, unless {@code start} says which triggers it still
 * waits for (the agent applies each patcher at its own trigger).
 *
 * <p>Registered as retransformation-capable, like Byte Buddy's transformers: the JVM fixes the list of such
 * transformers for a class before calling the first, so the ones {@code start} adds never see the
 * triggering class twice; {@code start} hands it to them.
 *
 * <p>Classes being defined when the trigger loads: the JVM transforms a class before it loads its superclass
 * and interfaces, so a trigger that is an interface or a superclass (e.g. {@code jakarta.servlet.Servlet},
 * loaded because {@code HttpServlet} is) fires after the classes that caused it were transformed, and before
 * they are loaded. So the last few classes that began to load on each thread are remembered, and those of
 * the triggering thread handed to {@code start}, which retransforms them once defined.
 *
 * <p>The trigger names come from an index each patcher jar carries ({@link #INDEX}: patcher name, then its
 * trigger classes), read without loading any of its classes. Used by {@link AgentPremain} (in the program's
 * class loader, before the agent's exists) and by {@link Agent} (for patchers without an index).
 */
final class PremainTrigger implements ClassFileTransformer, Consumer<Set<String>> {
  /**
   * In each patcher jar: one line per patcher, {@code NAME=TRIGGER,TRIGGER...} ({@code *}: with any other),
   * {@code #} comments. Not a properties file: the JDK's Properties would load more classes than premain may.
   */
  static final String INDEX = "META-INF/otel-auto-instrument/patchers.index";
  static final String SERVICES = "META-INF/services/io.otelauto.patchers.api.Patcher";
  /**
   * In the distribution: the indexes of the bundled patcher jars, concatenated at build time after a first
   * line {@code jars=NAME.jar,...} that names them.
   */
  static final String BUNDLED = "lib/patchers.index";
  private static final String BUNDLED_JARS = "jars=";
  static final String ANY_TRIGGER = "*";
  /** How many of the last classes that began to load are remembered per thread. */
  private static final int RECENT = 6;

  private final Instrumentation instrumentation;
  /** Internal names; replaced, never changed, so that loading threads read it without a lock. */
  private volatile Set<String> triggers;
  /** Whether {@code start} said, while it ran, what to go on waiting for. */
  private boolean narrowed;
  private final Function<Object[], byte[]> start;
  /**
   * Per thread, the loaders and names of the last classes that began to load, as a ring. (No lambda and no
   * {@code +} on strings here nor anywhere premain runs: both bootstrap method handles, and the first of a
   * JVM costs it milliseconds to set up.)
   */
  private final ThreadLocal<Object[]> recent = new ThreadLocal<>() {
    @Override
    protected Object[] initialValue() {
      return new Object[2 * RECENT + 1];
    }
  };
  private volatile boolean done;

  /**
   * {@code triggers}: class names, dotted. {@code start} receives the triggering class's module, loader,
   * internal name, protection domain and class file (module, domain and file null if it was loaded already),
   * the loaders and names (internal) of the classes that last began to load on its thread, and this trigger
   * (to {@link #accept} what to wait for next). It returns the class file to define (null: unchanged).
   */
  private PremainTrigger(Instrumentation instrumentation, Set<String> triggers, Function<Object[], byte[]> start) {
    this.instrumentation = instrumentation;
    Set<String> names = new HashSet<>();
    for (String name : triggers) {
      names.add(name.replace('.', '/'));
    }
    this.triggers = names;
    this.start = start;
  }

  /** Calls {@code start} now if a trigger class is loaded already, else when the first one starts to load. */
  static PremainTrigger arm(Instrumentation instrumentation, Set<String> triggers, Function<Object[], byte[]> start,
      boolean debug) {
    return arm(instrumentation, triggers, start, debug, false);
  }

  /**
   * As {@link #arm(Instrumentation, Set, Function, boolean)}; {@code everyLoadedClass}: look for trigger
   * classes loaded already among all the JVM's classes (an attach), not only among those of the program's and
   * the platform's loaders (premain, where that is all another agent can have loaded, and cheaper).
   */
  static PremainTrigger arm(Instrumentation instrumentation, Set<String> triggers, Function<Object[], byte[]> start,
      boolean debug, boolean everyLoadedClass) {
    PremainTrigger trigger = new PremainTrigger(instrumentation, triggers, start);
    if (trigger.triggers.isEmpty()) {
      trigger.done = true;
      return trigger;
    }
    instrumentation.addTransformer(trigger, true);
    // Before main, a trigger is loaded already only if another agent loaded it: through the program's or the
    // platform's loader (JDK modules such as java.sql, jdk.httpserver, java.net.http). The boot loader's
    // classes are not listed: the whole list of loaded classes costs premain 2 ms.
    Class<?>[][] loaded = everyLoadedClass ? new Class<?>[][] {instrumentation.getAllLoadedClasses()}
        : new Class<?>[][] {instrumentation.getInitiatedClasses(ClassLoader.getPlatformClassLoader()),
            instrumentation.getInitiatedClasses(ClassLoader.getSystemClassLoader())};
    for (Class<?>[] classes : loaded) {
      for (Class<?> type : classes) {
        String name = type.getName().replace('.', '/');
        if (trigger.triggers.contains(name) && !isOurs(type.getClassLoader())) {
          debug(debug, "Trigger ".concat(type.getName()).concat(" was loaded already"));
          trigger.fire(new Object[] {null, type.getClassLoader(), name, null, null, new Object[0], trigger});
          if (trigger.done) {
            return trigger;
          }
        }
      }
    }
    debug(debug, "Waiting for the first of ".concat(Integer.toString(trigger.triggers.size()))
        .concat(" trigger classes"));
    return trigger;
  }

  /**
   * While {@code start} runs: keep waiting afterwards, for these trigger classes (dotted names) only. Unless
   * {@code start} says so, a trigger fires once. ({@link Consumer}, a JDK type, so that the agent, in a loader
   * of its own, can call it through the triggering arguments.)
   */
  @Override
  public synchronized void accept(Set<String> stillWaitingFor) {
    Set<String> names = new HashSet<>();
    for (String name : stillWaitingFor) {
      names.add(name.replace('.', '/'));
    }
    triggers = names;
    narrowed = true;
  }

  /** Stops waiting (detach before any trigger): no agent will start from here. */
  synchronized void disarm() {
    done = true;
    instrumentation.removeTransformer(this);
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
      ProtectionDomain domain, byte[] classfile) {
    if (done || classBeingRedefined != null || className == null) {
      return null;
    }
    if (!triggers.contains(className)) {
      // The agent's own classes are never remembered: a ring lingers in its thread after the trigger is gone,
      // and must not keep the agent's class loader alive once detached. That includes classes of loaders the
      // agent made with another parent (Byte Buddy's dispatcher and class injection loaders).
      if (!isOurs(loader) && (loader == null || !isOurs(loader.getClass().getClassLoader()))) {
        remember(loader, className);
      }
      return null;
    }
    if (isOurs(loader)) {
      return null;
    }
    Object[] pending = recent.get().clone();
    recent.remove();
    return fire(new Object[] {module, loader, className, domain, classfile, pending, this});
  }

  /**
   * Hands the trigger to {@code start}, one at a time (a trigger class loading on another thread meanwhile
   * waits here, and fires next if {@code start} still waits for it). Stops waiting afterwards unless
   * {@code start} narrowed what it waits for ({@link #accept}) to something.
   */
  private synchronized byte[] fire(Object[] trigger) {
    if (done || !triggers.contains((String) trigger[2])) {
      return null;
    }
    narrowed = false;
    try {
      return start.apply(trigger);
    } finally {
      if (!narrowed || triggers.isEmpty()) {
        done = true;
        instrumentation.removeTransformer(this);
      }
    }
  }

  /**
   * The agent's own loaders load classes that are triggers elsewhere (its copy of the OpenTelemetry API):
   * only the program's copy triggers. Asked of each class that loads while the trigger waits: a walk up a
   * loader chain or two, reading each loader's name.
   */
  private static boolean isOurs(ClassLoader loader) {
    for (; loader != null; loader = loader.getParent()) {
      String name = loader.getName();
      if ("otel-auto-instrument".equals(name) || "otel-auto-instrument-patchers".equals(name)) {
        return true;
      }
    }
    return false;
  }

  private void remember(ClassLoader loader, String className) {
    Object[] ring = recent.get();
    int next = ring[2 * RECENT] == null ? 0 : (Integer) ring[2 * RECENT];
    ring[2 * next] = loader;
    ring[2 * next + 1] = className;
    ring[2 * RECENT] = (next + 1) % RECENT;
  }

  /**
   * The trigger classes of every enabled patcher in {@code jars}, from their indexes; null if some jar has
   * no index that covers all of its patchers (or cannot be read), or a patcher has no trigger (it is applied
   * at start-up): then the agent must start now. The bundled jars are read from {@link #BUNDLED}, written at
   * build time, when it names every one of them: one small file instead of a jar each.
   */
  static Set<String> fromIndexes(Path home, List<Path> jars, AgentConfig config) {
    List<String> patchers = new ArrayList<>();
    List<Path> unread = new ArrayList<>(jars);
    try {
      if (home != null) {
        List<String> bundled = lines(home.resolve(BUNDLED).toFile());
        if (!bundled.isEmpty() && bundled.get(0).startsWith(BUNDLED_JARS)) {
          List<Path> covered = new ArrayList<>();
          for (String name : bundled.get(0).substring(BUNDLED_JARS.length()).split(",")) {
            covered.add(home.resolve("patchers").resolve(name.strip()));
          }
          if (unread.containsAll(covered)) {
            unread.removeAll(covered);
            patchers.addAll(bundled.subList(1, bundled.size()));
          }
        }
      }
      for (Path jar : unread) {
        try (ZipFile file = new ZipFile(jar.toFile())) {
          ZipEntry index = file.getEntry(INDEX);
          if (index == null) {
            return null;
          }
          List<String> indexed = lines(file, index);
          if (indexed.size() != lines(file, file.getEntry(SERVICES)).size()) {
            return null;
          }
          patchers.addAll(indexed);
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    Set<String> triggers = new HashSet<>();
    for (String patcher : patchers) {
      int equals = patcher.indexOf('=');
      String name = equals < 0 ? patcher : patcher.substring(0, equals).strip();
      if (!config.allows(name)) {
        continue;
      }
      String names = equals < 0 ? "" : patcher.substring(equals + 1).strip();
      if (names.isEmpty()) {
        return null;
      }
      for (String trigger : names.split(",")) {
        if (!trigger.isBlank() && !ANY_TRIGGER.equals(trigger.strip())) {
          triggers.add(trigger.strip());
        }
      }
    }
    return triggers;
  }

  /** The lines of a file that say something; none if it is absent. */
  private static List<String> lines(File file) throws IOException {
    if (!file.isFile()) {
      return List.of();
    }
    try (InputStream in = new FileInputStream(file)) {
      return lines(in);
    }
  }

  /** The lines of a jar entry that say something: neither blank nor a comment ({@code #}); none if absent. */
  private static List<String> lines(ZipFile file, ZipEntry entry) throws IOException {
    if (entry == null) {
      return List.of();
    }
    try (InputStream in = file.getInputStream(entry)) {
      return lines(in);
    }
  }

  private static List<String> lines(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
      int comment = line.indexOf('#');
      String content = (comment < 0 ? line : line.substring(0, comment)).strip();
      if (!content.isEmpty()) {
        lines.add(content);
      }
    }
    return lines;
  }

  /** The patcher jars: {@code <home>/patchers/*.jar}, then each jar or directory named in the setting. */
  static List<Path> patcherJars(Path home, AgentConfig config) {
    List<Path> jars = new ArrayList<>();
    if (home != null) {
      jars.addAll(jarsIn(home.resolve("patchers")));
    }
    for (String entry : config.get(AgentConfig.PATCHERS, "").split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path path = Path.of(entry.trim()).toAbsolutePath();
      if (path.toFile().isDirectory()) {
        jars.addAll(jarsIn(path));
      } else {
        jars.add(path);
      }
    }
    return jars;
  }

  static List<Path> jarsIn(Path directory) {
    List<Path> jars = new ArrayList<>();
    String[] names = directory.toFile().list();
    if (names != null) {
      Arrays.sort(names);
      for (String name : names) {
        if (name.endsWith(".jar")) {
          jars.add(directory.resolve(name));
        }
      }
    }
    return jars;
  }

  private static void debug(boolean debug, String message) {
    if (debug) {
      System.err.println(StderrAgentLog.PREFIX.concat(message));
    }
  }
}
