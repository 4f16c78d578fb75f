package io.otelauto.patchers.servlet;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Enumeration;
import java.util.Map;

/**
 * The calls of {@link ServletApi} on one copy of the Servlet API, through that copy's method handles held as
 * constants. Never loaded as itself: {@link ServletApi} defines its class file anew as a hidden class for
 * each copy, with the copy's handles, keyed by method name, as the class data. Each such class has its own
 * {@code static final} fields, which the JIT folds, so each call inlines down to the container's method.
 */
final class BoundServletApi extends ServletApi {
  private static final MethodHandle GET_METHOD;
  private static final MethodHandle GET_REQUEST_URI;
  private static final MethodHandle GET_QUERY_STRING;
  private static final MethodHandle GET_SCHEME;
  private static final MethodHandle GET_SERVER_NAME;
  private static final MethodHandle GET_SERVER_PORT;
  private static final MethodHandle GET_REMOTE_ADDR;
  private static final MethodHandle GET_PROTOCOL;
  private static final MethodHandle GET_HEADER;
  private static final MethodHandle GET_HEADERS;
  private static final MethodHandle GET_HEADER_NAMES;
  private static final MethodHandle GET_ATTRIBUTE;
  private static final MethodHandle SET_ATTRIBUTE;
  private static final MethodHandle GET_CONTEXT_PATH;
  private static final MethodHandle GET_SERVLET_PATH;
  private static final MethodHandle GET_PATH_INFO;
  private static final MethodHandle IS_ASYNC_STARTED;
  private static final MethodHandle GET_ASYNC_CONTEXT;
  private static final MethodHandle ADD_LISTENER;
  private static final MethodHandle EVENT_GET_THROWABLE;
  private static final MethodHandle EVENT_GET_ASYNC_CONTEXT;
  private static final MethodHandle EVENT_GET_SUPPLIED_RESPONSE;
  private static final MethodHandle GET_STATUS;
  private static final MethodHandle GET_HTTP_SERVLET_MAPPING;
  private static final MethodHandle MAPPING_GET_MAPPING_MATCH;
  private static final MethodHandle MAPPING_GET_PATTERN;

  static {
    Map<String, MethodHandle> handles = classData();
    GET_METHOD = handles.get("getMethod");
    GET_REQUEST_URI = handles.get("getRequestURI");
    GET_QUERY_STRING = handles.get("getQueryString");
    GET_SCHEME = handles.get("getScheme");
    GET_SERVER_NAME = handles.get("getServerName");
    GET_SERVER_PORT = handles.get("getServerPort");
    GET_REMOTE_ADDR = handles.get("getRemoteAddr");
    GET_PROTOCOL = handles.get("getProtocol");
    GET_HEADER = handles.get("getHeader");
    GET_HEADERS = handles.get("getHeaders");
    GET_HEADER_NAMES = handles.get("getHeaderNames");
    GET_ATTRIBUTE = handles.get("getAttribute");
    SET_ATTRIBUTE = handles.get("setAttribute");
    GET_CONTEXT_PATH = handles.get("getContextPath");
    GET_SERVLET_PATH = handles.get("getServletPath");
    GET_PATH_INFO = handles.get("getPathInfo");
    IS_ASYNC_STARTED = handles.get("isAsyncStarted");
    GET_ASYNC_CONTEXT = handles.get("getAsyncContext");
    ADD_LISTENER = handles.get("addListener");
    EVENT_GET_THROWABLE = handles.get("event.getThrowable");
    EVENT_GET_ASYNC_CONTEXT = handles.get("event.getAsyncContext");
    EVENT_GET_SUPPLIED_RESPONSE = handles.get("event.getSuppliedResponse");
    GET_STATUS = handles.get("getStatus");
    GET_HTTP_SERVLET_MAPPING = handles.get("getHttpServletMapping");
    MAPPING_GET_MAPPING_MATCH = handles.get("mapping.getMappingMatch");
    MAPPING_GET_PATTERN = handles.get("mapping.getPattern");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, MethodHandle> classData() {
    try {
      return MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, Map.class);
    } catch (IllegalAccessException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  BoundServletApi(String namespace, Class<?> httpServletResponse, Class<?> asyncListener) {
    super(namespace, httpServletResponse, asyncListener);
  }

  @Override
  String method(Object request) {
    try {
      return (String) GET_METHOD.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String requestUri(Object request) {
    try {
      return (String) GET_REQUEST_URI.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String queryString(Object request) {
    try {
      return (String) GET_QUERY_STRING.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String scheme(Object request) {
    try {
      return (String) GET_SCHEME.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String serverName(Object request) {
    try {
      return (String) GET_SERVER_NAME.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  int serverPort(Object request) {
    try {
      return (int) GET_SERVER_PORT.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String remoteAddr(Object request) {
    try {
      return (String) GET_REMOTE_ADDR.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String protocol(Object request) {
    try {
      return (String) GET_PROTOCOL.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String header(Object request, String name) {
    try {
      return (String) GET_HEADER.invokeExact(request, name);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Enumeration<?> headers(Object request, String name) {
    try {
      return (Enumeration<?>) GET_HEADERS.invokeExact(request, name);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Enumeration<?> headerNames(Object request) {
    try {
      return (Enumeration<?>) GET_HEADER_NAMES.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object attribute(Object request, String name) {
    try {
      return (Object) GET_ATTRIBUTE.invokeExact(request, name);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  void setAttribute(Object request, String name, Object value) {
    try {
      SET_ATTRIBUTE.invokeExact(request, name, value);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String contextPath(Object request) {
    try {
      return (String) GET_CONTEXT_PATH.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String servletPath(Object request) {
    try {
      return (String) GET_SERVLET_PATH.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String pathInfo(Object request) {
    try {
      return (String) GET_PATH_INFO.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  boolean isAsyncStarted(Object request) {
    try {
      return (boolean) IS_ASYNC_STARTED.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object asyncContext(Object request) {
    try {
      return (Object) GET_ASYNC_CONTEXT.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  void addListener(Object asyncContext, Object listener) {
    try {
      ADD_LISTENER.invokeExact(asyncContext, listener);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Throwable eventThrowable(Object event) {
    try {
      return (Throwable) EVENT_GET_THROWABLE.invokeExact(event);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object eventAsyncContext(Object event) {
    try {
      return (Object) EVENT_GET_ASYNC_CONTEXT.invokeExact(event);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object eventResponse(Object event) {
    try {
      return (Object) EVENT_GET_SUPPLIED_RESPONSE.invokeExact(event);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  int httpStatus(Object response) {
    try {
      return (int) GET_STATUS.invokeExact(response);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object servletMapping(Object request) {
    if (GET_HTTP_SERVLET_MAPPING == null) {
      return null;
    }
    try {
      return (Object) GET_HTTP_SERVLET_MAPPING.invokeExact(request);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  Object mappingMatchOf(Object servletMapping) {
    try {
      return (Object) MAPPING_GET_MAPPING_MATCH.invokeExact(servletMapping);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  @Override
  String mappingPattern(Object servletMapping) {
    try {
      return (String) MAPPING_GET_PATTERN.invokeExact(servletMapping);
    } catch (Throwable t) {
      throw propagate(t);
    }
  }
}
