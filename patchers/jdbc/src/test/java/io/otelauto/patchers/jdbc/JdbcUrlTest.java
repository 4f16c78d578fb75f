package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.otelauto.patchers.jdbc.SqlSanitizer.Dialect;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** db.system.name, db.namespace, server.address and server.port from JDBC URLs alone. */
class JdbcUrlTest {

  static Stream<Arguments> urls() {
    return Stream.of(
        Arguments.of("jdbc:h2:mem:shop;DB_CLOSE_DELAY=-1", url("h2database", Dialect.ANSI, "shop", null, null)),
        Arguments.of("jdbc:h2:mem:", url("h2database", Dialect.ANSI, null, null, null)),
        Arguments.of("jdbc:h2:~/data/shop;MODE=PostgreSQL", url("h2database", Dialect.ANSI, "~/data/shop", null, null)),
        Arguments.of("jdbc:h2:file:/var/db/shop", url("h2database", Dialect.ANSI, "/var/db/shop", null, null)),
        Arguments.of("jdbc:h2:tcp://db.example.com:9123/mem:shop;USER=sa",
            url("h2database", Dialect.ANSI, "shop", "db.example.com", 9123L)),
        Arguments.of("jdbc:h2:ssl://db.example.com/~/shop", url("h2database", Dialect.ANSI, "~/shop", "db.example.com", 9092L)),
        Arguments.of("jdbc:postgresql://127.0.0.1:54321/shop?user=app&password=secret",
            url("postgresql", Dialect.POSTGRESQL, "shop", "127.0.0.1", 54321L)),
        Arguments.of("jdbc:postgresql://db.example.com/shop?currentSchema=sales,public",
            url("postgresql", Dialect.POSTGRESQL, "shop|sales", "db.example.com", 5432L)),
        Arguments.of("jdbc:postgresql://[::1]:5433,replica:5432/shop",
            url("postgresql", Dialect.POSTGRESQL, "shop", "::1", 5433L)),
        Arguments.of("jdbc:postgresql:shop", url("postgresql", Dialect.POSTGRESQL, "shop", null, null)),
        Arguments.of("jdbc:postgresql:/", url("postgresql", Dialect.POSTGRESQL, null, null, null)),
        Arguments.of("jdbc:mysql://app:secret@db.example.com:3307/shop?useSSL=true",
            url("mysql", Dialect.MYSQL, "shop", "db.example.com", 3307L)),
        Arguments.of("jdbc:mysql:loadbalance://h1,h2/shop", url("mysql", Dialect.MYSQL, "shop", "h1", 3306L)),
        Arguments.of("jdbc:mariadb://db.example.com/shop", url("mariadb", Dialect.MYSQL, "shop", "db.example.com", 3306L)),
        Arguments.of("jdbc:sqlserver://db.example.com:1444;databaseName=shop;user=sa;password=secret",
            url("microsoft.sql_server", Dialect.ANSI, "shop", "db.example.com", 1444L)),
        Arguments.of("jdbc:sqlserver://db.example.com\\main;database=shop",
            url("microsoft.sql_server", Dialect.ANSI, "shop", "db.example.com", null)),
        Arguments.of("jdbc:oracle:thin:@db.example.com:1522:ORCL", url("oracle.db", Dialect.ANSI, "ORCL", "db.example.com", 1522L)),
        Arguments.of("jdbc:oracle:thin:@//db.example.com/shop.example.com",
            url("oracle.db", Dialect.ANSI, "shop.example.com", "db.example.com", 1521L)),
        Arguments.of("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=x)))", url("oracle.db", Dialect.ANSI, null, null, null)),
        Arguments.of("jdbc:db2://db.example.com:50001/SHOP", url("ibm.db2", Dialect.ANSI, "SHOP", "db.example.com", 50001L)),
        Arguments.of("jdbc:derby:memory:shop;create=true", url("derby", Dialect.ANSI, "shop", null, null)),
        Arguments.of("jdbc:derby://db.example.com/shop;create=true", url("derby", Dialect.ANSI, "shop", "db.example.com", 1527L)),
        Arguments.of("jdbc:hsqldb:mem:shop", url("hsqldb", Dialect.ANSI, "shop", null, null)),
        Arguments.of("jdbc:hsqldb:hsql://db.example.com/shop", url("hsqldb", Dialect.ANSI, "shop", "db.example.com", 9001L)),
        Arguments.of("jdbc:sqlite:/var/db/shop.db", url("sqlite", Dialect.ANSI, "/var/db/shop.db", null, null)),
        Arguments.of("jdbc:clickhouse://db.example.com:8123/shop", url("other_sql", Dialect.UNKNOWN, "shop", "db.example.com", 8123L)),
        Arguments.of("jdbc:somedb:whatever", JdbcUrl.UNKNOWN),
        Arguments.of("not a url", JdbcUrl.UNKNOWN));
  }

  @ParameterizedTest
  @MethodSource("urls")
  void parses(String raw, JdbcUrl expected) {
    assertThat(JdbcUrl.parse(raw)).isEqualTo(expected);
  }

  private static JdbcUrl url(String system, Dialect dialect, String namespace, String address, Long port) {
    return new JdbcUrl(system, dialect, namespace, address, port);
  }
}
