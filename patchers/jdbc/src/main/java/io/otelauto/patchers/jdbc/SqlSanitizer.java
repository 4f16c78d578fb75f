package io.otelauto.patchers.jdbc;

/**
 * SQL text to {@link SqlQuery}: {@code db.query.text} with every literal replaced by {@code ?} (strings,
 * numbers, hexadecimal and binary strings, {@code TRUE}/{@code FALSE}, PostgreSQL dollar-quoted strings) and
 * comments removed, and the {@code db.query.summary} that {@link QuerySummary} builds from the same tokens.
 *
 * <p>One pass over the characters, no backtracking, no regular expressions: the cost is linear in the length of
 * the statement (the closing tag of a dollar-quoted string is searched with a tag of at most
 * {@value #MAX_DOLLAR_TAG} characters). Text without literals or comments is returned as the same string.
 *
 * <p>Where the dialect leaves a doubt, the sanitizer errs towards removing too much: a backslash inside a
 * string of a database where it may or may not escape the next character ({@link Dialect#backslashAmbiguous}),
 * an unterminated string, quoted identifier or comment, or an over-long dollar tag: the rest of the statement
 * becomes one {@code ?}. A literal is never exported.
 */
final class SqlSanitizer {
  static final int MAX_DOLLAR_TAG = 64;

  /** How a database reads quotes, backslashes and comments. */
  enum Dialect {
    /** H2, HSQLDB, Derby, Oracle, SQL Server, Db2, SQLite: {@code "..."} names, a backslash is a character. */
    ANSI(false, false, false, false),
    /**
     * {@code E'...'} strings escape with backslashes; in a plain string a backslash depends on the server's
     * {@code standard_conforming_strings}, so it is a doubt.
     */
    POSTGRESQL(false, false, true, true),
    /**
     * MySQL, MariaDB: {@code "..."} is a string (unless {@code ANSI_QUOTES}), {@code #} starts a comment, a
     * backslash escapes (unless {@code NO_BACKSLASH_ESCAPES}): a doubt.
     */
    MYSQL(true, true, true, false),
    /** Any other database: the reading that never leaks, for each doubt. */
    UNKNOWN(true, true, true, false);

    final boolean doubleQuotedStrings;
    final boolean hashComments;
    final boolean backslashAmbiguous;
    final boolean escapeStrings;

    Dialect(boolean doubleQuotedStrings, boolean hashComments, boolean backslashAmbiguous, boolean escapeStrings) {
      this.doubleQuotedStrings = doubleQuotedStrings;
      this.hashComments = hashComments;
      this.backslashAmbiguous = backslashAmbiguous;
      this.escapeStrings = escapeStrings;
    }
  }

  // The kind of the previous token, which decides whether a sign belongs to the number after it.
  private static final int NONE = 0;
  private static final int NAME = 1;
  private static final int VALUE = 2;
  private static final int CLOSE = 3;
  private static final int PLACEHOLDER = 4;
  private static final int OTHER = 5;

  private final String sql;
  private final int length;
  private final Dialect dialect;
  private final QuerySummary summary;
  private StringBuilder out;
  private int copied;
  private int previous = NONE;

  private SqlSanitizer(String sql, Dialect dialect) {
    this.sql = sql;
    this.length = sql.length();
    this.dialect = dialect;
    this.summary = new QuerySummary(sql);
  }

  static SqlQuery sanitize(String sql, Dialect dialect) {
    if (sql == null) {
      return SqlQuery.UNKNOWN;
    }
    SqlQuery call = jdbcCallEscape(sql);
    if (call != null) {
      return call;
    }
    SqlSanitizer sanitizer = new SqlSanitizer(sql, dialect);
    sanitizer.run();
    String text = sanitizer.text();
    return new SqlQuery(text.isBlank() ? null : text, sanitizer.summary.result(), null);
  }

  private void run() {
    int i = 0;
    while (i < length) {
      char c = sql.charAt(i);
      char next = i + 1 < length ? sql.charAt(i + 1) : 0;
      if (Character.isWhitespace(c)) {
        i++;
      } else if ((c == '-' && next == '-') || (c == '#' && dialect.hashComments)) {
        i = lineComment(i);
      } else if (c == '/' && next == '*') {
        i = blockComment(i);
      } else if (c == '\'') {
        i = string(i, i + 1, '\'', false);
      } else if (c == '"') {
        i = dialect.doubleQuotedStrings ? string(i, i + 1, '"', false) : quotedName(i, '"');
      } else if (c == '`') {
        i = quotedName(i, '`');
      } else if (c == '$') {
        i = dollar(i);
      } else if (isDigit(c) || (c == '.' && isDigit(next) && !followsOperand())) {
        i = number(i, i);
      } else if ((c == '+' || c == '-') && startsNumber(i + 1) && !followsOperand()) {
        i = number(i, i + 1);
      } else if (isNameStart(c)) {
        i = word(i);
      } else if (c == '?') {
        summary.value();
        previous = PLACEHOLDER;
        i++;
      } else {
        summary.symbol(c);
        previous = c == ')' ? CLOSE : OTHER;
        i++;
      }
    }
    summary.end();
  }

