package io.openswarm.infra.process.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads process group, session and state from Linux's {@code /proc}, which {@link ProcessHandle} does not expose.
 *
 * <p>Every read is a fresh look at a table that changes under it: a process may vanish between listing and reading,
 * which is reported as absent, never as an error. Stateless and thread-safe.
 */
public final class ProcessTable {

  private static final Path PROC = Path.of("/proc");

  private ProcessTable() {}

  /** One row of the table. */
  public record Entry(long pid, long parentPid, long processGroup, long session, char state) {

    /** Whether the process has exited and only waits to be reaped. */
    public boolean zombie() {
      return state == 'Z' || state == 'X';
    }
  }

  /** Whether {@code /proc} can be read on this machine. */
  public static boolean available() {
    return Files.isReadable(PROC.resolve("self/stat"));
  }

  /** The row of process {@code pid}, or empty if it does not exist (or {@code /proc} is unavailable). */
  public static Optional<Entry> read(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
      return Optional.of(parse(stat));
    } catch (IOException | RuntimeException e) {
      // Gone between listing and reading, or not a Linux /proc: either way there is no such row.
      return Optional.empty();
    }
  }

  /** The process group of this JVM, or -1 if unknown. */
  public static long ownProcessGroup() {
    return read(ProcessHandle.current().pid()).map(Entry::processGroup).orElse(-1L);
  }

  /** All processes, as far as they could be read. */
  public static List<Entry> snapshot() {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          read(Long.parseLong(name)).ifPresent(entries::add);
        }
      }
    } catch (IOException e) {
      return entries;
    }
    return entries;
  }

  /** Parses {@code /proc/<pid>/stat}; the command name may contain spaces and parentheses, so split after the last ')'. */
  static Entry parse(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    long pid = Long.parseLong(stat.substring(0, open).trim());
    String[] fields = stat.substring(close + 2).split(" ", 5);
    return new Entry(pid, Long.parseLong(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]),
        fields[0].charAt(0));
  }
}
