package io.otelauto.patchers.jdbc;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import io.otelauto.patchers.api.ApplicationClassLoaders;
import io.otelauto.patchers.api.ClassFileFilter;
import io.otelauto.patchers.api.InstalledPatch;
import io.otelauto.patchers.api.PatchContext;
import io.otelauto.patchers.api.Patcher;
import io.otelauto.patchers.bridge.Hooks;
import java.lang.instrument.Instrumentation;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Traces JDBC: one CLIENT span per statement execution, whatever the driver, pool or wrapper.
 *
 * <p>Where: every class of the program's class loaders that implements {@code java.sql.Statement} (and so
 * {@code PreparedStatement}, {@code CallableStatement}) or {@code java.sql.Connection}, matched by name and
 * patched in the methods it declares:
 * <ul>
 *   <li>{@code execute}, {@code executeQuery}, {@code executeUpdate}, {@code executeLargeUpdate} with the SQL
 *       as first argument ({@link ExecuteAdvice}) or without arguments ({@link ExecutePreparedAdvice});
 *       {@code executeBatch}, {@code executeLargeBatch} ({@link ExecuteBatchAdvice}): the span;</li>
 *   <li>{@code addBatch(String)}, {@code addBatch()}, {@code clearBatch()}: the batch, reported by
 *       {@code executeBatch} as one span with {@code db.operation.batch.size};</li>
 *   <li>a connection's {@code prepareStatement(String, ...)} and {@code prepareCall(String, ...)}
 *       ({@link PrepareAdvice}): the SQL of the statement it returns.</li>
 * </ul>
 * Wrappers (a pool's statement delegating to the driver's) are patched too; {@link JdbcTracer} makes the span
 * of the outermost call only. The drivers' classes live in the program's loaders, where the advice reaches
 * the patcher through {@link Hooks} and JDK functional types.
 *
 * <p>Start-up cost: every class the JVM loads passes the type matcher, so it is ordered from cheap to
 * costly: the class loader (not the boot or platform loader, not the agent's own), the name (not the JDK's
 * packages nor OpenTelemetry's), not an interface, declares one of the methods above (read from the class
 * file being loaded, no other class touched), and only then the hierarchy, walked by name through the
 * class's own supertypes and never into JDK types outside {@code java.sql}. So only classes that declare a
 * public {@code executeQuery}, {@code execute} returning boolean, {@code prepareStatement}, ... ever cost a
 * look at their supertypes.
 */
public final class JdbcPatcher implements Patcher {
  static final String NAME = "jdbc";
  // The advice classes name these hooks with string literals: keep them equal.
  static final String EXECUTE_HOOK = NAME + ".execute";
  static final String EXECUTE_PREPARED_HOOK = NAME + ".execute-prepared";
  static final String EXECUTE_BATCH_HOOK = NAME + ".execute-batch";
  static final String ADD_BATCH_HOOK = NAME + ".add-batch";
  static final String CLEAR_BATCH_HOOK = NAME + ".clear-batch";
  static final String PREPARE_HOOK = NAME + ".prepare";

  private InstalledPatch installed;
  private JdbcTracer tracer;

  @Override
  public String name() {
    return NAME;
  }

  /**
   * A driver's class loads its interface (java.sql.Driver) or registers with DriverManager, and a pool is a
   * DataSource, all before the first Connection or Statement class is loaded: those are patched as they load.
   */
  @Override
  public Set<String> triggerClasses() {
    return Set.of("java.sql.Driver", "java.sql.DriverManager", "javax.sql.DataSource");
  }

  @Override
  public String description() {
    return "JDBC (java.sql) statements, prepared, callable and batches: a CLIENT span per execution";
  }

  @Override
  public boolean isLibraryPresent() {
    return ModuleLayer.boot().findModule("java.sql").isPresent();
  }

