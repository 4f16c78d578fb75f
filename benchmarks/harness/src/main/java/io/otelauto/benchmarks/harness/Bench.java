package io.otelauto.benchmarks.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end harness (scripts/bench runs it): five scenarios, each run as plain / otel-auto-instrument /
 * OpenTelemetry agent, interleaved round by round, on loopback only, every wait and every load bounded.
 *
 * <ol>
 *   <li>{@code trivial}: a program whose main prints a line: wall time to exit, peak RSS.
 *   <li>{@code zipkin}: the Zipkin server (Spring Boot 3 + Armeria, from Maven Central): wall time from exec to
 *       the first 200 of {@code GET /health}, peak RSS (stopped with SIGTERM right after).
 *   <li>{@code http}: the JDK HTTP server answering a small GET at saturation (wrk, keep-alive), spans exported
 *       over OTLP/HTTP to a counting receiver in this JVM: requests/s, spans delivered / requests served.
 *   <li>{@code servlet}: the same load on the Spring Boot example (embedded Tomcat, Spring MVC).
 *   <li>{@code ci}: a CI build, {@code mvn -B -o -q test} on a small project: wall and CPU time of the build.
 * </ol>
 *
 * Writes results.csv (every run), summary.md (the tables) and performance-end-to-end.png into --out, and,
 * with --docs, the chart into docs/ and the generated block of docs/performance.md.
 */
public final class Bench {
  final Map<String, String> options;
  final Path root;
  final Path javaHome;
  final Path java;
  final Path launcher;
  final Path otelAgent;
  final Path emptyAgent;
  final Path zipkin;
  final Path springBoot;
  final Path out;
  final Path logs;
  long deadlineNanos;
  final boolean gnuTime;
  final List<Run> runs = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  /** Spans received by instrumentation scope, per saturation scenario and variant ("http, ours"). */
  final Map<String, Map<String, Long>> scopes = new LinkedHashMap<>();
  String loadTool = "";
  /** How the saturation scenarios measure each variant: "4 windows of 5 s per variant, …". */
  String loadWindows = "";
  double backgroundLoad = Double.NaN;

