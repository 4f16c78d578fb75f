package io.otelauto.launcher;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** An OTLP/HTTP collector on 127.0.0.1 that fails in one way; its endpoint for OTEL_EXPORTER_OTLP_ENDPOINT. */
final class FailingCollector implements AutoCloseable {
  enum Failure { REFUSED, ANSWERS_503, NEVER_READS, NEVER_ANSWERS, ANSWERS_SLOWLY }

  private final HttpServer http;
  private final ServerSocket silent;
  private final CountDownLatch released = new CountDownLatch(1);
  final String endpoint;

  FailingCollector(Failure failure) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    switch (failure) {
      case REFUSED -> {
        try (ServerSocket closed = new ServerSocket(0, 1, loopback)) {
          endpoint = "http://127.0.0.1:" + closed.getLocalPort();
        }
        http = null;
        silent = null;
      }
      case NEVER_READS -> {
        // Accepts connections (the kernel does, from the backlog) and never reads a byte of them.
        silent = new ServerSocket(0, 50, loopback);
        endpoint = "http://127.0.0.1:" + silent.getLocalPort();
        http = null;
      }
      default -> {
        silent = null;
        http = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/", exchange -> {
          exchange.getRequestBody().readAllBytes();
          try {
            if (failure == Failure.NEVER_ANSWERS) {
              released.await();
            } else if (failure == Failure.ANSWERS_SLOWLY) {
              // The collector's own pace, not the test's synchronisation: answers after 5 s.
              released.await(5, TimeUnit.SECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(failure == Failure.ANSWERS_503 ? 503 : 200, -1);
          exchange.close();
        });
        http.start();
        endpoint = "http://127.0.0.1:" + http.getAddress().getPort();
      }
    }
  }

  @Override
  public void close() throws IOException {
    released.countDown();
    if (http != null) {
      http.stop(0);
    }
    if (silent != null) {
      silent.close();
    }
  }
}
