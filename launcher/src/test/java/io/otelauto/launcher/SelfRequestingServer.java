package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A program with no tracing code, run under the launcher by the integration tests: it serves one request
 * to itself on 127.0.0.1, prints the answer and exits with the status given as its argument (through
 * System.exit, so spans must be flushed by the agent's shutdown hook). With a second argument, a URL that
 * answers how many exports a receiver has had, it waits for the first export before it exits.
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
    HttpServer server = ServesUntilTerminated.startPingServer();
    HttpURLConnection connection = (HttpURLConnection) new URL(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/ping?from=self").openConnection();
    try (InputStream in = connection.getInputStream()) {
      System.out.println("response: " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    server.stop(0);
    if (args.length > 1) {
      awaitExport(URI.create(args[1]).toURL());
    }
    System.exit(args.length > 0 ? Integer.parseInt(args[0]) : 0);
  }

  /**
   * Asks the test's receiver (at most 30 s) until it has received an export: the batch then went out while
   * the program ran, not in the shutdown hooks (where java.util.logging has already been reset).
   */
  private static void awaitExport(URL count) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpURLConnection poll = (HttpURLConnection) count.openConnection();
      try (InputStream in = poll.getInputStream()) {
        if (Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip()) > 0) {
          return;
        }
      }
      Thread.sleep(20); // polling an external process: nothing to wait on
    }
  }
}