  private Bench(Map<String, String> options) {
    this.options = options;
    root = Path.of(options.getOrDefault("root", ".")).toAbsolutePath().normalize();
    javaHome = Path.of(options.getOrDefault("java-home", System.getProperty("java.home")));
    java = javaHome.resolve("bin/java");
    launcher = root.resolve("scripts/otel-auto-instrument");
    otelAgent = Path.of(required(options, "otel-agent")).toAbsolutePath();
    zipkin = options.containsKey("zipkin") ? Path.of(options.get("zipkin")).toAbsolutePath() : null;
    springBoot = options.containsKey("spring-boot-jar") ? Path.of(options.get("spring-boot-jar")).toAbsolutePath() : null;
    out = Path.of(options.getOrDefault("out", root.resolve("benchmarks/target").toString())).toAbsolutePath();
    logs = out.resolve("logs");
    try {
      emptyAgent = EmptyAgent.jar(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    deadlineNanos = System.nanoTime() + (long) (intOption("budget-seconds", 840) * 1e9);
    gnuTime = Proc.gnuTimeAvailable();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
      String key = args[i].substring(2);
      String value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true";
      options.put(key, value);
    }
    new Bench(options).run();
  }

  private void run() throws Exception {
    Files.createDirectories(logs);
    try (var old = Files.list(logs)) {
      for (Path file : old.toList()) {
        Files.deleteIfExists(file);
      }
    }
    Set<String> skip = new TreeSet<>(List.of(options.getOrDefault("skip", "").split(",")));
    if (!gnuTime) {
      note("GNU time (/usr/bin/time) not found: peak RSS is VmHWM sampled from /proc, which can miss the very end "
          + "of a short program (apt-get install time)");
    }
    // Other work on the machine skews every figure: wait a while (bounded) for it to calm down, and say so.
    long waitUntil = System.nanoTime() + (long) (intOption("wait-idle-seconds", 0) * 1e9);
    while (true) {
      double before = Proc.machineCpuSecondsBesidesHarness();
      Thread.sleep(2_000);
      backgroundLoad = (Proc.machineCpuSecondsBesidesHarness() - before) / 2;
      log(String.format(Locale.ROOT, "background load: %.2f of %d processors busy with other work", backgroundLoad,
          Runtime.getRuntime().availableProcessors()));
      if (backgroundLoad <= 0.2 || System.nanoTime() >= waitUntil) {
        break;
      }
      log("  waiting for the machine to be idle (at most until --wait-idle-seconds runs out)");
      Thread.sleep(3_000);
    }
    deadlineNanos = System.nanoTime() + (long) (intOption("budget-seconds", 840) * 1e9);
    if (backgroundLoad > 0.2) {
      note(String.format(Locale.ROOT, "the machine was not idle: %.2f processors were busy with other work in the "
          + "2 s before the runs began", backgroundLoad));
    }
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      log("OTLP receiver on " + receiver.endpoint() + "; JDK " + javaHome + "; logs in " + logs);
      if (!skip.contains("trivial")) {
        trivial(receiver);
      }
      if (!skip.contains("zipkin")) {
        if (zipkin == null || !Files.isRegularFile(zipkin)) {
          note("zipkin: skipped, no --zipkin jar");
        } else {
          zipkin(receiver);
        }
      }
      if (!skip.contains("http")) {
        saturation(jdkHttpServer());
      }
      if (!skip.contains("servlet")) {
        if (springBoot == null || !Files.isRegularFile(springBoot)) {
          note("servlet: skipped, no --spring-boot-jar");
        } else {
          saturation(springBootService());
        }
      }
      if (!skip.contains("ci")) {
        ci(receiver);
      }
    }
    Report report = new Report(this);
    report.write();
  }

  // ---------------------------------------------------------------- scenario 1: the trivial program

  private void trivial(OtlpReceiver receiver) throws Exception {
    int rounds = intOption("rounds-trivial", 10);
    List<String> args = List.of("-cp", harnessJar(), Hello.class.getName());
    log("trivial program: 1 warm-up round + " + rounds + " rounds");
    for (int round = -1; round < rounds && inBudget("trivial", round); round++) {
      for (Variant variant : Variant.order(Math.max(round, 0), List.of(Variant.values()))) {
        Run run = new Run("trivial", variant, round + 1);
        double machineBefore = Proc.machineCpuSecondsBesidesHarness();
        Proc proc = Proc.start(variant.command(java, launcher, otelAgent, emptyAgent, args), env(receiver, "bench-trivial"),
            logs.resolve("trivial-" + variant.id + "-r" + (round + 1) + ".log"), gnuTime);
        long hwm = -1;
        while (!proc.waitFor(gnuTime ? 60_000 : 5)) {
          if (System.nanoTime() - proc.startNanos > 60e9) {
            proc.kill();
            run.fail("did not exit within 60 s");
            break;
          }
          hwm = Math.max(hwm, Proc.vmHwmKib(proc.program()));
        }
        run.wallMs = (System.nanoTime() - proc.startNanos) / 1e6;
        run.peakRssKib = hwm;
        run.usage(proc.usage());
        run.foreignCpuSeconds = Proc.machineCpuSecondsBesidesHarness() - machineBefore - run.cpuSeconds;
        proc.forget();
        String output = proc.output();
        if (run.ok && proc.process.exitValue() != 0) {
          run.fail("exit status " + proc.process.exitValue());
        }
        if (!output.contains("hello from a trivial program")) {
          run.fail("the program's line is missing");
        }
        check(run, variant.checkOutput(output));
        if (round >= 0) {
          record(run, String.format(Locale.ROOT, "%6.0f ms %6.1f MiB %6.2f s CPU", run.wallMs, run.peakRssKib / 1024.0,
              run.cpuSeconds));
        }
      }
    }
  }

