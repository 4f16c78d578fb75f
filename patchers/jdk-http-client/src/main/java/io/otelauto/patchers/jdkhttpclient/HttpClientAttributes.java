package io.otelauto.patchers.jdkhttpclient;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.otelauto.patchers.api.HttpConventions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A request's span name and its attributes under the stable HTTP client semantic conventions. */
final class HttpClientAttributes {
  // Query parameters whose values are credentials (semantic conventions, url.full).

  private HttpClientAttributes() {}

  /** The request's method, or {@code _OTHER} for one the conventions do not know. */
  static String method(HttpRequest request) {
    String method = request.method();
    return HttpConventions.isKnownMethod(method) ? method : HttpConventions.OTHER_METHOD;
  }

  /** The method ({@code GET}); {@code HTTP} for an unknown one. */
  static String spanName(String method) {
    return HttpConventions.OTHER_METHOD.equals(method) ? "HTTP" : method;
  }

  static Attributes onStart(HttpRequest request, String method) {
    AttributesBuilder attributes = Attributes.builder();
    attributes.put(HttpAttributes.HTTP_REQUEST_METHOD, method);
    if (HttpConventions.OTHER_METHOD.equals(method)) {
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
    attributes.put(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, HttpConventions.statusCode(status));
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

  static String urlFull(URI uri) {
    return HttpConventions.fullUrl(uri);
  }

  static String redactQuery(String query) {
    return HttpConventions.redactQuery(query);
  }
}
