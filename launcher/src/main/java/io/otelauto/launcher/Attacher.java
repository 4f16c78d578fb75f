package io.otelauto.launcher;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.nio.file.Path;

/** The JDK's attach mechanism ({@code jdk.attach}), kept in one class: a runtime without it fails here only. */
final class Attacher {
  private Attacher() {}

  /** Loads {@code agentJar} into the JVM {@code pid}, whose {@code agentmain} gets {@code arguments}. */
  static void load(String pid, Path agentJar, String arguments)
      throws AttachNotSupportedException, IOException, AgentLoadException, AgentInitializationException {
    VirtualMachine jvm = VirtualMachine.attach(pid);
    try {
      jvm.loadAgent(agentJar.toString(), arguments);
    } finally {
      jvm.detach();
    }
  }

  /** What went wrong, in a line. */
  static String reason(Throwable e) {
    if (e instanceof NoClassDefFoundError) {
      return "this Java runtime has no attach module (jdk.attach); use a full JDK";
    }
    String message = e.getMessage();
    if (e instanceof AttachNotSupportedException) {
      // "No such process", "Unable to open socket file ...: target process not responding or HotSpot VM
      // not loaded" (not a JVM, another user's, or -XX:+DisableAttachMechanism).
      return message == null ? "attach is not supported there" : message;
    }
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