  // ---------------------------------------------------------------- scenario 2: Zipkin to its first healthy response

  private void zipkin(OtlpReceiver receiver) throws Exception {
    int rounds = intOption("rounds-zipkin", 5);
    log("Zipkin server " + options.getOrDefault("zipkin-version", "") + ": " + rounds + " rounds");
    for (int round = 0; round < rounds && inBudget("zipkin", round); round++) {
      for (Variant variant : Variant.order(round, Variant.COMPARED)) {
        int port = Proc.freeLoopbackPort();
        List<String> args = List.of("-jar", zipkin.toString(),
            "--armeria.ports[0].port=" + port, "--armeria.ports[0].ip=127.0.0.1",
            "--armeria.ports[0].protocols[0]=http");
        Run run = new Run("zipkin", variant, round + 1);
        double machineBefore = Proc.machineCpuSecondsBesidesHarness();
        Proc proc = Proc.start(variant.command(java, launcher, otelAgent, emptyAgent, args), env(receiver, "bench-zipkin"),
            logs.resolve("zipkin-" + variant.id + "-r" + (round + 1) + ".log"), gnuTime);
        long deadline = proc.startNanos + 120_000_000_000L;
        int status = -1;
        long hwm = -1;
        while (System.nanoTime() < deadline && proc.process.isAlive()) {
          status = Proc.httpStatus(port, "/health");
          if (status == 200) {
            break;
          }
          hwm = Math.max(hwm, Proc.vmHwmKib(proc.program()));
          Thread.sleep(20);
        }
        run.wallMs = (System.nanoTime() - proc.startNanos) / 1e6;
        run.healthyRssKib = Math.max(hwm, Proc.vmHwmKib(proc.program()));
        if (status != 200) {
          run.fail(proc.process.isAlive() ? "no healthy response within 120 s" : "exited before answering");
        }
        proc.stop(30_000);
        run.peakRssKib = run.healthyRssKib;
        run.usage(proc.usage());
        run.foreignCpuSeconds = Proc.machineCpuSecondsBesidesHarness() - machineBefore - run.cpuSeconds;
        proc.forget();
        check(run, variant.checkOutput(proc.output()));
        record(run, String.format(Locale.ROOT, "%6.2f s  %6.1f MiB %6.2f s CPU", run.wallMs / 1000,
            run.peakRssKib / 1024.0, run.cpuSeconds));
      }
    }
  }

  // ---------------------------------------------------------------- scenarios 3 and 4: a server at saturation

  /**
   * A server loaded at saturation: the JDK HTTP server ({@code http}) or a servlet container ({@code servlet}).
   *
   * @param scenario the id in results.csv and the tables
   * @param args the java arguments that start it listening on 127.0.0.1 at the given port
   * @param path what the load asks for
   * @param warmupSeconds how long the load runs before it is measured: long enough for the JIT to have
   *     compiled what the load runs, for every variant (the JIT row of the table says whether it was)
   * @param reportsHandled whether it prints {@code handled=N} on exit; if not, requests served are what the
   *     load tool counted as answered (warm-up and measured), which can miss the few answered while it stopped
   */
  record SaturationTarget(String scenario, java.util.function.IntFunction<List<String>> args, String path,
      int warmupSeconds, boolean reportsHandled) {}

  /** The JDK HTTP server answering {@code GET /hello} (HelloServer): the agent's cheapest server path. */
  private SaturationTarget jdkHttpServer() {
    int threads = intOption("server-threads", 4);
    int warmup = intOption("warmup-seconds", 20);
    // It exits on its own after this long (a bound, should the harness die): a round's variants all live while
    // each is warmed up and measured in turns, up to six of them with the A/B options.
    int lifetime = 6 * (warmup + intOption("load-seconds", 20) + intOption("windows", 4) * intOption("window-prime-seconds", 2))
        + 180;
    return new SaturationTarget("http", port -> List.of("-Dsun.net.httpserver.nodelay=true", "-cp", harnessJar(),
        HelloServer.class.getName(), Integer.toString(port), Integer.toString(threads), Integer.toString(lifetime)),
        "/hello", warmup, true);
  }

