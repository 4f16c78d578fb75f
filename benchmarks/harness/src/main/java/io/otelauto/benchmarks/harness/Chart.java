package io.otelauto.benchmarks.harness;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** The end-to-end results as grouped bars (median, with a min–max whisker), drawn with Java2D into a PNG. */
final class Chart {
  private static final Color[] COLORS = {new Color(0x8c8c8c), new Color(0x2f6fb5), new Color(0xe0822b)};
  private static final int WIDTH = 1500;
  private static final int PANEL_HEIGHT = 380;

  private record Panel(String title, String unit, Report.Stat[] stats, double scale, String format, String footnote) {}

  private final Report report;
  private final String[] labels;
  private final String zipkinLabel;

  Chart(Report report, Bench bench, String otelLabel, String zipkinLabel) {
    this.report = report;
    this.labels = new String[] {"plain JVM", "otel-auto-instrument", otelLabel};
    this.zipkinLabel = zipkinLabel;
  }

  void write(Path file, String machine) throws IOException {
    List<Panel> panels = new ArrayList<>();
    add(panels, "trivial", "Trivial program: wall time to exit", "ms", r -> r.wallMs, 1, "%.0f", overheadNote("trivial", r -> r.wallMs));
    add(panels, "trivial", "Trivial program: peak RSS", "MiB", r -> r.peakRssKib, 1024, "%.0f", overheadNote("trivial", r -> r.peakRssKib));
    add(panels, "zipkin", zipkinLabel + ": to first healthy response", "s", r -> r.wallMs, 1000, "%.2f", overheadNote("zipkin", r -> r.wallMs));
    add(panels, "zipkin", zipkinLabel + ": peak RSS", "MiB", r -> r.peakRssKib, 1024, "%.0f", overheadNote("zipkin", r -> r.peakRssKib));
    add(panels, "http", "JDK HTTP server at saturation: requests/s", "req/s", r -> r.requestsPerSecond, 1, "%.0f", keptNote("http"));
    add(panels, "http", "JDK HTTP server: SERVER spans delivered / requests", "%", Run::delivered, 0.01, "%.1f", "target: ≥ 99% for otel-auto-instrument");
    add(panels, "servlet", "Spring Boot (Tomcat, Spring MVC) at saturation: requests/s", "req/s", r -> r.requestsPerSecond, 1, "%.0f",
        keptNote("servlet"));
    add(panels, "servlet", "Spring Boot: SERVER spans delivered / requests", "%", Run::delivered, 0.01, "%.1f",
        "target: ≥ 99% for otel-auto-instrument");
    if (panels.isEmpty()) {
      throw new IllegalStateException("nothing to draw");
    }
    int columns = 2;
    int rows = (panels.size() + columns - 1) / columns;
    int height = 110 + rows * PANEL_HEIGHT + 40;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
    g.drawString("otel-auto-instrument: end-to-end cost against a plain JVM and the OpenTelemetry agent", 30, 38);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.drawString("Bars: median of the valid interleaved rounds; whiskers: min–max (cut at the top of the axis, with the "
        + "maximum written). The same OTLP/HTTP trace export settings for both agents; loopback only.", 30, 62);
    g.setColor(Color.DARK_GRAY);
    g.drawString(ellipsize(g, machine, WIDTH - 60), 30, height - 16);
    g.setColor(Color.BLACK);
    int legendX = 30;
    for (int i = 0; i < labels.length; i++) {
      g.setColor(COLORS[i]);
      g.fillRect(legendX, 76, 16, 16);
      g.setColor(Color.BLACK);
      g.drawString(labels[i], legendX + 22, 89);
      legendX += 40 + g.getFontMetrics().stringWidth(labels[i]);
    }
    for (int i = 0; i < panels.size(); i++) {
      int x = (i % columns) * (WIDTH / columns);
      int y = 110 + (i / columns) * PANEL_HEIGHT;
      draw(g, panels.get(i), x + 20, y, WIDTH / columns - 40, PANEL_HEIGHT - 20);
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private void add(List<Panel> panels, String scenario, String title, String unit, ToDoubleFunction<Run> figure,
      double scale, String format, String footnote) {
    Report.Stat[] stats = new Report.Stat[3];
    boolean any = false;
    for (Variant variant : Variant.COMPARED) {
      stats[variant.ordinal()] = report.stat(scenario, variant, figure);
      any |= stats[variant.ordinal()].present();
    }
    if (any) {
      panels.add(new Panel(title, unit, stats, scale, format, footnote));
    }
  }

  private String overheadNote(String scenario, ToDoubleFunction<Run> figure) {
    return "overhead of otel-auto-instrument / overhead of the OTel agent: "
        + Report.fmt("%.2f", report.overhead(scenario, figure)) + " (target ≤ 0.20)";
  }

  private String keptNote(String scenario) {
    double plain = report.stat(scenario, Variant.PLAIN, r -> r.requestsPerSecond).median();
    return "throughput kept: otel-auto-instrument "
        + Report.pct(report.stat(scenario, Variant.OURS, r -> r.requestsPerSecond).median() / plain) + ", OTel agent "
        + Report.pct(report.stat(scenario, Variant.OTEL, r -> r.requestsPerSecond).median() / plain) + " (target ≥ 90%)";
  }

  private void draw(Graphics2D g, Panel panel, int x, int y, int width, int height) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(panel.title + " (" + panel.unit + ")", x, y + 20);
    int top = y + 40;
    int bottom = y + height - 45;
    int left = x + 60;
    int right = x + width - 10;
    // The axis follows the medians (an outlier round must not flatten the bars); a whisker that goes
    // beyond it is cut at the top and its maximum written there.
    double max = 0;
    for (Report.Stat stat : panel.stats) {
      if (stat.present()) {
        max = Math.max(max, stat.median() / panel.scale);
      }
    }
    double wanted = max <= 0 ? 1 : max * 1.3;
    if (panel.unit.equals("%") && wanted > 100 && max <= 100) {
      wanted = 100;
    }
    double step = niceStep(wanted / 4);
    int ticks = (int) Math.ceil(wanted / step - 1e-9);
    max = ticks * step;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics metrics = g.getFontMetrics();
    for (int tick = 0; tick <= ticks; tick++) {
      double value = step * tick;
      int ty = bottom - (int) Math.round((bottom - top) * value / max);
      g.setColor(new Color(0xe6e6e6));
      g.drawLine(left, ty, right, ty);
      g.setColor(Color.DARK_GRAY);
      String label = Report.fmt(step >= 1 ? "%.0f" : "%.1f", value);
      g.drawString(label, left - 8 - metrics.stringWidth(label), ty + 4);
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, bottom, right, bottom);
    int slot = (right - left) / 3;
    int barWidth = Math.min(110, slot / 2);
    for (int i = 0; i < 3; i++) {
      int center = left + slot * i + slot / 2;
      Report.Stat stat = panel.stats[i];
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      String name = labels[i];
      g.drawString(name, center - g.getFontMetrics().stringWidth(name) / 2, bottom + 18);
      if (!stat.present()) {
        g.drawString("n/a", center - 10, bottom - 8);
        continue;
      }
      double median = stat.median() / panel.scale;
      int barTop = bottom - (int) Math.round((bottom - top) * median / max);
      g.setColor(COLORS[i]);
      g.fillRect(center - barWidth / 2, barTop, barWidth, bottom - barTop);
      if (stat.n() > 1) {
        int low = bottom - (int) Math.round((bottom - top) * (stat.min() / panel.scale) / max);
        double highest = stat.max() / panel.scale;
        int high = bottom - (int) Math.round((bottom - top) * Math.min(highest, max) / max);
        g.setColor(Color.BLACK);
        if (highest > max) {
          g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
          g.drawString("max " + Report.fmt(panel.format, highest) + " ↑", center + 6, top + 10);
        }
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(center, low, center, high);
        g.drawLine(center - 8, low, center + 8, low);
        if (highest <= max) {
          g.drawLine(center - 8, high, center + 8, high);
        }
        g.setStroke(new BasicStroke(1f));
      }
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
      String value = Report.fmt(panel.format, median);
      // Beside the bar's top; above a bar too short to hold it.
      g.drawString(value, center + barWidth / 2 + 5, bottom - barTop < 18 ? bottom - 4 : Math.max(barTop + 14, top + 14));
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
    g.setColor(Color.DARK_GRAY);
    g.drawString(panel.footnote, x, bottom + 38);
  }

  /** 1, 2, 2.5 or 5 times a power of ten, at least {@code value}. */
  private static double niceStep(double value) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String ellipsize(Graphics2D g, String text, int width) {
    FontMetrics metrics = g.getFontMetrics();
    if (metrics.stringWidth(text) <= width) {
      return text;
    }
    String cut = text;
    while (!cut.isEmpty() && metrics.stringWidth(cut + "…") > width) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "…";
  }
}
