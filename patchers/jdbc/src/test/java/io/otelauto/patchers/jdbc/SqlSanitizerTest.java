package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.otelauto.patchers.jdbc.SqlSanitizer.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** db.query.text and db.query.summary from SQL text alone: no agent, no database. */
class SqlSanitizerTest {

  /**
   * The semantic conventions' own cases (docs/non-normative/database-test-cases/db-sql-test-cases.json,
   * db.system.name other_sql): query, expected text, expected summary.
   */
  static Stream<Arguments> conventionCases() {
    return Stream.of(
        Arguments.of("SELECT 12, -12, +12", "SELECT ?, ?, ?", "SELECT"),
        Arguments.of("SELECT 12.34, -12.34, +12.34, .01, -.01", "SELECT ?, ?, ?, ?, ?", "SELECT"),
        Arguments.of("SELECT 12.34e56, -12.34e56, +12.34e56", "SELECT ?, ?, ?", "SELECT"),
        Arguments.of("SELECT 12.34e-56, -12.34e-56, +12.34e-56", "SELECT ?, ?, ?", "SELECT"),
        Arguments.of("SELECT 99+100", "SELECT ??", "SELECT"),
        Arguments.of("SELECT 0xDEADBEEF, 0XdeadBEEF", "SELECT ?, ?", "SELECT"),
        Arguments.of("SELECT 'hello'", "SELECT ?", "SELECT"),
        Arguments.of("SELECT 'My name''s not important'", "SELECT ?", "SELECT"),
        Arguments.of("SELECT 'My name is \n not important'", "SELECT ?", "SELECT"),
        Arguments.of("SELECT c3po, r2d2 FROM covid19 WHERE n1h1=1234",
            "SELECT c3po, r2d2 FROM covid19 WHERE n1h1=?", "SELECT covid19"),
        Arguments.of("SELECT a FROM dbo.Table JOIN dbo.AnotherTable",
            "SELECT a FROM dbo.Table JOIN dbo.AnotherTable", "SELECT dbo.Table dbo.AnotherTable"),
        Arguments.of("INSERT INTO X VALUES(1, 23456, 123.456, 99+100)", "INSERT INTO X VALUES(?, ?, ?, ??)", "INSERT X"),
        Arguments.of("SELECT { guid '01234567-89ab-cdef-0123-456789abcdef' }", "SELECT { guid ? }", "SELECT"),
        Arguments.of("SELECT * FROM table WHERE value IN (123, 456, 'abc')",
            "SELECT * FROM table WHERE value IN (?, ?, ?)", "SELECT table"),
        Arguments.of("SELECT column -- end of line comment\nFROM /* block \n comment */ table",
            "SELECT column \nFROM  table", "SELECT table"),
        Arguments.of("INSERT INTO shipping_details\n(order_id,\naddress)\nSELECT order_id,\naddress\nFROM   orders\nWHERE  order_id = 1",
            "INSERT INTO shipping_details\n(order_id,\naddress)\nSELECT order_id,\naddress\nFROM   orders\nWHERE  order_id = ?",
            "INSERT shipping_details SELECT orders"),
        Arguments.of("SELECT order_date\nFROM   (SELECT *\nFROM   orders o\nJOIN customers c\nON o.customer_id = c.customer_id)",
            "SELECT order_date\nFROM   (SELECT *\nFROM   orders o\nJOIN customers c\nON o.customer_id = c.customer_id)",
            "SELECT SELECT orders customers"),
        Arguments.of("SELEcT order_date\nFROM   (sELECT *\nFROM   orders o\nJOIN customers c\nON o.customer_id = c.customer_id)",
            "SELEcT order_date\nFROM   (sELECT *\nFROM   orders o\nJOIN customers c\nON o.customer_id = c.customer_id)",
            "SELEcT sELECT orders customers"),
        Arguments.of("SELEcT order_date\nFROM ORders", "SELEcT order_date\nFROM ORders", "SELEcT ORders"),
        Arguments.of("SELECT * FROM Orders o CROSS JOIN OrderDetails od",
            "SELECT * FROM Orders o CROSS JOIN OrderDetails od", "SELECT Orders OrderDetails"),
        Arguments.of("SELECT * FROM Orders o, OrderDetails od", "SELECT * FROM Orders o, OrderDetails od",
            "SELECT Orders OrderDetails"),
        Arguments.of("CREATE  TABLE MyTable (\n    ID NOT NULL IDENTITY(1,1) PRIMARY KEY\n)",
            "CREATE  TABLE MyTable (\n    ID NOT NULL IDENTITY(?,?) PRIMARY KEY\n)", "CREATE TABLE MyTable"),
        Arguments.of("ALTER  TABLE MyTable ADD Name varchar(255)", "ALTER  TABLE MyTable ADD Name varchar(?)",
            "ALTER TABLE MyTable"),
        Arguments.of("DROP  TABLE MyTable", "DROP  TABLE MyTable", "DROP TABLE MyTable"));
  }

