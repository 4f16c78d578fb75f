package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A program with no tracing code, run under the launcher by the integration tests: it serves one request
 * to itself on 127.0.0.1, prints the answer and exits with the status given as its argument (through
 * System.exit, so spans must be flushed by the agent's shutdown hook).
 */
public final class SelfRequestingServer {
  private SelfRequestingServer() {}

  public static void main(String[] args) throws Exception {
    // The agent's own classes must stay out of the program's sight.
    for (String name : new String[] {"io.opentelemetry.api.OpenTelemetry", "net.bytebuddy.ByteBuddy",
        "io.otelauto.bootstrap.Agent", "io.otelauto.patchers.api.Patcher"}) {
      try {
        Class.forName(name, false, SelfRequestingServer.class.getClassLoader());
        System.out.println("visible: " + name);
      } catch (ClassNotFoundException expected) {
        // as it should be
      }
    }
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ping", exchange -> {
      byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    HttpURLConnection connection = (HttpURLConnection) new URL(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/ping?from=self").openConnection();
    try (InputStream in = connection.getInputStream()) {
      System.out.println("response: " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    server.stop(0);
    System.exit(args.length > 0 ? Integer.parseInt(args[0]) : 0);
  }
}
