package io.otelauto.patchers.jdkurlconnection;

import io.opentelemetry.context.propagation.TextMapSetter;
import java.net.URLConnection;

/**
 * Writes propagation headers (traceparent, baggage, ...) as request properties. A header the program set
 * itself is left as it is: the program is propagating on its own, and a second value would make the request
 * ambiguous.
 */
enum RequestPropertySetter implements TextMapSetter<URLConnection> {
  INSTANCE;

  @Override
  public void set(URLConnection connection, String key, String value) {
    if (connection == null || connection.getRequestProperty(key) != null) {
      return;
    }
    try {
      connection.setRequestProperty(key, value);
    } catch (IllegalStateException e) {
      // The connection is connecting already: it was in use before the patch saw it.
      throw TooLate.INSTANCE;
    }
  }

  /** The request headers are fixed already; the connection goes on untraced. */
  static final class TooLate extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final TooLate INSTANCE = new TooLate();

    private TooLate() {
      super("the connection is already connecting", null, false, false);
    }
  }
}