  @ParameterizedTest
  @MethodSource("conventionCases")
  void theConventionsCases(String sql, String text, String summary) {
    SqlQuery query = SqlSanitizer.sanitize(sql, Dialect.UNKNOWN);
    assertThat(query.text()).isEqualTo(text);
    assertThat(query.summary()).isEqualTo(summary);
  }

  @Test
  void quotedNamesAreKeptAndAreTargetsWhereTheDialectSaysTheyAreNames() {
    SqlQuery ansi = SqlSanitizer.sanitize("SELECT * FROM \"song list\", `artists` WHERE \"id\" = 7", Dialect.ANSI);
    assertThat(ansi.text()).isEqualTo("SELECT * FROM \"song list\", `artists` WHERE \"id\" = ?");
    assertThat(ansi.summary()).isEqualTo("SELECT \"song list\" `artists`");
    // MySQL (without ANSI_QUOTES) reads "..." as a string: a literal, never a name.
    SqlQuery mysql = SqlSanitizer.sanitize("SELECT * FROM t WHERE name = \"bob\"", Dialect.MYSQL);
    assertThat(mysql.text()).isEqualTo("SELECT * FROM t WHERE name = ?");
  }

  @Test
  void preparedSqlWithoutLiteralsIsTheSameString() {
    String sql = "SELECT id, name FROM items WHERE name = ? AND price < ?";
    SqlQuery query = SqlSanitizer.sanitize(sql, Dialect.ANSI);
    assertThat(query.text()).isSameAs(sql);
    assertThat(query.summary()).isEqualTo("SELECT items");
  }

  @Test
  void placeholdersAndPositionalParametersAreKept() {
    assertThat(SqlSanitizer.sanitize("SELECT * FROM t WHERE a = $1 AND b = ?", Dialect.POSTGRESQL).text())
        .isEqualTo("SELECT * FROM t WHERE a = $1 AND b = ?");
  }

  @Test
  void booleansDatesHexAndPrefixedStringsAreLiterals() {
    assertThat(SqlSanitizer.sanitize(
        "UPDATE t SET a = TRUE, b = false, c = DATE '2024-01-31', d = X'CAFE', e = N'naïve', f = B'101', g = 0x1F",
        Dialect.ANSI).text())
        .isEqualTo("UPDATE t SET a = ?, b = ?, c = DATE ?, d = ?, e = ?, f = ?, g = ?");
  }

  @Test
  void oraclesAlternativeQuotes() {
    assertThat(SqlSanitizer.sanitize("SELECT q'[it's]', NQ'{a'b}', q'!x!' FROM dual", Dialect.ANSI).text())
        .isEqualTo("SELECT ?, ?, ? FROM dual");
    assertThat(SqlSanitizer.sanitize("SELECT q'[never closed' FROM dual", Dialect.ANSI).text()).isEqualTo("SELECT ?");
  }

  @Test
  void signsAfterAnOperandAreOperators() {
    assertThat(SqlSanitizer.sanitize("SELECT a-1, f(b)-2, ?-3, x = -4, (+5)", Dialect.ANSI).text())
        .isEqualTo("SELECT a-?, f(b)-?, ?-?, x = ?, (?)");
  }

  @Test
  void numbersGluedToLettersAreRemovedWhole() {
    assertThat(SqlSanitizer.sanitize("SELECT * FROM t WHERE a = 12abc OR b = 1e5x", Dialect.ANSI).text())
        .isEqualTo("SELECT * FROM t WHERE a = ? OR b = ?");
  }

  @Test
  void commentsAreRemovedNestedOnesToo() {
    assertThat(SqlSanitizer.sanitize("SELECT /* a /* secret */ b */ x FROM t -- 'key'", Dialect.POSTGRESQL).text())
        .isEqualTo("SELECT  x FROM t ");
    assertThat(SqlSanitizer.sanitize("SELECT a/**/FROM t", Dialect.ANSI).text()).isEqualTo("SELECT a FROM t");
    assertThat(SqlSanitizer.sanitize("SELECT 1 # the answer\nFROM t", Dialect.MYSQL).text())
        .isEqualTo("SELECT ? \nFROM t");
  }

  @Test
  void postgresqlDollarQuotedAndEscapeStrings() {
    assertThat(SqlSanitizer.sanitize("SELECT $$it's $secret$$, $tag$a $$ b$tag$, E'it\\'s' FROM t", Dialect.POSTGRESQL)
        .text()).isEqualTo("SELECT ?, ?, ? FROM t");
  }

