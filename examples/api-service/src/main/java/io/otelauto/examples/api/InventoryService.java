package io.otelauto.examples.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A JDK HTTP server traced by its own hand with the OpenTelemetry API only (no SDK of its own): what a
 * program gets from {@code GlobalOpenTelemetry} is a no-op without an agent, and the agent's tracing under
 * otel-auto-instrument.
 *
 * <p>{@code GET /reserve?item=ITEM} adds an attribute to the current span, makes a span of its own with
 * baggage, calls {@code /stock} inside it over HTTP, prices the item in a {@code @WithSpan} method, and
 * answers with what it saw, one {@code key=value} per line. {@code GET /stock} answers with the baggage it
 * received. Usage: {@code java -cp ... io.otelauto.examples.api.InventoryService [PORT]}.
 */
public final class InventoryService {
  static final AttributeKey<Long> QUANTITY = AttributeKey.longKey("app.quantity");

  private final Tracer tracer = GlobalOpenTelemetry.getTracer("io.otelauto.examples.api", "1.0.0");
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final Pricing pricing = new Pricing();
  private int port;

  public static void main(String[] args) throws IOException {
    new InventoryService().start(args.length > 0 ? Integer.parseInt(args[0]) : 0);
  }

  private void start(int requestedPort) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 0);
    server.createContext("/reserve", exchange -> answer(exchange, reserve(query(exchange, "item"))));
    server.createContext("/stock", exchange -> answer(exchange, stock()));
    // /reserve calls /stock while it is being handled: more than one thread.
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    port = server.getAddress().getPort();
    System.out.println("inventory listening on http://127.0.0.1:" + port);
  }

  @SuppressWarnings("try") // the scopes only make the span and the baggage current
  private Map<String, String> reserve(String item) {
    Map<String, String> seen = new LinkedHashMap<>();
    Span server = Span.current();
    server.setAttribute("app.item", item);
    seen.put("current", server.getSpanContext().getSpanId());

    Span reservation = tracer.spanBuilder("reserve stock").setAttribute("app.item", item)
        .setAttribute(QUANTITY, 3L).startSpan();
    Baggage baggage = Baggage.current().toBuilder().put("app.tenant", "acme").build();
    try (Scope spanScope = reservation.makeCurrent(); Scope baggageScope = baggage.makeCurrent()) {
      seen.put("reservation", reservation.getSpanContext().getSpanId());
      seen.put("current.in.reservation", Span.current().getSpanContext().getSpanId());
      seen.put("stock", get("/stock"));
      seen.put("price", String.valueOf(pricing.price(item, 3)));
      seen.put("newest", NewestApiCalls.run());
      reservation.addEvent("reserved");
    } catch (IOException | InterruptedException | RuntimeException e) {
      reservation.recordException(e);
      reservation.setStatus(StatusCode.ERROR, e.toString());
      seen.put("error", e.toString());
    } finally {
      reservation.end();
    }
    seen.put("current.after", Span.current().getSpanContext().getSpanId());
    return seen;
  }

  private Map<String, String> stock() {
    Map<String, String> seen = new LinkedHashMap<>();
    seen.put("tenant", String.valueOf(Baggage.current().getEntryValue("app.tenant")));
    seen.put("current", Span.current().getSpanContext().getSpanId());
    return seen;
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body().strip().replace('\n', ' ');
  }

  private static String query(HttpExchange exchange, String name) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.startsWith(name + "=")) {
          return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
        }
      }
    }
    return "";
  }

  private static void answer(HttpExchange exchange, Map<String, String> seen) throws IOException {
    StringBuilder body = new StringBuilder();
    seen.forEach((key, value) -> body.append(key).append('=').append(value).append('\n'));
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Prices in a method of its own, traced by annotation only. */
  static class Pricing {
    @WithSpan("price lookup")
    double price(@SpanAttribute("app.item") String item, @SpanAttribute("app.quantity") long quantity) {
      return quantity * (item.length() + 0.5);
    }
  }
}