  private String text() {
    if (out == null) {
      return sql;
    }
    out.append(sql, copied, length);
    return out.toString();
  }

  /** Replaces {@code [start, end)} of the statement by {@code replacement} in the text. */
  private void replace(int start, int end, String replacement) {
    if (out == null) {
      out = new StringBuilder(length);
    }
    out.append(sql, copied, start).append(replacement);
    copied = end;
  }

  private void literal(int start, int end) {
    replace(start, end, "?");
    summary.value();
    previous = VALUE;
  }

  /** Everything from {@code start} on is one literal: what is left cannot be read safely. */
  private int literalToTheEnd(int start) {
    literal(start, length);
    return length;
  }

  private int lineComment(int start) {
    int end = sql.indexOf('\n', start);
    end = end < 0 ? length : end;
    replace(start, end, "");
    return end;
  }

  /** A block comment, nested ones included (PostgreSQL nests them; elsewhere that removes more, never less). */
  private int blockComment(int start) {
    int depth = 0;
    int i = start;
    while (i < length) {
      char c = sql.charAt(i);
      char next = i + 1 < length ? sql.charAt(i + 1) : 0;
      if (c == '/' && next == '*') {
        depth++;
        i += 2;
      } else if (c == '*' && next == '/') {
        i += 2;
        if (--depth == 0) {
          // Keeps "a/**/b" two words; "a /**/ b" loses only the comment.
          boolean between = start > 0 && i < length
              && !Character.isWhitespace(sql.charAt(start - 1)) && !Character.isWhitespace(sql.charAt(i));
          replace(start, i, between ? " " : "");
          return i;
        }
      } else {
        i++;
      }
    }
    replace(start, length, "");
    return length;
  }

