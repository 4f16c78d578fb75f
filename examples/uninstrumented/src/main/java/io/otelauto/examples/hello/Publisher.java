package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** The publisher service, without any tracing code: GET /publish_request?helloStr=STR prints STR. */
public final class Publisher {

  private Publisher() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8082;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/publish_request", Publisher::publish);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println(
        "publisher listening on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
  }

  private static void publish(HttpExchange exchange) throws IOException {
    try (exchange) {
      String helloStr = queryParam(exchange.getRequestURI().getRawQuery(), "helloStr");
      if (helloStr == null) {
        respond(exchange, 400, "missing query parameter helloStr\n");
        return;
      }
      System.out.println(helloStr);
      System.out.flush();
      respond(exchange, 200, "published");
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
