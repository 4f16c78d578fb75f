package io.otelauto.examples.springboot;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.server.ResponseStatusException;

/**
 * An ordinary Spring Boot web service, without a line of tracing code: Spring MVC controllers, a
 * JdbcTemplate over an in-memory H2 database, a RestClient call to a rates endpoint (its own, over
 * 127.0.0.1), and a DeferredResult completed on another thread. Start with {@code --server.port=0}: it prints
 * the port it listens on. The same source builds against Spring Boot 3 and 4 (examples/spring-boot4-service).
 */
@SpringBootApplication
@RestController
public class ShopApplication {
  private final JdbcTemplate jdbc;
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private volatile RestClient self;

  public ShopApplication(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public static void main(String[] args) {
    SpringApplication.run(ShopApplication.class, args);
  }

  @EventListener
  public void onReady(ApplicationReadyEvent event) {
    Environment environment = event.getApplicationContext().getEnvironment();
    String port = environment.getProperty("local.server.port");
    // Spring's default request factory here is the JDK's HttpClient.
    self = RestClient.builder().baseUrl("http://127.0.0.1:" + port).build();
    System.out.println("shop listening on http://127.0.0.1:" + port);
  }

  @GetMapping("/orders/{id}")
  public Map<String, Object> order(@PathVariable int id) {
    return item(id);
  }

  /** The price in another currency: the rate comes from the rates endpoint, through the RestClient. */
  @GetMapping("/orders/{id}/price/{currency}")
  public Map<String, Object> price(@PathVariable int id, @PathVariable String currency) {
    Map<String, Object> item = item(id);
    BigDecimal rate = self.get().uri("/rates/{currency}", currency).retrieve().body(BigDecimal.class);
    return Map.of("name", item.get("name"), "price", ((BigDecimal) item.get("price")).multiply(rate), "currency", currency);
  }

  @GetMapping("/rates/{currency}")
  public BigDecimal rate(@PathVariable String currency) {
    return switch (currency) {
      case "EUR" -> new BigDecimal("0.90");
      case "GBP" -> new BigDecimal("0.80");
      default -> throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no rate for " + currency);
    };
  }

  /** The answer is looked up on a worker thread, after the controller returned. */
  @GetMapping("/deferred/orders/{id}")
  public DeferredResult<Map<String, Object>> deferred(@PathVariable int id) {
    DeferredResult<Map<String, Object>> result = new DeferredResult<>();
    workers.execute(() -> {
      try {
        result.setResult(item(id));
      } catch (RuntimeException e) {
        result.setErrorResult(e);
      }
    });
    return result;
  }

  @GetMapping("/async/orders/{id}")
  public CompletableFuture<Map<String, Object>> async(@PathVariable int id) {
    return CompletableFuture.supplyAsync(() -> item(id), workers);
  }

  /** Spring MVC runs the Callable on its own task executor, after the controller returned. */
  @GetMapping("/callable/orders/{id}")
  public Callable<Map<String, Object>> callable(@PathVariable int id) {
    return () -> item(id);
  }

  @GetMapping("/fail")
  public String fail() {
    throw new IllegalStateException("the shop is closed");
  }

  private Map<String, Object> item(int id) {
    List<Map<String, Object>> rows = jdbc.queryForList("SELECT name, price FROM items WHERE id = ?", id);
    if (rows.isEmpty()) {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + id);
    }
    Map<String, Object> row = rows.get(0);
    return Map.of("id", id, "name", row.get("NAME"), "price", row.get("PRICE"));
  }
}