  /**
   * A string from {@code start} (its prefix, if any) whose content begins at {@code from}. {@code escapes}: a
   * backslash certainly escapes the next character (PostgreSQL's {@code E'...'}).
   */
  private int string(int start, int from, char quote, boolean escapes) {
    int i = from;
    while (i < length) {
      char c = sql.charAt(i);
      if (c == '\\') {
        if (escapes) {
          i += 2;
          continue;
        }
        if (dialect.backslashAmbiguous) {
          return literalToTheEnd(start);
        }
      } else if (c == quote) {
        if (i + 1 < length && sql.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        literal(start, i + 1);
        return i + 1;
      }
      i++;
    }
    return literalToTheEnd(start);
  }

  /** Oracle's {@code q'[it's]'}: the character after the quote picks the closing one. */
  private int alternativeQuote(int start, int delimiterAt) {
    char open = sql.charAt(delimiterAt);
    char close = switch (open) {
      case '[' -> ']';
      case '{' -> '}';
      case '(' -> ')';
      case '<' -> '>';
      default -> open;
    };
    for (int i = delimiterAt + 1; i + 1 < length; i++) {
      if (sql.charAt(i) == close && sql.charAt(i + 1) == '\'') {
        literal(start, i + 2);
        return i + 2;
      }
    }
    return literalToTheEnd(start);
  }

  /** A quoted name ({@code "Order"}, {@code `order`}), kept as written. */
  private int quotedName(int start, char quote) {
    int i = start + 1;
    while (i < length) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < length && sql.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        summary.name(start, i + 1);
        previous = NAME;
        return i + 1;
      }
      i++;
    }
    return literalToTheEnd(start);
  }

  /** {@code $1} (a placeholder, kept), {@code $$...$$} or {@code $tag$...$tag$} (a string), or a lone {@code $}. */
  private int dollar(int start) {
    int i = start + 1;
    if (i < length && isDigit(sql.charAt(i))) {
      while (i < length && isDigit(sql.charAt(i))) {
        i++;
      }
      summary.value();
      previous = PLACEHOLDER;
      return i;
    }
    while (i < length && isTagPart(sql.charAt(i))) {
      i++;
    }
    if (i < length && sql.charAt(i) == '$') {
      int tagLength = i + 1 - start;
      if (tagLength > MAX_DOLLAR_TAG) {
        return literalToTheEnd(start);
      }
      int close = sql.indexOf(sql.substring(start, i + 1), i + 1);
      if (close < 0) {
        return literalToTheEnd(start);
      }
      literal(start, close + tagLength);
      return close + tagLength;
    }
    summary.symbol('$');
    previous = OTHER;
    return start + 1;
  }

  /** A number from {@code start} (its sign, if any) whose digits begin at {@code from}. */
  private int number(int start, int from) {
    int i = from;
    if (sql.charAt(i) == '0' && i + 2 < length && (sql.charAt(i + 1) | 0x20) == 'x' && isHexDigit(sql.charAt(i + 2))) {
      i += 2;
      while (i < length && isHexDigit(sql.charAt(i))) {
        i++;
      }
    } else {
      i = digits(i);
      if (i < length && sql.charAt(i) == '.') {
        i = digits(i + 1);
      }
      if (i < length && (sql.charAt(i) | 0x20) == 'e') {
        int exponent = i + 1 < length && (sql.charAt(i + 1) == '+' || sql.charAt(i + 1) == '-') ? i + 2 : i + 1;
        if (exponent < length && isDigit(sql.charAt(exponent))) {
          i = digits(exponent);
        }
      }
    }
    // Whatever is glued to it (MySQL's 1table, a malformed 12ab) goes with it: no digit is left behind.
    while (i < length && isNamePart(sql.charAt(i))) {
      i++;
    }
    literal(start, i);
    return i;
  }

  private int word(int start) {
    int i = start + 1;
    while (i < length && isNamePart(sql.charAt(i))) {
      i++;
    }
    char first = sql.charAt(start);
    if (i == start + 1 && i < length && sql.charAt(i) == '\'' && "NnXxBbEe".indexOf(first) >= 0) {
      // N'national', X'hex', B'bits', E'escaped': the prefix goes with the string.
      return string(start, i + 1, '\'', dialect.escapeStrings && (first == 'E' || first == 'e'));
    }
    if ((isWord(start, i, "Q") || isWord(start, i, "NQ")) && i + 1 < length && sql.charAt(i) == '\'') {
      return alternativeQuote(start, i + 1);
    }
    if (isWord(start, i, "TRUE") || isWord(start, i, "FALSE")) {
      literal(start, i);
      return i;
    }
    summary.word(start, i);
    previous = NAME;
    return i;
  }

  private boolean isWord(int start, int end, String word) {
    return end - start == word.length() && sql.regionMatches(true, start, word, 0, word.length());
  }

  private boolean startsNumber(int i) {
    return i < length && (isDigit(sql.charAt(i)) || (sql.charAt(i) == '.' && i + 1 < length && isDigit(sql.charAt(i + 1))));
  }

  /**
   * After a name, a closing parenthesis or a placeholder, {@code -1} is a subtraction and {@code .5} a
   * qualifier; elsewhere ({@code = -1}, {@code , +2}, {@code 99+100}) the sign is part of the literal.
   */
  private boolean followsOperand() {
    return previous == NAME || previous == CLOSE || previous == PLACEHOLDER;
  }

  private int digits(int from) {
    int i = from;
    while (i < length && isDigit(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  private boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || (c == '#' && !dialect.hashComments);
  }

  private static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isTagPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isHexDigit(char c) {
    return isDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
  }

  /**
   * A JDBC stored procedure escape, {@code {call name(...)}} or {@code {? = call name(...)}}: the
   * conventions' example for {@code Connection.prepareCall} gives {@code call name} as the summary and no
   * query text.
   */
  static SqlQuery jdbcCallEscape(String sql) {
    int i = skipSpaces(sql, 0);
    if (i >= sql.length() || sql.charAt(i) != '{') {
      return null;
    }
    i = skipSpaces(sql, i + 1);
    if (i < sql.length() && sql.charAt(i) == '?') {
      i = skipSpaces(sql, i + 1);
      if (i >= sql.length() || sql.charAt(i) != '=') {
        return null;
      }
      i = skipSpaces(sql, i + 1);
    }
    int keyword = i;
    if (!sql.regionMatches(true, i, "call", 0, 4) || i + 4 >= sql.length() || !Character.isWhitespace(sql.charAt(i + 4))) {
      return null;
    }
    int name = skipSpaces(sql, i + 4);
    int end = name;
    while (end < sql.length()) {
      char c = sql.charAt(end);
      if (c == '"' || c == '`') {
        int close = sql.indexOf(c, end + 1);
        if (close < 0) {
          return null;
        }
        end = close + 1;
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '.') {
        end++;
      } else {
        break;
      }
    }
    if (end == name) {
      return null;
    }
    String procedure = sql.substring(name, end);
    return new SqlQuery(null, sql.substring(keyword, keyword + 4) + " " + procedure, procedure);
  }

  private static int skipSpaces(String sql, int from) {
    int i = from;
    while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
      i++;
    }
    return i;
  }
}
