package io.openswarm.infra.opencode.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SseReaderTest {

  @Test
  void readsOneEventPerBlankLineTerminatedBlock() throws IOException {
    List<SseEvent> events = readAll("data: {\"a\":1}\n\ndata: second\n\n");

    assertThat(events)
        .containsExactly(
            new SseEvent("message", "{\"a\":1}", null), new SseEvent("message", "second", null));
  }

  @Test
  void acceptsCrLfLfAndLoneCrLineEndings() throws IOException {
    List<SseEvent> events = readAll("data: crlf\r\n\r\ndata: lf\n\ndata: cr\r\rdata: mixed\r\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("crlf", "lf", "cr", "mixed");
  }

  @Test
  void joinsMultiLineDataWithNewlines() throws IOException {
    List<SseEvent> events = readAll("data: first\ndata: second\ndata:\ndata: fourth\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("first\nsecond\n\nfourth");
  }

  @Test
  void skipsCommentsIncludingKeepAlivesBetweenEvents() throws IOException {
    List<SseEvent> events =
        readAll(": hello\n\ndata: one\n: inside an event\n\n:keep-alive\n\ndata: two\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("one", "two");
  }

  @Test
  void readsEventTypeAndKeepsTheLastEventIdAcrossEvents() throws IOException {
    List<SseEvent> events =
        readAll(
            "event: session.idle\nid: 7\ndata: x\n\ndata: y\n\nid: bad\0id\ndata: z\n\nevent:\ndata: w\n\n");

    assertThat(events)
        .containsExactly(
            new SseEvent("session.idle", "x", "7"),
            new SseEvent("message", "y", "7"),
            new SseEvent("message", "z", "7"),
            new SseEvent("message", "w", "7"));
  }

  @Test
  void stripsExactlyOneLeadingSpaceAndAcceptsFieldsWithoutColon() throws IOException {
    List<SseEvent> events = readAll("data:  two spaces\n\ndata:none\n\ndata\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly(" two spaces", "none", "");
  }

  @Test
  void dropsBlocksWithoutDataAndIgnoresUnknownFieldsAndRetry() throws IOException {
    List<SseEvent> events = readAll("event: lonely\n\nretry: 3000\nfoo: bar\ndata: kept\n\n");

    assertThat(events).containsExactly(new SseEvent("message", "kept", null));
  }

  @Test
  void survivesReadsOfOneByteIncludingCrLfSplitAcrossReadsAndMultiByteCharacters()
      throws IOException {
    String stream = "data: Grüße 🚀\r\n\r\ndata: next\r\n\r\n";

    List<SseEvent> events =
        readAll(new TrickleInputStream(stream.getBytes(StandardCharsets.UTF_8), 1));

    assertThat(events).extracting(SseEvent::data).containsExactly("Grüße 🚀", "next");
  }

  @Test
  void crAtTheEndOfOneReadAndLfAtTheStartOfTheNextAreOneLineBreak() throws IOException {
    // Chunks of 7 bytes put "\r" at the end of the first read and "\n" at the start of the second.
    byte[] bytes = "data: a\r\n\r\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    assertThat(bytes[6]).isEqualTo((byte) 'a');
    assertThat(bytes[7]).isEqualTo((byte) '\r');

    List<SseEvent> events = readAll(new TrickleInputStream(bytes, 8));

    assertThat(events).extracting(SseEvent::data).containsExactly("a", "b");
  }

  @Test
  void cleanEndOnAnEventBoundaryIsEmpty() throws IOException {
    SseReader reader = reader("data: only\n\n");

    assertThat(reader.next()).contains(new SseEvent("message", "only", null));
    assertThat(reader.next()).isEmpty();
    assertThat(reader.next()).isEmpty();
  }

  @Test
  void streamEndingInsideAnEventIsAnEofException() throws IOException {
    SseReader reader = reader("data: complete\n\ndata: cut off\n");

    assertThat(reader.next()).isPresent();
    assertThatThrownBy(reader::next)
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("middle of an event");
  }

  @Test
  void streamEndingInsideALineIsAnEofException() throws IOException {
    SseReader reader = reader("data: half a li");

    assertThatThrownBy(reader::next).isInstanceOf(EOFException.class);
  }

  @Test
  void droppedConnectionSurfacesTheUnderlyingIoException() throws IOException {
    IOException reset = new IOException("connection reset");
    InputStream failing =
        new InputStream() {
          private final InputStream first =
              new ByteArrayInputStream("data: before\n\n".getBytes(StandardCharsets.UTF_8));

          @Override
          public int read() throws IOException {
            int b = first.read();
            if (b < 0) {
              throw reset;
            }
            return b;
          }
        };
    SseReader reader = new SseReader(failing);

    assertThat(reader.next()).map(SseEvent::data).contains("before");
    assertThatThrownBy(reader::next).isSameAs(reset);
  }

  @Test
  void anEventLargerThanTheBoundIsRejected() throws IOException {
    SseReader reader = new SseReader(stream("data: " + "x".repeat(100) + "\n\n"), 50);

    assertThatThrownBy(reader::next)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("exceeds 50 bytes");
  }

  @Test
  void keepAliveCommentsDoNotCountTowardsTheBound() throws IOException {
    String comments = ":keep-alive\n".repeat(100);
    SseReader reader = new SseReader(stream(comments + "data: ok\n\n"), 50);

    assertThat(reader.next()).map(SseEvent::data).contains("ok");
  }

  @Test
  void rejectsNonPositiveBound() {
    assertThatThrownBy(() -> new SseReader(stream(""), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEventBytes must be positive but was 0");
  }

  @Test
  void closeClosesTheUnderlyingStream() throws IOException {
    boolean[] closed = {false};
    InputStream in =
        new ByteArrayInputStream(new byte[0]) {
          @Override
          public void close() {
            closed[0] = true;
          }
        };

    new SseReader(in).close();

    assertThat(closed[0]).isTrue();
  }

  private static List<SseEvent> readAll(String text) throws IOException {
    return readAll(stream(text));
  }

  private static List<SseEvent> readAll(InputStream in) throws IOException {
    SseReader reader = new SseReader(in);
    List<SseEvent> events = new ArrayList<>();
    for (Optional<SseEvent> next = reader.next(); next.isPresent(); next = reader.next()) {
      events.add(next.get());
    }
    return events;
  }

  private static SseReader reader(String text) {
    return new SseReader(stream(text));
  }

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns at most {@code chunk} bytes per read, like a network stream delivering small packets.
   */
  private static final class TrickleInputStream extends InputStream {
    private final byte[] bytes;
    private final int chunk;
    private int position;

    TrickleInputStream(byte[] bytes, int chunk) {
      this.bytes = bytes;
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return position < bytes.length ? bytes[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, chunk), bytes.length - position);
      System.arraycopy(bytes, position, b, off, n);
      position += n;
      return n;
    }
  }
}
