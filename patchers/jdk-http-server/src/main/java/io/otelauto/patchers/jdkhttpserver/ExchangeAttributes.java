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
import io.otelauto.patchers.api.HttpConventions;
import java.net.InetSocketAddress;
import java.net.URI;

/** An exchange's span name and its attributes under the stable HTTP server semantic conventions. */
final class ExchangeAttributes {

  private ExchangeAttributes() {}

  /**
   * {@code METHOD route}, where the route is the context's path; {@code HTTP route} for unknown methods.
   * {@code method} is {@link #method}'s.
   */
  static String spanName(HttpExchange exchange, String method) {
    return (HttpConventions.OTHER_METHOD.equals(method) ? "HTTP" : method) + " " + exchange.getHttpContext().getPath();
  }

  /**
   * Sets the attributes known at the start straight on the span builder (no intermediate Attributes: that
   * would be built, sorted and copied again on every request).
   */
  static void onStart(HttpExchange exchange, String method, RequestHeaders headers, SpanBuilder attributes) {
    attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method);
    if (HttpConventions.OTHER_METHOD.equals(method)) {
      attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, exchange.getRequestMethod());
    }
    attributes.setAttribute(HttpAttributes.HTTP_ROUTE, exchange.getHttpContext().getPath());
    URI uri = exchange.getRequestURI();
    attributes.setAttribute(UrlAttributes.URL_PATH, uri.getRawPath());
    if (uri.getRawQuery() != null) {
      attributes.setAttribute(UrlAttributes.URL_QUERY, HttpConventions.redactQuery(uri.getRawQuery()));
    }
    attributes.setAttribute(UrlAttributes.URL_SCHEME, exchange instanceof HttpsExchange ? "https" : "http");
    putServerAddress(attributes, exchange, headers.host);
    InetSocketAddress client = exchange.getRemoteAddress();
    if (client != null && client.getAddress() != null) {
      attributes.setAttribute(ClientAttributes.CLIENT_ADDRESS, client.getAddress().getHostAddress());
    }
    String protocol = exchange.getProtocol();
    if (protocol != null && protocol.startsWith("HTTP/")) {
      attributes.setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, protocol.substring("HTTP/".length()));
    }
    if (headers.userAgent != null) {
      attributes.setAttribute(UserAgentAttributes.USER_AGENT_ORIGINAL, headers.userAgent);
    }
  }

  static String method(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    return HttpConventions.isKnownMethod(method) ? method : HttpConventions.OTHER_METHOD;
  }

  /** server.address/port from the Host header, as the client addressed us; else the local socket. */
  private static void putServerAddress(SpanBuilder attributes, HttpExchange exchange, String host) {
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
}
