package io.openswarm.infra.process.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Drains a process's output into a log file with a size cap and keeps the last bytes in memory.
 *
 * <p>Design: exactly one thread calls {@link #drain} and owns the log file (it writes, and closes
 * it at end of stream). The log receives at most {@code logCapBytes}; past the cap one marker line
 * is appended and the rest is only counted, so a command printing gigabytes costs neither disk nor
 * memory. The tail is a fixed ring buffer of {@code tailBytes}; other threads read it and the
 * counters at any time. Memory use is the ring plus one read buffer, whatever the command prints.
 *
 * <p>Thread-safe for one draining thread and any number of readers.
 */
public final class OutputCollector {

  private static final int READ_BUFFER_BYTES = 64 * 1024;

  private final Path logFile;
  private final long logCapBytes;
  private final OutputStream log;

  private final ReentrantLock ringLock = new ReentrantLock();
  private final byte[] ring;
  private int ringNext;
  private boolean ringWrapped;

  private volatile long totalBytes;
  private volatile long loggedBytes;
  private volatile boolean logTruncated;

  /**
   * Creates (or truncates) {@code logFile}, readable by its owner only, since output may contain
   * secrets.
   *
   * @throws IOException if the log file cannot be created
   */
  public OutputCollector(Path logFile, long logCapBytes, int tailBytes) throws IOException {
    this.logFile = Objects.requireNonNull(logFile, "logFile cannot be null");
    if (logCapBytes < 0) {
      throw new IllegalArgumentException("logCapBytes must not be negative but was " + logCapBytes);
    }
    if (tailBytes <= 0) {
      throw new IllegalArgumentException("tailBytes must be positive but was " + tailBytes);
    }
    this.logCapBytes = logCapBytes;
    this.ring = new byte[tailBytes];
    this.log = open(logFile);
  }

  /**
   * Creates the log as a new file, owner-only, without ever following a symbolic link ({@link
   * NoFollowFiles}).
   */
  private static OutputStream open(Path logFile) throws IOException {
    return NoFollowFiles.createNew(logFile);
  }

  /**
   * Reads {@code in} to its end, then closes the log file. Returns early (and still closes the log)
   * if reading fails, which happens when the stream is closed under it.
   */
  public void drain(InputStream in) {
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    try (OutputStream out = log) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        accept(out, buffer, n);
      }
    } catch (IOException e) {
      // The pipe was closed under us or the disk failed; the counters and tail keep what arrived.
    }
  }

  private void accept(OutputStream out, byte[] buffer, int length) throws IOException {
    totalBytes += length;
    remember(buffer, length);
    long room = logCapBytes - loggedBytes;
    if (room > 0) {
      int write = (int) Math.min(room, length);
      out.write(buffer, 0, write);
      loggedBytes += write;
      room -= write;
    }
    if (room <= 0 && totalBytes > logCapBytes && !logTruncated) {
      logTruncated = true;
      out.write(
          ("\n[open-swarm: log capped at " + logCapBytes + " bytes; later output was discarded]\n")
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  private void remember(byte[] buffer, int length) {
    ringLock.lock();
    try {
      int from = Math.max(0, length - ring.length);
      int count = length - from;
      int first = Math.min(count, ring.length - ringNext);
      System.arraycopy(buffer, from, ring, ringNext, first);
      System.arraycopy(buffer, from + first, ring, 0, count - first);
      int next = ringNext + count;
      if (next >= ring.length) {
        ringWrapped = true;
        next -= ring.length;
      }
      ringNext = next;
    } finally {
      ringLock.unlock();
    }
  }

  /** Closes the log file without draining anything, for a process that could not be started. */
  public void abandon() {
    try {
      log.close();
    } catch (IOException e) {
      // Nothing was written; there is nothing to lose.
    }
  }

  /**
   * The last bytes of output decoded as UTF-8; invalid sequences become U+FFFD, and a character cut
   * in half at the start of the tail is dropped rather than shown as garbage.
   */
  public String tail() {
    byte[] bytes;
    ringLock.lock();
    try {
      if (!ringWrapped) {
        bytes = java.util.Arrays.copyOf(ring, ringNext);
      } else {
        bytes = new byte[ring.length];
        System.arraycopy(ring, ringNext, bytes, 0, ring.length - ringNext);
        System.arraycopy(ring, 0, bytes, ring.length - ringNext, ringNext);
      }
    } finally {
      ringLock.unlock();
    }
    int start = 0;
    if (tailTruncated()) {
      while (start < Math.min(3, bytes.length) && (bytes[start] & 0xC0) == 0x80) {
        start++;
      }
    }
    return new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
  }

  /** Whether more output arrived than the tail holds. */
  public boolean tailTruncated() {
    return totalBytes > ring.length;
  }

  /** Bytes of output received so far. */
  public long totalBytes() {
    return totalBytes;
  }

  /** Bytes of output written to the log file so far (at most the cap). */
  public long loggedBytes() {
    return loggedBytes;
  }

  /** Whether output beyond the cap was discarded. */
  public boolean logTruncated() {
    return logTruncated;
  }

  /** The log file. */
  public Path logFile() {
    return logFile;
  }
}