  @Override
  public synchronized void patch(PatchContext context) {
    if (installed != null) {
      return;
    }
    JdbcTracer jdbc = new JdbcTracer(context.openTelemetry(), context.log());
    tracer = jdbc;
    Map<String, Object> hooks = Map.of(
        EXECUTE_HOOK, (BiFunction<Object, String, Object>) jdbc::executeSql,
        EXECUTE_PREPARED_HOOK, (Function<Object, Object>) jdbc::executePrepared,
        EXECUTE_BATCH_HOOK, (Function<Object, Object>) jdbc::executeBatch,
        ADD_BATCH_HOOK, (BiConsumer<Object, String>) jdbc::addBatch,
        CLEAR_BATCH_HOOK, (Consumer<Object>) jdbc::clearBatch,
        PREPARE_HOOK, (BiConsumer<Object, String>) jdbc::prepared);
    ElementMatcher<ClassLoader> applicationLoaders = ApplicationClassLoaders.matcher();
    installed = InstalledPatch.install(context, hooks, context.agentBuilder(JdbcPatcher::loadedStatementsAndConnections)
        .with(ClassFileFilter.declaring(Methods.DECLARED))
        .type(statementTypes(), applicationLoaders)
        .transform((builder, type, loader, module, domain) -> builder
            .visit(Advice.to(ExecuteAdvice.class).on(Methods.EXECUTE_SQL))
            .visit(Advice.to(ExecutePreparedAdvice.class).on(Methods.EXECUTE_PREPARED))
            .visit(Advice.to(ExecuteBatchAdvice.class).on(Methods.EXECUTE_BATCH))
            .visit(Advice.to(AddBatchAdvice.class).on(Methods.ADD_BATCH_SQL))
            .visit(Advice.to(AddParametersBatchAdvice.class).on(Methods.ADD_BATCH))
            .visit(Advice.to(ClearBatchAdvice.class).on(Methods.CLEAR_BATCH)))
        .type(connectionTypes(), applicationLoaders)
        .transform((builder, type, loader, module, domain) -> builder
            .visit(Advice.to(PrepareAdvice.class).on(Methods.PREPARE))));
  }

  @Override
  public synchronized void unpatch() {
    if (installed == null) {
      return;
    }
    installed.undo();
    // Executions still running end their spans through the callbacks they hold; the rest is forgotten.
    tracer.clear();
    installed = null;
    tracer = null;
  }

  /**
   * The classes loaded before the patch that the matchers below could accept: classes that implement
   * {@code Statement} or {@code Connection}. The patch is often applied after a framework has loaded most
   * of its classes (Spring Boot, at its pool's first {@code DataSource}); describing each from its class
   * file took 0.8 s of that start (async-profiler).
   */
  private static Iterable<Iterable<Class<?>>> loadedStatementsAndConnections(Instrumentation instrumentation) {
    List<Class<?>> candidates = new ArrayList<>();
    for (Class<?> type : instrumentation.getAllLoadedClasses()) {
      if (!type.isInterface() && (Statement.class.isAssignableFrom(type) || Connection.class.isAssignableFrom(type))) {
        candidates.add(type);
      }
    }
    return List.of(candidates);
  }

  private static ElementMatcher.Junction<MethodDescription> concrete(ElementMatcher.Junction<MethodDescription> m) {
    return isPublic().and(not(isAbstract())).and(m);
  }

  /** Statements, prepared and callable ones included, of any driver, pool or wrapper. */
  static ElementMatcher.Junction<TypeDescription> statementTypes() {
    return candidates(Methods.EXECUTE_SQL.or(Methods.EXECUTE_PREPARED).or(Methods.EXECUTE_BATCH).or(Methods.ADD_BATCH_SQL).or(Methods.ADD_BATCH).or(Methods.CLEAR_BATCH))
        .and(new Implements("java.sql.Statement"));
  }

  static ElementMatcher.Junction<TypeDescription> connectionTypes() {
    return candidates(Methods.PREPARE).and(new Implements("java.sql.Connection"));
  }

