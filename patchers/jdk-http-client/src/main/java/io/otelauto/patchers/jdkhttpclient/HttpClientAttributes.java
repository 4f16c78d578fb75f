package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

/** A request's span name and its attributes under the stable HTTP client semantic conventions. */
final class HttpClientAttributes {
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  private static final String OTHER_METHOD = "_OTHER";
  // Query parameters whose values are credentials (semantic conventions, url.full).
  private static final Set<String> SENSITIVE_QUERY_KEYS =
      Set.of("AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature");
  private static final String REDACTED = "REDACTED";

  private HttpClientAttributes() {}

  /** The request's method, or {@code _OTHER} for one the conventions do not know. */
  static String method(HttpRequest request) {
    String method = request.method();
    return KNOWN_METHODS.contains(method) ? method : OTHER_METHOD;
  }

  /** The method ({@code GET}); {@code HTTP} for an unknown one. */
  static String spanName(String method) {
    return OTHER_METHOD.equals(method) ? "HTTP" : method;
  }

  static Attributes onStart(HttpRequest request, String method) {
    AttributesBuilder attributes = Attributes.builder();
    attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, method);
    if (OTHER_METHOD.equals(method)) {
      attributes.put(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, request.method());
    }
    URI uri = request.uri();
    attributes.put(UrlAttributes.URL_FULL, urlFull(uri));
    String host = uri.getHost();
    if (host != null) {
      // An IPv6 literal without its brackets.
      boolean bracketed = host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']';
      attributes.put(ServerAttributes.SERVER_ADDRESS, bracketed ? host.substring(1, host.length() - 1) : host);
    }
    int port = port(uri);
    if (port > 0) {
      attributes.put(ServerAttributes.SERVER_PORT, (long) port);
    }
    return attributes.build();
  }

  static Attributes onResponse(HttpResponse<?> response) {
    AttributesBuilder attributes = Attributes.builder();
    int status = response.statusCode();
    attributes.put(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, (long) status);
    String version = protocolVersion(response.version());
    if (version != null) {
      attributes.put(NetworkAttributes.NETWORK_PROTOCOL_VERSION, version);
    }
    if (isError(status)) {
      attributes.put(ErrorAttributes.ERROR_TYPE, Integer.toString(status));
    }
    return attributes.build();
  }

  /** Client spans are errors for 4xx and 5xx. */
  static boolean isError(int status) {
    return status >= 400;
  }

  /** {@code HTTP_1_1} is {@code 1.1}, {@code HTTP_2} is {@code 2} (and a later {@code HTTP_3}, {@code 3}). */
  static String protocolVersion(HttpClient.Version version) {
    if (version == null) {
      return null;
    }
    String name = version.name();
    return name.startsWith("HTTP_") ? name.substring("HTTP_".length()).replace('_', '.') : null;
  }

  /** The URI's port, else the scheme's default; -1 if neither is known. */
  static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    String scheme = uri.getScheme();
    if ("https".equalsIgnoreCase(scheme)) {
      return 443;
    }
    return "http".equalsIgnoreCase(scheme) ? 80 : -1;
  }

  /**
   * The URI as the program gave it, with user information replaced by {@code REDACTED:REDACTED} and the
   * values of credential query parameters by {@code REDACTED}. Most URIs are returned as they are.
   */
  static String urlFull(URI uri) {
    String rawQuery = uri.getRawQuery();
    String query = rawQuery == null ? null : redactQuery(rawQuery);
    String userInfo = uri.getRawUserInfo();
    String authority = uri.getRawAuthority();
    if ((userInfo == null && query == rawQuery) || authority == null || uri.getScheme() == null) {
      return uri.toString();
    }
    StringBuilder url = new StringBuilder(uri.toString().length() + 16).append(uri.getScheme()).append("://");
    if (userInfo != null) {
      // In the raw form an '@' inside the user information is escaped: the last one ends it.
      url.append(REDACTED).append(':').append(REDACTED).append('@');
      authority = authority.substring(authority.lastIndexOf('@') + 1);
    }
    url.append(authority);
    if (uri.getRawPath() != null) {
      url.append(uri.getRawPath());
    }
    if (query != null) {
      url.append('?').append(query);
    }
    if (uri.getRawFragment() != null) {
      url.append('#').append(uri.getRawFragment());
    }
    return url.toString();
  }

  /** The query with the values of credential parameters replaced; the same string if there is none. */
  static String redactQuery(String query) {
    if (!mayHoldCredentials(query)) {
      return query;
    }
    StringBuilder out = null;
    int copied = 0;
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int equals = query.indexOf('=', start);
      if (equals > start && equals < end && SENSITIVE_QUERY_KEYS.contains(query.substring(start, equals))) {
        if (out == null) {
          out = new StringBuilder(query.length());
        }
        out.append(query, copied, equals + 1).append(REDACTED);
        copied = end;
      }
      start = end + 1;
    }
    return out == null ? query : out.append(query, copied, query.length()).toString();
  }

  private static boolean mayHoldCredentials(String query) {
    for (String key : SENSITIVE_QUERY_KEYS) {
      if (query.contains(key)) {
        return true;
      }
    }
    return false;
  }
}
