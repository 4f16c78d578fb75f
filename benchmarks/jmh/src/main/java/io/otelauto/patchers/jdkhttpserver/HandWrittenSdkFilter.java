package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.NetworkAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;

/**
 * The yardstick: the SERVER span a careful developer writes by hand with the plain OpenTelemetry API, the
 * same span (name, kind, parent, the same stable HTTP server attributes, status code, error handling) as
 * {@link TracingFilter} produces. Idiomatic SDK use: attributes set on the builder one by one.
 */
final class HandWrittenSdkFilter extends Filter {
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Headers headers) {
      return headers.keySet();
    }

    @Override
    public String get(Headers headers, String key) {
      return headers == null ? null : headers.getFirst(key);
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  HandWrittenSdkFilter(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer("hand-written");
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    Headers headers = exchange.getRequestHeaders();
    Context parent = propagator.extract(Context.root(), headers, GETTER);
    String method = exchange.getRequestMethod();
    boolean known = KNOWN_METHODS.contains(method);
    String route = exchange.getHttpContext().getPath();
    URI uri = exchange.getRequestURI();
    SpanBuilder builder = tracer.spanBuilder((known ? method : "HTTP") + " " + route)
        .setSpanKind(SpanKind.SERVER)
        .setParent(parent)
        .setAttribute(HttpAttributes.HTTP_REQUEST_METHOD, known ? method : "_OTHER")
        .setAttribute(HttpAttributes.HTTP_ROUTE, route)
        .setAttribute(UrlAttributes.URL_PATH, uri.getRawPath())
        .setAttribute(UrlAttributes.URL_SCHEME, "http");
    if (!known) {
      builder.setAttribute(HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL, method);
    }
    if (uri.getRawQuery() != null) {
      builder.setAttribute(UrlAttributes.URL_QUERY, uri.getRawQuery());
    }
    String host = headers.getFirst("Host");
    if (host != null) {
      int colon = host.lastIndexOf(':');
      if (colon > host.lastIndexOf(']')) {
        builder.setAttribute(ServerAttributes.SERVER_ADDRESS, host.substring(0, colon));
        try {
          builder.setAttribute(ServerAttributes.SERVER_PORT, Long.parseLong(host.substring(colon + 1)));
        } catch (NumberFormatException e) {
          // no port then
        }
      } else {
        builder.setAttribute(ServerAttributes.SERVER_ADDRESS, host);
      }
    }
    InetSocketAddress client = exchange.getRemoteAddress();
    if (client != null && client.getAddress() != null) {
      builder.setAttribute(ClientAttributes.CLIENT_ADDRESS, client.getAddress().getHostAddress());
    }
    String protocol = exchange.getProtocol();
    if (protocol != null && protocol.startsWith("HTTP/")) {
      builder.setAttribute(NetworkAttributes.NETWORK_PROTOCOL_VERSION, protocol.substring(5));
    }
    String userAgent = headers.getFirst("User-Agent");
    if (userAgent != null) {
      builder.setAttribute(UserAgentAttributes.USER_AGENT_ORIGINAL, userAgent);
    }
    Span span = builder.startSpan();
    try (Scope ignored = parent.with(span).makeCurrent()) {
      chain.doFilter(exchange);
    } catch (IOException | RuntimeException | Error e) {
      span.recordException(e);
      span.setAttribute(ErrorAttributes.ERROR_TYPE, e.getClass().getName());
      span.setStatus(StatusCode.ERROR);
      throw e;
    } finally {
      int status = exchange.getResponseCode();
      if (status > 0) {
        span.setAttribute(HttpAttributes.HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 500) {
          span.setAttribute(ErrorAttributes.ERROR_TYPE, Integer.toString(status));
          span.setStatus(StatusCode.ERROR);
        }
      }
      span.end();
    }
  }

  @Override
  public String description() {
    return "hand-written SERVER span (benchmark yardstick)";
  }
}
