package io.otelauto.examples.jdbc;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/** The shop's SQL: plain JDBC on pooled connections, as any program writes it. */
final class Shop {
  /** Typed into the SQL as a literal on purpose: it must never reach a span. */
  static final String CHANNEL = "web-channel-7f3a";

  private final DataSource pool;
  private final AtomicLong orderIds = new AtomicLong();

  Shop(DataSource pool) {
    this.pool = pool;
  }

  void createSchema() throws SQLException {
    try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(10,2) NOT NULL)");
      statement.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, item_id INT NOT NULL, quantity INT NOT NULL, "
          + "channel VARCHAR(40) NOT NULL)");
      statement.execute("CREATE TABLE order_lines (order_id BIGINT NOT NULL, line_no INT NOT NULL)");
      statement.executeUpdate("INSERT INTO items (id, name, price) VALUES (1, 'lamp', 19.99), (2, 'chair', 45.00)");
    }
  }

  /**
   * Four statements on one pooled connection: the item (prepared), the order (prepared, with a literal), one
   * line per unit (a batch), and how many such orders there are (a plain statement with literals). Null when
   * there is no such item.
   */
  String order(String item, int quantity) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      int itemId;
      BigDecimal price;
      try (PreparedStatement select = connection.prepareStatement("SELECT id, price FROM items WHERE name = ?")) {
        select.setString(1, item);
        try (ResultSet rows = select.executeQuery()) {
          if (!rows.next()) {
            return null;
          }
          itemId = rows.getInt(1);
          price = rows.getBigDecimal(2);
        }
      }
      long orderId = orderIds.incrementAndGet();
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO orders (id, item_id, quantity, channel) VALUES (?, ?, ?, '" + CHANNEL + "')")) {
        insert.setLong(1, orderId);
        insert.setInt(2, itemId);
        insert.setInt(3, quantity);
        insert.executeUpdate();
      }
      try (PreparedStatement lines = connection.prepareStatement("INSERT INTO order_lines (order_id, line_no) VALUES (?, ?)")) {
        for (int line = 1; line <= quantity; line++) {
          lines.setLong(1, orderId);
          lines.setInt(2, line);
          lines.addBatch();
        }
        lines.executeBatch();
      }
      int similar;
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery(
              "SELECT COUNT(*) FROM orders WHERE channel = '" + CHANNEL + "' AND quantity > 1")) {
        rows.next();
        similar = rows.getInt(1);
      }
      return "order " + orderId + ": " + quantity + " x " + item + " at " + price + " (" + similar
          + " web orders of more than one)";
    }
  }

  /** Queries a table the shop never created: the driver throws. */
  String damagedReturns() throws SQLException {
    try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM returns WHERE reason = 'damaged-9c1e'")) {
      rows.next();
      return rows.getInt(1) + " damaged returns";
    }
  }
}
