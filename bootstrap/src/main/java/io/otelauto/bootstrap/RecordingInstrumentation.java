package io.otelauto.bootstrap;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarFile;

/**
 * The JVM's Instrumentation, remembering the transformers patchers add, so that a class whose loading
 * triggered the patching can be put through them while it loads (the JVM's own list of transformers for
 * that class was fixed before they existed).
 */
final class RecordingInstrumentation implements Instrumentation {
  private final Instrumentation jvm;
  private final List<ClassFileTransformer> added = new CopyOnWriteArrayList<>();

  RecordingInstrumentation(Instrumentation jvm) {
    this.jvm = jvm;
  }

  /** The transformers added since the last call, in order. */
  List<ClassFileTransformer> drainAdded() {
    List<ClassFileTransformer> drained = List.copyOf(added);
    added.removeAll(drained);
    return drained;
  }

  @Override
  public void addTransformer(ClassFileTransformer transformer, boolean canRetransform) {
    jvm.addTransformer(transformer, canRetransform);
    added.add(transformer);
  }

  @Override
  public void addTransformer(ClassFileTransformer transformer) {
    jvm.addTransformer(transformer);
    added.add(transformer);
  }

  @Override
  public boolean removeTransformer(ClassFileTransformer transformer) {
    added.remove(transformer);
    return jvm.removeTransformer(transformer);
  }

  @Override
  public boolean isRetransformClassesSupported() {
    return jvm.isRetransformClassesSupported();
  }

  @Override
  public void retransformClasses(Class<?>... classes) throws UnmodifiableClassException {
    jvm.retransformClasses(classes);
  }

  @Override
  public boolean isRedefineClassesSupported() {
    return jvm.isRedefineClassesSupported();
  }

  @Override
  public void redefineClasses(ClassDefinition... definitions)
      throws ClassNotFoundException, UnmodifiableClassException {
    jvm.redefineClasses(definitions);
  }

  @Override
  public boolean isModifiableClass(Class<?> theClass) {
    return jvm.isModifiableClass(theClass);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Class[] getAllLoadedClasses() {
    return jvm.getAllLoadedClasses();
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Class[] getInitiatedClasses(ClassLoader loader) {
    return jvm.getInitiatedClasses(loader);
  }

  @Override
  public long getObjectSize(Object objectToSize) {
    return jvm.getObjectSize(objectToSize);
  }

  @Override
  public void appendToBootstrapClassLoaderSearch(JarFile jarfile) {
    jvm.appendToBootstrapClassLoaderSearch(jarfile);
  }

  @Override
  public void appendToSystemClassLoaderSearch(JarFile jarfile) {
    jvm.appendToSystemClassLoaderSearch(jarfile);
  }

  @Override
  public boolean isNativeMethodPrefixSupported() {
    return jvm.isNativeMethodPrefixSupported();
  }

  @Override
  public void setNativeMethodPrefix(ClassFileTransformer transformer, String prefix) {
    jvm.setNativeMethodPrefix(transformer, prefix);
  }

  @Override
  public void redefineModule(Module module, Set<Module> extraReads, Map<String, Set<Module>> extraExports,
      Map<String, Set<Module>> extraOpens, Set<Class<?>> extraUses, Map<Class<?>, List<Class<?>>> extraProvides) {
    jvm.redefineModule(module, extraReads, extraExports, extraOpens, extraUses, extraProvides);
  }

  @Override
  public boolean isModifiableModule(Module module) {
    return jvm.isModifiableModule(module);
  }
}
