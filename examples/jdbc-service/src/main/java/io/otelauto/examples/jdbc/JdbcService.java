package io.otelauto.examples.jdbc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A shop service without any tracing code: a JDK HTTP server whose handlers run SQL through a HikariCP pool
 * over an in-memory H2 database.
 *
 * <ul>
 *   <li>{@code GET /order?item=NAME&quantity=N}: places an order ({@link Shop#order}) and answers what it did;</li>
 *   <li>{@code GET /returns}: queries a table that does not exist; answers 500 with the SQLSTATE.</li>
 * </ul>
 *
 * Usage: {@code java -jar jdbc-service.jar [PORT]} (0 for any free port); prints where it listens.
 */
public final class JdbcService {

  private JdbcService() {}

  public static void main(String[] args) throws IOException, SQLException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:mem:shop;DB_CLOSE_DELAY=-1");
    config.setUsername("sa");
    config.setPassword("");
    config.setMaximumPoolSize(4);
    config.setPoolName("shop");
    Shop shop = new Shop(new HikariDataSource(config));
    shop.createSchema();

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/order", exchange -> handle(exchange, () -> {
      Map<String, String> query = query(exchange);
      String item = query.getOrDefault("item", "");
      String placed = shop.order(item, Integer.parseInt(query.getOrDefault("quantity", "1")));
      return placed == null ? new Response(404, "no such item: " + item) : new Response(200, placed);
    }));
    server.createContext("/returns", exchange -> handle(exchange, () -> new Response(200, shop.damagedReturns())));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("jdbc-service listening on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
  }

  private record Response(int status, String body) {}

  private interface Action {
    Response run() throws SQLException;
  }

  /** Answers with what {@code action} returns; a failed statement is a 500 that names its SQLSTATE. */
  private static void handle(HttpExchange exchange, Action action) throws IOException {
    try (exchange) {
      Response response;
      try {
        response = action.run();
      } catch (SQLException e) {
        response = new Response(500, "failed: SQLSTATE " + e.getSQLState());
      } catch (NumberFormatException e) {
        response = new Response(400, "not a number: " + e.getMessage());
      }
      respond(exchange, response.status(), response.body());
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> parameters = new HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0) {
          parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return parameters;
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
