package org.example.shop;

import java.lang.reflect.Proxy;

/** A class made at run time, with no class file: a JDK proxy of a package-private interface (so in this package). */
public final class Proxies {
  private Proxies() {}

  interface Greeter {
    String greet();
  }

  public static Object runtimeProxy() {
    return Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {Greeter.class},
        (proxy, method, arguments) -> "hello");
  }
}
