package io.otelauto.bootstrap;

import io.opentelemetry.api.impl.InstrumentationUtil;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.ProxyOptions;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * OTLP over HTTP/1.1, behind the SDK's public sender SPI. To a plain-http receiver without a proxy (a
 * collector beside the program, the usual case), each POST goes on a connection of the sender's own, kept
 * alive between batches ({@link PlainHttpConnection}); to https or through a proxy, through
 * {@link HttpURLConnection}. Either way the message is marshalled straight into the socket with its length
 * known in advance: no copy of the body, no reactive pipeline. On one core the {@link HttpURLConnection}
 * path spent about half the CPU per exported span of the SDK's JDK HttpClient sender, and the kept
 * connection a quarter less again (docs/performance.md), which a saturated server feels directly.
 *
 * <p>Everything the SDK's senders honour is honoured: endpoint, headers (read at each export), compression,
 * connect timeout and an overall timeout per attempt, proxy, TLS context, retry policy (429/502/503/504 and
 * retryable I/O errors, exponential backoff with jitter), response-body limit.
 *
 * <p>Sends run one at a time on a daemon thread of the agent's (or on the executor the configuration names),
 * each under the SDK's instrumentation suppression, so the agent's own HTTP patchers never trace the agent's
 * exports. An attempt that outlives its timeout, even while writing (which sockets have no timeout for), is
 * cut by closing its connection: a receiver that stops reading cannot hold the sender forever.
 */
final class UrlConnectionHttpSender implements HttpSender {
  private static final Set<Integer> RETRYABLE_STATUS = Set.of(429, 502, 503, 504);
  static final String THREAD_NAME = "otel-auto-instrument-otlp-sender";
  /** {@code urlconnection}: every POST through {@link HttpURLConnection}, plain http too (to compare, or should a receiver need it). */
  static final String CLIENT_PROPERTY = "otel.auto.instrument.otlp.http.client";

  private final URL endpoint;
  private final String contentType;
  private final Compressor compressor;
  private final long timeoutMillis;
  private final int connectTimeoutMillis;
  private final java.util.function.Supplier<Map<String, List<String>>> headers;
  private final ProxyOptions proxy;
  private final SSLContext sslContext;
  private final RetryPolicy retryPolicy;
  private final long maxResponseBodySize;
  private final ExecutorService executor;
  private final boolean ownExecutor;
  // Deadlines on a thread of their own: a stuck attempt is cut while the sending thread is blocked in it.
  private final ScheduledThreadPoolExecutor deadlines;
  /** http, not https: POSTs go on a kept connection of the sender's own when no proxy is chosen. */
  private volatile boolean plainHttp;
  /** The connection kept alive between POSTs; a send that finds none (or runs beside another) opens one. */
  private final AtomicReference<PlainHttpConnection> keptConnection = new AtomicReference<>();

