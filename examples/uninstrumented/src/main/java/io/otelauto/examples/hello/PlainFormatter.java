package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/** The formatter service, without any tracing code: GET /format_request?helloTo=NAME answers "Hello, NAME!". */
public final class PlainFormatter {

  private PlainFormatter() {}

  public static void main(String[] args) throws IOException {
    PlainHttp.serve("formatter", PlainHttp.port(args, 0, 8081), "/format_request", PlainFormatter::format);
  }

  private static void format(HttpExchange exchange) throws IOException {
    try (exchange) {
      String helloTo = PlainHttp.queryParam(exchange, "helloTo");
      if (helloTo == null) {
        PlainHttp.respond(exchange, 400, "missing query parameter helloTo\n");
        return;
      }
      PlainHttp.respond(exchange, 200, "Hello, " + helloTo + "!");
    }
  }
}
