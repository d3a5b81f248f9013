package io.openswarm.infra.process.internal;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads process group, session and state from Linux's {@code /proc}, which {@link ProcessHandle}
 * does not expose.
 *
 * <p>Every read is a fresh look at a table that changes under it: a process may vanish between
 * listing and reading, which is reported as absent, never as an error. Stateless and thread-safe.
 */
public final class ProcessTable {

  private static final Path PROC = Path.of("/proc");
  private static final File PROC_DIR = PROC.toFile();

  /**
   * A stat line is a few hundred bytes; the fields read here come within the first ~60 after the
   * name.
   */
  private static final int STAT_BUFFER_BYTES = 1024;

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

  /**
   * The row of process {@code pid}, or empty if it does not exist (or {@code /proc} is
   * unavailable).
   */
  public static Optional<Entry> read(long pid) {
    return Optional.ofNullable(readStat("/proc/" + pid + "/stat", new byte[STAT_BUFFER_BYTES]));
  }

  /** The process group of this JVM, or -1 if unknown. */
  public static long ownProcessGroup() {
    return read(ProcessHandle.current().pid()).map(Entry::processGroup).orElse(-1L);
  }

  /**
   * All processes, as far as they could be read.
   *
   * <p>This is on the path of every process exit (the supervisor looks for leftovers of the exited
   * tree), so it costs one small read per process and nothing more: names are listed as strings,
   * each {@code stat} file is read into one reused buffer and parsed as bytes, without {@link
   * Path}s, decoding or per-row strings. That is about a third of the cost of {@code
   * Files.readString} per row.
   */
  public static List<Entry> snapshot() {
    String[] names = PROC_DIR.list();
    if (names == null) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>(names.length);
    byte[] buffer = new byte[STAT_BUFFER_BYTES];
    StringBuilder file = new StringBuilder(32);
    for (String name : names) {
      if (!isNumber(name)) {
        continue;
      }
      file.setLength(0);
      file.append("/proc/").append(name).append("/stat");
      Entry entry = readStat(file.toString(), buffer);
      if (entry != null) {
        entries.add(entry);
      }
    }
    return entries;
  }

  private static boolean isNumber(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads and parses one {@code stat} file; null if the process is gone or the file is not what we
   * expect.
   */
  private static @Nullable Entry readStat(String file, byte[] buffer) {
    int length = 0;
    try (FileInputStream in = new FileInputStream(file)) {
      int n;
      while (length < buffer.length && (n = in.read(buffer, length, buffer.length - length)) > 0) {
        length += n;
      }
    } catch (IOException e) {
      // Gone between listing and reading, or not a Linux /proc: either way there is no such row.
      return null;
    }
    try {
      return parse(buffer, length);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Parses {@code /proc/<pid>/stat}; the command name may contain spaces and parentheses, so split
   * after the last ')'.
   */
  static Entry parse(String stat) {
    byte[] bytes = stat.getBytes(StandardCharsets.UTF_8);
    return parse(bytes, bytes.length);
  }

  /**
   * Parses the first {@code length} bytes of a {@code stat} file: {@code pid (comm) state ppid pgrp
   * session ...}. Everything after the command name is ASCII numbers and one state letter, so the
   * last ')' ends the name.
   *
   * @throws IllegalArgumentException if the bytes are not a {@code stat} line
   */
  static Entry parse(byte[] stat, int length) {
    int close = length - 1;
    while (close >= 0 && stat[close] != ')') {
      close--;
    }
    int i = close + 2;
    if (close < 0 || i >= length) {
      throw new IllegalArgumentException("not a /proc stat line: no command name");
    }
    char state = (char) stat[i];
    long[] numbers = new long[3];
    i++;
    for (int field = 0; field < numbers.length; field++) {
      if (i >= length || stat[i] != ' ') {
        throw new IllegalArgumentException(
            "not a /proc stat line: field " + (field + 4) + " is missing");
      }
      i++;
      boolean negative = i < length && stat[i] == '-';
      if (negative) {
        i++;
      }
      int digits = 0;
      long value = 0;
      while (i < length && stat[i] >= '0' && stat[i] <= '9') {
        value = value * 10 + (stat[i] - '0');
        i++;
        digits++;
      }
      if (digits == 0) {
        throw new IllegalArgumentException(
            "not a /proc stat line: field " + (field + 4) + " is not a number");
      }
      numbers[field] = negative ? -value : value;
    }
    return new Entry(parsePid(stat, close), numbers[0], numbers[1], numbers[2], state);
  }

  private static long parsePid(byte[] stat, int limit) {
    long pid = 0;
    int i = 0;
    while (i < limit && stat[i] == ' ') {
      i++;
    }
    int digits = 0;
    while (i < limit && stat[i] >= '0' && stat[i] <= '9') {
      pid = pid * 10 + (stat[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0 || i >= limit || stat[i] != ' ') {
      throw new IllegalArgumentException("not a /proc stat line: no PID");
    }
    return pid;
  }
}
