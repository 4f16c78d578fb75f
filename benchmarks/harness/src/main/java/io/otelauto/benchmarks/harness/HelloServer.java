package io.otelauto.benchmarks.harness;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The saturation target: the JDK HTTP server on 127.0.0.1 answering {@code GET /hello} with a 6-byte body,
 * on a fixed thread pool. Run with {@code -Dsun.net.httpserver.nodelay=true}. Prints {@code listening PORT}
 * when it serves and {@code handled=N} (requests answered) when it is stopped (SIGTERM).
 *
 * <p>Arguments: PORT [THREADS] [SECONDS]; it stops by itself after SECONDS (default 600), so a harness that
 * dies never leaves it running for long.
 */
public final class HelloServer {
  private HelloServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    int port = Integer.parseInt(args[0]);
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 600;
    byte[] body = "hello\n".getBytes(StandardCharsets.US_ASCII);
    LongAdder handled = new LongAdder();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    server.createContext("/hello", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
      handled.increment();
    });
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    server.setExecutor(pool);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("handled=" + handled.sum());
      System.out.flush();
    }));
    server.start();
    System.out.println("listening " + port);
    System.out.flush();
    Thread.sleep(seconds * 1000);
    System.exit(0);
  }
}
