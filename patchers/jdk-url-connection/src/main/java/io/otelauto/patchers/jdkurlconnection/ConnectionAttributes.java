package io.otelauto.patchers.jdkurlconnection;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Set;
import java.util.StringJoiner;

/** A connection's span name and its attributes under the stable HTTP client semantic conventions. */
final class ConnectionAttributes {
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  private static final String OTHER_METHOD = "_OTHER";
  // Query parameters whose values are credentials (semantic conventions, url.full).
  private static final Set<String> SENSITIVE_QUERY_KEYS =
      Set.of("AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature");

  private ConnectionAttributes() {}

  /**
   * The method the request goes out with. {@code getOutputStream()} turns a GET into a POST (the JDK's
   * backward compatibility) after the span has started, so that call reports what it is about to do.
   */
  static String requestMethod(HttpURLConnection connection, Call call) {
    String method = connection.getRequestMethod();
    return call == Call.GET_OUTPUT_STREAM && "GET".equals(method) && connection.getDoOutput() ? "POST" : method;
  }

  /** The method, or {@code HTTP} for a method outside the conventions' list. */
  static String spanName(String method) {
    return KNOWN_METHODS.contains(method) ? method : "HTTP";
  }

  static Attributes onStart(String method, URL url) {
    AttributesBuilder attributes = Attributes.builder();
    putMethod(attributes, method);
    attributes.put(UrlAttributes.URL_FULL, fullUrl(url));
    String host = url.getHost();
    // An IPv6 literal is bracketed in a URL, not in server.address.
    if (host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']') {
      host = host.substring(1, host.length() - 1);
    }
    attributes.put(ServerAttributes.SERVER_ADDRESS, host);
    attributes.put(ServerAttributes.SERVER_PORT, (long) (url.getPort() != -1 ? url.getPort() : url.getDefaultPort()));
    // The JDK's http handler speaks HTTP/1.1 only.
    attributes.put(NetworkAttributes.NETWORK_PROTOCOL_VERSION, "1.1");
    return attributes.build();
  }

  static void putMethod(AttributesBuilder attributes, String method) {
    if (KNOWN_METHODS.contains(method)) {
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, method);
    } else {
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, OTHER_METHOD);
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, method);
    }
  }

  /** The URL as the program gave it, with credentials replaced: user info and signature parameters. */
  static String fullUrl(URL url) {
    String userInfo = url.getUserInfo();
    String query = url.getQuery();
    String redactedQuery = query == null ? null : redactQuery(query);
    if (userInfo == null && (query == null || redactedQuery.equals(query))) {
      return url.toExternalForm();
    }
    StringBuilder full = new StringBuilder(url.getProtocol()).append("://");
    if (userInfo != null) {
      full.append("REDACTED:REDACTED@");
    }
    full.append(url.getHost());
    if (url.getPort() != -1) {
      full.append(':').append(url.getPort());
    }
    full.append(url.getPath());
    if (redactedQuery != null) {
      full.append('?').append(redactedQuery);
    }
    if (url.getRef() != null) {
      full.append('#').append(url.getRef());
    }
    return full.toString();
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