  /**
   * The Spring Boot example (examples/spring-boot-service: Spring Boot's executable jar, embedded Tomcat,
   * Spring MVC, default settings) answering {@code GET /rates/EUR}, a controller method that returns a
   * number: the servlet path, the route {@code /rates/{currency}} in the span name. Its warm-up is longer: on
   * two saturated cores C2 takes 30 to 40 s to catch up with Spring's and Tomcat's code (more with an agent),
   * and until it has, the program runs code compiled by C1 and the JIT's own CPU.
   */
  private SaturationTarget springBootService() {
    return new SaturationTarget("servlet", port -> List.of("-jar", springBoot.toString(), "--server.port=" + port,
        "--server.address=127.0.0.1"), "/rates/EUR", intOption("servlet-warmup-seconds", 60), false);
  }

  private void saturation(SaturationTarget target) throws Exception {
    String scenario = target.scenario();
    int rounds = intOption("rounds-" + scenario, 3);
    int seconds = intOption("load-seconds", 20);
    int windows = Math.max(1, Math.min(seconds, intOption("windows", 4)));
    int windowSeconds = seconds / windows;
    int primeSeconds = intOption("window-prime-seconds", 2);
    int connections = intOption("connections", 16);
    String wrk = options.getOrDefault("wrk", "none");
    boolean useWrk = !wrk.equals("none") && Files.isExecutable(Path.of(wrk));
    loadTool = useWrk
        ? "wrk -t2 -c" + connections + " (keep-alive)"
        : "the harness's Java load generator, " + connections + " keep-alive connections";
    loadWindows = windows + " windows of " + windowSeconds + " s per variant, each after " + primeSeconds
        + " s of unmeasured load";
    if (!useWrk) {
      note("wrk not found: the load came from the Java load generator (slower than wrk; install wrk: apt-get install wrk)");
    }
    log(scenario + ": " + target.path() + " at saturation: " + rounds + " rounds; " + loadTool + ", after a "
        + target.warmupSeconds() + " s warm-up, " + loadWindows);
    // --encoder-ab: ours a second time, with the SDK's OTLP marshaller, in the same rounds (issue 16's A/B).
    List<Variant> variants = new ArrayList<>(Variant.COMPARED);
    if (options.containsKey("encoder-ab")) {
      variants.add(Variant.OURS_SDK_ENCODER);
    }
    // --no-export-ab: ours once more with no exporter, in the same rounds: the request path's share.
    if (options.containsKey("no-export-ab")) {
      variants.add(Variant.OURS_NO_EXPORT);
    }
    // --ab-env NAME=VALUE: ours once more with that setting, in the same rounds.
    String[] abEnv = options.containsKey("ab-env") ? options.get("ab-env").split("=", 2) : null;
    if (abEnv != null) {
      if (abEnv.length != 2 || abEnv[0].isEmpty()) {
        throw new IllegalArgumentException("--ab-env takes NAME=VALUE, not " + options.get("ab-env"));
      }
      variants.add(Variant.OURS_WITH_ENV);
    }
    Load load = (path, port, loadSeconds, log) -> load(useWrk, wrk, "http://127.0.0.1:" + port + path, port, path,
        connections, loadSeconds, log);
    // The host's speed drifts by more than the effects measured, within minutes: so every variant of a round
    // lives at once, and their measured load comes in short windows taken in turns, so that each variant's sum
    // covers the same stretch of time as the others'.
    for (int round = 0; round < rounds && inBudget(scenario, round); round++) {
      List<SaturatedServer> servers = new ArrayList<>();
      try {
        for (Variant variant : Variant.order(round, variants)) {
          SaturatedServer server = new SaturatedServer(target, variant, round + 1);
          servers.add(server);
          server.start(abEnv);
        }
        for (SaturatedServer server : servers) {
          server.warmUp(load);
        }
        for (int window = 0; window < windows; window++) {
          for (SaturatedServer server : Variant.order(window, servers)) {
            server.measureWindow(load, window, primeSeconds, windowSeconds);
          }
        }
      } finally {
        for (SaturatedServer server : servers) {
          server.finish();
        }
      }
    }
  }

