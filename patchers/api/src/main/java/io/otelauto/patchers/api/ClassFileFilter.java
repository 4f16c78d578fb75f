package io.otelauto.patchers.api;

import java.lang.instrument.IllegalClassFormatException;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

/**
 * A first look at each class that loads, before a patcher's Byte Buddy transformer sees it: the transformer
 * is handed only the classes {@link #named} here, those that declare a method of a name (and, if given, a
 * descriptor's start) given to {@link #declaring} (read from the class file's method table), and those whose
 * class file contains one of the byte strings given to {@link #containing} (an annotation's type). Add it to
 * the patcher's builder with {@code AgentBuilder.with(TransformerDecorator)}.
 *
 * <p>Why: to match on what a class declares ({@code declaresMethod}, {@code isInterface}), Byte Buddy parses
 * the whole class file, in every patcher's transformer, for every class that loads. In the Spring Boot example
 * on JDK 17 that parsing took 3.1 s of C2's time in the first ten seconds (a third of it, JFR), ahead of
 * Spring's own code, which then reached C2 later. A search for a few bytes costs a small part of a parse.
 *
 * <p>The filter must never turn away a class the patcher's matchers would accept: it names every class
 * matched by name, every method a class is matched for declaring (with no more of its descriptor than the
 * matchers require), and every marker any other matched class's file must contain. A class file it cannot
 * read is handed on. Loaded classes retransformed at install and at unpatch pass through it too, so a filter
 * that is too strict shows in the patcher's tests.
 */
public final class ClassFileFilter implements AgentBuilder.TransformerDecorator {
  /** Internal names ({@code java/lang/Thread}), as the JVM hands them to a transformer. */
  private final Set<String> names;
  /** Method names, as the class file's constant pool holds them (ASCII). */
  private final byte[][] methods;
  /** For each of {@link #methods}: the start its descriptor must have, or null for any descriptor. */
  private final byte[][] descriptors;
  private final byte[][] markers;

  private ClassFileFilter(Set<String> names, byte[][] methods, byte[][] descriptors, byte[][] markers) {
    this.names = names;
    this.methods = methods;
    this.descriptors = descriptors;
    this.markers = markers;
  }

  /** Admits the classes of these binary names ({@code java.util.concurrent.ForkJoinPool}). */
  public static ClassFileFilter named(String... binaryNames) {
    Set<String> names = new HashSet<>();
    for (String name : binaryNames) {
      names.add(name.replace('.', '/'));
    }
    return new ClassFileFilter(Set.copyOf(names), new byte[0][], new byte[0][], new byte[0][]);
  }

  /**
   * Admits the classes that declare a method (or constructor) of one of these: a name ({@code execute}), or a
   * name and the start of its descriptor ({@code execute(Ljava/lang/String;}: the arguments begin with a
   * String; {@code execute()}: none), so that a common name ({@code start}, {@code execute}) does not bring
   * every class that declares it.
   */
  public static ClassFileFilter declaring(String... methods) {
    return named().orDeclaring(methods);
  }

  /** Admits the classes whose class file contains one of {@code markers} (ASCII: names, descriptors). */
  public static ClassFileFilter containing(String... markers) {
    return named().orContaining(markers);
  }

  /** This filter, which also admits the classes that declare one of these methods (as {@link #declaring}). */
  public ClassFileFilter orDeclaring(String... more) {
    String[] moreNames = new String[more.length];
    String[] moreDescriptors = new String[more.length];
    for (int i = 0; i < more.length; i++) {
      int descriptor = more[i].indexOf('(');
      moreNames[i] = descriptor < 0 ? more[i] : more[i].substring(0, descriptor);
      moreDescriptors[i] = descriptor < 0 ? null : more[i].substring(descriptor);
    }
    return new ClassFileFilter(names, concat(methods, moreNames), concat(descriptors, moreDescriptors), markers);
  }

  /** This filter, which also admits the classes whose class file contains one of {@code more}. */
  public ClassFileFilter orContaining(String... more) {
    return new ClassFileFilter(names, methods, descriptors, concat(markers, more));
  }

  private static byte[][] concat(byte[][] known, String[] more) {
    byte[][] all = Arrays.copyOf(known, known.length + more.length);
    for (int i = 0; i < more.length; i++) {
      all[known.length + i] = more[i] == null ? null : more[i].getBytes(StandardCharsets.US_ASCII);
    }
    return all;
  }

  /** Whether the transformer is to see this class; {@code internalName} is null for a hidden class. */
  public boolean admits(String internalName, byte[] classFile) {
    if (internalName != null && names.contains(internalName)) {
      return true;
    }
    if (classFile == null) {
      return false;
    }
    for (byte[] marker : markers) {
      if (contains(classFile, marker)) {
        return true;
      }
    }
    return methods.length > 0 && declaresMethodOf(classFile);
  }

