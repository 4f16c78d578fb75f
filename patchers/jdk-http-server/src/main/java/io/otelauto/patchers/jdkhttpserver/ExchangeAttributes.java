package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;
import java.util.StringJoiner;

/** An exchange's span name and its attributes under the stable HTTP server semantic conventions. */
final class ExchangeAttributes {
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  private static final String OTHER_METHOD = "_OTHER";
  // Query parameters whose values are credentials (semantic conventions, url.query).
  private static final Set<String> SENSITIVE_QUERY_KEYS =
      Set.of("AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature");

  private ExchangeAttributes() {}

  /** {@code METHOD route}, where the route is the context's path; {@code HTTP route} for unknown methods. */
  static String spanName(HttpExchange exchange) {
    String method = method(exchange);
    return (OTHER_METHOD.equals(method) ? "HTTP" : method) + " " + exchange.getHttpContext().getPath();
  }

  /**
   * Sets the attributes known at the start straight on the span builder (no intermediate Attributes: that
   * would be built, sorted and copied again on every request).
   */
  static void onStart(HttpExchange exchange, SpanBuilder attributes) {
    String method = method(exchange);
    attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method);
    if (OTHER_METHOD.equals(method)) {
      attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, exchange.getRequestMethod());
    }
    attributes.setAttribute(HttpAttributes.HTTP_ROUTE, exchange.getHttpContext().getPath());
    URI uri = exchange.getRequestURI();
    attributes.setAttribute(UrlAttributes.URL_PATH, uri.getRawPath());
    if (uri.getRawQuery() != null) {
      attributes.setAttribute(UrlAttributes.URL_QUERY, redactQuery(uri.getRawQuery()));
    }
    attributes.setAttribute(UrlAttributes.URL_SCHEME, exchange instanceof HttpsExchange ? "https" : "http");
    putServerAddress(attributes, exchange);
    InetSocketAddress client = exchange.getRemoteAddress();
    if (client != null && client.getAddress() != null) {
      attributes.setAttribute(ClientAttributes.CLIENT_ADDRESS, client.getAddress().getHostAddress());
    }
    String protocol = exchange.getProtocol();
    if (protocol != null && protocol.startsWith("HTTP/")) {
      attributes.setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, protocol.substring("HTTP/".length()));
    }
    String userAgent = exchange.getRequestHeaders().getFirst("User-Agent");
    if (userAgent != null) {
      attributes.setAttribute(UserAgentAttributes.USER_AGENT_ORIGINAL, userAgent);
    }
  }

  static String method(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    return KNOWN_METHODS.contains(method) ? method : OTHER_METHOD;
  }

  /** server.address/port from the Host header, as the client addressed us; else the local socket. */
  private static void putServerAddress(SpanBuilder attributes, HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host != null && !host.isBlank()) {
      int portSeparator = host.lastIndexOf(':');
      boolean hasPort = portSeparator > host.lastIndexOf(']');
      attributes.setAttribute(ServerAttributes.SERVER_ADDRESS, hasPort ? host.substring(0, portSeparator) : host);
      if (hasPort) {
        try {
          attributes.setAttribute(ServerAttributes.SERVER_PORT, Long.parseLong(host.substring(portSeparator + 1)));
        } catch (NumberFormatException e) {
          // A malformed Host header: the address is still worth keeping.
        }
      }
      return;
    }
    InetSocketAddress local = exchange.getLocalAddress();
    if (local != null) {
      attributes.setAttribute(ServerAttributes.SERVER_ADDRESS, local.getHostString());
      attributes.setAttribute(ServerAttributes.SERVER_PORT, (long) local.getPort());
    }
  }

  /** Replaces the values of credential parameters by {@code REDACTED}; most queries pass untouched. */
  static String redactQuery(String query) {
    boolean suspicious = false;
    for (String key : SENSITIVE_QUERY_KEYS) {
      suspicious |= query.contains(key);
    }
    if (!suspicious) {
      return query;
    }
    StringJoiner out = new StringJoiner("&");
    for (String pair : query.split("&", -1)) {
      int equals = pair.indexOf('=');
      out.add(equals > 0 && SENSITIVE_QUERY_KEYS.contains(pair.substring(0, equals))
          ? pair.substring(0, equals + 1) + "REDACTED"
          : pair);
    }
    return out.toString();
  }
}
