package io.openswarm.infra.process.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessTableTest {

  @Test
  void parsesCommandNamesWithSpacesAndParentheses() {
    ProcessTable.Entry entry = ProcessTable.parse("4242 (my (odd) name) S 1 4240 4239 0 -1 4194560 100 0 0 0");

    assertThat(entry).isEqualTo(new ProcessTable.Entry(4242, 1, 4240, 4239, 'S'));
    assertThat(entry.zombie()).isFalse();
    assertThat(ProcessTable.parse("7 (z) Z 1 7 7 0").zombie()).isTrue();
  }

  @Test
  void readsThisJvm() {
    long self = ProcessHandle.current().pid();

    assertThat(ProcessTable.available()).isTrue();
    assertThat(ProcessTable.read(self)).hasValueSatisfying(entry -> {
      assertThat(entry.pid()).isEqualTo(self);
      assertThat(entry.parentPid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
    });
    assertThat(ProcessTable.ownProcessGroup()).isPositive();
    assertThat(ProcessTable.snapshot()).anyMatch(e -> e.pid() == self);
    assertThat(ProcessTable.read(Long.MAX_VALUE)).isEmpty();
  }
}