  @Test
  void aBackslashWhoseMeaningDependsOnTheServerRemovesTheRest() {
    // 'a\' , 'secret' is one string with MySQL's default escapes, two with NO_BACKSLASH_ESCAPES: neither
    // reading may leak "secret".
    String sql = "SELECT * FROM t WHERE a = 'a\\' , 'secret' AND b = 1";
    assertThat(SqlSanitizer.sanitize(sql, Dialect.MYSQL).text()).isEqualTo("SELECT * FROM t WHERE a = ?");
    assertThat(SqlSanitizer.sanitize(sql, Dialect.POSTGRESQL).text()).isEqualTo("SELECT * FROM t WHERE a = ?");
    // H2 and the other standard databases: a backslash is a character.
    assertThat(SqlSanitizer.sanitize(sql, Dialect.ANSI).text()).isEqualTo("SELECT * FROM t WHERE a = ? , ? AND b = ?");
  }

  @Test
  void unterminatedLiteralsNamesAndCommentsRemoveTheRest() {
    assertThat(SqlSanitizer.sanitize("SELECT 'abc FROM t", Dialect.ANSI).text()).isEqualTo("SELECT ?");
    assertThat(SqlSanitizer.sanitize("SELECT \"abc FROM t WHERE x = 'y'", Dialect.ANSI).text()).isEqualTo("SELECT ?");
    assertThat(SqlSanitizer.sanitize("SELECT 1 /* 'x'", Dialect.ANSI).text()).isEqualTo("SELECT ? ");
    assertThat(SqlSanitizer.sanitize("SELECT $q$ secret", Dialect.POSTGRESQL).text()).isEqualTo("SELECT ?");
  }

  @Test
  void jdbcCallEscapesGiveTheProcedureAndNoText() {
    SqlQuery call = SqlSanitizer.sanitize("{call some_stored_procedure}", Dialect.ANSI);
    assertThat(call).isEqualTo(new SqlQuery(null, "call some_stored_procedure", "some_stored_procedure"));
    assertThat(SqlSanitizer.sanitize(" { ? = CALL billing.total(?, 'x') }", Dialect.ANSI))
        .isEqualTo(new SqlQuery(null, "CALL billing.total", "billing.total"));
    // Plain SQL CALL is query text like any other.
    assertThat(SqlSanitizer.sanitize("CALL total(42)", Dialect.ANSI))
        .isEqualTo(new SqlQuery("CALL total(?)", "CALL total", null));
  }

  static Stream<Arguments> summaries() {
    return Stream.of(
        Arguments.of("SELECT COUNT(*) FROM items WHERE price > ?", "SELECT items"),
        Arguments.of("SELECT EXTRACT(YEAR FROM d), SUBSTRING(s FROM 2) FROM events", "SELECT events"),
        Arguments.of("SELECT * FROM generate_series(1, 10) g JOIN items i ON i.id = g", "SELECT items"),
        Arguments.of("SELECT * FROM a AS x LEFT OUTER JOIN b y USING (id) JOIN c ON c.k = y.k", "SELECT a b c"),
        Arguments.of("SELECT * FROM (SELECT id FROM a) s, b WHERE s.id = b.id", "SELECT SELECT a b"),
        Arguments.of("SELECT * FROM t WHERE id IN (SELECT id FROM u) AND EXISTS (SELECT 1 FROM v)",
            "SELECT t SELECT u SELECT v"),
        Arguments.of("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent", "SELECT orders SELECT recent"),
        Arguments.of("WITH gone AS (DELETE FROM items RETURNING *) INSERT INTO archive SELECT * FROM gone",
            "DELETE items INSERT archive SELECT gone"),
        Arguments.of("UPDATE items SET price = price * 2 WHERE id = ?", "UPDATE items"),
        Arguments.of("UPDATE ONLY items i SET price = 1 FROM prices p WHERE p.id = i.id", "UPDATE items prices"),
        Arguments.of("DELETE FROM items WHERE id = ?", "DELETE items"),
        Arguments.of("INSERT INTO items (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = ?", "INSERT items"),
        Arguments.of("INSERT IGNORE INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2", "INSERT t"),
        Arguments.of("MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
            "MERGE target source"),
        Arguments.of("CREATE UNIQUE INDEX items_name ON items (name)", "CREATE INDEX items_name"),
        Arguments.of("CREATE OR REPLACE VIEW cheap AS SELECT * FROM items WHERE price < 10", "CREATE VIEW cheap SELECT items"),
        Arguments.of("CREATE TABLE IF NOT EXISTS public.items (id INT)", "CREATE TABLE public.items"),
        Arguments.of("DROP TABLE IF EXISTS items", "DROP TABLE items"),
        Arguments.of("TRUNCATE items", "TRUNCATE items"),
        Arguments.of("TRUNCATE TABLE items", "TRUNCATE TABLE items"),
        Arguments.of("CREATE ROLE reader; GRANT SELECT ON items TO reader", "CREATE ROLE reader GRANT SELECT"),
        Arguments.of("SET search_path TO shop", "SET"),
        Arguments.of("COMMIT", "COMMIT"),
        Arguments.of("EXPLAIN SELECT * FROM items", "EXPLAIN SELECT items"),
        Arguments.of("SELECT * FROM items; DELETE FROM orders", "SELECT items DELETE orders"),
        Arguments.of("(SELECT a FROM x) UNION ALL (SELECT a FROM y)", "SELECT x SELECT y"),
        Arguments.of("SELECT * FROM {oj a LEFT OUTER JOIN b ON a.id = b.id}", "SELECT a b"),
        Arguments.of("SELECT 1", "SELECT"),
        Arguments.of("", null),
        Arguments.of("-- only a comment", null));
  }

