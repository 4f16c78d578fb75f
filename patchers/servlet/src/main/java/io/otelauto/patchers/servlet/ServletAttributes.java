package io.otelauto.patchers.servlet;

import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;
import io.otelauto.patchers.api.HttpConventions;

/**
 * A servlet request's span name, route and attributes under the stable HTTP server semantic conventions.
 *
 * <p>The route is the most specific one known when the request leaves the servlet: Spring MVC's matched
 * pattern ({@code /orders/{id}}), else the servlet mapping ({@code /orders/*}); never the raw path, whose ids
 * would make every request a name of its own.
 */
final class ServletAttributes {
  /** Where Spring MVC's {@code HandlerMapping} puts the pattern that matched (a String). */
  static final String SPRING_MVC_PATTERN = "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";

  private ServletAttributes() {}

  static String method(ServletApi api, Object request) {
    String method = api.method(request);
    return HttpConventions.isKnownMethod(method) ? method : HttpConventions.OTHER_METHOD;
  }

  /** {@code METHOD route}; {@code METHOD} alone while the route is unknown; {@code HTTP} for unknown methods. */
  static String spanName(String method, String route) {
    String prefix = HttpConventions.OTHER_METHOD.equals(method) ? "HTTP" : method;
    return route == null ? prefix : prefix + " " + route;
  }

  /** The attributes known at the start, straight on the builder (no intermediate Attributes per request). */
  static void onStart(ServletApi api, Object request, String method, SpanBuilder attributes) {
    attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, method);
    if (HttpConventions.OTHER_METHOD.equals(method)) {
      attributes.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, api.method(request));
    }
    attributes.setAttribute(UrlAttributes.URL_PATH, api.requestUri(request));
    String query = api.queryString(request);
    if (query != null) {
      attributes.setAttribute(UrlAttributes.URL_QUERY, HttpConventions.redactQuery(query));
    }
    attributes.setAttribute(UrlAttributes.URL_SCHEME, api.scheme(request));
    // Per the Servlet spec both come from the Host header, as the client addressed us.
    attributes.setAttribute(ServerAttributes.SERVER_ADDRESS, api.serverName(request));
    int port = api.serverPort(request);
    if (port > 0) {
      attributes.setAttribute(ServerAttributes.SERVER_PORT, port(port));
    }
    String client = api.remoteAddr(request);
    if (client != null) {
      attributes.setAttribute(ClientAttributes.CLIENT_ADDRESS, client);
    }
    String version = protocolVersion(api.protocol(request));
    if (version != null) {
      attributes.setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, version);
    }
    String userAgent = api.header(request, "User-Agent");
    if (userAgent != null) {
      attributes.setAttribute(UserAgentAttributes.USER_AGENT_ORIGINAL, userAgent);
    }
  }

  /** {@code network.protocol.version} of {@code HTTP/1.1} and the like; null for another protocol. */
  static String protocolVersion(String protocol) {
    if ("HTTP/1.1".equals(protocol)) {
      return "1.1"; // nearly every request: no substring for it
    }
    if (protocol == null || !protocol.startsWith("HTTP/")) {
      return null;
    }
    String version = protocol.substring("HTTP/".length());
    // Containers say HTTP/2.0; the conventions' value is 2.
    return version.equals("2.0") ? "2" : version;
  }

  /**
   * {@code server.port} boxed once per port rather than per request ({@code Long.valueOf} keeps only -128 to
   * 127), so the encoder also meets the very object it met last time. Racy by design, as {@link RouteName}.
   */
  private static Long lastPort;

  static Long port(int port) {
    Long last = lastPort;
    if (last != null && last == port) {
      return last;
    }
    Long boxed = (long) port;
    lastPort = boxed;
    return boxed;
  }

  /**
   * The route of the request as it leaves the servlet and the span name it gives, or null when neither
   * framework nor mapping tells.
   */
  static RouteName routeName(ServletApi api, Object request, String method) {
    String contextPath = nullToEmpty(api.contextPath(request));
    Object mapping = api.servletMapping(request);
    String match = api.mappingMatch(mapping);
    Object pattern = api.attribute(request, SPRING_MVC_PATTERN);
    if (pattern instanceof String) {
      // Spring's patterns are relative to the DispatcherServlet's path when it is mapped to one (/api/*).
      boolean pathMapped = mapping != null ? "PATH".equals(match) : api.pathInfo(request) != null;
      return RouteName.of(method, contextPath, pathMapped ? nullToEmpty(api.servletPath(request)) : "", (String) pattern);
    }
    if (match == null) {
      return null;
    }
    switch (match) {
      case "CONTEXT_ROOT":
        return RouteName.of(method, contextPath, "", "/");
      case "DEFAULT":
        return RouteName.of(method, contextPath, "", "/*");
      case "EXTENSION":
        return RouteName.of(method, contextPath, "/", api.mappingPattern(mapping));
      default: // EXACT and PATH: the pattern is the route
        return RouteName.of(method, contextPath, "", api.mappingPattern(mapping));
    }
  }

  /**
   * A route ({@code contextPath + middle + tail}) and the span name it gives with one method, made once and
   * then found again by the requests on the same route: no concatenation per request, and the encoder, which
   * keeps a value that repeats, meets the very same strings.
   */
  record RouteName(String method, String contextPath, String middle, String tail, String route, String spanName) {
    /** Racy by design: a slot holds an immutable entry, and a lost write only costs one more concatenation. */
    private static final RouteName[] KNOWN = new RouteName[64];

    static RouteName of(String method, String contextPath, String middle, String tail) {
      if (tail == null) {
        return null;
      }
      int slot = (tail.hashCode() * 31 + method.hashCode()) & (KNOWN.length - 1);
      RouteName known = KNOWN[slot];
      if (known != null && known.tail.equals(tail) && known.method.equals(method)
          && known.contextPath.equals(contextPath) && known.middle.equals(middle)) {
        return known;
      }
      String route = contextPath + middle + tail;
      RouteName made = new RouteName(method, contextPath, middle, tail, route, ServletAttributes.spanName(method, route));
      KNOWN[slot] = made;
      return made;
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