  UrlConnectionHttpSender(HttpSenderConfig config) {
    try {
      this.endpoint = config.getEndpoint().toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException("OTLP endpoint is not a URL: " + config.getEndpoint(), e);
    }
    this.plainHttp = "http".equals(endpoint.getProtocol());
    this.contentType = config.getContentType();
    this.compressor = config.getCompressor();
    this.timeoutMillis = positiveMillis(config.getTimeout(), 10_000);
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, positiveMillis(config.getConnectTimeout(), 10_000));
    this.headers = config.getHeadersSupplier();
    this.proxy = config.getProxyOptions();
    this.sslContext = config.getSslContext();
    this.retryPolicy = config.getRetryPolicy();
    this.maxResponseBodySize = config.getMaxResponseBodySize();
    this.deadlines = new ScheduledThreadPoolExecutor(1, daemon(THREAD_NAME + "-deadline"));
    deadlines.setRemoveOnCancelPolicy(true);
    this.ownExecutor = config.getExecutorService() == null;
    // One send at a time: the batch processor waits for each export anyway.
    this.executor = ownExecutor ? Executors.newSingleThreadExecutor(daemon(THREAD_NAME)) : config.getExecutorService();
  }

  /** From now on, plain http goes through {@link HttpURLConnection} as https does ({@value #CLIENT_PROPERTY}). */
  void alwaysThroughUrlConnection() {
    plainHttp = false;
  }

  /** OTLP in protobuf (not JSON). */
  boolean isProtobuf() {
    return "application/x-protobuf".equals(contentType);
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  private static long positiveMillis(java.time.Duration duration, long otherwise) {
    return duration == null || duration.isZero() || duration.isNegative() ? otherwise : duration.toMillis();
  }

  @Override
  public void send(MessageWriter message, Consumer<HttpResponse> onResponse, Consumer<Throwable> onError) {
    try {
      executor.execute(() -> InstrumentationUtil.suppressInstrumentation(() -> {
        HttpResponse response;
        try {
          response = sendWithRetries(message);
        } catch (Throwable t) {
          onError.accept(t);
          return;
        }
        onResponse.accept(response);
      }));
    } catch (RuntimeException rejected) { // shut down
      onError.accept(rejected);
    }
  }

  private HttpResponse sendWithRetries(MessageWriter message) throws IOException, InterruptedException {
    int maxAttempts = retryPolicy == null ? 1 : Math.max(1, retryPolicy.getMaxAttempts());
    for (int attempt = 1; ; attempt++) {
      boolean last = attempt >= maxAttempts;
      try {
        Response response = attempt(message);
        if (last || !RETRYABLE_STATUS.contains(response.getStatusCode())) {
          return response;
        }
      } catch (IOException e) {
        if (last || !isRetryable(e)) {
          throw e;
        }
      }
      Thread.sleep(backoffMillis(attempt));
    }
  }

  private boolean isRetryable(IOException e) {
    Predicate<IOException> predicate = retryPolicy.getRetryExceptionPredicate();
    if (predicate != null) {
      return predicate.test(e);
    }
    // As the SDK's senders: the receiver could not be reached or did not answer in time.
    return e instanceof ConnectException || e instanceof SocketTimeoutException
        || e instanceof java.net.NoRouteToHostException;
  }

  /** Exponential backoff, capped, with full jitter (as the SDK's senders do). */
  private long backoffMillis(int attempt) {
    double backoff = retryPolicy.getInitialBackoff().toMillis()
        * Math.pow(retryPolicy.getBackoffMultiplier(), attempt - 1);
    long capped = (long) Math.min(backoff, retryPolicy.getMaxBackoff().toMillis());
    return capped <= 0 ? 0 : ThreadLocalRandom.current().nextLong(capped + 1);
  }

  private Response attempt(MessageWriter message) throws IOException {
    Proxy proxy = proxy();
    if (plainHttp && proxy.type() == Proxy.Type.DIRECT) {
      return attemptOnKeptConnection(message);
    }
    HttpURLConnection connection = open(proxy);
    ScheduledFuture<?> deadline = deadline(connection::disconnect);
    try {
      connection.setRequestMethod("POST");
      connection.setDoOutput(true);
      connection.setUseCaches(false);
      connection.setInstanceFollowRedirects(false);
      connection.setConnectTimeout(connectTimeoutMillis);
      connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
      connection.setRequestProperty("Content-Type", contentType);
      connection.setRequestProperty("Accept", contentType);
      Map<String, List<String>> extra = headers == null ? null : headers.get();
      if (extra != null) {
        extra.forEach((name, values) -> values.forEach(value -> connection.addRequestProperty(name, value)));
      }
      if (compressor != null) {
        connection.setRequestProperty("Content-Encoding", compressor.getEncoding());
        connection.setChunkedStreamingMode(0);
        try (OutputStream out = compressor.compress(connection.getOutputStream())) {
          message.writeMessage(out);
        }
      } else {
        connection.setFixedLengthStreamingMode(message.getContentLength());
        try (OutputStream out = connection.getOutputStream()) {
          message.writeMessage(out);
        }
      }
      int status = connection.getResponseCode();
      String statusMessage = connection.getResponseMessage();
      byte[] body;
      // Reading the body to its end and closing it returns the connection to the keep-alive cache.
      try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        body = in == null ? new byte[0] : readAtMost(in, maxResponseBodySize);
      }
      return new Response(status, statusMessage == null ? "" : statusMessage, body);
    } catch (IOException e) {
      throw cutByDeadline(e, deadline);
    } finally {
      deadline.cancel(false);
    }
  }

  /**
   * Plain http without a proxy: a POST on the sender's kept connection ({@link PlainHttpConnection}), cut
   * by the deadline like the others. Compressed bodies are compressed first, so that their length is known.
   */
  private Response attemptOnKeptConnection(MessageWriter message) throws IOException {
    Map<String, List<String>> requestHeaders = new LinkedHashMap<>();
    requestHeaders.put("Content-Type", List.of(contentType));
    requestHeaders.put("Accept", List.of(contentType));
    Map<String, List<String>> extra = headers == null ? null : headers.get();
    if (extra != null) {
      extra.forEach((name, values) -> requestHeaders.merge(name, values, (before, added) -> {
        List<String> both = new ArrayList<>(before);
        both.addAll(added);
        return both;
      }));
    }
    MessageWriter body = message;
    if (compressor != null) {
      requestHeaders.put("Content-Encoding", List.of(compressor.getEncoding()));
      body = compressed(message);
    }
    PlainHttpConnection taken = keptConnection.getAndSet(null);
    PlainHttpConnection connection = taken != null ? taken : new PlainHttpConnection(endpoint, connectTimeoutMillis);
    ScheduledFuture<?> deadline = deadline(connection::abort);
    boolean kept = false;
    try {
      PlainHttpConnection.Answer answer = connection.post(requestHeaders, body, body.getContentLength(),
          (int) Math.min(Integer.MAX_VALUE, timeoutMillis), maxResponseBodySize);
      kept = connection.reusable() && keptConnection.compareAndSet(null, connection);
      return new Response(answer.status(), answer.reason(), answer.body());
    } catch (IOException e) {
      throw cutByDeadline(e, deadline);
    } finally {
      deadline.cancel(false);
      if (!kept) {
        connection.close(); // whatever went wrong (a header with a line break, say), no socket is left open
      }
    }
  }

  private MessageWriter compressed(MessageWriter message) throws IOException {
    CompressedBody bytes = new CompressedBody(Math.max(64, message.getContentLength() / 4));
    try (OutputStream out = compressor.compress(bytes)) {
      message.writeMessage(out);
    }
    return bytes;
  }

  /** {@code failure}, or a timeout in its place when the deadline cut the attempt (the cause is then the cut). */
  private IOException cutByDeadline(IOException failure, ScheduledFuture<?> deadline) {
    return deadline.isDone()
        ? new SocketTimeoutException("OTLP export to " + endpoint + " took longer than " + timeoutMillis + " ms")
        : failure;
  }

  /** Schedules {@code cut} after the timeout, from the root context (see {@link #attempt}). */
  private ScheduledFuture<?> deadline(Runnable cut) {
    // Scheduled from the root context, not the export's suppressing one, which the jdk-executors patcher
    // would otherwise capture for the task: the agent's own exports keep its context store empty.
    try (Scope root = Context.root().makeCurrent()) {
      return deadlines.schedule(cut, timeoutMillis, TimeUnit.MILLISECONDS);
    }
  }

  private Proxy proxy() throws IOException {
    if (proxy == null) {
      return Proxy.NO_PROXY;
    }
    try {
      List<Proxy> proxies = proxy.getProxySelector().select(endpoint.toURI());
      return proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
  }

  private HttpURLConnection open(Proxy chosen) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) endpoint.openConnection(chosen);
    if (sslContext != null && connection instanceof HttpsURLConnection) {
      ((HttpsURLConnection) connection).setSSLSocketFactory(sslContext.getSocketFactory());
    }
    return connection;
  }

  private static byte[] readAtMost(InputStream in, long limit) throws IOException {
    if (limit <= 0 || limit >= Integer.MAX_VALUE) {
      return in.readAllBytes();
    }
    byte[] body = in.readNBytes((int) limit);
    // Drain the rest (bounded by the read timeout) so that the connection can be reused.
    in.transferTo(OutputStream.nullOutputStream());
    return body;
  }

  @Override
  public CompletableResultCode shutdown() {
    // Sends already queued still run (the batch processor's last export at exit), each under its deadline.
    if (ownExecutor) {
      try {
        executor.execute(this::closeKeptConnection); // after the sends queued before it
      } catch (RuntimeException shutDownAlready) {
        closeKeptConnection();
      }
      executor.shutdown();
    } else {
      closeKeptConnection();
    }
    deadlines.shutdown();
    return CompletableResultCode.ofSuccess();
  }

  /** A body compressed ahead of the POST, so that its length is known. */
  private void closeKeptConnection() {
    PlainHttpConnection kept = keptConnection.getAndSet(null);
    if (kept != null) {
      kept.close();
    }
  }

  private static final class CompressedBody extends ByteArrayOutputStream implements MessageWriter {
    CompressedBody(int size) {
      super(size);
    }

    @Override
    public void writeMessage(OutputStream out) throws IOException {
      out.write(buf, 0, count);
    }

    @Override
    public int getContentLength() {
      return count;
    }
  }

  private static final class Response implements HttpResponse {
    private final int status;
    private final String message;
    private final byte[] body;

    Response(int status, String message, byte[] body) {
      this.status = status;
      this.message = message;
      this.body = body;
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    public String getStatusMessage() {
      return message;
    }

    @Override
    public byte[] getResponseBody() {
      return body;
    }
  }
}
