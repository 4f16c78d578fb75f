package io.otelauto.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds COMMAND as the shell (and Python's {@code shutil.which}) does. */
final class CommandResolver {
  private CommandResolver() {}

  /** Either a path, or a problem with the conventional exit status (127 not found, 126 not executable). */
  record Resolution(Path path, String problem, int exitStatus) {
    static Resolution found(Path path) {
      return new Resolution(path.toAbsolutePath(), null, 0);
    }
  }

  static Resolution resolve(String command, String searchPath) {
    if (command.isEmpty()) {
      return new Resolution(null, "command not found", 127);
    }
    if (command.contains("/")) {
      return check(Path.of(command));
    }
    Resolution notExecutable = null;
    for (String directory : (searchPath == null ? "" : searchPath).split(File.pathSeparator, -1)) {
      // An empty PATH entry means the current directory, as in the shell.
      Resolution candidate = check(Path.of(directory.isEmpty() ? "." : directory, command));
      if (candidate.path() != null) {
        return candidate;
      }
      if (candidate.exitStatus() == 126 && notExecutable == null) {
        notExecutable = candidate;
      }
    }
    return notExecutable != null ? notExecutable : new Resolution(null, "command not found", 127);
  }

  private static Resolution check(Path candidate) {
    if (!Files.exists(candidate)) {
      return new Resolution(null, "command not found", 127);
    }
    if (Files.isDirectory(candidate)) {
      return new Resolution(null, "is a directory", 126);
    }
    if (!Files.isExecutable(candidate)) {
      return new Resolution(null, "permission denied", 126);
    }
    return Resolution.found(candidate);
  }
}
