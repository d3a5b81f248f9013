package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.port.PortRange;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a worker's cell limit is chosen, and how its options are checked. */
class SwarmCapacityTest {

  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @TempDir Path temp;

  private SwarmWorkerBuilder builder() {
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
        .agent(
            supervisor -> {
              throw new AssertionError("not started");
            });
  }

  @Test
  void theDefaultIsTheLeastOfMemoryPortsWorktreesAndActivities() {
    // 24 GiB at 80 % is 19.2 GiB: 32 cells of 600 MiB.
    assertThat(SwarmWorker.Capacity.of(0, 600 * MIB, (long) (24 * GIB * 0.8), 1001, 100, 50))
        .extracting(
            SwarmWorker.Capacity::maxCells,
            SwarmWorker.Capacity::limitedBy,
            SwarmWorker.Capacity::cellsByMemory)
        .containsExactly(32, "memory", 32);
    assertThat(SwarmWorker.Capacity.of(0, 600 * MIB, 64 * GIB, 20, 100, 50).limitedBy())
        .isEqualTo("ports");
    assertThat(SwarmWorker.Capacity.of(0, 600 * MIB, 64 * GIB, 200, 8, 50).limitedBy())
        .isEqualTo("worktrees");
    assertThat(SwarmWorker.Capacity.of(0, 600 * MIB, 64 * GIB, 200, 100, 5))
        .extracting(SwarmWorker.Capacity::maxCells, SwarmWorker.Capacity::limitedBy)
        .containsExactly(5, "activities");
    assertThat(SwarmWorker.Capacity.of(3, 600 * MIB, 64 * GIB, 200, 100, 5))
        .extracting(SwarmWorker.Capacity::maxCells, SwarmWorker.Capacity::limitedBy)
        .containsExactly(3, "configured");
  }

  @Test
  void theWorkersCapacityComesFromItsOptions() {
    SwarmWorkerOptions options =
        builder()
            .capacity(
                CapacityOptions.newBuilder()
                    .maxConcurrentActivities(40)
                    .memoryPerCell(500 * MIB)
                    .memoryBudget(5000 * MIB)
                    .build())
            .ports(new PortRange(20000, 20099))
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(temp)
                    .root(temp.resolve("../wt-" + temp.getFileName()))
                    .minIdle(1)
                    .maxIdle(4)
                    .maxTotal(60)
                    .build())
            .build()
            .options();

    assertThat(options.cellCapacity())
        .extracting(
            SwarmWorker.Capacity::maxCells,
            SwarmWorker.Capacity::limitedBy,
            SwarmWorker.Capacity::memoryBudget)
        .containsExactly(10, "memory", 5000 * MIB);
    assertThat(options.cellCapacity().maxCells()).isEqualTo(10);
    assertThat(options.cellCapacity().toString())
        .startsWith("10 cells (memory; memory 5000 MiB / 500 MiB per cell");
    assertThat(
            builder()
                .capacity(CapacityOptions.newBuilder().maxConcurrentCells(2).build())
                .build()
                .capacity()
                .maxCells())
        .isEqualTo(2);
  }

  @Test
  void theDefaultMemoryBudgetIsShareOfTheMachineAndTheDiskBudgetIsMeasured() {
    SwarmWorkerOptions options = builder().build().options();

    assertThat(options.capacity().diskPerCell()).isEmpty();
    assertThat(options.cellCapacity().memoryBudget()).isPositive();
    assertThat(
            builder()
                .capacity(CapacityOptions.newBuilder().diskPerCell(2 * MIB).build())
                .build()
                .options()
                .capacity()
                .diskPerCell())
        .hasValue(2 * MIB);
  }

  @Test
  void moreCellsThanPortsOrWorktreesAreNotPromised() {
    SwarmWorkerOptions options =
        builder()
            .capacity(
                CapacityOptions.newBuilder().memoryPerCell(MIB).memoryBudget(1000 * MIB).build())
            .ports(new PortRange(20000, 20002))
            .build()
            .options();

    assertThat(options.cellCapacity().maxCells()).isEqualTo(3);
    assertThat(options.cellCapacity().limitedBy()).isEqualTo("ports");
  }
}
