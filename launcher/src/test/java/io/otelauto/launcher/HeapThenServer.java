package io.otelauto.launcher;

import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;

/**
 * A program for the test of the collection at a server's start: {@code server N} keeps N MiB of heap, then
 * serves one request to itself (the JDK HTTP server); {@code client} only asks a closed port on 127.0.0.1
 * (the JDK's HTTP client, no server).
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
    SelfRequestingServer.main(new String[] {"0"});
  }
}
