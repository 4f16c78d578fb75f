package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * A server with no tracing code that answers /ping on 127.0.0.1 until it is terminated; prints its port.
 * With the argument {@code queued}, its exchanges run on a pool of one thread, so that under concurrent calls
 * some always wait in the pool's queue (across an attach or a detach, say).
 */
public final class ServesUntilTerminated {
  private ServesUntilTerminated() {}

  public static void main(String[] args) throws Exception {
    Executor executor = List.of(args).contains("queued") ? Executors.newFixedThreadPool(1) : null;
    System.out.println("listening on " + startPingServer(executor).getAddress().getPort());
  }

  static HttpServer startPingServer() throws IOException {
    return startPingServer(null);
  }

  /**
   * A JDK HTTP server on 127.0.0.1, a free port, that answers {@code /ping} with {@code pong}; its exchanges
   * run on {@code executor}, or on its dispatcher thread if null.
   */
  static HttpServer startPingServer(Executor executor) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
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
