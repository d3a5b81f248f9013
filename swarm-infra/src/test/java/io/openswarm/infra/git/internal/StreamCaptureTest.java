package io.openswarm.infra.git.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamCaptureTest {

  private static StreamCapture capture(byte[] input, int limit, boolean keepTail) {
    StreamCapture capture = new StreamCapture(new ByteArrayInputStream(input), limit, keepTail);
    capture.run();
    return capture;
  }

  private static byte[] sequence(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i % 251);
    }
    return bytes;
  }

  /**
   * Regression: every git command used to allocate (and zero) its whole 16 MiB limit for a few
   * bytes of output.
   */
  @Test
  void smallOutputUnderAHugeLimitUsesLittleMemory() {
    StreamCapture capture =
        capture(
            "0123456789abcdef0123456789abcdef01234567\n".getBytes(StandardCharsets.UTF_8),
            16 * 1024 * 1024,
            false);

    assertThat(capture.capacity()).isLessThanOrEqualTo(8192);
    assertThat(new String(capture.bytes(), StandardCharsets.UTF_8)).hasSize(41);
    assertThat(capture.truncated()).isFalse();
  }

  @Test
  void headKeepsTheFirstBytesAcrossGrowth() {
    byte[] input = sequence(100_000);
    StreamCapture capture = capture(input, 50_000, false);

    assertThat(capture.bytes()).isEqualTo(java.util.Arrays.copyOf(input, 50_000));
    assertThat(capture.capacity()).isEqualTo(50_000);
    assertThat(capture.truncated()).isTrue();
    assertThat(capture.totalBytes()).isEqualTo(100_000);
  }

  @Test
  void tailKeepsTheLastBytesAcrossGrowthAndWrapping() {
    byte[] input = sequence(100_003);
    StreamCapture capture = capture(input, 20_000, true);

    assertThat(capture.bytes())
        .isEqualTo(java.util.Arrays.copyOfRange(input, 100_003 - 20_000, 100_003));
    assertThat(capture.truncated()).isTrue();
  }

  @Test
  void tailShorterThanTheLimitIsKeptWhole() {
    byte[] input = sequence(12_345);
    StreamCapture capture = capture(input, 65_536, true);

    assertThat(capture.bytes()).isEqualTo(input);
    assertThat(capture.capacity()).isLessThan(65_536);
    assertThat(capture.truncated()).isFalse();
  }

  @Test
  void aZeroLimitKeepsNothingButCounts() {
    StreamCapture capture = capture(sequence(1000), 0, false);
    assertThat(capture.bytes()).isEmpty();
    assertThat(capture.totalBytes()).isEqualTo(1000);
    assertThat(capture.truncated()).isTrue();
  }
}
