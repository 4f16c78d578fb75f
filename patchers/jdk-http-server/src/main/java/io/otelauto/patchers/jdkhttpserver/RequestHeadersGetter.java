package io.otelauto.patchers.jdkhttpserver;

import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Iterator;
import java.util.List;

/**
 * Reads propagation headers (traceparent, baggage, ...) from the request: the W3C ones from the single pass
 * {@link RequestHeaders} made, any other (B3, Jaeger, ...) from the exchange's headers.
 */
enum RequestHeadersGetter implements TextMapGetter<RequestHeaders> {
  INSTANCE;

  @Override
  public Iterable<String> keys(RequestHeaders headers) {
    return headers.exchange.getRequestHeaders().keySet();
  }

  @Override
  public String get(RequestHeaders headers, String key) {
    if (headers == null) {
      return null;
    }
    switch (key) {
      case "traceparent":
        return headers.traceparent;
      case "tracestate":
        return headers.tracestate;
      case "baggage":
        return headers.baggage;
      default:
        return headers.exchange.getRequestHeaders().getFirst(key);
    }
  }

  @Override
  public Iterator<String> getAll(RequestHeaders headers, String key) {
    List<String> values = headers == null ? null : headers.exchange.getRequestHeaders().get(key);
    return values == null ? List.<String>of().iterator() : values.iterator();
  }
}
