package io.otelauto.patchers.api;

import java.net.URI;
import java.util.Set;

/**
 * What every HTTP patcher applies of the HTTP semantic conventions. Known methods: others are reported as
 * {@code _OTHER}. Credentials out of URLs ({@code url.full}, {@code url.query}): user information becomes
 * {@code REDACTED:REDACTED}, and the values of the query parameters that carry signatures become
 * {@code REDACTED}. On the per-request path: most URLs are returned as they are, with no allocation.
 */
public final class HttpConventions {
  /** {@code http.request.method} of a method that is not one of the known ones. */
  public static final String OTHER_METHOD = "_OTHER";
  /** Query parameters whose values are credentials (semantic conventions, {@code url.query}). */
  private static final Set<String> SENSITIVE_QUERY_KEYS =
      Set.of("AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature");
  public static final String REDACTED = "REDACTED";

  /** {@code http.response.status_code} values, one object per code from 100 to 599. */
  private static final Long[] STATUS_CODES = new Long[500];

  static {
    for (int i = 0; i < STATUS_CODES.length; i++) {
      STATUS_CODES[i] = (long) (100 + i);
    }
  }

  private HttpConventions() {}

  /**
   * A status code as the value of {@code http.response.status_code}: one shared object per code from 100 to
   * 599 (boxing would allocate one per response, since {@code Long.valueOf} keeps only -128 to 127).
   */
  public static Long statusCode(int status) {
    return status >= 100 && status < 600 ? STATUS_CODES[status - 100] : Long.valueOf(status);
  }

  /**
   * One of the nine methods of RFC 9110 and RFC 5789, case-sensitively. By length, then equals: called
   * per request on a string just parsed, whose hash a set lookup would compute first (a profile of a
   * saturated server put 0.45% of its CPU in that lookup).
   */
  public static boolean isKnownMethod(String method) {
    if (method == null) {
      return false;
    }
    switch (method.length()) {
      case 3:
        return method.equals("GET") || method.equals("PUT");
      case 4:
        return method.equals("POST") || method.equals("HEAD");
      case 5:
        return method.equals("PATCH") || method.equals("TRACE");
      case 6:
        return method.equals("DELETE");
      case 7:
        return method.equals("OPTIONS") || method.equals("CONNECT");
      default:
        return false;
    }
  }

  /** The query with the values of credential parameters replaced; the same string if there is none. */
  public static String redactQuery(String query) {
    if (query == null || !mayHoldCredentials(query)) {
      return query;
    }
    StringBuilder out = null;
    int copied = 0;
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int equals = query.indexOf('=', start);
      if (equals > start && equals < end && SENSITIVE_QUERY_KEYS.contains(query.substring(start, equals))) {
        if (out == null) {
          out = new StringBuilder(query.length());
        }
        out.append(query, copied, equals + 1).append(REDACTED);
        copied = end;
      }
      start = end + 1;
    }
    return out == null ? query : out.append(query, copied, query.length()).toString();
  }

  /** The URI as the program gave it, credentials replaced (see the class comment). */
  public static String fullUrl(URI uri) {
    String rawQuery = uri.getRawQuery();
    String query = redactQuery(rawQuery);
    String userInfo = uri.getRawUserInfo();
    String authority = uri.getRawAuthority();
    if ((userInfo == null && query == rawQuery) || authority == null || uri.getScheme() == null) {
      return uri.toString();
    }
    StringBuilder url = new StringBuilder(uri.toString().length() + 16).append(uri.getScheme()).append("://");
    if (userInfo != null) {
      // In the raw form an '@' inside the user information is escaped: the last one ends it.
      url.append(REDACTED).append(':').append(REDACTED).append('@');
      authority = authority.substring(authority.lastIndexOf('@') + 1);
    }
    url.append(authority);
    if (uri.getRawPath() != null) {
      url.append(uri.getRawPath());
    }
    if (query != null) {
      url.append('?').append(query);
    }
    if (uri.getRawFragment() != null) {
      url.append('#').append(uri.getRawFragment());
    }
    return url.toString();
  }

  private static boolean mayHoldCredentials(String query) {
    for (String key : SENSITIVE_QUERY_KEYS) {
      if (query.contains(key)) {
        return true;
      }
    }
    return false;
  }
}
