package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.context.propagation.TextMapSetter;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The carrier the propagators inject into. {@link HttpRequest} is immutable, so the headers are collected
 * first and a copy of the request is made only if there is one to add. A header the caller set already (say
 * its own {@code traceparent}) is kept as it is and not added a second time.
 */
final class PropagationHeaders {
  static final TextMapSetter<PropagationHeaders> SETTER = (carrier, name, value) -> {
    if (carrier != null) {
      carrier.set(name, value);
    }
  };
  private static final BiPredicate<String, String> EVERY_HEADER = (name, value) -> true;

  private final HttpRequest original;
  private Map<String, String> added;

  PropagationHeaders(HttpRequest original) {
    this.original = original;
  }

  private void set(String name, String value) {
    if (name == null || value == null || original.headers().firstValue(name).isPresent()) {
      return;
    }
    if (added == null) {
      added = new LinkedHashMap<>(4);
    }
    added.put(name, value);
  }

  /**
   * The request to send: the original, or a copy by {@link HttpRequest#newBuilder(HttpRequest, BiPredicate)}
   * (URI, method, body publisher, headers, timeout, version, expect-continue) plus the new headers.
   */
  HttpRequest request() {
    if (added == null) {
      return original;
    }
    HttpRequest.Builder copy = HttpRequest.newBuilder(original, EVERY_HEADER);
    added.forEach(copy::header);
    return copy.build();
  }
}
