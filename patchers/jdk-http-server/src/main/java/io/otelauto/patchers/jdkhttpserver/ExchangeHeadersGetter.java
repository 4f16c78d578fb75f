package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Iterator;
import java.util.List;

/** Reads propagation headers (traceparent, baggage, ...) from the request. */
enum ExchangeHeadersGetter implements TextMapGetter<HttpExchange> {
  INSTANCE;

  @Override
  public Iterable<String> keys(HttpExchange exchange) {
    return exchange.getRequestHeaders().keySet();
  }

  @Override
  public String get(HttpExchange exchange, String key) {
    return exchange == null ? null : exchange.getRequestHeaders().getFirst(key);
  }

  @Override
  public Iterator<String> getAll(HttpExchange exchange, String key) {
    List<String> values = exchange == null ? null : exchange.getRequestHeaders().get(key);
    return values == null ? List.<String>of().iterator() : values.iterator();
  }
}
