package io.otelauto.patchers.jdbc;

/**
 * What a statement's SQL contributes to its span.
 *
 * @param text {@code db.query.text}: the SQL with every literal replaced by {@code ?} and comments removed;
 *     null when not recorded (a JDBC {@code {call ...}} escape, or no SQL known)
 * @param summary {@code db.query.summary} and the span name, e.g. {@code SELECT items}; null when the SQL
 *     names no operation
 * @param storedProcedure {@code db.stored_procedure.name}, for a JDBC {@code {call ...}} escape; else null
 */
record SqlQuery(String text, String summary, String storedProcedure) {
  static final SqlQuery UNKNOWN = new SqlQuery(null, null, null);
}
