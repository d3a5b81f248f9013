package io.openswarm.infra.opencode.internal;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads server-sent events ({@code text/event-stream}) from a byte stream.
 *
 * <p>Design: the parser follows the WHATWG "event stream interpretation" rules, restricted to what
 * a client of a local agent server needs. Bytes are split into lines on CRLF, LF or a lone CR — a
 * CR that ends one read and an LF that starts the next are one line break, so partial reads never
 * invent empty lines. Each line is decoded as UTF-8 only once it is complete, so a multi-byte
 * character split across reads stays intact. A line starting with {@code :} is a comment (servers
 * send them as keep-alives) and is skipped. {@code data:} lines are joined with {@code \n}; {@code
 * event:} sets the type; {@code id:} sets the last event id, which persists across events; {@code
 * retry:} and unknown fields are ignored. A blank line dispatches the event; a block without data
 * is dropped, as the specification says.
 *
 * <p>End of stream: a stream that ends on an event boundary makes {@link #next()} return empty; a
 * stream that ends in the middle of an event (a dropped connection) is an {@link EOFException}, and
 * I/O errors of the underlying stream propagate unchanged — a caller can always tell a dropped
 * stream from an orderly end. One event may be at most {@code maxEventBytes} long, so a misbehaving
 * server cannot exhaust memory.
 *
 * <p>Not thread-safe: one thread reads; {@link #close()} may be called from another thread to
 * unblock it.
 */
public final class SseReader implements Closeable {

  /** The default bound on the size of one event, in bytes. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

  private final InputStream in;
  private final int maxEventBytes;
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;
  private boolean skipLineFeed;
  private boolean endOfStream;

  private byte[] line = new byte[256];
  private int lineLength;

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private @Nullable String eventType;
  private @Nullable String lastEventId;
  private boolean eventStarted;
  private long eventBytes;

  /**
   * Creates a reader over {@code in} with the default size bound.
   *
   * @throws NullPointerException if {@code in} is null
   */
  public SseReader(InputStream in) {
    this(in, DEFAULT_MAX_EVENT_BYTES);
  }

  /**
   * Creates a reader over {@code in}.
   *
   * @param in the stream to read; closed by {@link #close()}
   * @param maxEventBytes the largest allowed event, counting every byte of its lines
   * @throws NullPointerException if {@code in} is null
   * @throws IllegalArgumentException if {@code maxEventBytes} is not positive
   */
  public SseReader(InputStream in, int maxEventBytes) {
    this.in = Objects.requireNonNull(in, "in cannot be null");
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes must be positive but was " + maxEventBytes);
    }
    this.maxEventBytes = maxEventBytes;
  }

  /**
   * Blocks until the next event is complete.
   *
   * @return the next event, or empty if the stream ended cleanly on an event boundary
   * @throws EOFException if the stream ended in the middle of an event
   * @throws IOException if reading fails, or an event exceeds the size bound
   */
  public Optional<SseEvent> next() throws IOException {
    while (true) {
      if (!readLine()) {
        if (eventStarted || lineLength > 0) {
          throw new EOFException("event stream ended in the middle of an event");
        }
        return Optional.empty();
      }
      if (lineLength == 0) {
        Optional<SseEvent> event = dispatch();
        if (event.isPresent()) {
          return event;
        }
        continue;
      }
      String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
      if (text.startsWith(":")) {
        if (!eventStarted) {
          eventBytes = 0; // keep-alive comments between events must not add up to the size bound
        }
        continue;
      }
      processLine(text);
    }
  }

  /**
   * Closes the underlying stream; a blocked {@link #next()} then fails with an {@link IOException}.
   */
  @Override
  public void close() throws IOException {
    in.close();
  }

  private Optional<SseEvent> dispatch() {
    boolean dispatch = hasData;
    String type = eventType == null || eventType.isEmpty() ? SseEvent.DEFAULT_TYPE : eventType;
    String payload = data.toString();
    data.setLength(0);
    hasData = false;
    eventType = null;
    eventStarted = false;
    eventBytes = 0;
    return dispatch ? Optional.of(new SseEvent(type, payload, lastEventId)) : Optional.empty();
  }

  private void processLine(String text) {
    eventStarted = true;
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data":
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
        break;
      case "event":
        eventType = value;
        break;
      case "id":
        if (value.indexOf('\0') < 0) {
          lastEventId = value;
        }
        break;
      default:
        // "retry" and unknown fields carry nothing this client uses.
        break;
    }
  }

  /**
   * Reads one line into {@link #line}; returns false at end of stream with no pending line bytes.
   */
  private boolean readLine() throws IOException {
    lineLength = 0;
    while (true) {
      if (position == limit && !fill()) {
        return lineLength > 0 && endOfLineAtEof();
      }
      byte b = buffer[position++];
      if (skipLineFeed) {
        skipLineFeed = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n') {
        return true;
      }
      if (b == '\r') {
        skipLineFeed = true;
        return true;
      }
      append(b);
    }
  }

  /**
   * A last line without a terminator is not a complete line: the event it belongs to is incomplete.
   */
  private boolean endOfLineAtEof() {
    eventStarted = true;
    return false;
  }

  private void append(byte b) throws IOException {
    if (++eventBytes > maxEventBytes) {
      throw new IOException("server-sent event exceeds " + maxEventBytes + " bytes");
    }
    if (lineLength == line.length) {
      line = Arrays.copyOf(line, Math.min(Math.max(line.length * 2, 256), maxEventBytes + 1));
    }
    line[lineLength++] = b;
  }

  private boolean fill() throws IOException {
    if (endOfStream) {
      return false;
    }
    int n = in.read(buffer, 0, buffer.length);
    if (n <= 0) {
      // InputStream.read never returns 0 for a non-empty buffer; treat it like the end to avoid a
      // busy loop.
      endOfStream = true;
      return false;
    }
    position = 0;
    limit = n;
    return true;
  }
}
