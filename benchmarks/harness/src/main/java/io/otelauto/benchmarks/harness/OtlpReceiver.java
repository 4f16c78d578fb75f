package io.otelauto.benchmarks.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP receiver on 127.0.0.1 that only counts: {@code POST /v1/traces} bodies
 * (ExportTraceServiceRequest, protobuf, gzip or not) are decoded just enough to count spans per
 * instrumentation scope, and SERVER spans apart; {@code /v1/metrics} and {@code /v1/logs} are answered and
 * counted. Every request is answered 200 with an empty (valid) export response, at once.
 */
final class OtlpReceiver implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(2, runnable -> {
    Thread thread = new Thread(runnable, "otlp-receiver");
    thread.setDaemon(true);
    return thread;
  });
  private final LongAdder spans = new LongAdder();
  private final LongAdder serverSpans = new LongAdder();
  private final LongAdder traceRequests = new LongAdder();
  private final LongAdder otherRequests = new LongAdder();
  private final LongAdder badBodies = new LongAdder();
  private final Map<String, LongAdder> spansByScope = new ConcurrentHashMap<>();
  private static final ThreadLocal<byte[]> BODY = ThreadLocal.withInitial(() -> new byte[1 << 20]);

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  long spans() {
    return spans.sum();
  }

  /** SERVER spans only: one per request served, whatever else an agent may trace. */
  long serverSpans() {
    return serverSpans.sum();
  }

  long traceRequests() {
    return traceRequests.sum();
  }

  long badBodies() {
    return badBodies.sum();
  }

  Map<String, Long> spansByScope() {
    Map<String, Long> copy = new TreeMap<>();
    spansByScope.forEach((scope, count) -> copy.put(scope, count.sum()));
    return copy;
  }

  /** Waits until no span has arrived for {@code quietMillis}, at most {@code maxMillis}. */
  long awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
    long deadline = System.nanoTime() + maxMillis * 1_000_000;
    long last = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long now = spans() + traceRequests();
      if (now != last) {
        last = now;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince >= quietMillis * 1_000_000) {
        break;
      }
      Thread.sleep(50);
    }
    return spans();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      // Into this thread's buffer, kept from body to body: a fresh array per body (readAllBytes) cost the
      // receiver more CPU than everything else it does (zeroing, page faults, humongous regions of 600 KB
      // bodies), on the cores the measured server shares.
      byte[] body = BODY.get();
      int length = 0;
      try (InputStream raw = exchange.getRequestBody()) {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        InputStream in = "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(raw) : raw;
        for (int read; (read = in.read(body, length, body.length - length)) > 0; ) {
          length += read;
          if (length == body.length) {
            body = java.util.Arrays.copyOf(body, body.length * 2);
            BODY.set(body);
          }
        }
      }
      if (path.endsWith("/v1/traces")) {
        traceRequests.increment();
        try {
          countSpans(body, length);
        } catch (RuntimeException e) {
          badBodies.increment();
        }
      } else if (path.endsWith("/v1/metrics") || path.endsWith("/v1/logs")) {
        otherRequests.increment();
      } else {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
    }
  }

  // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
  // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; ... }
  // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; ... }
  // InstrumentationScope { string name = 1; ... }
  private void countSpans(byte[] body, int length) {
    Protobuf request = new Protobuf(body, 0, length);
    while (request.next()) {
      if (request.field() == 1 && request.wireType() == 2) {
        Protobuf resourceSpans = request.message();
        while (resourceSpans.next()) {
          if (resourceSpans.field() == 2 && resourceSpans.wireType() == 2) {
            countScopeSpans(resourceSpans.message());
          } else {
            resourceSpans.skip();
          }
        }
      } else {
        request.skip();
      }
    }
  }

  private void countScopeSpans(Protobuf scopeSpans) {
    String scope = "";
    long count = 0;
    while (scopeSpans.next()) {
      if (scopeSpans.field() == 1 && scopeSpans.wireType() == 2) {
        Protobuf scopeMessage = scopeSpans.message();
        while (scopeMessage.next()) {
          if (scopeMessage.field() == 1 && scopeMessage.wireType() == 2) {
            scope = scopeMessage.string();
          } else {
            scopeMessage.skip();
          }
        }
      } else if (scopeSpans.field() == 2 && scopeSpans.wireType() == 2) {
        count++;
        if (isServerSpan(scopeSpans.message())) {
          serverSpans.increment();
        }
      } else {
        scopeSpans.skip();
      }
    }
    spans.add(count);
    spansByScope.computeIfAbsent(scope.isEmpty() ? "(unnamed)" : scope, k -> new LongAdder()).add(count);
  }

  // Span { ...; SpanKind kind = 6; ... }, SPAN_KIND_SERVER = 2
  private static boolean isServerSpan(Protobuf span) {
    while (span.next()) {
      if (span.field() == 6 && span.wireType() == 0) {
        return span.varintValue() == 2;
      }
      span.skip();
    }
    return false;
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** Just enough of the protobuf wire format to walk fields and skip what is not counted. */
  static final class Protobuf {
    private final byte[] buffer;
    private int position;
    private final int limit;
    private int tag;
    private int valueStart;
    private int valueLength; // for wire type 2

    Protobuf(byte[] buffer, int offset, int limit) {
      this.buffer = buffer;
      this.position = offset;
      this.limit = limit;
    }

    boolean next() {
      if (position >= limit) {
        return false;
      }
      tag = (int) varint();
      if (wireType() == 2) {
        valueLength = (int) varint();
        valueStart = position;
        if (valueLength < 0 || valueStart + valueLength > limit) {
          throw new IllegalArgumentException("truncated protobuf");
        }
      } else {
        valueStart = position;
      }
      return true;
    }

    int field() {
      return tag >>> 3;
    }

    int wireType() {
      return tag & 7;
    }

    Protobuf message() {
      position = valueStart + valueLength;
      return new Protobuf(buffer, valueStart, valueStart + valueLength);
    }

    String string() {
      position = valueStart + valueLength;
      return new String(buffer, valueStart, valueLength, java.nio.charset.StandardCharsets.UTF_8);
    }

    void skip() {
      switch (wireType()) {
        case 0 -> varint();
        case 1 -> position += 8;
        case 2 -> position = valueStart + valueLength;
        case 5 -> position += 4;
        default -> throw new IllegalArgumentException("unsupported wire type " + wireType());
      }
      if (position > limit) {
        throw new IllegalArgumentException("truncated protobuf");
      }
    }

    long varintValue() {
      return varint();
    }

    private long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (position >= limit) {
          throw new IllegalArgumentException("truncated varint");
        }
        byte b = buffer[position++];
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }
  }
}
