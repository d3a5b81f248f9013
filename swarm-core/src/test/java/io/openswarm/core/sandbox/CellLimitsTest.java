package io.openswarm.core.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class CellLimitsTest {

  @Test
  void theDefaultsBoundEveryResourceButCpu() {
    CellLimits limits = CellLimits.getDefaultInstance();

    assertThat(limits.maxProcesses()).isEqualTo(1024);
    assertThat(limits.maxMemoryBytes()).isEqualTo(4L << 30);
    assertThat(limits.cpus()).isZero();
    assertThat(limits.tmpSizeBytes()).isEqualTo(1L << 30);
    assertThat(limits.maxCommitBytes()).isEqualTo(100L << 20);
    assertThat(limits.needsCgroup()).isTrue();
    assertThat(CellLimits.none().needsCgroup()).isFalse();
    assertThat(limits)
        .hasToString(
            "CellLimits{processes=1024, memory=4096 MiB, cpus=unlimited, tmp=1024 MiB, commit=100 MiB}");
  }

  @Test
  void aCopyEqualsItsOriginalUntilChanged() {
    CellLimits limits = CellLimits.newBuilder().cpus(1.5).maxProcesses(64).build();

    assertThat(CellLimits.newBuilder(limits).build()).isEqualTo(limits).hasSameHashCodeAs(limits);
    assertThat(CellLimits.newBuilder(limits).cpus(2).build()).isNotEqualTo(limits);
  }

  @Test
  void rejectsValuesThatCannotWorkAndNamesThem() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().maxProcesses(-1))
        .withMessage("maxProcesses must be 0 (no limit) or at least 16 but was -1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().maxProcesses(3))
        .withMessage("maxProcesses must be 0 (no limit) or at least 16 but was 3");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().maxMemoryBytes(1024))
        .withMessage("maxMemoryBytes must be 0 (no limit) or at least 16777216 bytes but was 1024");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().cpus(Double.NaN))
        .withMessage("cpus must be 0 (no limit) or at least 0.01 but was NaN");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().tmpSizeBytes(-5))
        .withMessage("tmpSizeBytes must be 0 (no limit) or at least 1048576 bytes but was -5");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellLimits.newBuilder().maxCommitBytes(-1))
        .withMessage("maxCommitBytes must be 0 (no limit) or positive but was -1");
  }
}
