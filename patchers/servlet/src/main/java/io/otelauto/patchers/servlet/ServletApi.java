package io.otelauto.patchers.servlet;

import io.opentelemetry.context.propagation.TextMapGetter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Servlet API of one namespace ({@code jakarta.servlet} or {@code javax.servlet}) as loaded by one
 * container. The patcher lives in the agent's class loader, which cannot name the container's servlet classes
 * (nor should it: each webapp or Spring Boot jar may bring its own copy), so the calls go through method
 * handles, looked up once per servlet API copy from the request's own class.
 *
 * <p>The calls themselves are {@link BoundServletApi}'s, defined anew as a hidden class for each copy with
 * that copy's handles in its {@code static final} fields. Why: a handle the JIT cannot see as a constant is
 * called through its lambda forms, not inlined; a servlet request makes some twenty calls, and on a
 * saturated Spring Boot server that machinery cost about 1.5 µs per request (JDK 17 profile), several times
 * the container's getters themselves. Constant handles inline down to the interface call.
 */
abstract class ServletApi {
  /** Per request class: the API it implements, empty for a request that is not an HttpServletRequest. */
  private static final ClassValue<Optional<ServletApi>> BY_REQUEST_CLASS = new ClassValue<>() {
    @Override
    protected Optional<ServletApi> computeValue(Class<?> requestClass) {
      Class<?> api = httpServletRequestInterface(requestClass);
      try {
        return api == null ? Optional.empty() : Optional.of(BY_API.get(api));
      } catch (IllegalStateException e) {
        // Before Servlet 3.0 (no async API), or the calls could not be bound: such requests go untraced,
        // and this is not asked again.
        if (!(e.getCause() instanceof ReflectiveOperationException)) {
          unsupported = e;
        }
        return Optional.empty();
      }
    }
  };
  /** Per copy of the API (its HttpServletRequest interface), so webapps sharing a container share handles. */
  private static final ClassValue<ServletApi> BY_API = new ClassValue<>() {
    @Override
    protected ServletApi computeValue(Class<?> httpServletRequest) {
      try {
        return bind(httpServletRequest);
      } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
        throw new IllegalStateException("Unsupported Servlet API " + httpServletRequest.getName(), e);
      }
    }
  };
  private static final MethodType CONSTRUCTOR = MethodType.methodType(void.class, String.class, Class.class, Class.class);
  /** BoundServletApi's class file, read once. */
  private static volatile byte[] template;
  /** Why a servlet API copy could not be bound, other than its age: for the tracer's log. */
  private static volatile RuntimeException unsupported;

  final String namespace;
  private final Class<?> httpServletResponse;
  private final Class<?> asyncListener;
  final TextMapGetter<Object> headers = new HeadersGetter();

  ServletApi(String namespace, Class<?> httpServletResponse, Class<?> asyncListener) {
    this.namespace = namespace;
    this.httpServletResponse = httpServletResponse;
    this.asyncListener = asyncListener;
  }

  /**
   * Looks up the handles of the API {@code request} belongs to and defines a {@link BoundServletApi} that
   * holds them. Its handles are keyed by the method's name ({@code AsyncEvent.getAsyncContext} as
   * {@code event.getAsyncContext}); the Servlet 4.0 ones are absent on 3.x.
   */
  private static ServletApi bind(Class<?> request) throws ReflectiveOperationException, IOException {
    String name = request.getName();
    String namespace = name.substring(0, name.length() - ".http.HttpServletRequest".length());
    ClassLoader loader = request.getClassLoader();
    Class<?> httpServletResponse = Class.forName(namespace + ".http.HttpServletResponse", false, loader);
    Class<?> asyncContext = Class.forName(namespace + ".AsyncContext", false, loader);
    Class<?> asyncEvent = Class.forName(namespace + ".AsyncEvent", false, loader);
    Class<?> asyncListener = Class.forName(namespace + ".AsyncListener", false, loader);
    Map<String, MethodHandle> handles = new HashMap<>();
    for (String getter : List.of("getMethod", "getRequestURI", "getQueryString", "getContextPath", "getServletPath",
        "getPathInfo")) {
      handles.put(getter, virtual(request, getter, String.class));
    }
    handles.put("getHeader", virtual(request, "getHeader", String.class, String.class));
    handles.put("getHeaders", virtual(request, "getHeaders", Enumeration.class, String.class));
    handles.put("getHeaderNames", virtual(request, "getHeaderNames", Enumeration.class));
    // ServletRequest's methods too are looked up on HttpServletRequest, so every handle checks the request
    // against the same interface: before JDK 23 a class remembers only its last interface check, in one
    // field every thread writes on a miss (JDK-8180450), and alternating interfaces would miss every time.
    for (String getter : List.of("getScheme", "getServerName", "getRemoteAddr", "getProtocol")) {
      handles.put(getter, virtual(request, getter, String.class));
    }
    handles.put("getServerPort", virtual(request, "getServerPort", int.class));
    handles.put("getAttribute", virtual(request, "getAttribute", Object.class, String.class));
    handles.put("setAttribute", virtual(request, "setAttribute", void.class, String.class, Object.class));
    handles.put("isAsyncStarted", virtual(request, "isAsyncStarted", boolean.class));
    handles.put("getAsyncContext", virtual(request, "getAsyncContext", asyncContext));
    handles.put("addListener", virtual(asyncContext, "addListener", void.class, asyncListener));
    handles.put("event.getThrowable", virtual(asyncEvent, "getThrowable", Throwable.class));
    handles.put("event.getAsyncContext", virtual(asyncEvent, "getAsyncContext", asyncContext));
    handles.put("event.getSuppliedResponse", virtual(asyncEvent, "getSuppliedResponse",
        Class.forName(namespace + ".ServletResponse", false, loader)));
    handles.put("getStatus", virtual(httpServletResponse, "getStatus", int.class));
    try {
      Class<?> servletMapping = Class.forName(namespace + ".http.HttpServletMapping", false, loader);
      handles.put("getHttpServletMapping", virtual(request, "getHttpServletMapping", servletMapping));
      handles.put("mapping.getPattern", virtual(servletMapping, "getPattern", String.class));
      handles.put("mapping.getMappingMatch", virtual(servletMapping, "getMappingMatch",
          Class.forName(namespace + ".http.MappingMatch", false, loader)));
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      // Servlet 3.x: routes come from frameworks only.
    }
    MethodHandles.Lookup bound = MethodHandles.lookup().defineHiddenClassWithClassData(template(), handles, true);
    try {
      return (ServletApi) bound.findConstructor(bound.lookupClass(), CONSTRUCTOR)
          .invoke(namespace, httpServletResponse, asyncListener);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  private static byte[] template() throws IOException {
    byte[] bytes = template;
    if (bytes == null) {
      try (InputStream in = BoundServletApi.class.getResourceAsStream(BoundServletApi.class.getSimpleName() + ".class")) {
        if (in == null) {
          throw new IOException("no class file for " + BoundServletApi.class.getName());
        }
        bytes = in.readAllBytes();
      }
      template = bytes;
    }
    return bytes;
  }

  /**
   * {@code owner.name(parameters)} typed as {@link BoundServletApi} calls it: the receiver, and any of the
   * container's own types, as {@code Object}; the JDK's types and primitives as they are.
   */
  private static MethodHandle virtual(Class<?> owner, String name, Class<?> returns, Class<?>... parameters)
      throws ReflectiveOperationException {
    MethodHandle handle = MethodHandles.publicLookup().findVirtual(owner, name, MethodType.methodType(returns, parameters));
    MethodType type = handle.type();
    for (int i = 0; i < type.parameterCount(); i++) {
      type = type.changeParameterType(i, visible(type.parameterType(i)));
    }
    return handle.asType(type.changeReturnType(visible(type.returnType())));
  }

  private static Class<?> visible(Class<?> type) {
    return type.isPrimitive() || type.getClassLoader() == null ? type : Object.class;
  }

  /** The API {@code request} implements, or null when it is not an HTTP servlet request. */
  static ServletApi of(Object request) {
    return request == null ? null : BY_REQUEST_CLASS.get(request.getClass()).orElse(null);
  }

  /** Why some servlet API copy went untraced though it is recent enough, or null: to be logged once. */
  static RuntimeException unsupported() {
    return unsupported;
  }

  private static Class<?> httpServletRequestInterface(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> implemented : c.getInterfaces()) {
        String name = implemented.getName();
        if (name.equals("jakarta.servlet.http.HttpServletRequest") || name.equals("javax.servlet.http.HttpServletRequest")) {
          return implemented;
        }
        Class<?> inherited = httpServletRequestInterface(implemented);
        if (inherited != null) {
          return inherited;
        }
      }
    }
    return null;
  }

  // The calls, one per handle (BoundServletApi).

  abstract String method(Object request);

  abstract String requestUri(Object request);

  abstract String queryString(Object request);

  abstract String scheme(Object request);

  abstract String serverName(Object request);

  abstract int serverPort(Object request);

  abstract String remoteAddr(Object request);

  abstract String protocol(Object request);

  abstract String header(Object request, String name);

  abstract Enumeration<?> headers(Object request, String name);

  abstract Enumeration<?> headerNames(Object request);

  abstract Object attribute(Object request, String name);

  abstract void setAttribute(Object request, String name, Object value);

  abstract String contextPath(Object request);

  abstract String servletPath(Object request);

  abstract String pathInfo(Object request);

  abstract boolean isAsyncStarted(Object request);

  abstract Object asyncContext(Object request);

  abstract void addListener(Object asyncContext, Object listener);

  abstract Throwable eventThrowable(Object event);

  abstract Object eventAsyncContext(Object event);

  abstract Object eventResponse(Object event);

  /** {@code HttpServletResponse.getStatus}, of a response known to be one. */
  abstract int httpStatus(Object response);

  /** The request's servlet mapping (an {@code HttpServletMapping}), null before Servlet 4.0 or when there is none. */
  abstract Object servletMapping(Object request);

  /** The mapping's match type ({@code MappingMatch}); never called before Servlet 4.0 (no mapping then). */
  abstract Object mappingMatchOf(Object servletMapping);

  /** The mapping's pattern ({@code /orders/*}, {@code *.jsp}, ...). */
  abstract String mappingPattern(Object servletMapping);

  // What the tracer asks, made of the calls.

  /** The response's status code, 0 when {@code response} is not an HTTP response. */
  final int status(Object response) {
    return httpServletResponse.isInstance(response) ? httpStatus(response) : 0;
  }

  /** The mapping's match type ({@code PATH}, {@code DEFAULT}, ...), null for no mapping. */
  final String mappingMatch(Object servletMapping) {
    Object match = servletMapping == null ? null : mappingMatchOf(servletMapping);
    return match == null ? null : ((Enum<?>) match).name();
  }

  /** Adds {@code handler}, as an {@code AsyncListener}, to the request's async context. */
  final void addAsyncListener(Object request, InvocationHandler handler) {
    addAsyncListenerTo(asyncContext(request), handler);
  }

  final void addAsyncListenerTo(Object asyncContext, InvocationHandler handler) {
    Object listener = Proxy.newProxyInstance(asyncListener.getClassLoader(), new Class<?>[] {asyncListener}, handler);
    addListener(asyncContext, listener);
  }

  static RuntimeException propagate(Throwable t) {
    if (t instanceof RuntimeException) {
      return (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    return new IllegalStateException(t);
  }

  /** Reads propagation headers (traceparent, baggage, ...) from a request of this API. */
  private final class HeadersGetter implements TextMapGetter<Object> {
    @Override
    public Iterable<String> keys(Object request) {
      @SuppressWarnings("unchecked")
      Enumeration<String> names = (Enumeration<String>) headerNames(request);
      return names == null ? Collections.emptyList() : Collections.list(names);
    }

    @Override
    public String get(Object request, String key) {
      return request == null ? null : header(request, key);
    }

    @Override
    public Iterator<String> getAll(Object request, String key) {
      @SuppressWarnings("unchecked")
      Enumeration<String> values = request == null ? null : (Enumeration<String>) headers(request, key);
      return values == null ? Collections.emptyIterator() : values.asIterator();
    }
  }
}
