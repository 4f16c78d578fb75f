package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A program for the test of the collection after a server's first request: {@code server N} keeps N MiB of
 * heap, then serves two requests to itself (the JDK HTTP server) and returns from main; {@code client} only
 * asks a closed port on 127.0.0.1 (the JDK's HTTP client, no server).
 */
public final class HeapThenServer {
  /** Kept reachable until the program ends, so that it is in use when the server starts. */
  static byte[][] kept;

  private HeapThenServer() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("client")) {
      int closed;
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        closed = socket.getLocalPort();
      }
      HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + closed + "/").openConnection();
      try {
        connection.getResponseCode();
        System.out.println("answered");
      } catch (java.io.IOException refused) {
        System.out.println("refused");
      }
      return;
    }
    int mebibytes = Integer.parseInt(args[1]);
    kept = new byte[mebibytes][];
    for (int i = 0; i < mebibytes; i++) {
      kept[i] = new byte[1 << 20];
    }
    // Two requests: the second is answered after the first one's SERVER span has ended (one dispatcher
    // thread), so the agent's collection, if any, has begun before main returns; the JVM waits for it.
    HttpServer server = ServesUntilTerminated.startPingServer();
    String response = null;
    for (int i = 0; i < 2; i++) {
      HttpURLConnection connection = (HttpURLConnection) new URL(
          "http://127.0.0.1:" + server.getAddress().getPort() + "/ping?from=self").openConnection();
      try (InputStream in = connection.getInputStream()) {
        response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    System.out.println("response: " + response);
    server.stop(0);
  }
}
