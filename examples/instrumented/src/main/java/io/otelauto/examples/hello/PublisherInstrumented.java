package io.otelauto.examples.hello;

import java.io.IOException;

/** The publisher service, traced by hand: GET /publish_request?helloStr=STR prints STR. */
public final class PublisherInstrumented {

  private PublisherInstrumented() {}

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8082;
    ExampleServer.run(
        "publisher", port, "/publish_request", "publish_request", "helloStr",
        helloStr -> {
          System.out.println(helloStr);
          System.out.flush();
          return "published";
        });
  }
}
