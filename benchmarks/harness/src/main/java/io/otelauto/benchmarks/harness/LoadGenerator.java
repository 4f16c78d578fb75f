package io.otelauto.benchmarks.harness;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fallback when wrk is not installed: CONNECTIONS keep-alive HTTP/1.1 connections to 127.0.0.1, one
 * thread each, sending {@code GET PATH} back to back. Bounded twice: by SECONDS and by MAX_REQUESTS in all.
 * Slower than wrk (it shares the JVM with the OTLP receiver), so its figures compare variants with each
 * other, not with wrk's.
 */
final class LoadGenerator {
  record Result(long requests, long errors, double seconds) {
    double requestsPerSecond() {
      return seconds > 0 ? requests / seconds : 0;
    }
  }

  private LoadGenerator() {}

  static Result run(int port, String path, int connections, double seconds, long maxRequests)
      throws InterruptedException {
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: bench\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    LongAdder done = new LongAdder();
    LongAdder errors = new LongAdder();
    AtomicLong budget = new AtomicLong(maxRequests);
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Thread thread = new Thread(() -> connection(port, request, deadline, budget, done, errors), "load-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000) + 5_000);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(done.sum(), errors.sum(), elapsed);
  }

  private static void connection(int port, byte[] request, long deadline, AtomicLong budget, LongAdder done,
      LongAdder errors) {
    int failures = 0;
    while (System.nanoTime() < deadline && budget.get() > 0 && failures < 100) {
      try (Socket socket = new Socket()) {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
        while (System.nanoTime() < deadline && budget.getAndDecrement() > 0) {
          out.write(request);
          out.flush();
          if (!readResponse(in)) {
            errors.increment();
            break;
          }
          done.increment();
        }
      } catch (IOException e) {
        errors.increment();
        failures++;
      }
    }
  }

  /** Reads one response (status line, headers, Content-Length body); false when it was not a 2xx. */
  private static boolean readResponse(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int status = -1;
    long length = 0;
    while (true) {
      line.setLength(0);
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      if (line.length() == 0) {
        break;
      }
      String header = line.toString();
      if (status < 0) {
        status = Integer.parseInt(header.substring(9, 12));
      } else if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Long.parseLong(header.substring(15).trim());
      }
    }
    for (long i = 0; i < length; i++) {
      if (in.read() < 0) {
        throw new IOException("connection closed");
      }
    }
    return status >= 200 && status < 300;
  }
}
