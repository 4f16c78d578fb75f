package io.otelauto.patchers.servlet;

import io.opentelemetry.context.propagation.TextMapGetter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.Optional;

/**
 * The Servlet API of one namespace ({@code jakarta.servlet} or {@code javax.servlet}) as loaded by one
 * container, called through method handles. The patcher lives in the agent's class loader, which cannot name
 * the container's servlet classes (nor should it: each webapp or Spring Boot jar may bring its own copy), so
 * the handles are looked up once per servlet API copy, from the request's own class.
 */
final class ServletApi {
  private static final MethodType GETTER = MethodType.genericMethodType(1);
  private static final MethodType ONE_ARGUMENT = MethodType.genericMethodType(2);
  private static final MethodType TWO_ARGUMENTS = MethodType.genericMethodType(3);

  /** Per request class: the API it implements, empty for a request that is not an HttpServletRequest. */
  private static final ClassValue<Optional<ServletApi>> BY_REQUEST_CLASS = new ClassValue<>() {
    @Override
    protected Optional<ServletApi> computeValue(Class<?> requestClass) {
      Class<?> api = httpServletRequestInterface(requestClass);
      try {
        return api == null ? Optional.empty() : Optional.of(BY_API.get(api));
      } catch (IllegalStateException e) {
        // Before Servlet 3.0 (no async API): such requests go untraced, and this is not asked again.
        return Optional.empty();
      }
    }
  };
  /** Per copy of the API (its HttpServletRequest interface), so webapps sharing a container share handles. */
  private static final ClassValue<ServletApi> BY_API = new ClassValue<>() {
    @Override
    protected ServletApi computeValue(Class<?> httpServletRequest) {
      try {
        return new ServletApi(httpServletRequest);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Unsupported Servlet API " + httpServletRequest.getName(), e);
      }
    }
  };

  final String namespace;
  private final MethodHandle getMethod;
  private final MethodHandle getRequestUri;
  private final MethodHandle getQueryString;
  private final MethodHandle getScheme;
  private final MethodHandle getServerName;
  private final MethodHandle getServerPort;
  private final MethodHandle getRemoteAddr;
  private final MethodHandle getProtocol;
  private final MethodHandle getHeader;
  private final MethodHandle getHeaders;
  private final MethodHandle getHeaderNames;
  private final MethodHandle getAttribute;
  private final MethodHandle setAttribute;
  private final MethodHandle getContextPath;
  private final MethodHandle getServletPath;
  private final MethodHandle getPathInfo;
  private final MethodHandle isAsyncStarted;
  private final MethodHandle getAsyncContext;
  private final MethodHandle addAsyncListener;
  private final MethodHandle getEventThrowable;
  private final MethodHandle getEventAsyncContext;
  private final MethodHandle getEventResponse;
  private final MethodHandle getStatus;
  private final Class<?> httpServletResponse;
  private final Class<?> asyncListener;
  /** Servlet 4.0+ only ({@code HttpServletRequest.getHttpServletMapping}); null on 3.x. */
  private final MethodHandle getHttpServletMapping;
  private final MethodHandle getMappingPattern;
  private final MethodHandle getMappingMatch;
  final TextMapGetter<Object> headers = new HeadersGetter();

  private ServletApi(Class<?> request) throws ReflectiveOperationException {
    String name = request.getName();
    namespace = name.substring(0, name.length() - ".http.HttpServletRequest".length());
    ClassLoader loader = request.getClassLoader();
    Class<?> servletRequest = Class.forName(namespace + ".ServletRequest", false, loader);
    httpServletResponse = Class.forName(namespace + ".http.HttpServletResponse", false, loader);
    Class<?> asyncContext = Class.forName(namespace + ".AsyncContext", false, loader);
    Class<?> asyncEvent = Class.forName(namespace + ".AsyncEvent", false, loader);
    asyncListener = Class.forName(namespace + ".AsyncListener", false, loader);
    getMethod = getter(request, "getMethod", String.class);
    getRequestUri = getter(request, "getRequestURI", String.class);
    getQueryString = getter(request, "getQueryString", String.class);
    getContextPath = getter(request, "getContextPath", String.class);
    getServletPath = getter(request, "getServletPath", String.class);
    getPathInfo = getter(request, "getPathInfo", String.class);
    getHeader = method(request, "getHeader", String.class, String.class).asType(ONE_ARGUMENT);
    getHeaders = method(request, "getHeaders", Enumeration.class, String.class).asType(ONE_ARGUMENT);
    getHeaderNames = getter(request, "getHeaderNames", Enumeration.class);
    getScheme = getter(servletRequest, "getScheme", String.class);
    getServerName = getter(servletRequest, "getServerName", String.class);
    getServerPort = getter(servletRequest, "getServerPort", int.class);
    getRemoteAddr = getter(servletRequest, "getRemoteAddr", String.class);
    getProtocol = getter(servletRequest, "getProtocol", String.class);
    getAttribute = method(servletRequest, "getAttribute", Object.class, String.class).asType(ONE_ARGUMENT);
    setAttribute = method(servletRequest, "setAttribute", void.class, String.class, Object.class).asType(TWO_ARGUMENTS);
    isAsyncStarted = getter(servletRequest, "isAsyncStarted", boolean.class);
    getAsyncContext = getter(servletRequest, "getAsyncContext", asyncContext);
    addAsyncListener = method(asyncContext, "addListener", void.class, asyncListener).asType(ONE_ARGUMENT);
    getEventThrowable = getter(asyncEvent, "getThrowable", Throwable.class);
    getEventAsyncContext = getter(asyncEvent, "getAsyncContext", asyncContext);
    getEventResponse = getter(asyncEvent, "getSuppliedResponse", Class.forName(namespace + ".ServletResponse", false, loader));
    getStatus = getter(httpServletResponse, "getStatus", int.class);
    MethodHandle mapping = null;
    MethodHandle pattern = null;
    MethodHandle match = null;
    try {
      Class<?> servletMapping = Class.forName(namespace + ".http.HttpServletMapping", false, loader);
      mapping = getter(request, "getHttpServletMapping", servletMapping);
      pattern = getter(servletMapping, "getPattern", String.class);
      match = getter(servletMapping, "getMappingMatch", Class.forName(namespace + ".http.MappingMatch", false, loader));
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      // Servlet 3.x: routes come from frameworks only.
    }
    getHttpServletMapping = mapping;
    getMappingPattern = pattern;
    getMappingMatch = match;
  }

