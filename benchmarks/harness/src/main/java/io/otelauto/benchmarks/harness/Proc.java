package io.otelauto.benchmarks.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One measured process: started under GNU time (peak RSS of the largest process it waited for, the
 * launcher's JVM included), its output in a log file, stopped with SIGTERM (so shutdown hooks flush), and
 * killed if it does not go in time. Every process started here is killed when the harness exits.
 */
final class Proc {
  static final Path GNU_TIME = Path.of("/usr/bin/time");
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process process : LIVE) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }));
  }

  final Process process;
  final long startNanos;
  final Path log;
  private final Path timeFile;

  private Proc(Process process, long startNanos, Path log, Path timeFile) {
    this.process = process;
    this.startNanos = startNanos;
    this.log = log;
    this.timeFile = timeFile;
  }

  static boolean gnuTimeAvailable() {
    if (!Files.isExecutable(GNU_TIME)) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(GNU_TIME.toString(), "-f", "%M", "true").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("\\d+");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static Proc start(List<String> command, Map<String, String> env, Path log, boolean underTime) throws IOException {
    Files.createDirectories(log.getParent());
    List<String> full = new ArrayList<>();
    Path timeFile = null;
    if (underTime) {
      timeFile = Files.createTempFile(log.getParent(), "time", ".txt");
      full.addAll(List.of(GNU_TIME.toString(), "-f", "%M %U %S", "-o", timeFile.toString()));
    }
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(env);
    Files.writeString(log, "", StandardCharsets.UTF_8);
    long start = System.nanoTime();
    Process process = builder.start();
    LIVE.add(process);
    return new Proc(process, start, log, timeFile);
  }

  /** The measured program itself: the child of GNU time (the launcher script execs into it), else the process. */
  ProcessHandle program() {
    if (timeFile == null) {
      return process.toHandle();
    }
    Optional<ProcessHandle> child = process.children().findFirst();
    return child.orElse(process.toHandle());
  }

  boolean waitFor(long millis) throws InterruptedException {
    return process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  /** SIGTERM to the program; SIGKILL to it and all it started after {@code graceMillis}. */
  void stop(long graceMillis) throws InterruptedException {
    ProcessHandle program = program();
    program.destroy();
    if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
      kill();
    }
  }

  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  void forget() {
    LIVE.remove(process);
  }

  /** GNU time's account of the finished process: peak RSS (KiB) and CPU seconds (user + system). */
  record Usage(long peakRssKib, double cpuSeconds) {
    static final Usage NONE = new Usage(-1, Double.NaN);
  }

  /** What GNU time wrote once the process ended ({@link Usage#NONE} without GNU time). */
  Usage usage() {
    if (timeFile == null) {
      return Usage.NONE;
    }
    try {
      List<String> lines = Files.readAllLines(timeFile);
      Files.deleteIfExists(timeFile);
      // "Command exited with non-zero status N" or "Command terminated by signal N" may come first.
      for (int i = lines.size() - 1; i >= 0; i--) {
        String[] fields = lines.get(i).trim().split("\\s+");
        if (fields.length == 3 && fields[0].matches("\\d+")) {
          return new Usage(Long.parseLong(fields[0]), Double.parseDouble(fields[1]) + Double.parseDouble(fields[2]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // no figure then
    }
    return Usage.NONE;
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * CPU time (ms) the JVM's JIT compiler threads have used so far, from /proc (-1 where there is none): how
   * much compiling still goes on while a load is measured, i.e. whether the warm-up was long enough.
   */
  static long compilerCpuMillis(ProcessHandle handle) {
    return threadsCpuMillis(handle, name -> name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler"));
  }

  /**
   * CPU ms so far of the garbage collector's threads (G1's: "GC Thread#N" for the pauses, "G1 Conc#N", "G1
   * Refine#N", "G1 Service" and the others beside the program): what more allocation costs a process.
   */
  static long gcCpuMillis(ProcessHandle handle) {
    return threadsCpuMillis(handle, name -> name.startsWith("GC Thread") || name.startsWith("G1 "));
  }

  /** The threads that export our spans: the batch processor (the SDK's, or the agent's own) and the agent's OTLP sender. */
  static long exportCpuMillis(ProcessHandle handle) {
    return threadsCpuMillis(handle, name -> name.startsWith("BatchSpanProces") || name.startsWith("otel-auto-instr"));
  }

  /** CPU ms so far of the harness's OTLP receiver threads (the JDK server's dispatcher and its handlers). */
  static long receiverCpuMillis() {
    return threadsCpuMillis(ProcessHandle.current(), name -> name.equals("otlp-receiver") || name.equals("HTTP-Dispatcher"));
  }

  /** CPU ms of the whole process so far; -1 if unknown. */
  static long processCpuMillis(ProcessHandle handle) {
    try {
      String stat = Files.readString(Path.of("/proc/" + handle.pid() + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** CPU ms of the process's threads whose name (comm, at most 15 characters) {@code named} accepts. */
  static long threadsCpuMillis(ProcessHandle handle, java.util.function.Predicate<String> named) {
    long ticks = 0;
    boolean found = false;
    try (var tasks = Files.list(Path.of("/proc/" + handle.pid() + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          if (!named.test(name)) {
            continue;
          }
          String stat = Files.readString(task.resolve("stat"));
          // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          found = true;
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return found ? ticks * 10 : -1; // USER_HZ is 100 on Linux
  }

  /** VmHWM (peak RSS so far) of a live process in KiB, or -1. */
  static long vmHwmKib(ProcessHandle handle) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + handle.pid() + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return -1;
  }

  /**
   * CPU seconds the machine spent, all processors together, outside this harness's own JVM: busy time from
   * /proc/stat (user, nice, system, irq, softirq, steal) minus this JVM's CPU time. Read before and after a
   * run, the difference less the run's own CPU time is what something else took meanwhile.
   */
  static double machineCpuSecondsBesidesHarness() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        busy += Long.parseLong(fields[i]);
      }
      double harness = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
      return busy / 100.0 - harness; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** HTTP status of {@code GET path} on 127.0.0.1:port (Connection: close), or -1 when nothing answers. */
  static int httpStatus(int port, String path) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      int read = 0;
      while (read < head.length) {
        int n = in.read(head, read, head.length - read);
        if (n < 0) {
          return -1;
        }
        read += n;
      }
      return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
