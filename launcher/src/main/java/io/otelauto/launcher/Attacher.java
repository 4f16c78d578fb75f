package io.otelauto.launcher;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One session with a running JVM through the JDK's attach mechanism ({@code jdk.attach}), kept in one class:
 * a runtime without that module fails at its first use, with {@link NoClassDefFoundError}, which the
 * launcher words without touching this class again ({@code Launcher.NO_ATTACH_MODULE}).
 *
 * <p>Before it attaches it makes sure the process is a JVM it may attach to. This matters: on Linux the
 * JDK asks a process to open its attach listener with SIGQUIT, which ends a process that is not a JVM.
 */
final class Attacher implements AutoCloseable {
  /** Why a process cannot be attached to, in words for the user. */
  static final class Refused extends Exception {
    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private final VirtualMachine jvm;

  private Attacher(VirtualMachine jvm) {
    this.jvm = jvm;
  }

  /** Attaches to {@code pid}, or says why it will not (nothing is sent to a process that is not a JVM). */
  static Attacher open(long pid) throws Refused {
    String refusal = refusal(pid);
    if (refusal != null) {
      throw new Refused(refusal);
    }
    try {
      return new Attacher(VirtualMachine.attach(Long.toString(pid)));
    } catch (AttachNotSupportedException | IOException e) {
      throw new Refused(reason(e));
    }
  }

  /** The JVMs of this user that can be attached to, by process id, with their command lines. */
  static Map<Long, String> jvms() {
    Map<Long, String> jvms = new LinkedHashMap<>();
    for (VirtualMachineDescriptor descriptor : VirtualMachine.list()) {
      try {
        jvms.put(Long.parseLong(descriptor.id()), descriptor.displayName());
      } catch (NumberFormatException e) {
        // Not a local process id.
      }
    }
    return jvms;
  }

  Properties systemProperties() throws IOException {
    return jvm.getSystemProperties();
  }

  /** Loads {@code agentJar}, whose {@code agentmain} gets {@code arguments} and has run when this returns. */
  void load(Path agentJar, String arguments) throws Refused {
    try {
      jvm.loadAgent(agentJar.toString(), arguments);
    } catch (AgentLoadException | AgentInitializationException | IOException e) {
      throw new Refused(reason(e));
    }
  }

  @Override
  public void close() {
    try {
      jvm.detach();
    } catch (IOException e) {
      // The JVM went away meanwhile: nothing to close.
    }
  }

  /**
   * Null if {@code pid} looks like a JVM of this user; else why not. A JVM the JDK lists (its hsperfdata) is
   * one; an unlisted process is one only if it has libjvm mapped (Linux: a JVM run with -XX:-UsePerfData, or
   * with attach disabled, whose refusal the JDK then words itself).
   */
  static String refusal(long pid) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return "no such process";
    }
    if (pid == ProcessHandle.current().pid()) {
      return "that is this command's own JVM";
    }
    String user = process.get().info().user().orElse(null);
    String me = System.getProperty("user.name");
    if (user != null && !user.equals(me) && !"root".equals(me)) {
      return "the process runs as " + user + ", and only its own user may attach to a JVM: run this as " + user;
    }
    if (jvms().containsKey(pid)) {
      return null;
    }
    Path maps = Path.of("/proc", Long.toString(pid), "maps");
    if (!Files.isReadable(maps)) {
      return null; // Not Linux, or not ours to look at: let the JDK try, and say what it says.
    }
    try {
      if (new String(Files.readAllBytes(maps), StandardCharsets.ISO_8859_1).contains("/libjvm.so")) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    String command = process.get().info().command().orElse("process " + pid);
    return "not a JVM (" + command + "); nothing was sent to it";
  }

  /** What went wrong, in a line. */
  static String reason(Throwable e) {
    String message = e.getMessage();
    if (e instanceof AttachNotSupportedException) {
      if (message != null && message.contains("does not support the attach mechanism")) {
        return "attach is disabled in that JVM (it was started with -XX:+DisableAttachMechanism)";
      }
      // "Unable to open socket file ...: target process not responding or HotSpot VM not loaded".
      return message == null ? "attach is not supported there" : message;
    }
    if (e instanceof AgentLoadException || e instanceof AgentInitializationException) {
      return "the JVM did not load the agent: " + message;
    }
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
