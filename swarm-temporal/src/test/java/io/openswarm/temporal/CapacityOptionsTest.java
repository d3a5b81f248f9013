package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CapacityOptionsTest {

  private static final long MIB = 1L << 20;

  @Test
  void theDefaultsComeFromTheDevelopmentProfileAndThePerformanceGuide() {
    CapacityOptions defaults = CapacityOptions.getDefaultInstance();

    assertThat(defaults.profile()).isEqualTo(SwarmProfile.DEVELOPMENT);
    assertThat(defaults.maxConcurrentActivities()).isEqualTo(5);
    assertThat(defaults.maxConcurrentWorkflowTasks()).isEqualTo(2);
    assertThat(defaults.maxConcurrentLocalActivities()).isEqualTo(100);
    assertThat(defaults.maxConcurrentCells()).isEmpty();
    assertThat(defaults.memoryPerCell()).isEqualTo(600 * MIB);
    assertThat(defaults.memoryBudget()).isEmpty();
    assertThat(defaults.diskPerCell()).isEmpty();
    assertThat(defaults.healthThresholds()).isEqualTo(SwarmHealth.Thresholds.getDefaultInstance());
  }

  @Test
  void limitsNotSetFollowTheProfile() {
    CapacityOptions production =
        CapacityOptions.newBuilder().profile(SwarmProfile.PRODUCTION).build();

    assertThat(production.maxConcurrentActivities()).isEqualTo(50);
    assertThat(production.maxConcurrentWorkflowTasks()).isEqualTo(10);
    assertThat(
            CapacityOptions.newBuilder()
                .profile(SwarmProfile.PRODUCTION)
                .maxConcurrentActivities(7)
                .build()
                .maxConcurrentActivities())
        .isEqualTo(7);
  }

  @Test
  void eachSetterRejectsABadValueNamingTheOptionAndTheValue() {
    assertThatThrownBy(() -> CapacityOptions.newBuilder().maxConcurrentActivities(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentActivities must be at least 1 but was 0");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().maxConcurrentWorkflowTasks(-2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentWorkflowTasks must be at least 1 but was -2");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().maxConcurrentLocalActivities(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentLocalActivities must be at least 1 but was 0");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().maxConcurrentCells(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentCells must be at least 1 but was 0");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().memoryPerCell(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryPerCell must be at least 1048576 bytes (1 MiB) but was 1000");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().memoryBudget(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("memoryBudget must be at least");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().diskPerCell(MIB - 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("diskPerCell must be at least 1048576 bytes (1 MiB) but was 1048575");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().profile(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("profile cannot be null");
  }

  @Test
  void valuesThatCannotHoldTogetherAreRefusedByBuild() {
    assertThatThrownBy(
            () ->
                CapacityOptions.newBuilder()
                    .maxConcurrentActivities(4)
                    .maxConcurrentCells(5)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConcurrentCells (5) must not exceed maxConcurrentActivities (4)");
    assertThatThrownBy(() -> CapacityOptions.newBuilder().maxConcurrentCells(6).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConcurrentCells (6) must not exceed maxConcurrentActivities (5)");
    assertThatThrownBy(
            () ->
                CapacityOptions.newBuilder()
                    .memoryPerCell(100 * MIB)
                    .memoryBudget(50 * MIB)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "memoryBudget (52428800 bytes) must be at least memoryPerCell (104857600 bytes)");
  }

  @Test
  void settingAValueTwiceIsAnError() {
    assertThatThrownBy(
            () ->
                CapacityOptions.newBuilder()
                    .profile(SwarmProfile.STAGING)
                    .profile(SwarmProfile.PRODUCTION))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("profile was already set to STAGING");
    assertThatThrownBy(
            () -> CapacityOptions.newBuilder().memoryPerCell(2 * MIB).memoryPerCell(3 * MIB))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("memoryPerCell was already set to 2097152");
  }

  @Test
  void aBuilderFromExistingOptionsRebuildsThemAndMayChangeEachOnce() {
    CapacityOptions options =
        CapacityOptions.newBuilder()
            .profile(SwarmProfile.STAGING)
            .maxConcurrentActivities(8)
            .maxConcurrentWorkflowTasks(3)
            .maxConcurrentLocalActivities(9)
            .maxConcurrentCells(4)
            .memoryPerCell(10 * MIB)
            .memoryBudget(100 * MIB)
            .diskPerCell(20 * MIB)
            .healthThresholds(SwarmHealth.Thresholds.newBuilder().maxMemoryUsage(0.5).build())
            .build();

    assertThat(CapacityOptions.newBuilder(options).build())
        .isEqualTo(options)
        .hasSameHashCodeAs(options)
        .hasToString(options.toString());
    CapacityOptions changed = CapacityOptions.newBuilder(options).maxConcurrentCells(2).build();
    assertThat(changed).isNotEqualTo(options);
    assertThat(changed.maxConcurrentCells()).hasValue(2);
    assertThat(changed.memoryBudget()).hasValue(100 * MIB);
  }
}
