package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a worker's cell limit is chosen, and how its options are checked. */
class SwarmCapacityTest {

  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @TempDir Path temp;

  private SwarmWorker.Builder builder() {
    try {
      // Options only look for the .git of a working tree; nothing here runs git.
      java.nio.file.Files.createDirectories(temp.resolve(".git"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return SwarmWorker.newBuilder()
        .repository(temp)
        .stateDirectory(temp.resolve("../state-" + temp.getFileName()))
        .testCommand(List.of("true"))
        .agent(supervisor -> {
          throw new AssertionError("not started");
        });
  }

  @Test
  void theDefaultIsTheLeastOfMemoryPortsWorktreesAndActivities() {
    // 24 GiB at 80 % is 19.2 GiB: 32 cells of 600 MiB.
    assertThat(SwarmCapacity.of(0, 600 * MIB, (long) (24 * GIB * 0.8), 1001, 100, 50))
        .extracting(SwarmCapacity::maxCells, SwarmCapacity::limitedBy, SwarmCapacity::cellsByMemory)
        .containsExactly(32, "memory", 32);
    assertThat(SwarmCapacity.of(0, 600 * MIB, 64 * GIB, 20, 100, 50).limitedBy()).isEqualTo("ports");
    assertThat(SwarmCapacity.of(0, 600 * MIB, 64 * GIB, 200, 8, 50).limitedBy()).isEqualTo("worktrees");
    assertThat(SwarmCapacity.of(0, 600 * MIB, 64 * GIB, 200, 100, 5))
        .extracting(SwarmCapacity::maxCells, SwarmCapacity::limitedBy).containsExactly(5, "activities");
    assertThat(SwarmCapacity.of(3, 600 * MIB, 64 * GIB, 200, 100, 5))
        .extracting(SwarmCapacity::maxCells, SwarmCapacity::limitedBy).containsExactly(3, "configured");
  }

  @Test
  void theWorkersCapacityComesFromItsOptions() {
    SwarmWorkerOptions options = builder()
        .maxConcurrentActivities(40)
        .ports(20000, 20099)
        .worktreePool(1, 4, 60)
        .memoryPerCell(500 * MIB)
        .memoryBudget(5000 * MIB)
        .build().options();

    assertThat(options.capacity())
        .extracting(SwarmCapacity::maxCells, SwarmCapacity::limitedBy, SwarmCapacity::memoryBudget)
        .containsExactly(10, "memory", 5000 * MIB);
    assertThat(options.maxConcurrentCells()).isEqualTo(10);
    assertThat(options.capacity().toString()).startsWith("10 cells (memory; memory 5000 MiB / 500 MiB per cell");
    assertThat(builder().maxConcurrentCells(2).build().capacity().maxCells()).isEqualTo(2);
  }

  @Test
  void invalidCapacityOptionsAreRefusedWithTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> builder().maxConcurrentCells(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConcurrentCells must be at least 1 but was 0");
    assertThatThrownBy(() -> builder().maxConcurrentActivities(4).maxConcurrentCells(5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxConcurrentCells (5) must not exceed maxConcurrentActivities (4)");
    assertThatThrownBy(() -> builder().diskPerCell(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("diskPerCell must be at least 1048576 bytes (1 MiB) but was 0");
    assertThat(builder().build().options().diskPerCell()).isEmpty();
    assertThat(builder().diskPerCell(2 * MIB).build().options().diskPerCell()).hasValue(2 * MIB);
    assertThatThrownBy(() -> builder().memoryPerCell(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryPerCell must be at least 1048576 bytes (1 MiB) but was 1000");
    assertThatThrownBy(() -> builder().memoryPerCell(600 * MIB).memoryBudget(100 * MIB).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memoryBudget (104857600 bytes) must be at least memoryPerCell (629145600 bytes): not even one"
            + " cell would fit");
    assertThatThrownBy(() -> builder().healthThresholds(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("healthThresholds cannot be null");
  }
}
