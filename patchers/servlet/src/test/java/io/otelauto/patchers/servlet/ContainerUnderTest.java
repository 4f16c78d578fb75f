package io.otelauto.patchers.servlet;

import io.undertow.Handlers;
import org.example.shop.JakartaShop;
import org.example.shop.JavaxShop;
import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real container on 127.0.0.1 (a free port) serving the test webapp under the context path {@code /shop}:
 * {@code /orders/*}, {@code /fail}, {@code /unavailable}, {@code /forward}, {@code /async}, the default
 * servlet {@code /} (404), the error page {@code /oops} for 404 and 500, and a filter on {@code /*}.
 */
interface ContainerUnderTest extends AutoCloseable {
  String CONTEXT = "/shop";
  /** The error page for 404 and 500 (an exception), which the container dispatches to after the servlet. */
  String ERROR_PAGE = "/oops";

  int port();

  /** Servlet classes by mapping, in one namespace. */
  static Map<String, Class<?>> servlets(boolean jakarta) {
    return jakarta
        ? Map.of("/orders/*", JakartaShop.Orders.class, "/fail", JakartaShop.Failing.class,
            "/unavailable", JakartaShop.Unavailable.class, "/forward", JakartaShop.Forward.class,
            "/async", JakartaShop.Async.class, "/", JakartaShop.NotFound.class, ERROR_PAGE, JakartaShop.ErrorPage.class)
        : Map.of("/orders/*", JavaxShop.Orders.class, "/fail", JavaxShop.Failing.class,
            "/unavailable", JavaxShop.Unavailable.class, "/forward", JavaxShop.Forward.class,
            "/async", JavaxShop.Async.class, "/", JavaxShop.NotFound.class, ERROR_PAGE, JavaxShop.ErrorPage.class);
  }

  static ContainerUnderTest start(String name, Path baseDir) throws Exception {
    switch (name) {
      case "tomcat-11":
        return tomcat(baseDir);
      case "jetty-12-ee10":
        return jettyEe10();
      case "jetty-12-ee8-javax":
        return jettyEe8();
      case "undertow-2.3":
        return undertow();
      default:
        throw new IllegalArgumentException(name);
    }
  }

  private static ContainerUnderTest tomcat(Path baseDir) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext(CONTEXT, baseDir.toString());
    int n = 0;
    for (Map.Entry<String, Class<?>> servlet : servlets(true).entrySet()) {
      String servletName = "servlet" + n++;
      Tomcat.addServlet(context, servletName, (jakarta.servlet.Servlet) servlet.getValue().getConstructor().newInstance())
          .setAsyncSupported(true);
      context.addServletMappingDecoded(servlet.getKey(), servletName);
    }
    for (int code : new int[] {404, 500}) {
      org.apache.tomcat.util.descriptor.web.ErrorPage page = new org.apache.tomcat.util.descriptor.web.ErrorPage();
      page.setErrorCode(code);
      page.setLocation(ERROR_PAGE);
      context.addErrorPage(page);
    }
    FilterDef filter = new FilterDef();
    filter.setFilterName("trace-header");
    filter.setFilter(new JakartaShop.TraceHeader());
    filter.setAsyncSupported("true");
    context.addFilterDef(filter);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName("trace-header");
    mapping.addURLPattern("/*");
    context.addFilterMap(mapping);
    tomcat.start();
    return new ContainerUnderTest() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
      }
    };
  }

  private static ContainerUnderTest jettyEe10() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    var context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler(CONTEXT);
    for (Map.Entry<String, Class<?>> servlet : servlets(true).entrySet()) {
      context.addServlet(servlet.getValue().asSubclass(jakarta.servlet.Servlet.class), servlet.getKey()).setAsyncSupported(true);
    }
    context.addFilter(JakartaShop.TraceHeader.class, "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST))
        .setAsyncSupported(true);
    var errorPages = new org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler();
    errorPages.addErrorPage(404, ERROR_PAGE);
    errorPages.addErrorPage(500, ERROR_PAGE);
    context.setErrorHandler(errorPages);
    server.setHandler(context);
    return jetty(server, connector);
  }

  private static ContainerUnderTest jettyEe8() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    var context = new org.eclipse.jetty.ee8.servlet.ServletContextHandler();
    context.setContextPath(CONTEXT);
    for (Map.Entry<String, Class<?>> servlet : servlets(false).entrySet()) {
      context.addServlet(servlet.getValue().asSubclass(javax.servlet.Servlet.class), servlet.getKey()).setAsyncSupported(true);
    }
    context.addFilter(JavaxShop.TraceHeader.class, "/*", EnumSet.of(javax.servlet.DispatcherType.REQUEST))
        .setAsyncSupported(true);
    var errorPages = new org.eclipse.jetty.ee8.servlet.ErrorPageErrorHandler();
    errorPages.addErrorPage(404, ERROR_PAGE);
    errorPages.addErrorPage(500, ERROR_PAGE);
    context.setErrorHandler(errorPages);
    server.setHandler(context.get());
    return jetty(server, connector);
  }

  private static ContainerUnderTest jetty(Server server, ServerConnector connector) throws Exception {
    server.start();
    return new ContainerUnderTest() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public void close() throws Exception {
        server.stop();
      }
    };
  }

  private static ContainerUnderTest undertow() throws Exception {
    DeploymentInfo deployment = Servlets.deployment()
        .setClassLoader(ContainerUnderTest.class.getClassLoader())
        .setContextPath(CONTEXT)
        .setDeploymentName("shop");
    int n = 0;
    for (Map.Entry<String, Class<?>> servlet : servlets(true).entrySet()) {
      deployment.addServlet(Servlets.servlet("servlet" + n++, servlet.getValue().asSubclass(jakarta.servlet.Servlet.class))
          .addMapping(servlet.getKey()).setAsyncSupported(true));
    }
    deployment.addErrorPages(Servlets.errorPage(ERROR_PAGE, 404), Servlets.errorPage(ERROR_PAGE, 500));
    deployment.addFilter(Servlets.filter("trace-header", JakartaShop.TraceHeader.class).setAsyncSupported(true))
        .addFilterUrlMapping("trace-header", "/*", jakarta.servlet.DispatcherType.REQUEST);
    DeploymentManager manager = Servlets.defaultContainer().addDeployment(deployment);
    manager.deploy();
    Undertow undertow = Undertow.builder()
        .addHttpListener(0, "127.0.0.1")
        .setHandler(Handlers.path().addPrefixPath(CONTEXT, manager.start()))
        .build();
    undertow.start();
    return new ContainerUnderTest() {
      @Override
      public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
      }

      @Override
      public void close() throws Exception {
        undertow.stop();
        manager.stop();
        manager.undeploy();
      }
    };
  }
}
