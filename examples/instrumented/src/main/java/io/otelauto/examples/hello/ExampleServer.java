package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/** A one-endpoint HTTP service on 127.0.0.1 that traces each request as a SERVER span. */
final class ExampleServer {

  private ExampleServer() {}

  /**
   * Serves {@code path} on {@code port} (0: any free port) until the JVM ends. The handler gets the
   * URL-decoded value of {@code queryParam} and returns the response body; it runs inside the
   * SERVER span {@code spanName}, whose parent comes from the request's traceparent header.
   */
  static void run(
      String serviceName,
      int port,
      String path,
      String spanName,
      String queryParam,
      UnaryOperator<String> handler)
      throws IOException {
    SdkTracerProvider tracerProvider = ExampleTracing.tracerProvider(serviceName);
    Runtime.getRuntime().addShutdownHook(new Thread(tracerProvider::close));
    Tracer tracer = tracerProvider.get(ExampleTracing.INSTRUMENTATION_NAME);

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(path, exchange -> handle(exchange, tracer, spanName, queryParam, handler));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println(
        serviceName + " listening on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
  }

  @SuppressWarnings("try") // the scope only makes the span current
  private static void handle(
      HttpExchange exchange,
      Tracer tracer,
      String spanName,
      String queryParam,
      UnaryOperator<String> handler)
      throws IOException {
    Context parent =
        ExampleTracing.PROPAGATOR.extract(Context.root(), exchange, ExampleTracing.REQUEST_HEADERS);
    Span span =
        tracer.spanBuilder(spanName).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    try (exchange;
        Scope scope = span.makeCurrent()) {
      String value = queryParam(exchange.getRequestURI().getRawQuery(), queryParam);
      if (value == null) {
        span.setStatus(StatusCode.ERROR, "missing query parameter " + queryParam);
        respond(exchange, 400, "missing query parameter " + queryParam + "\n");
      } else {
        respond(exchange, 200, handler.apply(value));
      }
    } catch (IOException | RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.toString());
      throw e;
    } finally {
      span.end();
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The URL-decoded value of query parameter {@code name}, or null when absent. */
  private static String queryParam(String rawQuery, String name) {
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
          return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
    }
    return null;
  }
}
