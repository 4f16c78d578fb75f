package io.otelauto.patchers.jdkhttpserver;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link HttpExchange} as the JDK server hands one to the filters of a context: the request line and
 * headers already parsed (the JDK parses them before any filter runs, with or without tracing), addresses
 * already known. Reused across invocations; {@link #reset()} clears what the handler set.
 */
final class BenchExchange extends HttpExchange {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  private final Headers requestHeaders = new Headers();
  private final Headers responseHeaders = new Headers();
  private final URI uri = URI.create("/hello");
  private final HttpContext context = new BenchContext("/hello");
  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private final Map<String, Object> attributes = new HashMap<>();
  private int responseCode = -1;

  BenchExchange(boolean withTraceparent) {
    try {
      InetAddress loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
      remote = new InetSocketAddress(loopback, 54_321);
      local = new InetSocketAddress(loopback, 8080);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    // What wrk / curl / a browser-less client sends, plus the W3C context of an upstream service.
    requestHeaders.add("Host", "127.0.0.1:8080");
    requestHeaders.add("User-Agent", "curl/7.88.1");
    requestHeaders.add("Accept", "*/*");
    requestHeaders.add("Accept-Encoding", "gzip");
    if (withTraceparent) {
      requestHeaders.add("traceparent", TRACEPARENT);
    }
  }

  void reset() {
    responseCode = -1;
  }

  @Override
  public Headers getRequestHeaders() {
    return requestHeaders;
  }

  @Override
  public Headers getResponseHeaders() {
    return responseHeaders;
  }

  @Override
  public URI getRequestURI() {
    return uri;
  }

  @Override
  public String getRequestMethod() {
    return "GET";
  }

  @Override
  public HttpContext getHttpContext() {
    return context;
  }

  @Override
  public void close() {}

  @Override
  public InputStream getRequestBody() {
    return InputStream.nullInputStream();
  }

  @Override
  public OutputStream getResponseBody() {
    return OutputStream.nullOutputStream();
  }

  @Override
  public void sendResponseHeaders(int code, long responseLength) {
    responseCode = code;
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return remote;
  }

  @Override
  public int getResponseCode() {
    return responseCode;
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return local;
  }

  @Override
  public String getProtocol() {
    return "HTTP/1.1";
  }

  @Override
  public Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {}

  @Override
  public HttpPrincipal getPrincipal() {
    return null;
  }

  private static final class BenchContext extends HttpContext {
    private final String path;
    private final List<Filter> filters = new ArrayList<>();
    private final Map<String, Object> attributes = new HashMap<>();
    private HttpHandler handler;
    private Authenticator authenticator;

    BenchContext(String path) {
      this.path = path;
    }

    @Override
    public HttpHandler getHandler() {
      return handler;
    }

    @Override
    public void setHandler(HttpHandler handler) {
      this.handler = handler;
    }

    @Override
    public String getPath() {
      return path;
    }

    @Override
    public HttpServer getServer() {
      return null;
    }

    @Override
    public Map<String, Object> getAttributes() {
      return attributes;
    }

    @Override
    public List<Filter> getFilters() {
      return filters;
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
      Authenticator previous = authenticator;
      authenticator = auth;
      return previous;
    }

    @Override
    public Authenticator getAuthenticator() {
      return authenticator;
    }
  }
}
