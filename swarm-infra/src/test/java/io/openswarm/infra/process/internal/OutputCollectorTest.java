package io.openswarm.infra.process.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputCollectorTest {

  @TempDir Path temp;

  @Test
  void keepsEverythingBelowTheCaps() throws Exception {
    OutputCollector collector = new OutputCollector(temp.resolve("a.log"), 100, 100);

    collector.drain(new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8)));

    assertThat(collector.tail()).isEqualTo("hello\n");
    assertThat(collector.totalBytes()).isEqualTo(6);
    assertThat(collector.logTruncated()).isFalse();
    assertThat(collector.tailTruncated()).isFalse();
    assertThat(Files.readString(temp.resolve("a.log"))).isEqualTo("hello\n");
  }

  @Test
  void outputOfExactlyTheCapIsNotTruncated() throws Exception {
    OutputCollector collector = new OutputCollector(temp.resolve("a.log"), 10, 10);

    collector.drain(new ByteArrayInputStream("0123456789".getBytes(StandardCharsets.UTF_8)));

    assertThat(collector.logTruncated()).isFalse();
    assertThat(collector.tailTruncated()).isFalse();
    assertThat(collector.tail()).isEqualTo("0123456789");
  }

  @Test
  void aHundredMegabytesStayBoundedOnDiskAndInMemory() throws Exception {
    long size = 100L * 1024 * 1024;
    OutputCollector collector =
        new OutputCollector(temp.resolve("big.log"), 1024 * 1024, 64 * 1024);

    collector.drain(new GeneratedStream(size));

    assertThat(collector.totalBytes()).isEqualTo(size);
    assertThat(collector.loggedBytes()).isEqualTo(1024 * 1024);
    assertThat(collector.logTruncated()).isTrue();
    assertThat(Files.size(temp.resolve("big.log"))).isBetween(1024L * 1024, 1024L * 1024 + 200);
    String tail = collector.tail();
    assertThat(tail).hasSize(64 * 1024);
    assertThat(tail.charAt(tail.length() - 1)).isEqualTo(GeneratedStream.charAt(size - 1));
    assertThat(tail.charAt(0)).isEqualTo(GeneratedStream.charAt(size - 64 * 1024));
  }

  @Test
  void aSymlinkPlantedAtTheLogPathIsReplacedNotFollowed() throws Exception {
    Path victim = Files.writeString(temp.resolve("victim.txt"), "precious");
    Path log = temp.resolve("tests.log");
    Files.createSymbolicLink(log, victim);

    OutputCollector collector = new OutputCollector(log, 100, 100);
    collector.drain(new ByteArrayInputStream("output".getBytes(StandardCharsets.UTF_8)));

    assertThat(victim).hasContent("precious");
    assertThat(Files.isSymbolicLink(log)).isFalse();
    assertThat(log).hasContent("output");
  }

  @Test
  void aLogFolderReplacedBySymlinkIsRefused() throws Exception {
    Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
    Path logs = temp.resolve("logs");
    Files.createSymbolicLink(logs, elsewhere);

    assertThatThrownBy(() -> new OutputCollector(logs.resolve("tests.log"), 100, 100))
        .isInstanceOf(IOException.class)
        .hasMessage("refusing to write tests.log through the symbolic link " + logs);
    assertThat(elsewhere).isEmptyDirectory();
  }

  @Test
  void aPreviousLogIsReplaced() throws Exception {
    Path log = Files.writeString(temp.resolve("tests.log"), "an old and much longer run");

    new OutputCollector(log, 100, 100)
        .drain(new ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8)));

    assertThat(log).hasContent("new");
  }

  @Test
  void theTailIsReadableWhileOutputIsStillArriving() throws Exception {
    OutputCollector collector = new OutputCollector(temp.resolve("a.log"), 1000, 4);
    collector.drain(new ByteArrayInputStream("abcdef".getBytes(StandardCharsets.UTF_8)));

    assertThat(collector.tail()).isEqualTo("cdef");
  }

  /** Produces {@code size} predictable bytes without holding them in memory. */
  private static final class GeneratedStream extends InputStream {
    private final long size;
    private long position;

    GeneratedStream(long size) {
      this.size = size;
    }

    static char charAt(long position) {
      return (char) ('a' + position % 26);
    }

    @Override
    public int read() {
      return position < size ? charAt(position++) : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(length, size - position);
      for (int i = 0; i < n; i++) {
        buffer[offset + i] = (byte) charAt(position++);
      }
      return n;
    }
  }
}
