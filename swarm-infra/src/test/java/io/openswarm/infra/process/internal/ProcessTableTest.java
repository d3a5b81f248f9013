package io.openswarm.infra.process.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessTableTest {

  @Test
  void parsesCommandNamesWithSpacesAndParentheses() {
    ProcessTable.Entry entry =
        ProcessTable.parse("4242 (my (odd) name) S 1 4240 4239 0 -1 4194560 100 0 0 0");

    assertThat(entry).isEqualTo(new ProcessTable.Entry(4242, 1, 4240, 4239, 'S'));
    assertThat(entry.zombie()).isFalse();
    assertThat(ProcessTable.parse("7 (z) Z 1 7 7 0").zombie()).isTrue();
  }

  @Test
  void readsThisJvm() {
    long self = ProcessHandle.current().pid();

    assertThat(ProcessTable.available()).isTrue();
    assertThat(ProcessTable.read(self))
        .hasValueSatisfying(
            entry -> {
              assertThat(entry.pid()).isEqualTo(self);
              assertThat(entry.parentPid())
                  .isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
            });
    assertThat(ProcessTable.ownProcessGroup()).isPositive();
    assertThat(ProcessTable.snapshot()).anyMatch(e -> e.pid() == self);
    assertThat(ProcessTable.read(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void parsesOnlyTheGivenLengthOfTheBuffer() {
    byte[] buffer = new byte[1024];
    byte[] line = "12 (a) R 3 12 9 0 -1".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(line, 0, buffer, 0, line.length);
    buffer[line.length] = '7';

    assertThat(ProcessTable.parse(buffer, line.length))
        .isEqualTo(new ProcessTable.Entry(12, 3, 12, 9, 'R'));
  }

  @Test
  void rejectsWhatIsNotAStatLine() {
    assertThatThrownBy(() -> ProcessTable.parse("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessTable.parse("12 no name S 1 2 3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessTable.parse("12 (a) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessTable.parse("12 (a) S 1 x 3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessTable.parse("(a) S 1 2 3"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSnapshotSeesAChildInItsOwnSession() throws Exception {
    Process child = new ProcessBuilder("setsid", "sleep", "30").start();
    try {
      ProcessTable.Entry sleeping =
          new ProcessTable.Entry(
              child.pid(), ProcessHandle.current().pid(), child.pid(), child.pid(), 'S');

      // setsid and the exec of sleep take a moment; until then the child is in this JVM's session
      // or running.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessTable.snapshot().contains(sleeping));
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
  }
}
