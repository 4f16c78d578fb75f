package org.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A test without tracing code: a server on 127.0.0.1 and a call to it. {@code -Dping.expect=X} makes it fail. */
class PingTest {
  @Test
  void theServerAnswers() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/ping", exchange -> {
      byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try {
      URI ping = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ping");
      HttpResponse<String> response = HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(System.getProperty("ping.expect", "pong"), response.body());
    } finally {
      server.stop(0);
    }
  }
}
