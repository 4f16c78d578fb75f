package io.otelauto.patchers.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract against a real PostgreSQL server through the official driver: a throwaway server on 127.0.0.1
 * started for this class ({@link PostgresqlServer}). Every test is skipped, with the reason, when PostgreSQL
 * is not installed. The URL sets {@code currentSchema}, so {@code db.namespace} is {@code database|schema}.
 */
class PostgresqlIT extends JdbcPatcherContract {
  @TempDir
  static Path directory;
  private static PostgresqlServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = PostgresqlServer.start(directory).orElse(null);
  }

  /** Each test, not the class, is skipped: build reports show a skipped container as no tests at all. */
  @Override
  void assumeDatabase() {
    Assumptions.assumeTrue(server != null, PostgresqlServer.NOT_INSTALLED);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Override
  Connection connect() throws SQLException {
    return DriverManager.getConnection(server.url() + "?currentSchema=public", PostgresqlServer.USER, "");
  }

  @Override
  String system() {
    return "postgresql";
  }

  @Override
  String namespace() {
    return "postgres|public";
  }

  @Override
  String serverAddress() {
    return "127.0.0.1";
  }

  @Override
  Long serverPort() {
    return (long) server.port();
  }
}
