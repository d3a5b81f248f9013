package io.openswarm.infra.git.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Drains one output stream of a child process to its end, keeping at most a fixed number of bytes: either the first
 * bytes (the head, for output that is parsed) or the last bytes (the tail, for diagnostics).
 *
 * <p>The stream is always read to its end even when nothing more is kept, so the child never blocks on a full pipe.
 * Thread-safe: one thread runs {@link #run()}, any thread may read what has been captured so far.
 */
public final class StreamCapture implements Runnable {

  private final InputStream in;
  private final byte[] buffer;
  private final boolean keepTail;
  private long total;
  private int headLength;

  /**
   * Creates a capture of {@code in} that keeps at most {@code limit} bytes.
   *
   * @param keepTail whether to keep the last bytes (a ring buffer) instead of the first ones
   */
  public StreamCapture(InputStream in, int limit, boolean keepTail) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative but was " + limit);
    }
    this.in = in;
    this.buffer = new byte[limit];
    this.keepTail = keepTail;
  }

  @Override
  public void run() {
    byte[] chunk = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(chunk)) != -1) {
        append(chunk, n);
      }
    } catch (IOException e) {
      // The stream was closed under us (the process was killed or abandoned); what was captured stays valid.
    }
  }

  private synchronized void append(byte[] chunk, int n) {
    if (buffer.length == 0) {
      total += n;
      return;
    }
    if (keepTail) {
      for (int i = 0; i < n; i++) {
        buffer[(int) ((total + i) % buffer.length)] = chunk[i];
      }
    } else if (headLength < buffer.length) {
      int copy = Math.min(n, buffer.length - headLength);
      System.arraycopy(chunk, 0, buffer, headLength, copy);
      headLength += copy;
    }
    total += n;
  }

  /** The kept bytes, in stream order. */
  public synchronized byte[] bytes() {
    if (!keepTail) {
      return Arrays.copyOf(buffer, headLength);
    }
    if (total <= buffer.length) {
      return Arrays.copyOf(buffer, (int) total);
    }
    int start = (int) (total % buffer.length);
    byte[] out = new byte[buffer.length];
    System.arraycopy(buffer, start, out, 0, buffer.length - start);
    System.arraycopy(buffer, 0, out, buffer.length - start, start);
    return out;
  }

  /** Whether the stream carried more bytes than were kept. */
  public synchronized boolean truncated() {
    return total > buffer.length;
  }

  /** How many bytes the stream carried so far, kept or not. */
  public synchronized long totalBytes() {
    return total;
  }
}