  /** The load on one server: {@code GET path} on 127.0.0.1:port at saturation for a number of seconds. */
  @FunctionalInterface
  private interface Load {
    LoadGenerator.Result run(String path, int port, int seconds, Path log) throws Exception;
  }

  /**
   * One variant's server in a saturation round, with its own OTLP receiver (spans delivered stay per variant):
   * started, warmed up, measured window by window (the figures summed), then stopped and recorded.
   */
  private final class SaturatedServer {
    final SaturationTarget target;
    final Variant variant;
    final Run run;
    final String name;
    final OtlpReceiver receiver = new OtlpReceiver();
    Proc proc;
    int port;
    /** Requests the load tool counted as answered outside the measured windows: warm-up and primes. */
    long unmeasuredRequests;
    double measuredSeconds;

    SaturatedServer(SaturationTarget target, Variant variant, int round) throws IOException {
      this.target = target;
      this.variant = variant;
      this.run = new Run(target.scenario(), variant, round);
      this.name = target.scenario() + "-" + variant.id + "-r" + round;
    }

    void start(String[] abEnv) throws Exception {
      port = Proc.freeLoopbackPort();
      Map<String, String> env = env(receiver, "bench-" + target.scenario() + "-server");
      if (variant == Variant.OURS_SDK_ENCODER) {
        env.put("OTEL_AUTO_INSTRUMENT_OTLP_ENCODER", "sdk");
      } else if (variant == Variant.OURS_NO_EXPORT) {
        env.put("OTEL_TRACES_EXPORTER", "none");
      } else if (variant == Variant.OURS_WITH_ENV) {
        env.put(abEnv[0], abEnv[1]);
      }
      proc = Proc.start(variant.command(java, launcher, otelAgent, emptyAgent, target.args().apply(port)), env,
          logs.resolve(name + ".log"), gnuTime);
      long deadline = proc.startNanos + 60_000_000_000L;
      while (System.nanoTime() < deadline && proc.process.isAlive() && !Proc.accepts(port)) {
        Thread.sleep(20);
      }
      if (!Proc.accepts(port)) {
        run.fail("the server did not listen within 60 s");
      }
      run.measuredRequests = 0;
      run.loadErrors = 0;
      run.jitMillisMeasured = 0;
      run.processMillisMeasured = 0;
      run.receiverMillisMeasured = 0;
      run.gcMillisMeasured = 0;
      // The OpenTelemetry agent names its export threads otherwise: theirs is not measured.
      run.exportMillisMeasured = variant == Variant.OURS || variant == Variant.OURS_SDK_ENCODER
          || variant == Variant.OURS_WITH_ENV ? 0 : -1;
    }

    void warmUp(Load load) throws Exception {
      if (run.ok && target.warmupSeconds() > 0) {
        unmeasuredRequests += load.run(target.path(), port, target.warmupSeconds(), logs.resolve(name + "-warmup.wrk"))
            .requests();
      }
    }

