package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadPoolExecutor;
import net.bytebuddy.description.type.TypeDescription;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which classes the patcher's type matchers take: the drivers' and the pool's, and nothing else. */
class JdbcPatcherMatchingTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "org.h2.jdbc.JdbcStatement", "org.h2.jdbc.JdbcPreparedStatement", "org.h2.jdbc.JdbcCallableStatement",
      "org.postgresql.jdbc.PgStatement", "org.postgresql.jdbc.PgPreparedStatement",
      "org.postgresql.jdbc.PgCallableStatement",
      "com.zaxxer.hikari.pool.ProxyStatement", "com.zaxxer.hikari.pool.HikariProxyStatement",
      "com.zaxxer.hikari.pool.ProxyPreparedStatement", "com.zaxxer.hikari.pool.HikariProxyPreparedStatement",
      "com.zaxxer.hikari.pool.HikariProxyCallableStatement"})
  void statementsOfDriversAndPools(String className) throws ClassNotFoundException {
    assertThat(JdbcPatcher.statementTypes().matches(type(className))).isTrue();
    assertThat(JdbcPatcher.connectionTypes().matches(type(className))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "org.h2.jdbc.JdbcConnection", "org.postgresql.jdbc.PgConnection", "com.zaxxer.hikari.pool.ProxyConnection",
      "com.zaxxer.hikari.pool.HikariProxyConnection"})
  void connectionsOfDriversAndPools(String className) throws ClassNotFoundException {
    assertThat(JdbcPatcher.connectionTypes().matches(type(className))).isTrue();
    assertThat(JdbcPatcher.statementTypes().matches(type(className))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // Interfaces carry no code to patch; other classes declaring execute/executeQuery-like methods are not JDBC.
      "java.sql.PreparedStatement", "org.h2.jdbc.JdbcResultSet", "org.h2.command.CommandContainer",
      "org.postgresql.core.v3.QueryExecutorImpl", "java.util.concurrent.ThreadPoolExecutor",
      "io.otelauto.patchers.jdbc.JdbcPatcherMatchingTest$Lookalike"})
  void nothingElse(String className) throws ClassNotFoundException {
    assertThat(JdbcPatcher.statementTypes().matches(type(className))).isFalse();
    assertThat(JdbcPatcher.connectionTypes().matches(type(className))).isFalse();
  }

  private static TypeDescription type(String className) throws ClassNotFoundException {
    return TypeDescription.ForLoadedType.of(Class.forName(className, false, JdbcPatcherMatchingTest.class.getClassLoader()));
  }

  /** Methods named like JDBC's, in a class that is not JDBC's. */
  @SuppressWarnings("unused")
  static final class Lookalike extends ThreadPoolExecutor {
    Lookalike() {
      super(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>());
    }

    public boolean execute(String sql) {
      return false;
    }

    public int[] executeBatch() {
      return new int[0];
    }

    public Object prepareStatement(String sql) {
      return null;
    }
  }
}
