package io.otelauto.patchers.jdbc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code db.query.summary}: the operations and the objects they work on, in the order of the SQL and as
 * written, e.g. {@code SELECT items}, {@code INSERT shipping_details SELECT orders},
 * {@code SELECT SELECT orders customers}, {@code CREATE TABLE items} (the conventions' "Generating a summary
 * of the query"). At most {@value #MAX_LENGTH} characters, never cut inside a part.
 *
 * <p>{@link SqlSanitizer} feeds it the tokens of one statement as it reads them; a few states and a stack of
 * parentheses keep it linear. It is a reading of common SQL, not a parser:
 * <ul>
 *   <li>operations: the first word of each statement ({@code SELECT}, {@code COMMIT}, {@code SET}, ...);
 *       {@code SELECT} anywhere; {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE} after an opening
 *       parenthesis or a {@code WITH}'s query; {@code CREATE}, {@code ALTER}, {@code DROP},
 *       {@code TRUNCATE} with their object type ({@code CREATE TABLE});</li>
 *   <li>objects: the names after {@code FROM} (a list: {@code FROM a x, b y}), {@code JOIN} and
 *       {@code USING} in a query, after {@code INSERT INTO}, {@code UPDATE}, {@code MERGE INTO},
 *       {@code CALL}/{@code EXEC}, and after the object type of a DDL statement; qualified
 *       ({@code dbo.items}) and quoted ({@code "song list"}) names as written. A name followed by {@code (}
 *       after {@code FROM} is a table function, not a table; {@code FROM} inside a function call
 *       ({@code EXTRACT(YEAR FROM d)}) is not a query's.</li>
 * </ul>
 * String literals are never names here, even where a database would read them as one.
 */
final class QuerySummary {
  static final int MAX_LENGTH = 255;

  // What the next name is.
  private static final int NONE = 0;
  /** The object of INSERT INTO, UPDATE, MERGE INTO, CALL, or a DDL statement. */
  private static final int TARGET = 1;
  /** An item of a FROM list, JOIN or USING: a table, or a table function when "(" follows. */
  private static final int FROM_TARGET = 2;
  /** Right after a FROM item: an alias, then "," for the next item. */
  private static final int AFTER_FROM_TARGET = 3;
  /** After CREATE, ALTER, DROP, TRUNCATE: modifiers, then the object type. */
  private static final int DDL = 4;

  // Keyword flags (an enum's constants cannot name the enum's own static fields).
  private static final int R = 1;
  private static final int S = 2;
  private static final int Q = 4;
  private static final int M = 8;
  private static final int O = 16;

  private final String sql;
  private final StringBuilder out = new StringBuilder();
  private boolean full;

  private int expect = NONE;
  private int aliases;
  private boolean statementStart = true;
  private boolean clauseStart;
  private boolean withStatement;
  private boolean afterBrace;

  // A (qualified) name being read: sql[nameStart, nameEnd), and what it was expected as.
  private int nameStart = -1;
  private int nameEnd;
  private int nameExpect;
  private boolean nameContinues;

  private Keyword ddlVerb;
  private int ddlStart;
  private int ddlEnd;

  // Open parentheses: whether each holds a query, and what to expect after it closes.
  private int depth;
  private boolean[] query = new boolean[8];
  private int[] expectAfter = new int[8];

  QuerySummary(String sql) {
    this.sql = sql;
  }

  String result() {
    return out.length() == 0 ? null : out.toString();
  }

  /** An unquoted word: a keyword or a name. */
  void word(int start, int end) {
    if (continuesName(end)) {
      return;
    }
    boolean atStatement = statementStart;
    boolean atClause = clauseStart;
    boolean braced = afterBrace;
    statementStart = false;
    clauseStart = false;
    afterBrace = false;
    if (braced) {
      return; // {fn ...}, {d ...}, {oj ...}: a JDBC escape's keyword
    }
    Keyword keyword = Keyword.of(sql, start, end);
    switch (expect) {
      case DDL -> {
        ddlWord(keyword, start, end);
        return;
      }
      case TARGET, FROM_TARGET -> {
        if (keyword != null && keyword.skip) {
          return;
        }
        if (keyword == null || !keyword.reserved) {
          startName(start, end);
          return;
        }
        expect = NONE;
      }
      case AFTER_FROM_TARGET -> {
        if (keyword == Keyword.AS) {
          return;
        }
        if ((keyword == null || !keyword.reserved) && aliases-- > 0) {
          return;
        }
        expect = NONE;
      }
      default -> { }
    }
    if (keyword == null) {
      if (atStatement) {
        add(start, end); // the statement's command: COMMIT, SHOW, VACUUM, ...
      }
      return;
    }
    if (atClause && depth > 0 && keyword.query) {
      query[depth] = true;
    }
    switch (keyword) {
      case SELECT -> add(start, end);
      case WITH -> withStatement |= atStatement;
      case INSERT, UPDATE, MERGE -> {
        if (atStatement || atClause) {
          add(start, end);
          expect = TARGET;
        }
      }
      case DELETE -> {
        if (atStatement || atClause) {
          add(start, end);
        }
      }
      case REPLACE, UPSERT, CALL, EXEC, EXECUTE -> {
        if (atStatement) {
          add(start, end);
          expect = TARGET;
        }
      }
      case CREATE, ALTER, DROP, TRUNCATE -> {
        if (atStatement) {
          ddlVerb = keyword;
          ddlStart = start;
          ddlEnd = end;
          expect = DDL;
        }
      }
      case FROM, JOIN, USING -> {
        if (depth == 0 || query[depth]) {
          expect = FROM_TARGET;
        }
      }
      default -> {
        if (atStatement) {
          add(start, end);
        }
      }
    }
  }

  /** A quoted name ({@code "song list"}, {@code `order`}). */
  void name(int start, int end) {
    if (continuesName(end)) {
      return;
    }
    resetPosition();
    switch (expect) {
      case TARGET, FROM_TARGET -> startName(start, end);
      case AFTER_FROM_TARGET -> {
        if (aliases-- <= 0) {
          expect = NONE;
        }
      }
      case DDL -> endDdl();
      default -> { }
    }
  }

  /** A literal or a placeholder. */
  void value() {
    endName(false);
    resetPosition();
    if (expect == DDL) {
      endDdl();
    }
    expect = NONE;
  }

  void symbol(char c) {
    if (nameStart >= 0 && c == '.') {
      nameContinues = true;
      return;
    }
    endName(c == '(');
    resetPosition();
    if (expect == DDL) {
      endDdl();
    }
    switch (c) {
      case '(' -> {
        push(expect == FROM_TARGET || expect == AFTER_FROM_TARGET ? AFTER_FROM_TARGET : NONE);
        expect = NONE;
        clauseStart = true;
      }
      case ')' -> {
        if (depth > 0) {
          expect = expectAfter[depth];
          aliases = 1;
          depth--;
        } else {
          expect = NONE;
        }
        clauseStart = depth == 0 && withStatement;
      }
      case ',' -> {
        if (expect == AFTER_FROM_TARGET) {
          expect = FROM_TARGET;
        }
      }
      case ';' -> {
        expect = NONE;
        depth = 0;
        withStatement = false;
        statementStart = true;
      }
      case '{' -> afterBrace = true;
      default -> {
        if (expect == AFTER_FROM_TARGET) {
          expect = NONE;
        }
      }
    }
  }

  void end() {
    endName(false);
    if (expect == DDL) {
      endDdl();
    }
  }

  private void resetPosition() {
    statementStart = false;
    clauseStart = false;
    afterBrace = false;
  }

  private void ddlWord(Keyword keyword, int start, int end) {
    if (keyword != null && keyword.ddlModifier) {
      return;
    }
    if (keyword != null && keyword.ddlObject) {
      add(ddlStart, ddlEnd);
      add(start, end);
      expect = TARGET;
      return;
    }
    endDdl();
    if (ddlVerb == Keyword.TRUNCATE && (keyword == null || !keyword.reserved)) {
      expect = TARGET;
      startName(start, end); // TRUNCATE items
    }
  }

  private void endDdl() {
    add(ddlStart, ddlEnd);
    expect = NONE;
  }

  private void startName(int start, int end) {
    nameStart = start;
    nameEnd = end;
    nameExpect = expect;
    nameContinues = false;
  }

  /** The part after a dot of the name being read: consumed. */
  private boolean continuesName(int end) {
    if (nameStart >= 0 && nameContinues) {
      nameEnd = end;
      nameContinues = false;
      return true;
    }
    endName(false);
    return false;
  }

  /** The name being read is complete; before "(" after FROM it was a table function, which is no object. */
  private void endName(boolean openParenthesis) {
    if (nameStart < 0) {
      return;
    }
    if (!(openParenthesis && nameExpect == FROM_TARGET)) {
      add(nameStart, nameEnd);
    }
    nameStart = -1;
    nameContinues = false;
    expect = nameExpect == FROM_TARGET ? AFTER_FROM_TARGET : NONE;
    aliases = 1;
  }

  private void push(int after) {
    depth++;
    if (depth == query.length) {
      query = Arrays.copyOf(query, depth * 2);
      expectAfter = Arrays.copyOf(expectAfter, depth * 2);
    }
    query[depth] = false;
    expectAfter[depth] = after;
  }

  private void add(int start, int end) {
    if (full) {
      return;
    }
    int needed = (out.length() == 0 ? 0 : 1) + end - start;
    if (out.length() + needed > MAX_LENGTH) {
      full = true;
      return;
    }
    if (out.length() > 0) {
      out.append(' ');
    }
    out.append(sql, start, end);
  }

  /** The words the summary reacts to, looked up by length, case-insensitively, without allocating. */
  private enum Keyword {
    AS(R), FROM(R), JOIN(R), INNER(R), LEFT(R), RIGHT(R), FULL(R), OUTER(R), CROSS(R), NATURAL(R),
    WHERE(R), GROUP(R), ORDER(R), HAVING(R), LIMIT(R), OFFSET(R), FETCH(R), UNION(R), INTERSECT(R),
    EXCEPT(R), MINUS(R), ON(R), USING(R), SET(R), RETURNING(R), WINDOW(R), FOR(R), AND(R),
    INTO(R | S), NOT(R | S), ONLY(S), IGNORE(S), IF(S), EXISTS(S), LATERAL(S),
    SELECT(R | Q), WITH(R | Q), VALUES(R | Q), INSERT(Q), UPDATE(Q), DELETE(Q), MERGE(Q), UPSERT(0),
    CALL(0), EXEC(0), EXECUTE(0), CREATE(0), ALTER(0), DROP(0), TRUNCATE(0),
    OR(R | M), REPLACE(M), GLOBAL(M), LOCAL(M), TEMP(M), TEMPORARY(M), UNLOGGED(M), UNIQUE(M),
    MATERIALIZED(M), CACHED(M), MEMORY(M), FORCE(M), RECURSIVE(M),
    TABLE(O), VIEW(O), INDEX(O), SEQUENCE(O), SCHEMA(O), DATABASE(O), FUNCTION(O), PROCEDURE(O),
    TRIGGER(O), TYPE(O), DOMAIN(O), EXTENSION(O), ROLE(O), USER(O), ALIAS(O), SYNONYM(O);

    private static final int LONGEST = 12;
    /** By length and first letter: a word is compared with three keywords at most. */
    private static final Keyword[][] INDEX_BY_LENGTH_AND_LETTER = index();

    /** Ends an alias or a list of names: never a name itself. */
    final boolean reserved;
    /** Between an operation and its object: INSERT INTO, FROM ONLY, DROP TABLE IF EXISTS. */
    final boolean skip;
    /** The first word of a query in parentheses. */
    final boolean query;
    final boolean ddlModifier;
    final boolean ddlObject;

    Keyword(int flags) {
      this.reserved = (flags & R) != 0;
      this.skip = (flags & S) != 0;
      this.query = (flags & Q) != 0;
      this.ddlModifier = (flags & M) != 0;
      this.ddlObject = (flags & O) != 0;
    }

    static Keyword of(String sql, int start, int end) {
      int length = end - start;
      int letter = (sql.charAt(start) | 0x20) - 'a';
      if (length < 2 || length > LONGEST || letter < 0 || letter >= 26) {
        return null;
      }
      for (Keyword keyword : INDEX_BY_LENGTH_AND_LETTER[length * 26 + letter]) {
        if (sql.regionMatches(true, start + 1, keyword.name(), 1, length - 1)) {
          return keyword;
        }
      }
      return null;
    }

    private static Keyword[][] index() {
      List<List<Keyword>> lists = new ArrayList<>();
      for (int i = 0; i < (LONGEST + 1) * 26; i++) {
        lists.add(new ArrayList<>());
      }
      for (Keyword keyword : values()) {
        lists.get(keyword.name().length() * 26 + keyword.name().charAt(0) - 'A').add(keyword);
      }
      return lists.stream().map(list -> list.toArray(new Keyword[0])).toArray(Keyword[][]::new);
    }
  }
}