  @ParameterizedTest
  @MethodSource("summaries")
  void summaries(String sql, String summary) {
    assertThat(SqlSanitizer.sanitize(sql, Dialect.ANSI).summary()).isEqualTo(summary);
  }

  @Test
  void theSummaryIsCutBetweenPartsAt255Characters() {
    StringBuilder sql = new StringBuilder("SELECT * FROM t0");
    for (int i = 1; i < 100; i++) {
      sql.append(" JOIN table_number_").append(i).append(" ON 1 = 1");
    }
    String summary = SqlSanitizer.sanitize(sql.toString(), Dialect.ANSI).summary();
    assertThat(summary).hasSizeLessThanOrEqualTo(QuerySummary.MAX_LENGTH).startsWith("SELECT t0 table_number_1 ")
        .matches("SELECT t0( table_number_\\d+)+");
  }

  /**
   * Random statements of SQL fragments and literals that hold a marker: whatever the dialect, the marker never
   * survives. The fragments include comment delimiters, backslashes, signs, prefixes and placeholders, but
   * nothing that opens a string or a quoted name on its own: a stray quote moves where literals begin and end,
   * and the marker may then be, by the dialect's own reading, a name (the tests above cover stray quotes). A
   * fixed seed keeps the run reproducible.
   */
  @ParameterizedTest
  @EnumSource(Dialect.class)
  void noLiteralEverSurvives(Dialect dialect) {
    List<String> fragments = List.of("SELECT", " ", "*", " FROM t", "(", ")", ",", "=", "-", "+", ".", "--", "\n",
        "/*", "*/", "\\", "E", "N", "X", "q", "?", "$1", "#", "{", "}", ";", "e", "0x", "1");
    List<String> literals = new ArrayList<>(List.of("'SECRET'", "'SE''CRET'", "$$SECRET$$", "$q$SECRET$q$",
        "N'SECRET'", "X'5EC2E7'", "5162737", "-5162737", "5.162737e3", "0x5EC2E7", "TRUE"));
    if (dialect.doubleQuotedStrings) {
      literals.add("\"SECRET\"");
    }
    if (dialect != Dialect.ANSI) {
      literals.add("E'SE\\'CRET'");
    }
    Random random = new Random(20260804);
    for (int run = 0; run < 20_000; run++) {
      StringBuilder sql = new StringBuilder();
      for (int part = random.nextInt(12); part >= 0; part--) {
        sql.append(random.nextInt(3) == 0
            ? " " + literals.get(random.nextInt(literals.size())) + " "
            : fragments.get(random.nextInt(fragments.size())));
      }
      SqlQuery query = SqlSanitizer.sanitize(sql.toString(), dialect);
      String exported = query.text() + " " + query.summary();
      assertThat(exported).as(sql.toString()).doesNotContain("SECRET", "CRET", "5162737", "5EC2E7", "TRUE");
    }
  }

  @Test
  void longStatementsAreReadInOnePass() {
    // A megabyte of SQL: values lists, long strings, nested comments and parentheses. Linear work means this
    // is no slower than the sum of its parts; the benchmark (src/jmh) measures it.
    StringBuilder sql = new StringBuilder("INSERT INTO t VALUES ");
    while (sql.length() < 1_000_000) {
      sql.append("(1, 'abc''def', $$x$$, /* c /* d */ */ ((2))),");
    }
    sql.append("(3)");
    SqlQuery query = SqlSanitizer.sanitize(sql.toString(), Dialect.POSTGRESQL);
    assertThat(query.summary()).isEqualTo("INSERT t");
    assertThat(query.text()).startsWith("INSERT INTO t VALUES (?, ?, ?,  ((?))),").doesNotContain("abc");
  }
}
