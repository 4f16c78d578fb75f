package io.otelauto.patchers.jdbc;

import io.opentelemetry.semconv.DbAttributes.DbSystemNameValues;
import io.otelauto.patchers.jdbc.SqlSanitizer.Dialect;
import java.util.Locale;

/**
 * What a connection's JDBC URL says about the database: {@code db.system.name}, {@code db.namespace},
 * {@code server.address} and {@code server.port}, and the SQL dialect the sanitizer reads it with. Never
 * anything else: user names, passwords and other properties in the URL stay out of the span.
 *
 * <p>Parsing is for H2 and PostgreSQL (both tested against the real engines), MySQL, MariaDB, SQL Server,
 * Oracle, Db2, Derby, HSQLDB and SQLite (tested on their documented URL forms); any other URL gives
 * {@code other_sql} and, if it has the {@code //host:port/database} shape, the server and database.
 *
 * @param namespace null when the URL names no database
 * @param serverAddress null for an embedded database
 * @param serverPort null when {@code serverAddress} is
 */
record JdbcUrl(String system, Dialect dialect, String namespace, String serverAddress, Long serverPort) {

  // db.system.name values. The stable semantic-conventions artifact has only those that are stable
  // (DbSystemNameValues: POSTGRESQL, MYSQL, MARIADB, MICROSOFT_SQL_SERVER); the others are still
  // "development" in the conventions and exist only in the incubating artifact, which the agent must not
  // depend on (its constants may change or go in any release), so they are spelled out here.
  static final String H2DATABASE = "h2database";
  static final String HSQLDB = "hsqldb";
  static final String DERBY = "derby";
  static final String ORACLE_DB = "oracle.db";
  static final String IBM_DB2 = "ibm.db2";
  static final String SQLITE = "sqlite";
  /** Some other SQL database: the conventions' fallback. */
  static final String OTHER_SQL = "other_sql";

  static final JdbcUrl UNKNOWN = new JdbcUrl(OTHER_SQL, Dialect.UNKNOWN, null, null, null);

