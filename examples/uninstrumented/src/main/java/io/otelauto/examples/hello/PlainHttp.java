package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** The few lines of plain JDK HTTP serving the uninstrumented services share. No tracing code. */
final class PlainHttp {
  private PlainHttp() {}

  /** Starts a server on 127.0.0.1:port with one context and says where it listens. */
  static HttpServer serve(String service, int port, String path, HttpHandler handler) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(path, handler);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    System.out.println(service + " listening on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
    return server;
  }

  static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The URL-decoded value of query parameter {@code name}, or null when absent. */
  static String queryParam(HttpExchange exchange, String name) {
    String rawQuery = exchange.getRequestURI().getRawQuery();
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

  static int port(String[] args, int index, int defaultPort) {
    return args.length > index ? Integer.parseInt(args[index]) : defaultPort;
  }
}
