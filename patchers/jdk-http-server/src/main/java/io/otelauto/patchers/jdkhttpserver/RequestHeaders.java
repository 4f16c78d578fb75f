package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import java.util.List;
import java.util.Map;

/**
 * The request headers a SERVER span reads, found in one pass over the request's headers. The JDK's
 * {@code Headers.getFirst} copies and re-cases its key on every call (a char array and a String, whose hash
 * is then computed afresh), and a span asks five times per request; one pass compares each header's stored
 * name, whose hash the map has already computed, with five constants. A header a configured propagator asks
 * for beyond these is looked up the JDK's way ({@link RequestHeadersGetter}).
 */
final class RequestHeaders {
  final HttpExchange exchange;
  String traceparent;
  String tracestate;
  String baggage;
  String host;
  String userAgent;

  private RequestHeaders(HttpExchange exchange) {
    this.exchange = exchange;
  }

  static RequestHeaders of(HttpExchange exchange) {
    RequestHeaders headers = new RequestHeaders(exchange);
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      String name = header.getKey();
      List<String> values = header.getValue();
      if (name == null || values == null || values.isEmpty()) {
        continue;
      }
      // Names as the JDK's Headers stores them: the first letter upper case, the rest lower case.
      switch (name) {
        case "Traceparent":
          headers.traceparent = values.get(0);
          break;
        case "Tracestate":
          headers.tracestate = values.get(0);
          break;
        case "Baggage":
          headers.baggage = values.get(0);
          break;
        case "Host":
          headers.host = values.get(0);
          break;
        case "User-agent":
          headers.userAgent = values.get(0);
          break;
        default:
      }
    }
    return headers;
  }
}
