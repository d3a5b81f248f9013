package io.openswarm.infra.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Test helpers: executable scripts in a test's temporary directory, and checks on this JVM's
 * children.
 */
public final class Scripts {

  private Scripts() {}

  /** Writes an executable {@code /bin/sh} script. */
  public static Path write(Path dir, String name, String body) {
    try {
      Path script = dir.resolve(name);
      Files.writeString(script, "#!/bin/sh\n" + body + "\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the process with this PID is running (a zombie counts as gone). */
  public static boolean running(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && running(handle.get());
  }

  /**
   * Whether this very process (the handle checks the start time, so a reused PID does not count) is
   * running; a zombie counts as gone.
   */
  public static boolean running(ProcessHandle handle) {
    long pid = handle.pid();
    if (!handle.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /** The PIDs of this JVM's children that are zombies: exited but never reaped. */
  public static List<Long> unreapedChildren() {
    long self = ProcessHandle.current().pid();
    try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
      return dirs.map(p -> p.getFileName().toString())
          .filter(n -> n.chars().allMatch(Character::isDigit))
          .flatMap(
              n -> {
                try {
                  String stat = Files.readString(Path.of("/proc", n, "stat"));
                  String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                  return fields[0].equals("Z") && Long.parseLong(fields[1]) == self
                      ? Stream.of(Long.parseLong(n))
                      : Stream.empty();
                } catch (IOException | RuntimeException e) {
                  return Stream.empty();
                }
              })
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
