package io.otelauto.benchmarks.harness;

/** One measured run of one variant in one scenario and round. Unmeasured figures stay NaN / -1. */
final class Run {
  final String scenario;
  final Variant variant;
  final int round;
  boolean ok = true;
  String note = "";
  double wallMs = Double.NaN;
  long peakRssKib = -1;
  double cpuSeconds = Double.NaN;
  /** CPU seconds something else on the machine used during the run (neither the run nor the harness). */
  double foreignCpuSeconds = Double.NaN;
  long healthyRssKib = -1;
  double requestsPerSecond = Double.NaN;
  long measuredRequests = -1;
  long loadErrors = -1;
  long handled = -1;
  /** CPU ms of the JIT compiler threads during the measured load (HTTP scenario); -1 if unknown. */
  long jitMillisMeasured = -1;
  /** CPU ms of the whole server process during the measured load (HTTP scenario); -1 if unknown. */
  long processMillisMeasured = -1;
  /**
   * CPU ms, during the measured load, of the threads that export spans (the batch processor's worker, the
   * sender's; HTTP scenario, ours only: the OpenTelemetry agent names its threads otherwise); -1 if unknown.
   */
  long exportMillisMeasured = -1;
  /**
   * CPU ms, during the measured load, of the harness's own OTLP receiver (its dispatcher and handler threads):
   * it shares the machine with the server and the load; -1 if unknown.
   */
  long receiverMillisMeasured = -1;
  /** CPU ms of the garbage collector's threads during the measured load (saturation scenarios); -1 if unknown. */
  long gcMillisMeasured = -1;
  /** Spans the agent itself reported as not exported (its "spans not exported in all" line); -1 if none. */
  long reportedNotExported = -1;
  long spans = -1;
  /** Saturation scenarios: the requests/s of each measured window, in the order of the round's turns. */
  final java.util.List<Double> windowRequestsPerSecond = new java.util.ArrayList<>();

  Run(String scenario, Variant variant, int round) {
    this.scenario = scenario;
    this.variant = variant;
    this.round = round;
  }

  /** CPU µs per request served during the measured load. */
  double processMicrosPerRequest() {
    return processMillisMeasured >= 0 && measuredRequests > 0 ? processMillisMeasured * 1000.0 / measuredRequests : Double.NaN;
  }

  /** CPU µs of the exporting threads per request (one SERVER span each) during the measured load. */
  double exportMicrosPerSpan() {
    return exportMillisMeasured >= 0 && measuredRequests > 0 ? exportMillisMeasured * 1000.0 / measuredRequests : Double.NaN;
  }

  /** CPU µs of the harness's OTLP receiver per request (one SERVER span each) during the measured load. */
  double receiverMicrosPerSpan() {
    return receiverMillisMeasured >= 0 && measuredRequests > 0 ? receiverMillisMeasured * 1000.0 / measuredRequests : Double.NaN;
  }

  /** CPU µs of the garbage collector's threads per request served during the measured load. */
  double gcMicrosPerRequest() {
    return gcMillisMeasured >= 0 && measuredRequests > 0 ? gcMillisMeasured * 1000.0 / measuredRequests : Double.NaN;
  }

  void fail(String why) {
    ok = false;
    note = note.isEmpty() ? why : note + "; " + why;
  }

  /** Spans delivered / requests served; not a figure of the plain JVM, which makes no spans. */
  double delivered() {
    return variant != Variant.PLAIN && handled > 0 && spans >= 0 ? (double) spans / handled : Double.NaN;
  }

  /**
   * Whether something else took more than a quarter of one processor, on average, during the run (and more
   * than the 10 ms granularity of /proc/stat can blur).
   */
  boolean busyMachine() {
    return foreignCpuSeconds > Math.max(0.25 * wallMs / 1000, 0.1);
  }

  void usage(Proc.Usage usage) {
    if (usage.peakRssKib() >= 0) {
      peakRssKib = usage.peakRssKib();
    }
    cpuSeconds = usage.cpuSeconds();
  }

  static String csvHeader() {
    return "scenario,variant,round,ok,wall_ms,peak_rss_kib,cpu_s,foreign_cpu_s,healthy_rss_kib,requests_per_s,measured_requests,"
        + "load_errors,requests_served,spans_delivered,delivered_fraction,jit_cpu_ms_measured,agent_reported_not_exported,"
        + "process_cpu_ms_measured,export_threads_cpu_ms_measured,receiver_cpu_ms_measured,gc_cpu_ms_measured,window_requests_per_s,note";
  }

  String csv() {
    return String.join(",", scenario, variant.id, Integer.toString(round), Boolean.toString(ok),
        num(wallMs), Long.toString(peakRssKib), num(cpuSeconds), num(foreignCpuSeconds), Long.toString(healthyRssKib), num(requestsPerSecond),
        Long.toString(measuredRequests), Long.toString(loadErrors), Long.toString(handled), Long.toString(spans),
        num(delivered()), Long.toString(jitMillisMeasured), Long.toString(reportedNotExported),
        Long.toString(processMillisMeasured), Long.toString(exportMillisMeasured), Long.toString(receiverMillisMeasured), Long.toString(gcMillisMeasured),
        windowRequestsPerSecond.stream().map(Run::num).collect(java.util.stream.Collectors.joining(";")), '"' + note.replace('"', '\'') + '"');
  }

  private static String num(double value) {
    return Double.isNaN(value) ? "" : String.format(java.util.Locale.ROOT, "%.3f", value);
  }
}