  /** The API {@code request} implements, or null when it is not an HTTP servlet request. */
  static ServletApi of(Object request) {
    return request == null ? null : BY_REQUEST_CLASS.get(request.getClass()).orElse(null);
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

  private static MethodHandle method(Class<?> owner, String name, Class<?> returns, Class<?>... parameters)
      throws ReflectiveOperationException {
    return MethodHandles.publicLookup().findVirtual(owner, name, MethodType.methodType(returns, parameters));
  }

  private static MethodHandle getter(Class<?> owner, String name, Class<?> returns) throws ReflectiveOperationException {
    return method(owner, name, returns).asType(GETTER);
  }

  String method(Object request) {
    return (String) call(getMethod, request);
  }

  String requestUri(Object request) {
    return (String) call(getRequestUri, request);
  }

  String queryString(Object request) {
    return (String) call(getQueryString, request);
  }

  String scheme(Object request) {
    return (String) call(getScheme, request);
  }

  String serverName(Object request) {
    return (String) call(getServerName, request);
  }

  int serverPort(Object request) {
    return (Integer) call(getServerPort, request);
  }

  String remoteAddr(Object request) {
    return (String) call(getRemoteAddr, request);
  }

  String protocol(Object request) {
    return (String) call(getProtocol, request);
  }

  String header(Object request, String name) {
    return (String) call(getHeader, request, name);
  }

  Object attribute(Object request, String name) {
    return call(getAttribute, request, name);
  }

  void setAttribute(Object request, String name, Object value) {
    try {
      Object ignored = setAttribute.invokeExact(request, (Object) name, value);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  String contextPath(Object request) {
    return (String) call(getContextPath, request);
  }

  String servletPath(Object request) {
    return (String) call(getServletPath, request);
  }

  String pathInfo(Object request) {
    return (String) call(getPathInfo, request);
  }

  boolean isAsyncStarted(Object request) {
    return (Boolean) call(isAsyncStarted, request);
  }

  /** The response's status code, 0 when {@code response} is not an HTTP response. */
  int status(Object response) {
    return httpServletResponse.isInstance(response) ? (Integer) call(getStatus, response) : 0;
  }

  /** The request's servlet mapping (an {@code HttpServletMapping}), null before Servlet 4.0 or when there is none. */
  Object servletMapping(Object request) {
    return getHttpServletMapping == null ? null : call(getHttpServletMapping, request);
  }

  /** The mapping's match type ({@code PATH}, {@code DEFAULT}, ...), null for no mapping. */
  String mappingMatch(Object servletMapping) {
    Object match = servletMapping == null ? null : call(getMappingMatch, servletMapping);
    return match == null ? null : ((Enum<?>) match).name();
  }

  /** The mapping's pattern ({@code /orders/*}, {@code *.jsp}, ...). */
  String mappingPattern(Object servletMapping) {
    return (String) call(getMappingPattern, servletMapping);
  }

  /** Adds {@code handler}, as an {@code AsyncListener}, to the request's async context. */
  void addAsyncListener(Object request, InvocationHandler handler) {
    addAsyncListenerTo(call(getAsyncContext, request), handler);
  }

  void addAsyncListenerTo(Object asyncContext, InvocationHandler handler) {
    Object listener = Proxy.newProxyInstance(asyncListener.getClassLoader(), new Class<?>[] {asyncListener}, handler);
    call(addAsyncListener, asyncContext, listener);
  }

  Throwable eventThrowable(Object event) {
    return (Throwable) call(getEventThrowable, event);
  }

  Object eventAsyncContext(Object event) {
    return call(getEventAsyncContext, event);
  }

  Object eventResponse(Object event) {
    return call(getEventResponse, event);
  }

  private static Object call(MethodHandle getter, Object target) {
    try {
      return getter.invokeExact(target);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  private static Object call(MethodHandle method, Object target, Object argument) {
    try {
      return method.invokeExact(target, argument);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  private static RuntimeException propagate(Throwable t) {
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
      Enumeration<String> names = (Enumeration<String>) call(getHeaderNames, request);
      return names == null ? Collections.emptyList() : Collections.list(names);
    }

    @Override
    public String get(Object request, String key) {
      return request == null ? null : header(request, key);
    }

    @Override
    public Iterator<String> getAll(Object request, String key) {
      @SuppressWarnings("unchecked")
      Enumeration<String> values = request == null ? null : (Enumeration<String>) call(getHeaders, request, key);
      return values == null ? Collections.emptyIterator() : values.asIterator();
    }
  }
}
