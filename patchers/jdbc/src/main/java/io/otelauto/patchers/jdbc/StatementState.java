package io.otelauto.patchers.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What the patcher keeps beside one statement object: the SQL it was prepared with (from
 * {@code Connection.prepareStatement}/{@code prepareCall}), that SQL read once, and the batch being built.
 * Each layer of wrapped statements (a pool's, the driver's) has its own, as each has its own batch.
 */
final class StatementState {
  /** The SQL of {@code addBatch(String)} calls kept for the span; further calls are only counted. */
  static final int MAX_BATCH_SQL = 100;

  /** The prepared SQL; null for a plain {@code Statement}. */
  final String sql;
  private volatile SqlQuery query;
  private int batchSize;
  private List<String> batchSql;

  StatementState(String sql) {
    this.sql = sql;
  }

  /** The prepared SQL as a query, read at the first execution (the connection then says which dialect). */
  SqlQuery query(Function<String, SqlQuery> read) {
    SqlQuery known = query;
    if (known == null) {
      known = sql == null ? SqlQuery.UNKNOWN : read.apply(sql);
      query = known;
    }
    return known;
  }

  /** {@code addBatch(sql)} of a Statement, or {@code addBatch()} (null) of a PreparedStatement. */
  synchronized void addBatch(String batchedSql) {
    batchSize++;
    if (batchedSql != null) {
      if (batchSql == null) {
        batchSql = new ArrayList<>();
      }
      if (batchSql.size() < MAX_BATCH_SQL) {
        batchSql.add(batchedSql);
      }
    }
  }

  synchronized void clearBatch() {
    batchSize = 0;
    batchSql = null;
  }

  /** The batch {@code executeBatch} sends, which JDBC then empties. */
  synchronized Batch takeBatch() {
    Batch batch = new Batch(batchSize, batchSql == null ? List.of() : batchSql);
    clearBatch();
    return batch;
  }

  /** A batch: how many operations, and the SQL of those added as text (empty for a PreparedStatement). */
  record Batch(int size, List<String> sql) {
    static final Batch EMPTY = new Batch(0, List.of());
  }
}
