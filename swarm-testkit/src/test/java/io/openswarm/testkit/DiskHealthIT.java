package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmHealth;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker reads its disks for {@code health()}, measures a worktree, and holds cells back
 * below the floor.
 */
class DiskHealthIT {

  @TempDir Path temp;

  private SwarmWorker worker;
  private TemporaryRepository repo;

  @AfterEach
  void stop() {
    if (worker != null) {
      try {
        LeakCheck.of(worker).repository(repo).assertClean();
      } finally {
        worker.close();
      }
    }
  }

  private SwarmWorkerBuilder builder(String host, int port) {
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("data.bin", "x".repeat(300_000))
            .write("test.sh", "#!/bin/sh\ntrue\n")
            .executable("test.sh")
            .commit("a project with 300 kB of data");
    return SwarmWorker.newBuilder()
        .repository(repo.path())
        .stateDirectory(temp.resolve("state"))
        .testCommand(List.of("sh", "test.sh"))
        .connection(ConnectionOptions.newBuilder().hostId(host).build())
        .agent(
            ScriptedAgent.newBuilder()
                .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("notes.txt", prompt)))
                .build())
        .ports(new PortRange(port, port + 3));
  }

  @Test
  void healthReadsTheRealDiskAndTheFirstWorktreeIsMeasuredOnce() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    worker = builder("disk-host", 23470).meterRegistry(registry).start();

    SwarmHealth.Readings before = worker.health().readings();
    assertThat(before.disks()).isNotEmpty();
    SwarmHealth.Disk disk = before.disks().get(0);
    long total = Files.getFileStore(temp).getTotalSpace();
    assertThat(disk.totalBytes()).isEqualTo(total);
    assertThat(disk.usableBytes()).isPositive().isLessThanOrEqualTo(total);
    assertThat(before.worktreeBytes()).isNull();

    CellOutcome outcome = worker.client().runTcr(TaskSpec.of("d-1", "hello", "main"));
    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> worker.health().readings().worktreeBytes() != null);
    long measured = worker.health().readings().worktreeBytes();
    // The checkout's files (300 kB of data and the script); its .git is a small file pointing at
    // the repository.
    assertThat(measured).isBetween(300_000L, 400_000L);
    assertThat(registry.find(SwarmWorker.WORKTREE_BYTES).gauge().value()).isEqualTo(measured);
    assertThat(registry.find(SwarmWorker.DISK_FREE).gauge().value()).isPositive();
  }

  @Test
  void belowTheDiskFloorTheWorkerWarnsAndHoldsNewCellsBack() {
    // A floor of 99 % of the file system: no real test machine has that much free.
    SwarmHealth.Thresholds full =
        SwarmHealth.Thresholds.newBuilder()
            .minFreeDisk(Long.MAX_VALUE, 0.995)
            .diskFloor(Long.MAX_VALUE, 0.99)
            .build();
    worker =
        builder("full-disk-host", 23480)
            .capacity(CapacityOptions.newBuilder().healthThresholds(full).build())
            .start();

    await().atMost(Duration.ofSeconds(30)).until(() -> worker.health().readings().backpressure());

    SwarmHealth health = worker.health();
    assertThat(health.readings().limitedBy()).isEqualTo("disk");
    assertThat(health.warning(SwarmHealth.Check.DISK).orElseThrow().message())
        .contains("below the floor")
        .endsWith("new cells are held back");
  }
}
