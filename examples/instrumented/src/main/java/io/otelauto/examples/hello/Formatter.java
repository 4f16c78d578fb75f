package io.otelauto.examples.hello;

import java.io.IOException;

/** The formatter service, traced by hand: GET /format_request?helloTo=NAME answers "Hello, NAME!". */
public final class Formatter {

  private Formatter() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
    ExampleServer.run(
        "formatter", port, "/format_request", "format_request", "helloTo",
        helloTo -> "Hello, " + helloTo + "!");
  }
}
