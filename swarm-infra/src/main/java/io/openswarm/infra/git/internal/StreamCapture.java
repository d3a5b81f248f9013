package io.openswarm.infra.git.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Drains one output stream of a child process to its end, keeping at most a fixed number of bytes:
 * either the first bytes (the head, for output that is parsed) or the last bytes (the tail, for
 * diagnostics).
 *
 * <p>The stream is always read to its end even when nothing more is kept, so the child never blocks
 * on a full pipe. Thread-safe: one thread runs {@link #run()}, any thread may read what has been
 * captured so far.
 */
public final class StreamCapture implements Runnable {

  /**
   * The first allocation; the buffer grows by doubling up to the limit, so small outputs stay
   * cheap.
   */
  private static final int INITIAL_CAPACITY = 8192;

  private final InputStream in;
  private final int limit;
  private byte[] buffer;
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
    this.limit = limit;
    // Not new byte[limit]: with a 16 MiB limit every git call would allocate and zero 16 MiB for a
    // few bytes.
    this.buffer = new byte[Math.min(limit, INITIAL_CAPACITY)];
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
      // The stream was closed under us (the process was killed or abandoned); what was captured
      // stays valid.
    }
  }

  private synchronized void append(byte[] chunk, int n) {
    if (limit == 0) {
      total += n;
      return;
    }
    // Until the limit is reached both modes fill the buffer from the start, so byte i of the stream
    // sits at index i,
    // which is also where the ring (index = position % limit) puts it once the buffer has its full
    // size.
    ensureCapacity((int) Math.min(limit, total + n));
    if (keepTail) {
      for (int i = 0; i < n; i++) {
        buffer[(int) ((total + i) % limit)] = chunk[i];
      }
    } else if (headLength < limit) {
      int copy = Math.min(n, limit - headLength);
      System.arraycopy(chunk, 0, buffer, headLength, copy);
      headLength += copy;
    }
    total += n;
  }

  private void ensureCapacity(int needed) {
    if (needed > buffer.length) {
      int capacity = buffer.length;
      while (capacity < needed) {
        capacity = (int) Math.min(limit, 2L * capacity);
      }
      buffer = Arrays.copyOf(buffer, capacity);
    }
  }

  /** The kept bytes, in stream order. */
  public synchronized byte[] bytes() {
    if (!keepTail) {
      return Arrays.copyOf(buffer, headLength);
    }
    if (total <= limit) {
      return Arrays.copyOf(buffer, (int) total);
    }
    int start = (int) (total % limit);
    byte[] out = new byte[limit];
    System.arraycopy(buffer, start, out, 0, limit - start);
    System.arraycopy(buffer, 0, out, limit - start, start);
    return out;
  }

  /** Whether the stream carried more bytes than were kept. */
  public synchronized boolean truncated() {
    return total > limit;
  }

  /**
   * How many bytes the capture holds memory for now; grows with the output, never beyond the limit.
   */
  synchronized int capacity() {
    return buffer.length;
  }

  /** How many bytes the stream carried so far, kept or not. */
  public synchronized long totalBytes() {
    return total;
  }
}
