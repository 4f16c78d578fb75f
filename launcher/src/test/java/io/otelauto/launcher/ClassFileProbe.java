package io.otelauto.launcher;

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A test agent that reads the class files of a running JVM as its classes are now: it retransforms every
 * loaded class it may, with a transformer registered after any other, which is handed each class's bytes as
 * the transformers before it made them. It writes them to a file, and the test compares their
 * {@link #structure}: it changes when an agent patches a class, and comes back when the agent undoes it.
 */
public final class ClassFileProbe {
  private ClassFileProbe() {}

  /** Loads the probe into {@code pid}, and returns the digest of each loaded class's file, by class and loader. */
  static Map<String, String> classFiles(long pid, Path workDirectory) throws Exception {
    Path jar = workDirectory.resolve("class-file-probe.jar");
    if (!Files.exists(jar)) {
      Manifest manifest = new Manifest();
      manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      manifest.getMainAttributes().putValue("Agent-Class", ClassFileProbe.class.getName());
      manifest.getMainAttributes().putValue("Can-Retransform-Classes", "true");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
        for (String entry : List.of("ClassFileProbe.class", "ClassFileProbe$1.class")) {
          String path = ClassFileProbe.class.getPackageName().replace('.', '/') + '/' + entry;
          out.putNextEntry(new JarEntry(path));
          out.write(Files.readAllBytes(DistributionIT.TEST_CLASSES.resolve(path)));
        }
      }
    }
    Path classFiles = Files.createTempFile(workDirectory, "class-files", ".txt");
    VirtualMachine jvm = VirtualMachine.attach(Long.toString(pid));
    try {
      jvm.loadAgent(jar.toString(), classFiles.toString());
    } finally {
      jvm.detach();
    }
    Map<String, String> byClass = new TreeMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(classFiles)))) {
      while (in.available() > 0) {
        String name = in.readUTF();
        byClass.put(name, sha256(ClassStructure.of(in.readNBytes(in.readInt())).getBytes(StandardCharsets.UTF_8)));
      }
    }
    Files.delete(classFiles);
    return byClass;
  }

  public static void agentmain(String output, Instrumentation instrumentation) throws Exception {
    Map<String, byte[]> classFiles = new TreeMap<>();
    ClassFileTransformer probe = new ClassFileTransformer() {
      @Override
      public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
          ProtectionDomain domain, byte[] classFile) {
        if (redefined != null) {
          synchronized (classFiles) {
            classFiles.put(name + " @" + loaderName(loader), classFile.clone());
          }
        }
        return null;
      }
    };
    List<Class<?>> classes = new ArrayList<>();
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (instrumentation.isModifiableClass(loaded) && !loaded.isHidden() && loaded != ClassFileProbe.class) {
        classes.add(loaded);
      }
    }
    instrumentation.addTransformer(probe, true);
    try {
      // All at once: one redefinition of the JVM instead of thousands (a minute). Should one class refuse,
      // one at a time, and a class that cannot be retransformed is left out of the comparison.
      try {
        instrumentation.retransformClasses(classes.toArray(Class<?>[]::new));
      } catch (Throwable e) {
        for (Class<?> loaded : classes) {
          try {
            instrumentation.retransformClasses(loaded);
          } catch (Throwable refused) {
            // Left out.
          }
        }
      }
    } finally {
      instrumentation.removeTransformer(probe);
    }
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(output))))) {
      for (Map.Entry<String, byte[]> classFile : classFiles.entrySet()) {
        out.writeUTF(classFile.getKey());
        out.writeInt(classFile.getValue().length);
        out.write(classFile.getValue());
      }
    }
  }

  /** The loader's class and identity: two loaders of one class name are told apart, one loader stays one. */
  private static String loaderName(ClassLoader loader) {
    return loader == null ? "boot" : loader.getClass().getName() + "#" + System.identityHashCode(loader);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
