package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A server with no tracing code that answers /ping on 127.0.0.1 until it is terminated; prints its port. */
public final class ServesUntilTerminated {
  private ServesUntilTerminated() {}

  public static void main(String[] args) throws Exception {
    System.out.println("listening on " + startPingServer().getAddress().getPort());
  }

  /** A JDK HTTP server on 127.0.0.1, a free port, that answers {@code /ping} with {@code pong}. */
  static HttpServer startPingServer() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ping", exchange -> {
      byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }
}
