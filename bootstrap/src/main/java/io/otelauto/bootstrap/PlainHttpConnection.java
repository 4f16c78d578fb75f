package io.otelauto.bootstrap;

import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection to a plain-http receiver, kept alive from one POST to the next, for one sending
 * thread at a time. What {@link java.net.HttpURLConnection} does around each POST of a batch (a
 * keep-alive cache lookup, a 1 ms read to see whether the cached socket is still open, header maps, a
 * stream per request) cost about as much CPU as writing the batch; here a POST is its head and its body
 * written to the socket and a status line and headers read back.
 *
 * <p>A kept connection the receiver has closed in the meantime shows only when it is used: a POST that
 * fails on a reused connection before any byte of the answer came back is sent again, once, on a new one
 * (as HTTP clients do with pooled connections). {@link #abort} closes the socket from another thread: the
 * sender's deadline cuts a POST that is stuck writing, which socket timeouts cannot.
 */
final class PlainHttpConnection {
  private final String host;
  private final int port;
  private final byte[] requestLine;
  private final int connectTimeoutMillis;

  /** Volatile: {@link #abort} reads it from the deadline's thread. */
  private volatile Socket socket;
  private InputStream in;
  /** The answer as read from the socket: bytes from {@code position} to {@code limit} are not consumed yet. */
  private final byte[] buffer = new byte[4096];
  private int position;
  private int limit;
  private OutputStream out;
  private volatile boolean aborted;

  PlainHttpConnection(URL endpoint, int connectTimeoutMillis) {
    String urlHost = endpoint.getHost();
    // An IPv6 literal is bracketed in a URL and in the Host header, not in a socket address.
    this.host = urlHost.startsWith("[") && urlHost.endsWith("]") ? urlHost.substring(1, urlHost.length() - 1) : urlHost;
    this.port = endpoint.getPort() < 0 ? endpoint.getDefaultPort() : endpoint.getPort();
    String target = endpoint.getFile().isEmpty() ? "/" : endpoint.getFile();
    String hostHeader = endpoint.getPort() < 0 ? urlHost : urlHost + ':' + endpoint.getPort();
    this.requestLine = ("POST " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /** An answer: status, reason phrase, and the body up to the limit. */
  record Answer(int status, String reason, byte[] body) {}

  /**
   * POSTs {@code body} ({@code length} bytes) with {@code headers} (each name with its values), waiting at
   * most {@code readTimeoutMillis} for each read of the answer.
   */
  Answer post(Map<String, List<String>> headers, MessageWriter body, int length, int readTimeoutMillis,
      long maxBodySize) throws IOException {
    aborted = false;
    byte[] head = head(headers, length);
    boolean reused = socket != null;
    try {
      if (!reused) {
        connect();
      }
      try {
        return exchange(head, body, length, readTimeoutMillis, maxBodySize);
      } catch (StaleConnection stale) {
        if (!reused || aborted) {
          throw stale.cause();
        }
        close();
        connect();
        try {
          return exchange(head, body, length, readTimeoutMillis, maxBodySize);
        } catch (StaleConnection again) {
          throw again.cause();
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Socket opened = new Socket();
    socket = opened; // so that abort() can cut the connect too
    try {
      opened.setTcpNoDelay(true); // the head and the body go in separate writes: no wait for an ack between them
      opened.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      in = opened.getInputStream();
      out = opened.getOutputStream();
      position = 0;
      limit = 0;
      if (aborted) { // the deadline passed while connecting
        throw new IOException("aborted");
      }
    } catch (IOException e) {
      opened.close();
      socket = null;
      throw e;
    }
  }

  private byte[] head(Map<String, List<String>> headers, int length) {
    StringBuilder head = new StringBuilder(256);
    if (headers != null) {
      headers.forEach((name, values) -> values.forEach(value -> {
        requireNoLineBreak(name);
        requireNoLineBreak(value);
        head.append(name).append(": ").append(value).append("\r\n");
      }));
    }
    head.append("Content-Length: ").append(length).append("\r\n\r\n");
    byte[] rest = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[requestLine.length + rest.length];
    System.arraycopy(requestLine, 0, all, 0, requestLine.length);
    System.arraycopy(rest, 0, all, requestLine.length, rest.length);
    return all;
  }

  private static void requireNoLineBreak(String text) {
    if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("an HTTP header name or value holds a line break: " + text);
    }
  }

  private Answer exchange(byte[] head, MessageWriter body, int length, int readTimeoutMillis, long maxBodySize)
      throws IOException {
    try {
      out.write(head);
      LengthBound bounded = new LengthBound(out, length);
      body.writeMessage(bounded);
      bounded.requireComplete();
      out.flush();
      socket.setSoTimeout(readTimeoutMillis);
    } catch (ProtocolException wrongLength) {
      throw wrongLength;
    } catch (IOException e) {
      throw new StaleConnection(e);
    }
    Answer answer;
    do {
      answer = readAnswer(maxBodySize);
    } while (answer.status() < 200); // 100 Continue and the like: the answer follows
    return answer;
  }

  private Answer readAnswer(long maxBodySize) throws IOException {
    String statusLine;
    try {
      statusLine = readLine();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      throw new StaleConnection(e); // nothing came back: the receiver had closed a kept connection
    }
    // HTTP/1.1 200 OK
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    int status;
    try {
      status = Integer.parseInt(statusLine.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
    boolean keepAlive = statusLine.charAt(7) == '1';
    long contentLength = -1;
    boolean chunked = false;
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length":
          try {
            contentLength = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("a bad Content-Length in the answer: " + value);
          }
          break;
        case "transfer-encoding":
          chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
          break;
        case "connection":
          String tokens = value.toLowerCase(Locale.ROOT);
          keepAlive = tokens.contains("close") ? false : keepAlive || tokens.contains("keep-alive");
          break;
        default:
          break;
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(64);
    long keep = maxBodySize <= 0 ? Integer.MAX_VALUE - 8 : Math.min(maxBodySize, Integer.MAX_VALUE - 8);
    if (status == 204 || status == 304 || status < 200) {
      // no body
    } else if (chunked) {
      for (long size = chunkSize(); size > 0; size = chunkSize()) {
        readBody(body, size, keep);
        readLine(); // the CRLF after the chunk
      }
      while (!readLine().isEmpty()) {
        // trailers: none of them matters here
      }
    } else if (contentLength >= 0) {
      readBody(body, contentLength, keep);
    } else { // delimited by the end of the connection
      readBody(body, Long.MAX_VALUE, keep);
      keepAlive = false;
    }
    if (!keepAlive) {
      close();
    }
    return new Answer(status, reason, body.toByteArray());
  }

  /** The next line of the answer, without its CRLF (or LF). */
  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      if (position == limit && !fill()) {
        throw new EOFException(line.length() == 0 ? "the receiver closed the connection" : "the answer ended early");
      }
      byte b = buffer[position++];
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      if (line.length() >= 8192) {
        throw new IOException("an answer line longer than 8192 bytes");
      }
      line.append((char) (b & 0xff));
    }
  }

  private long chunkSize() throws IOException {
    String line = readLine();
    int extension = line.indexOf(';');
    try {
      return Long.parseLong((extension >= 0 ? line.substring(0, extension) : line).trim(), 16);
    } catch (NumberFormatException e) {
      throw new IOException("a bad chunk size in the answer: " + line);
    }
  }

  /** {@code length} bytes of body ({@code Long.MAX_VALUE}: to the end of the stream), keeping {@code keep} in all. */
  private void readBody(ByteArrayOutputStream body, long length, long keep) throws IOException {
    for (long left = length; left > 0; ) {
      if (position == limit && !fill()) {
        if (length == Long.MAX_VALUE) {
          return;
        }
        throw new EOFException("the answer's body ended early");
      }
      int taken = (int) Math.min(limit - position, left);
      int kept = (int) Math.max(0, Math.min(taken, keep - body.size()));
      body.write(buffer, position, kept);
      position += taken;
      left -= taken;
    }
  }

  /** Reads more of the answer into the buffer; false at the end of the stream. */
  private boolean fill() throws IOException {
    int read = in.read(buffer, 0, buffer.length);
    if (read <= 0) {
      return false;
    }
    position = 0;
    limit = read;
    return true;
  }

  /** Whether the last answer left the connection open for the next POST (an answer that ends it closes it). */
  boolean reusable() {
    return socket != null;
  }

  /** Closes the socket now, from any thread: a POST blocked on it fails at once. */
  void abort() {
    aborted = true;
    closeQuietly(socket);
  }

  void close() {
    Socket current = socket;
    socket = null;
    in = null;
    out = null;
    closeQuietly(current);
  }

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing is all that was asked
      }
    }
  }

  /** The request could not be sent, or no answer came back: the connection may have been closed while kept. */
  private static final class StaleConnection extends IOException {
    StaleConnection(IOException cause) {
      super(cause.getMessage(), cause);
    }

    IOException cause() {
      return (IOException) getCause();
    }
  }

  /** Fails a body that does not match its Content-Length, which would otherwise leave the receiver waiting. */
  private static final class LengthBound extends OutputStream {
    private final OutputStream out;
    private final long length;
    private long written;

    LengthBound(OutputStream out, long length) {
      this.out = out;
      this.length = length;
    }

    @Override
    public void write(int b) throws IOException {
      count(1);
      out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int count) throws IOException {
      count(count);
      out.write(bytes, offset, count);
    }

    private void count(int more) throws IOException {
      written += more;
      if (written > length) {
        throw new ProtocolException("the message is longer than its Content-Length, " + length + " bytes");
      }
    }

    void requireComplete() throws IOException {
      if (written != length) {
        throw new ProtocolException("the message wrote " + written + " bytes of its Content-Length, " + length);
      }
    }

    @Override
    public void flush() {
      // the connection flushes once the whole body is written
    }

    @Override
    public void close() {
      // the socket stays open for the answer
    }
  }
}
