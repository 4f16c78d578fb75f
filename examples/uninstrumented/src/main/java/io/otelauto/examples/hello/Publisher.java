package io.otelauto.examples.hello;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/** The publisher service, without any tracing code: GET /publish_request?helloStr=STR prints STR. */
public final class Publisher {

  private Publisher() {}

  public static void main(String[] args) throws IOException {
    PlainHttp.serve("publisher", PlainHttp.port(args, 0, 8082), "/publish_request", Publisher::publish);
  }

  private static void publish(HttpExchange exchange) throws IOException {
    try (exchange) {
      String helloStr = PlainHttp.queryParam(exchange, "helloStr");
      if (helloStr == null) {
        PlainHttp.respond(exchange, 400, "missing query parameter helloStr\n");
        return;
      }
      System.out.println(helloStr);
      System.out.flush();
      PlainHttp.respond(exchange, 200, "published");
    }
  }
}
