package io.otelauto.patchers.jdkurlconnection;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import java.net.HttpURLConnection;
import io.otelauto.patchers.api.HttpConventions;
import java.net.URL;

/** A connection's span name and its attributes under the stable HTTP client semantic conventions. */
final class ConnectionAttributes {
  // Query parameters whose values are credentials (semantic conventions, url.full).

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
    return HttpConventions.isKnownMethod(method) ? method : "HTTP";
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
    if (HttpConventions.isKnownMethod(method)) {
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, method);
    } else {
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, HttpConventions.OTHER_METHOD);
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, method);
    }
  }

  /** The URL as the program gave it, with credentials replaced: user info and signature parameters. */
  static String fullUrl(URL url) {
    String userInfo = url.getUserInfo();
    String query = url.getQuery();
    String redactedQuery = query == null ? null : HttpConventions.redactQuery(query);
    if (userInfo == null && (query == null || redactedQuery.equals(query))) {
      return url.toExternalForm();
    }
    StringBuilder full = new StringBuilder(url.getProtocol()).append("://");
    if (userInfo != null) {
      full.append(HttpConventions.REDACTED).append(':').append(HttpConventions.REDACTED).append('@');
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
}
