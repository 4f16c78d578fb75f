package io.otelauto.examples.embedded;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * {@code EmbeddedServlet jetty|undertow [PORT]}: plain jakarta servlets on embedded Jetty 12 (ee10) or
 * Undertow 2.3, under the context path {@code /shop}, on 127.0.0.1. No tracing code. Prints
 * {@code CONTAINER listening on http://127.0.0.1:PORT} once it serves.
 * <ul>
 *   <li>{@code /orders/*}: asks {@code /rates/EUR} of itself with the JDK's HttpClient, then answers;</li>
 *   <li>{@code /rates/*}: a rate;</li>
 *   <li>{@code /fail}: throws;</li>
 *   <li>{@code /async}: asks the rate and answers from the container's async thread ({@code AsyncContext.start}).</li>
 * </ul>
 */
public final class EmbeddedServlet {
  static volatile int port;

  private EmbeddedServlet() {}

  private static final Map<String, Class<? extends HttpServlet>> SERVLETS = Map.of(
      "/orders/*", Orders.class, "/rates/*", Rates.class, "/fail", Fail.class, "/async", Async.class);

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("jetty") || args[0].equals("undertow"))) {
      System.err.println("usage: EmbeddedServlet jetty|undertow [PORT]");
      System.exit(2);
    }
    int requested = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    port = args[0].equals("jetty") ? jetty(requested) : undertow(requested);
    System.out.println(args[0] + " listening on http://127.0.0.1:" + port);
  }

  private static int jetty(int requested) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(requested);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/shop");
    SERVLETS.forEach((mapping, servlet) -> context.addServlet(servlet, mapping).setAsyncSupported(true));
    server.setHandler(context);
    server.start();
    return connector.getLocalPort();
  }

  private static int undertow(int requested) throws Exception {
    DeploymentInfo deployment = Servlets.deployment()
        .setClassLoader(EmbeddedServlet.class.getClassLoader())
        .setContextPath("/shop")
        .setDeploymentName("shop");
    SERVLETS.forEach((mapping, servlet) ->
        deployment.addServlet(Servlets.servlet(servlet.getSimpleName(), servlet).addMapping(mapping).setAsyncSupported(true)));
    DeploymentManager manager = Servlets.defaultContainer().addDeployment(deployment);
    manager.deploy();
    Undertow server = Undertow.builder()
        .addHttpListener(requested, "127.0.0.1")
        .setHandler(Handlers.path().addPrefixPath("/shop", manager.start()))
        .build();
    server.start();
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** The EUR rate, from this server's own /rates endpoint. */
  static String rate() throws IOException {
    HttpRequest rate = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/shop/rates/EUR")).build();
    try {
      return CLIENT.send(rate, HttpResponse.BodyHandlers.ofString()).body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public static final class Orders extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().write("order " + request.getPathInfo() + " at " + rate());
    }
  }

  public static final class Rates extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().write("0.90");
    }
  }

  public static final class Fail extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      throw new IllegalStateException("the shop is closed");
    }
  }

  public static final class Async extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      AsyncContext async = request.startAsync();
      async.start(() -> {
        try {
          String rate = rate();
          response.setStatus(202);
          response.getWriter().write("accepted at " + rate);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        } finally {
          async.complete();
        }
      });
    }
  }
}
