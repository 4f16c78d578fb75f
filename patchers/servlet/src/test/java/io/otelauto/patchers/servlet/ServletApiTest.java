package io.otelauto.patchers.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * The calls on each copy of the Servlet API go through a class of that copy's own, whose handles are
 * constants (hidden, so that its static fields are its own): a javax and a jakarta request, in one JVM,
 * each answered through the right copy's methods.
 */
class ServletApiTest {

  @Test
  void eachCopyOfTheApiIsCalledThroughAHiddenClassOfItsOwn() {
    Object jakarta = request(jakarta.servlet.http.HttpServletRequest.class, "PUT", "/jakarta");
    Object javax = request(javax.servlet.http.HttpServletRequest.class, "DELETE", "/javax");

    ServletApi jakartaApi = ServletApi.of(jakarta);
    ServletApi javaxApi = ServletApi.of(javax);

    assertThat(jakartaApi.namespace).isEqualTo("jakarta.servlet");
    assertThat(javaxApi.namespace).isEqualTo("javax.servlet");
    assertThat(jakartaApi.getClass().isHidden()).isTrue();
    assertThat(javaxApi.getClass().isHidden()).isTrue();
    assertThat(jakartaApi.getClass()).isNotSameAs(javaxApi.getClass());
    assertThat(ServletApi.of(request(jakarta.servlet.http.HttpServletRequest.class, "GET", "/"))).isSameAs(jakartaApi);

    assertThat(jakartaApi.method(jakarta)).isEqualTo("PUT");
    assertThat(jakartaApi.requestUri(jakarta)).isEqualTo("/jakarta");
    assertThat(jakartaApi.serverPort(jakarta)).isEqualTo(8443);
    assertThat(jakartaApi.isAsyncStarted(jakarta)).isFalse();
    assertThat(jakartaApi.header(jakarta, "User-Agent")).isEqualTo("PUT-agent");
    assertThat(javaxApi.method(javax)).isEqualTo("DELETE");
    assertThat(javaxApi.requestUri(javax)).isEqualTo("/javax");
    assertThat(ServletApi.unsupported()).isNull();
  }

  @Test
  void aRequestOfNoHttpServletApiHasNone() {
    assertThat(ServletApi.of("not a request")).isNull();
    assertThat(ServletApi.of(null)).isNull();
  }

  /** A request of one copy of the API that answers a few getters. */
  private static Object request(Class<?> httpServletRequest, String method, String uri) {
    return Proxy.newProxyInstance(httpServletRequest.getClassLoader(), new Class<?>[] {httpServletRequest},
        (proxy, called, arguments) -> switch (called.getName()) {
          case "getMethod" -> method;
          case "getRequestURI" -> uri;
          case "getServerPort" -> 8443;
          case "isAsyncStarted" -> false;
          case "getHeader" -> method + "-agent";
          default -> null;
        });
  }
}