  /** The cheap part of the type matcher: everything but the hierarchy. */
  private static ElementMatcher.Junction<TypeDescription> candidates(ElementMatcher<MethodDescription> methods) {
    return not(nameStartsWith("java.").or(nameStartsWith("javax.")).or(nameStartsWith("jdk."))
            .or(nameStartsWith("sun.")).or(nameStartsWith("com.sun.")).or(nameStartsWith("io.opentelemetry.")))
        .and(not(isInterface()))
        .and(declaresMethod(methods));
  }

  /**
   * Whether a class implements the named JDBC interface, walking its own superclasses and interfaces by name.
   * JDK types outside {@code java.sql} cannot lead there and are not opened; a supertype that cannot be
   * resolved (an optional dependency absent) means no match rather than an error.
   */
  static final class Implements extends ElementMatcher.Junction.AbstractBase<TypeDescription> {
    private final String name;

    Implements(String name) {
      this.name = name;
    }

    @Override
    public boolean matches(TypeDescription type) {
      try {
        return implementsIt(type);
      } catch (RuntimeException | LinkageError e) {
        return false;
      }
    }

    private boolean implementsIt(TypeDefinition type) {
      for (TypeDescription.Generic implemented : type.getInterfaces()) {
        TypeDescription erasure = implemented.asErasure();
        String interfaceName = erasure.getName();
        if (interfaceName.equals(name) || (mayLeadThere(interfaceName) && implementsIt(erasure))) {
          return true;
        }
      }
      TypeDescription.Generic superClass = type.getSuperClass();
      return superClass != null && mayLeadThere(superClass.asErasure().getName()) && implementsIt(superClass.asErasure());
    }

    private static boolean mayLeadThere(String typeName) {
      return !typeName.startsWith("java.") || typeName.startsWith("java.sql.");
    }
  }

  /** Method matchers, built at the first patch (a nested class: discovery must not load Byte Buddy's matchers). */
  private static final class Methods {
    private static final String[] EXECUTES = {"execute", "executeQuery", "executeUpdate", "executeLargeUpdate"};
    private static final String[] EXECUTE_BATCHES = {"executeBatch", "executeLargeBatch"};
    private static final String[] PREPARES = {"prepareStatement", "prepareCall"};
    /**
     * Every method matched below, as ClassFileFilter takes it: a class that declares none of them is not looked
     * at (an {@code execute(Runnable)} of an executor, say).
     */
    static final String[] DECLARED = Stream.of(
            Stream.of(EXECUTES).flatMap(name -> Stream.of(name + "(Ljava/lang/String;", name + "()")),
            Stream.of(EXECUTE_BATCHES).map(name -> name + "()"),
            Stream.of(PREPARES).map(name -> name + "(Ljava/lang/String;"),
            Stream.of("addBatch(Ljava/lang/String;)", "addBatch()", "clearBatch()"))
        .flatMap(names -> names).toArray(String[]::new);
    static final ElementMatcher.Junction<MethodDescription> EXECUTE_NAMES = namedOneOf(EXECUTES);
    static final ElementMatcher.Junction<MethodDescription> EXECUTE_SQL =
        concrete(EXECUTE_NAMES.and(takesArgument(0, named("java.lang.String"))));
    static final ElementMatcher.Junction<MethodDescription> EXECUTE_PREPARED =
        concrete(EXECUTE_NAMES.and(takesNoArguments()));
    static final ElementMatcher.Junction<MethodDescription> EXECUTE_BATCH =
        concrete(namedOneOf(EXECUTE_BATCHES).and(takesNoArguments()));
    static final ElementMatcher.Junction<MethodDescription> ADD_BATCH_SQL =
        concrete(named("addBatch").and(takesArguments(1)).and(takesArgument(0, named("java.lang.String"))));
    static final ElementMatcher.Junction<MethodDescription> ADD_BATCH =
        concrete(named("addBatch").and(takesNoArguments()));
    static final ElementMatcher.Junction<MethodDescription> CLEAR_BATCH =
        concrete(named("clearBatch").and(takesNoArguments()));
    static final ElementMatcher.Junction<MethodDescription> PREPARE =
        concrete(namedOneOf(PREPARES).and(takesArgument(0, named("java.lang.String"))));
  }
}
