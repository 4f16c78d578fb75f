package io.otelauto.patchers.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from the machine's own binaries (Debian's {@code postgresql} package:
 * {@code /usr/lib/postgresql/<version>/bin}; or the directory in the system property {@code postgresql.bin}):
 * {@code initdb} in a temporary directory, {@code pg_ctl start} on 127.0.0.1 and a free port, no Unix socket,
 * trust authentication for the one user {@code otel}; {@link #stop()} ends it. PostgreSQL refuses to run as
 * root, so as root both run as the {@code postgres} user (or {@code nobody}) through {@code runuser}.
 */
final class PostgresqlServer {
  static final String USER = "otel";
  private static final long COMMAND_TIMEOUT_SECONDS = 120;

  private final Path bin;
  private final Path data;
  private final List<String> runAs;
  private final int port;

  private PostgresqlServer(Path bin, Path data, List<String> runAs, int port) {
    this.bin = bin;
    this.data = data;
    this.runAs = runAs;
    this.port = port;
  }

  /** Why there is no server, when {@link #start} finds no PostgreSQL. */
  static final String NOT_INSTALLED = "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb "
      + "(apt-get update && apt-get install -y postgresql)";

  /** Starts a server in {@code directory}; empty when PostgreSQL is not installed. */
  static Optional<PostgresqlServer> start(Path directory) throws IOException, InterruptedException {
    Optional<Path> bin = binaries();
    if (bin.isEmpty()) {
      return Optional.empty();
    }
    List<String> runAs = List.of();
    if ("root".equals(System.getProperty("user.name"))) {
      String user = userExists("postgres") ? "postgres" : "nobody";
      UserPrincipal owner = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
      Files.setOwner(directory, owner);
      runAs = List.of("runuser", "-u", user, "--");
    }
    Path data = directory.resolve("data");
    run(runAs, directory, bin.get().resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
        "--auth=trust", "-E", "UTF8", "--locale=C");
    // A free port can be taken between our probe and the server's bind: try again with another one.
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Path log = directory.resolve("server-" + attempt + ".log");
      Result started = execute(runAs, directory, bin.get().resolve("pg_ctl").toString(), "-D", data.toString(),
          "-l", log.toString(), "-w", "-t", "60",
          "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=", "start");
      if (started.exitCode == 0) {
        return Optional.of(new PostgresqlServer(bin.get(), data, runAs, port));
      }
      String serverLog = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (attempt == 3 || !serverLog.contains("could not bind")) {
        throw new IllegalStateException("pg_ctl start failed:\n" + started.output + "\n" + serverLog);
      }
    }
  }

  String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  int port() {
    return port;
  }

  void stop() throws IOException, InterruptedException {
    run(runAs, data.getParent(), bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop");
  }

  /** The newest {@code /usr/lib/postgresql/<version>/bin} that has initdb and pg_ctl. */
  private static Optional<Path> binaries() throws IOException {
    String configured = System.getProperty("postgresql.bin", "");
    if (!configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(PostgresqlServer::hasTools);
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(version -> version.resolve("bin")).filter(PostgresqlServer::hasTools)
          .max(Comparator.comparing(PostgresqlServer::majorVersion));
    }
  }

  private static boolean hasTools(Path bin) {
    return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"));
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean userExists(String name) throws IOException {
    Path passwd = Path.of("/etc/passwd");
    return Files.exists(passwd) && Files.readAllLines(passwd).stream().anyMatch(line -> line.startsWith(name + ":"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void run(List<String> runAs, Path directory, String... command) throws IOException, InterruptedException {
    Result result = execute(runAs, directory, command);
    assertThat(result.exitCode).as("%s\n%s", String.join(" ", command), result.output).isZero();
  }

  private static Result execute(List<String> runAs, Path directory, String... command)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(runAs);
    full.addAll(List.of(command));
    // Output to a file, not a pipe: the server pg_ctl leaves running must not hold our pipe open.
    Path output = Files.createTempFile("postgresql-command", ".log");
    try {
      Process process = new ProcessBuilder(full).directory(directory.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", full));
      }
      return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private record Result(int exitCode, String output) {}
}
