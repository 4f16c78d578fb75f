package io.otelauto.patchers.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

/** Which class files a patcher's transformer is handed, on the JDK's own class files. */
class ClassFileFilterTest {

  @Test
  void aNamedClassIsAdmittedByItsInternalNameWhateverItContains() throws IOException {
    ClassFileFilter filter = ClassFileFilter.named("java.util.concurrent.ThreadPoolExecutor", "java.lang.Thread");

    assertThat(filter.admits("java/lang/Thread", classFile(Thread.class))).isTrue();
    assertThat(filter.admits("java/util/concurrent/ThreadPoolExecutor", new byte[0])).isTrue();
    assertThat(filter.admits("java/lang/ThreadLocal", classFile(ThreadLocal.class))).isFalse();
    assertThat(filter.admits(null, classFile(Thread.class))).isFalse();
  }

  @Test
  void aClassIsAdmittedWhenItsClassFileContainsAMarker() throws IOException {
    ClassFileFilter filter = ClassFileFilter.containing("beforeExecute", "afterExecute");

    // ThreadPoolExecutor declares both hooks; String declares neither, nor names them.
    assertThat(filter.admits("java/util/concurrent/ThreadPoolExecutor", classFile(ThreadPoolExecutor.class))).isTrue();
    assertThat(filter.admits("java/lang/String", classFile(String.class))).isFalse();
    // A hidden class has no name for the filter; its bytes still tell.
    assertThat(filter.admits(null, classFile(ThreadPoolExecutor.class))).isTrue();
  }

  @Test
  void aClassIsAdmittedForTheMethodsItDeclaresNotForThoseItCalls() throws IOException {
    ClassFileFilter filter = ClassFileFilter.declaring("execute", "afterExecute");
    // ExecutorCompletionService calls Executor.execute: the name is in its constant pool, not in its methods.
    byte[] caller = classFile(ExecutorCompletionService.class);

    assertThat(filter.admits("java/util/concurrent/ThreadPoolExecutor", classFile(ThreadPoolExecutor.class))).isTrue();
    assertThat(ClassFileFilter.containing("execute").admits(null, caller)).isTrue();
    assertThat(filter.admits("java/util/concurrent/ExecutorCompletionService", caller)).isFalse();
    assertThat(ClassFileFilter.declaring("submit").admits(null, caller)).isTrue();
    assertThat(ClassFileFilter.declaring("<init>").admits(null, caller)).isTrue();
  }

  @Test
  void aMethodGivenWithTheStartOfItsDescriptorMustHaveIt() throws IOException {
    byte[] pool = classFile(ThreadPoolExecutor.class); // declares execute(Runnable) only

    assertThat(ClassFileFilter.declaring("execute(Ljava/lang/Runnable;)").admits(null, pool)).isTrue();
    assertThat(ClassFileFilter.declaring("execute(Ljava/lang/Runnable;)V").admits(null, pool)).isTrue();
    assertThat(ClassFileFilter.declaring("execute(").admits(null, pool)).isTrue();
    assertThat(ClassFileFilter.declaring("execute(Ljava/lang/String;").admits(null, pool)).isFalse();
    assertThat(ClassFileFilter.declaring("execute()").admits(null, pool)).isFalse();
    // One form of a name among several, and names with and without descriptors together.
    assertThat(ClassFileFilter.declaring("execute()", "execute(Ljava/lang/Runnable;)").admits(null, pool)).isTrue();
    assertThat(ClassFileFilter.declaring("execute()").orDeclaring("shutdown").admits(null, pool)).isTrue();
  }

  @Test
  void everyMethodAClassDeclaresIsFoundInItsClassFile() throws IOException {
    // Class files with constants of every kind: longs and doubles (two entries), method handles, dynamic ones.
    for (Class<?> type : List.of(String.class, Long.class, Double.class, Math.class, HashMap.class,
        ConcurrentHashMap.class, ThreadPoolExecutor.class, CompletableFuture.class, Thread.class,
        java.lang.invoke.MethodHandles.class, java.time.Duration.class, java.util.stream.Collectors.class)) {
      byte[] classFile = classFile(type);
      for (Method method : type.getDeclaredMethods()) {
        assertThat(ClassFileFilter.declaring(method.getName()).admits(null, classFile))
            .as("%s.%s", type.getName(), method.getName()).isTrue();
        assertThat(ClassFileFilter.declaring(method.getName() + descriptor(method)).admits(null, classFile))
            .as("%s.%s%s", type.getName(), method.getName(), descriptor(method)).isTrue();
      }
      assertThat(ClassFileFilter.declaring("noSuchMethodAnywhere").admits(null, classFile)).as(type.getName()).isFalse();
    }
  }

  @Test
  void aClassFileTheFilterCannotFollowIsHandedOn() throws IOException {
    ClassFileFilter filter = ClassFileFilter.declaring("execute");
    byte[] truncated = java.util.Arrays.copyOf(classFile(ThreadPoolExecutor.class), 200);
    byte[] notAClassFile = "not a class file at all".getBytes();

    assertThat(filter.admits(null, truncated)).isTrue();
    assertThat(filter.admits(null, notAClassFile)).isTrue();
    assertThat(filter.admits(null, classFile(String.class))).isFalse();
  }

  @Test
  void markersAreFoundAnywhereInTheFileUpToItsLastByte() {
    ClassFileFilter filter = ClassFileFilter.named("a.B").orContaining("(Ljava/lang/Runnable;)V");
    byte[] endsWithMarker = "xx(Ljava/lang/Runnable;)V".getBytes();
    byte[] cutShort = "xx(Ljava/lang/Runnable;)".getBytes();

    assertThat(filter.admits("c/D", endsWithMarker)).isTrue();
    assertThat(filter.admits("c/D", cutShort)).isFalse();
    assertThat(filter.admits("a/B", cutShort)).isTrue();
    assertThat(filter.admits("c/D", null)).isFalse();
  }

  private static byte[] classFile(Class<?> type) throws IOException {
    try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
      return in.readAllBytes();
    }
  }

  /** A method's descriptor, as its class file holds it. */
  private static String descriptor(Method method) {
    return java.lang.invoke.MethodType.methodType(method.getReturnType(), method.getParameterTypes())
        .toMethodDescriptorString();
  }

}
