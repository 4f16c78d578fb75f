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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * An exchange's span name and its attributes under the stable HTTP server semantic conventions.
 *
 * <p>What is made from the request's strings (the name, the Host header's parts, the client's address as
 * text) is kept from the last request and given again while the next one brings equal input, as the
 * requests of one server mostly do: no concatenation, parsing or formatting per request, and the encoder,
 * which keeps a value that repeats, meets the very same strings. Each kept entry is immutable, so threads
 * may race on it: the loser only makes its strings afresh.
 */
final class ExchangeAttributes {
  private record Name(String method, String path, String name) {}

  /** {@code port} null when the header has none, or a malformed one. */
  private record HostParts(String host, String address, Long port) {}

  private record ClientAddress(InetAddress address, String text) {}

  private static Name lastName;
  private static HostParts lastHost;
  private static ClientAddress lastClient;

  private ExchangeAttributes() {}

  /**
   * {@code METHOD route}, where the route is the context's path; {@code HTTP route} for unknown methods.
   * {@code method} is {@link #method}'s.
   */
  static String spanName(HttpExchange exchange, String method) {
    String path = exchange.getHttpContext().getPath();
    Name last = lastName;
    if (last != null && last.path == path && last.method.equals(method)) {
      return last.name;
    }
    String name = (HttpConventions.OTHER_METHOD.equals(method) ? "HTTP" : method) + " " + path;
    lastName = new Name(method, path, name);
    return name;
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
      attributes.setAttribute(ClientAttributes.CLIENT_ADDRESS, clientAddress(client.getAddress()));
    }
    String protocol = exchange.getProtocol();
    if ("HTTP/1.1".equals(protocol)) {
      attributes.setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, "1.1");
    } else if (protocol != null && protocol.startsWith("HTTP/")) {
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

  /** The client's address as text ({@code 127.0.0.1}). */
  private static String clientAddress(InetAddress address) {
    ClientAddress last = lastClient;
    if (last != null && last.address.equals(address)) {
      return last.text;
    }
    String text = address.getHostAddress();
    lastClient = new ClientAddress(address, text);
    return text;
  }

  /** server.address/port from the Host header, as the client addressed us; else the local socket. */
  private static void putServerAddress(SpanBuilder attributes, HttpExchange exchange, String host) {
    if (host != null) {
      HostParts parts = hostParts(host);
      if (parts != null) {
        attributes.setAttribute(ServerAttributes.SERVER_ADDRESS, parts.address);
        if (parts.port != null) {
          attributes.setAttribute(ServerAttributes.SERVER_PORT, parts.port);
        }
        return;
      }
    }
    InetSocketAddress local = exchange.getLocalAddress();
    if (local != null) {
      attributes.setAttribute(ServerAttributes.SERVER_ADDRESS, local.getHostString());
      attributes.setAttribute(ServerAttributes.SERVER_PORT, (long) local.getPort());
    }
  }

  /** The Host header's address and port; null for a blank header. */
  private static HostParts hostParts(String host) {
    HostParts last = lastHost;
    if (last != null && last.host.equals(host)) {
      return last;
    }
    if (host.isBlank()) {
      return null;
    }
    int portSeparator = host.lastIndexOf(':');
    boolean hasPort = portSeparator > host.lastIndexOf(']');
    Long port = null;
    if (hasPort) {
      try {
        port = Long.parseLong(host.substring(portSeparator + 1));
      } catch (NumberFormatException e) {
        // A malformed Host header: the address is still worth keeping.
      }
    }
    HostParts parts = new HostParts(host, hasPort ? host.substring(0, portSeparator) : host, port);
    lastHost = parts;
    return parts;
  }
}