    /**
     * One measured window, after a few seconds of unmeasured load: the server has been idle while the others
     * were measured, and a container trims its idle threads.
     */
    void measureWindow(Load load, int window, int primeSeconds, int seconds) throws Exception {
      if (!run.ok) {
        return;
      }
      if (primeSeconds > 0) {
        unmeasuredRequests += load.run(target.path(), port, primeSeconds, logs.resolve(name + "-prime.wrk")).requests();
      }
      ProcessHandle program = proc.program();
      long jit = Proc.compilerCpuMillis(program);
      long process = Proc.processCpuMillis(program);
      long export = Proc.exportCpuMillis(program);
      long receiving = Proc.receiverCpuMillis();
      long gc = Proc.gcCpuMillis(program);
      LoadGenerator.Result result = load.run(target.path(), port, seconds, logs.resolve(name + "-w" + (window + 1) + ".wrk"));
      run.jitMillisMeasured = add(run.jitMillisMeasured, jit, Proc.compilerCpuMillis(program));
      run.processMillisMeasured = add(run.processMillisMeasured, process, Proc.processCpuMillis(program));
      run.exportMillisMeasured = add(run.exportMillisMeasured, export, Proc.exportCpuMillis(program));
      run.receiverMillisMeasured = add(run.receiverMillisMeasured, receiving, Proc.receiverCpuMillis());
      run.gcMillisMeasured = add(run.gcMillisMeasured, gc, Proc.gcCpuMillis(program));
      run.measuredRequests += result.requests();
      run.windowRequestsPerSecond.add(result.requestsPerSecond());
      run.loadErrors += result.errors();
      measuredSeconds += result.seconds();
      if (result.requests() <= 0) {
        run.fail("no request completed in window " + (window + 1));
      }
    }

    /** A sum of per-window differences that stays -1 once any reading was unknown. */
    private static long add(long sum, long before, long after) {
      return sum < 0 || before < 0 || after < 0 ? -1 : sum + after - before;
    }

    void finish() throws Exception {
      if (proc == null) {
        receiver.close();
        return;
      }
      run.requestsPerSecond = measuredSeconds > 0 ? run.measuredRequests / measuredSeconds : Double.NaN;
      run.healthyRssKib = Proc.vmHwmKib(proc.program());
      proc.stop(30_000);
      run.peakRssKib = run.healthyRssKib;
      run.usage(proc.usage());
      proc.forget();
      // After the exit the exporter has flushed what it will ever send; let the receiver finish counting.
      try (receiver) {
        receiver.awaitQuiet(500, 15_000);
        run.spans = receiver.serverSpans();
        String output = proc.output();
        if (target.reportsHandled()) {
          Matcher handled = Pattern.compile("handled=(\\d+)").matcher(output);
          run.handled = handled.find() ? Long.parseLong(handled.group(1)) : -1;
        } else {
          run.handled = run.measuredRequests > 0 ? unmeasuredRequests + run.measuredRequests : -1;
        }
        Matcher notExported = Pattern.compile("spans not exported in all: (\\d+)").matcher(output);
        run.reportedNotExported = notExported.find() ? Long.parseLong(notExported.group(1)) : -1;
        if (run.ok && run.handled <= 0) {
          run.fail("the server did not report the requests it served");
        }
        if (receiver.badBodies() > 0) {
          run.fail(receiver.badBodies() + " OTLP bodies could not be decoded");
        }
        if (run.ok && variant != Variant.PLAIN && variant != Variant.OURS_NO_EXPORT && run.spans == 0) {
          run.fail("no span was delivered");
        }
        check(run, variant.checkOutput(output));
        scopes.merge(target.scenario() + ", " + variant.label, receiver.spansByScope(), (a, b) -> {
          Map<String, Long> sum = new LinkedHashMap<>(a);
          b.forEach((k, v) -> sum.merge(k, v, Long::sum));
          return sum;
        });
      }
      record(run, String.format(Locale.ROOT, "%8.0f req/s  %d served, %d SERVER spans%s%s%s%s", run.requestsPerSecond,
          run.handled, run.spans, variant == Variant.PLAIN || variant == Variant.OURS_NO_EXPORT ? "" : " (" + Report.pct(run.delivered()) + ")",
          run.loadErrors > 0 ? ", " + run.loadErrors + " load errors" : "",
          run.jitMillisMeasured >= 0 ? String.format(Locale.ROOT, ", JIT %.1f s CPU while measured", run.jitMillisMeasured / 1000.0) : "",
          run.reportedNotExported >= 0 ? ", agent reported " + run.reportedNotExported + " not exported" : ""));
    }
  }