  static JdbcUrl parse(String url) {
    if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return UNKNOWN;
    }
    int colon = url.indexOf(':', 5);
    if (colon < 0) {
      return UNKNOWN;
    }
    String rest = url.substring(colon + 1);
    switch (url.substring(5, colon).toLowerCase(Locale.ROOT)) {
      case "h2":
        return h2(rest);
      case "postgresql":
      case "pgsql":
        return postgresql(rest);
      case "mysql":
        return network(DbSystemNameValues.MYSQL, Dialect.MYSQL, rest, 3306);
      case "mariadb":
        return network(DbSystemNameValues.MARIADB, Dialect.MYSQL, rest, 3306);
      case "sqlserver":
        return sqlServer(rest);
      case "oracle":
        return oracle(rest);
      case "db2":
        return network(IBM_DB2, Dialect.ANSI, rest, 50000);
      case "derby":
        return embeddedOrNetwork(DERBY, rest, 1527);
      case "hsqldb":
        return embeddedOrNetwork(HSQLDB, rest.replaceFirst("^(?i)(hsqls?|https?):", ""), 9001);
      case "sqlite":
        return new JdbcUrl(SQLITE, Dialect.ANSI, emptyToNull(beforeAny(rest, "?")), null, null);
      default:
        // Only the common //host:port/database shape: anything else is not guessed at.
        JdbcUrl other = network(OTHER_SQL, Dialect.UNKNOWN, rest, -1);
        return other.serverAddress() == null ? UNKNOWN : other;
    }
  }

  /** {@code mem:name}, {@code file:path}, {@code ~/path}, {@code tcp://host[:port]/path}, {@code ssl://...}. */
  private static JdbcUrl h2(String rest) {
    String withoutSettings = beforeAny(rest, ";");
    String lower = withoutSettings.toLowerCase(Locale.ROOT);
    if (lower.startsWith("tcp://") || lower.startsWith("ssl://")) {
      JdbcUrl server = network(H2DATABASE, Dialect.ANSI, withoutSettings.substring(4), 9092);
      return new JdbcUrl(H2DATABASE, Dialect.ANSI, embeddedName(server.namespace()), server.serverAddress(), server.serverPort());
    }
    return new JdbcUrl(H2DATABASE, Dialect.ANSI, embeddedName(withoutSettings), null, null);
  }

  private static String embeddedName(String path) {
    if (path == null) {
      return null;
    }
    String lower = path.toLowerCase(Locale.ROOT);
    for (String prefix : new String[] {"mem:", "memory:", "file:", "nio:", "split:", "async:", "directory:"}) {
      if (lower.startsWith(prefix)) {
        return emptyToNull(path.substring(prefix.length()));
      }
    }
    return emptyToNull(path);
  }

  /**
   * {@code //host[:port][,host2...]/database?currentSchema=s&...}, {@code database}, {@code /}. The namespace
   * is {@code database|schema} when the URL sets {@code currentSchema} (its first schema), else the database.
   */
  private static JdbcUrl postgresql(String rest) {
    JdbcUrl server = network(DbSystemNameValues.POSTGRESQL, Dialect.POSTGRESQL, rest, 5432);
    String schema = parameter(rest, "currentSchema", '?', '&');
    String namespace = server.namespace();
    if (schema != null) {
      schema = beforeAny(schema, ",").trim();
      if (!schema.isEmpty()) {
        namespace = namespace == null ? schema : namespace + "|" + schema;
      }
    }
    return new JdbcUrl(server.system(), server.dialect(), namespace, server.serverAddress(), server.serverPort());
  }

  /** {@code //host[\instance][:port][;databaseName=name;...]}. */
  private static JdbcUrl sqlServer(String rest) {
    if (!rest.startsWith("//")) {
      return new JdbcUrl(DbSystemNameValues.MICROSOFT_SQL_SERVER, Dialect.ANSI, null, null, null);
    }
    String authority = beforeAny(rest.substring(2), ";");
    int backslash = authority.indexOf('\\');
    String hostPort = backslash < 0 ? authority : authority.substring(0, backslash) + portPart(authority.substring(backslash));
    String database = parameter(rest, "databaseName", ';', ';');
    if (database == null) {
      database = parameter(rest, "database", ';', ';');
    }
    HostPort server = HostPort.parse(hostPort, backslash < 0 ? 1433 : -1);
    return new JdbcUrl(DbSystemNameValues.MICROSOFT_SQL_SERVER, Dialect.ANSI, emptyToNull(database),
        server == null ? null : server.host, server == null ? null : server.port);
  }

  private static String portPart(String instanceAndPort) {
    int colon = instanceAndPort.indexOf(':');
    return colon < 0 ? "" : instanceAndPort.substring(colon);
  }

  /** {@code thin:@host:port:SID}, {@code thin:@host[:port]/service}, {@code thin:@//host:port/service}. */
  private static JdbcUrl oracle(String rest) {
    int at = rest.indexOf('@');
    String target = at < 0 ? "" : beforeAny(rest.substring(at + 1), "?");
    if (target.startsWith("//")) {
      return network(ORACLE_DB, Dialect.ANSI, target, 1521);
    }
    if (target.isEmpty() || target.startsWith("(")) {
      return new JdbcUrl(ORACLE_DB, Dialect.ANSI, null, null, null); // a TNS descriptor or alias: not parsed
    }
    int slash = target.indexOf('/');
    String hostPort;
    String name;
    if (slash >= 0) {
      hostPort = target.substring(0, slash);
      name = target.substring(slash + 1);
    } else {
      int sid = target.indexOf(':', target.indexOf(':') + 1);
      hostPort = sid < 0 ? target : target.substring(0, sid);
      name = sid < 0 ? null : target.substring(sid + 1);
    }
    HostPort server = HostPort.parse(hostPort, 1521);
    return new JdbcUrl(ORACLE_DB, Dialect.ANSI, emptyToNull(name), server == null ? null : server.host,
        server == null ? null : server.port);
  }

  /** Derby and HSQLDB: {@code //host:port/database} over the network, else an embedded {@code [mem:]name}. */
  private static JdbcUrl embeddedOrNetwork(String system, String rest, int defaultPort) {
    if (rest.startsWith("//")) {
      return network(system, Dialect.ANSI, beforeAny(rest, ";"), defaultPort);
    }
    return new JdbcUrl(system, Dialect.ANSI, embeddedName(beforeAny(rest, ";")), null, null);
  }

  /**
   * {@code [mode:]//[user@]host[:port][,more hosts]/database[?|;settings]}: the first host; or, without
   * {@code //}, {@code [/]database[?settings]}.
   */
  private static JdbcUrl network(String system, Dialect dialect, String afterSubprotocol, int defaultPort) {
    String rest = afterSubprotocol;
    int scheme = rest.indexOf("://");
    if (scheme > 0 && rest.substring(0, scheme).chars().allMatch(Character::isLetter)) {
      rest = rest.substring(scheme + 1); // MySQL's loadbalance://, MariaDB's sequential://, ...
    }
    if (!rest.startsWith("//")) {
      String database = beforeAny(rest, "?;");
      return new JdbcUrl(system, dialect, emptyToNull(database.startsWith("/") ? database.substring(1) : database),
          null, null);
    }
    String afterSlashes = rest.substring(2);
    int pathAt = indexOfAny(afterSlashes, "/?;");
    String hosts = pathAt < 0 ? afterSlashes : afterSlashes.substring(0, pathAt);
    String database = pathAt >= 0 && afterSlashes.charAt(pathAt) == '/'
        ? beforeAny(afterSlashes.substring(pathAt + 1), "?;")
        : null;
    String first = beforeAny(hosts.substring(hosts.lastIndexOf('@') + 1), ",");
    HostPort server = HostPort.parse(first, defaultPort);
    return new JdbcUrl(system, dialect, emptyToNull(database), server == null ? null : server.host,
        server == null ? null : server.port);
  }

  /** The value of {@code name} among the settings after the first {@code start}, split by {@code separator}. */
  private static String parameter(String rest, String name, char start, char separator) {
    int from = rest.indexOf(start);
    if (from < 0) {
      return null;
    }
    for (String setting : rest.substring(from + 1).split(String.valueOf(separator))) {
      int equals = setting.indexOf('=');
      if (equals > 0 && setting.substring(0, equals).trim().equalsIgnoreCase(name)) {
        return setting.substring(equals + 1);
      }
    }
    return null;
  }

  private static String beforeAny(String text, String characters) {
    int at = indexOfAny(text, characters);
    return at < 0 ? text : text.substring(0, at);
  }

  private static int indexOfAny(String text, String characters) {
    for (int i = 0; i < text.length(); i++) {
      if (characters.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static String emptyToNull(String text) {
    return text == null || text.isEmpty() ? null : text;
  }

  /** {@code host}, {@code host:port}, {@code [v6]}, {@code [v6]:port}; a port of -1 means unknown. */
  private record HostPort(String host, Long port) {
    static HostPort parse(String text, int defaultPort) {
      String host = text;
      String port = null;
      if (text.startsWith("[")) {
        int close = text.indexOf(']');
        if (close < 0) {
          return null;
        }
        host = text.substring(1, close);
        if (close + 1 < text.length() && text.charAt(close + 1) == ':') {
          port = text.substring(close + 2);
        }
      } else {
        int colon = text.indexOf(':');
        if (colon >= 0) {
          host = text.substring(0, colon);
          port = text.substring(colon + 1);
        }
      }
      if (host.isEmpty()) {
        return null;
      }
      Long number = defaultPort < 0 ? null : (long) defaultPort;
      if (port != null && !port.isEmpty()) {
        try {
          number = Long.parseLong(port);
        } catch (NumberFormatException e) {
          // A malformed port: the host is still worth keeping.
        }
      }
      return new HostPort(host, number);
    }
  }
}
