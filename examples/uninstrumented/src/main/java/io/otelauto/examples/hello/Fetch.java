package io.otelauto.examples.hello;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** {@code Fetch URL}: GETs the URL and prints the body; exits 1 unless the status is 2xx. No tracing code. */
public final class Fetch {
  private Fetch() {}

  public static void main(String[] args) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
    int status = connection.getResponseCode();
    try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
      System.out.println(body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
    if (status / 100 != 2) {
      System.exit(1);
    }
  }
}