  private LoadGenerator.Result load(boolean useWrk, String wrk, String url, int port, String path, int connections,
      int seconds, Path log) throws Exception {
    if (!useWrk) {
      return LoadGenerator.run(port, path, connections, seconds, 50_000_000L);
    }
    List<String> command = List.of(wrk, "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "2s", url);
    Map<String, String> env = new HashMap<>(System.getenv());
    Proc proc = Proc.start(command, env, log, false);
    if (!proc.waitFor((seconds + 30) * 1000L)) {
      proc.kill();
    }
    proc.forget();
    String output = proc.output();
    Matcher total = Pattern.compile("(\\d+) requests in ([0-9.]+)(ms|s|m)").matcher(output);
    if (!total.find()) {
      throw new IllegalStateException("could not read wrk's output:\n" + output);
    }
    long requests = Long.parseLong(total.group(1));
    double elapsed = Double.parseDouble(total.group(2))
        * switch (total.group(3)) { case "ms" -> 0.001; case "m" -> 60.0; default -> 1.0; };
    long errors = 0;
    Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
        .matcher(output);
    if (socket.find()) {
      for (int i = 1; i <= 4; i++) {
        errors += Long.parseLong(socket.group(i));
      }
    }
    Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(output);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
    double perSecond = rps.find() ? Double.parseDouble(rps.group(1)) : requests / elapsed;
    return new LoadGenerator.Result(requests, errors, requests / perSecond);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The same environment for all three variants (the plain JVM ignores it): traces over OTLP/HTTP to the
   * receiver, no metrics, no logs; nothing inherited that loads an agent.
   */
  // ---------------------------------------------------------------- scenario 5: a CI build under each agent

  /**
   * {@code mvn -B -o -q test} on a small Maven project whose one test serves and calls /ping (the project of
   * CiWrapperIT), from a clean target each time: plain; under otel-auto-instrument (the agent in every JVM,
   * dormant in Maven's, tracing the test JVM); with the OpenTelemetry agent in every JVM through
   * JAVA_TOOL_OPTIONS (what a user of it does for a build). Wall time and CPU time of the whole build.
   */
  private void ci(OtlpReceiver receiver) throws Exception {
    int rounds = intOption("rounds-ci", 3);
    Path project = ciProject();
    log("CI build (mvn -B -o -q test in " + project + "): 1 warm-up round + " + rounds + " rounds");
    for (int round = -1; round < rounds && inBudget("ci", round); round++) {
      for (Variant variant : Variant.order(Math.max(round, 0), Variant.COMPARED)) {
        deleteTree(project.resolve("target"));
        List<String> command = new ArrayList<>();
        Map<String, String> env = env(receiver, "bench-ci");
        env.remove("OTEL_SERVICE_NAME"); // each traced JVM names itself (the test JVM: shop-tests)
        switch (variant) {
          case OURS -> command.add(launcher.toString());
          case OTEL -> env.put("JAVA_TOOL_OPTIONS", "-javaagent:" + otelAgent);
          default -> { }
        }
        command.addAll(List.of("mvn", "-B", "-o", "-q", "-f", project.resolve("pom.xml").toString(), "test"));
        Run run = new Run("ci", variant, round + 1);
        double machineBefore = Proc.machineCpuSecondsBesidesHarness();
        Proc proc = Proc.start(command, env, logs.resolve("ci-" + variant.id + "-r" + (round + 1) + ".log"), gnuTime);
        while (!proc.waitFor(1_000)) {
          if (System.nanoTime() - proc.startNanos > 300e9) {
            proc.kill();
            run.fail("did not end within 300 s");
            break;
          }
        }
        run.wallMs = (System.nanoTime() - proc.startNanos) / 1e6;
        run.usage(proc.usage());
        run.foreignCpuSeconds = Proc.machineCpuSecondsBesidesHarness() - machineBefore - run.cpuSeconds;
        proc.forget();
        String output = proc.output();
        if (run.ok && proc.process.exitValue() != 0) {
          run.fail("exit status " + proc.process.exitValue());
        }
        if (!Files.isRegularFile(project.resolve("target/surefire-reports/TEST-org.example.PingTest.xml"))) {
          run.fail("the test did not run");
        }
        check(run, variant.checkOutput(output));
        if (round >= 0) {
          record(run, String.format(Locale.ROOT, "%6.2f s %6.2f s CPU", run.wallMs / 1000, run.cpuSeconds));
        }
      }
    }
  }

  /**
   * CiWrapperIT's Maven project, copied under --out with this build's plugin and JUnit versions (read from the
   * root pom), so that it builds offline from what the project's own build fetched.
   */
  private Path ciProject() throws IOException {
    Path template = root.resolve("launcher/src/test/resources/maven-project");
    Path project = out.resolve("ci-project/shop");
    String pom = Files.readString(root.resolve("pom.xml"));
    Map<String, String> versions = Map.of("@JUNIT_VERSION@", "junit.version", "@SUREFIRE_VERSION@", "surefire.version",
        "@COMPILER_VERSION@", "compiler-plugin.version", "@RESOURCES_VERSION@", "resources-plugin.version");
    try (var files = Files.walk(template)) {
      for (Path file : files.toList()) {
        Path target = project.resolve(template.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
          continue;
        }
        String text = Files.readString(file);
        for (Map.Entry<String, String> version : versions.entrySet()) {
          Matcher value = Pattern.compile("<" + Pattern.quote(version.getValue()) + ">([^<]+)<").matcher(pom);
          if (!value.find()) {
            throw new IllegalStateException("no " + version.getValue() + " in the root pom");
          }
          text = text.replace(version.getKey(), value.group(1));
        }
        Files.writeString(target, text);
      }
    }
    return project;
  }

  private static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private Map<String, String> env(OtlpReceiver receiver, String service) {
    Map<String, String> env = new HashMap<>();
    System.getenv().forEach((key, value) -> {
      if (!key.startsWith("OTEL_") && !key.equals("JAVA_TOOL_OPTIONS") && !key.equals("JDK_JAVA_OPTIONS")
          && !key.equals("_JAVA_OPTIONS") && !key.equals("JAVA_HOME")) {
        env.put(key, value);
      }
    });
    env.put("JAVA_HOME", javaHome.toString());
    env.put("PATH", javaHome.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("OTEL_SERVICE_NAME", service);
    env.put("OTEL_TRACES_EXPORTER", "otlp");
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    env.put("OTEL_METRICS_EXPORTER", "none");
    env.put("OTEL_LOGS_EXPORTER", "none");
    return env;
  }

  String harnessJar() {
    try {
      return Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean inBudget(String scenario, int round) {
    if (System.nanoTime() < deadlineNanos) {
      return true;
    }
    note(scenario + ": time budget reached, stopped after " + Math.max(round, 0) + " rounds");
    return false;
  }

  private void check(Run run, String problem) {
    if (problem != null) {
      run.fail(problem);
    }
  }

  private void record(Run run, String figures) {
    runs.add(run);
    log(String.format(Locale.ROOT, "  %-8s round %d  %-22s %s%s%s", run.scenario, run.round, run.variant.label,
        figures, run.busyMachine() ? String.format(Locale.ROOT, "  (busy machine: %.1f CPU s used by other processes)",
            run.foreignCpuSeconds) : "",
        run.ok ? "" : "  INVALID: " + run.note + " (see " + logs + ")"));
  }

  void note(String note) {
    notes.add(note);
    log("note: " + note);
  }

  int intOption(String name, int fallback) {
    return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
  }

  static void log(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