  /**
   * Whether the class file's method table holds a method of one of {@link #methods}' names: the constant pool
   * is walked for the offsets of its UTF-8 entries, then fields and methods are stepped over (JVMS 4.1). A
   * class file it cannot follow (a constant of a kind it does not know, a truncated file) counts as a match.
   */
  private boolean declaresMethodOf(byte[] b) {
    try {
      if (u4(b, 0) != 0xCAFEBABE) {
        return true;
      }
      int count = u2(b, 8);
      int[] utf8 = new int[count];
      int p = 10;
      for (int i = 1; i < count; i++) {
        switch (b[p]) {
          case 1: // Utf8
            utf8[i] = p;
            p += 3 + u2(b, p + 1);
            break;
          case 7: case 8: case 16: case 19: case 20: // Class, String, MethodType, Module, Package
            p += 3;
            break;
          case 15: // MethodHandle
            p += 4;
            break;
          case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: // Integer .. InvokeDynamic
            p += 5;
            break;
          case 5: case 6: // Long, Double: two entries
            p += 9;
            i++;
            break;
          default:
            return true;
        }
      }
      p += 6; // access flags, this class, super class
      p += 2 + 2 * u2(b, p); // interfaces
      p = skipMembers(b, p); // fields
      int methodCount = u2(b, p);
      p += 2;
      for (int method = 0; method < methodCount; method++) {
        int name = utf8[u2(b, p + 2)]; // after the access flags
        if (name > 0 && isMethod(b, name, utf8[u2(b, p + 4)])) {
          return true;
        }
        p = skipAttributes(b, p + 6); // access flags, name, descriptor
      }
      return false;
    } catch (RuntimeException e) { // out of bounds: a truncated or malformed file
      return true;
    }
  }

  /**
   * Whether the UTF-8 constants at {@code name} and {@code descriptor} (their tags; 0 when not UTF-8) are
   * one of {@link #methods} with its descriptor's start.
   */
  private boolean isMethod(byte[] b, int name, int descriptor) {
    int length = u2(b, name + 1);
    int from = name + 3;
    for (int i = 0; i < methods.length; i++) {
      byte[] method = methods[i];
      if (method.length == length && Arrays.equals(b, from, from + length, method, 0, length)
          && (descriptors[i] == null || startsWith(b, descriptor, descriptors[i]))) {
        return true;
      }
    }
    return false;
  }

  /** Whether the UTF-8 constant at {@code entry} begins with {@code start}; a file it cannot follow does. */
  private static boolean startsWith(byte[] b, int entry, byte[] start) {
    if (entry <= 0) {
      return true;
    }
    int length = u2(b, entry + 1);
    return length >= start.length && Arrays.equals(b, entry + 3, entry + 3 + start.length, start, 0, start.length);
  }

  /** Steps over a field or method table at {@code p} (its count); returns what follows. */
  private static int skipMembers(byte[] b, int p) {
    int count = u2(b, p);
    p += 2;
    for (int i = 0; i < count; i++) {
      p = skipAttributes(b, p + 6); // access flags, name, descriptor
    }
    return p;
  }

  /** Steps over an attribute table at {@code p} (its count); returns what follows. */
  private static int skipAttributes(byte[] b, int p) {
    int count = u2(b, p);
    p += 2;
    for (int i = 0; i < count; i++) {
      p += 6 + u4(b, p + 2);
    }
    return p;
  }

  private static int u2(byte[] b, int p) {
    return (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
  }

  private static int u4(byte[] b, int p) {
    return u2(b, p) << 16 | u2(b, p + 2);
  }

  private static boolean contains(byte[] bytes, byte[] marker) {
    byte first = marker[0];
    int last = bytes.length - marker.length;
    for (int i = 0; i <= last; i++) {
      if (bytes[i] == first && Arrays.equals(bytes, i + 1, i + marker.length, marker, 1, marker.length)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public ResettableClassFileTransformer decorate(ResettableClassFileTransformer transformer) {
    return new Filtered(transformer, this);
  }

  /** The patcher's transformer behind the filter; its reset and its matchers are the transformer's own. */
  private static final class Filtered extends ResettableClassFileTransformer.WithDelegation {
    private final ClassFileFilter filter;

    Filtered(ResettableClassFileTransformer transformer, ClassFileFilter filter) {
      super(transformer);
      this.filter = filter;
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> classBeingRedefined, ProtectionDomain domain,
        byte[] classFile) throws IllegalClassFormatException {
      return filter.admits(name, classFile)
          ? classFileTransformer.transform(loader, name, classBeingRedefined, domain, classFile)
          : null;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> classBeingRedefined,
        ProtectionDomain domain, byte[] classFile) throws IllegalClassFormatException {
      return filter.admits(name, classFile)
          ? classFileTransformer.transform(module, loader, name, classBeingRedefined, domain, classFile)
          : null;
    }
  }
}
