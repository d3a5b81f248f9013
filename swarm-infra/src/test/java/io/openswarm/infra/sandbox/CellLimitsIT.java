package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.internal.CgroupLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fork bomb, a memory hog and a {@code /tmp} filler in one cell, under real bubblewrap and real
 * cgroups: each hits its cell's limit, and a neighbouring cell started right after works. A daemon
 * that leaves its tree is killed with it, even without a sandbox. The attacks are bounded (500
 * processes, 512 MiB, 64 MiB) so that a broken limit cannot take the machine down with the test.
 */
class CellLimitsIT {

  private static final CellLimits LIMITS =
      CellLimits.newBuilder()
          .maxProcesses(64)
          .maxMemoryBytes(128L * 1024 * 1024)
          .tmpSizeBytes(16L * 1024 * 1024)
          .build();

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path worktree;
  private Path state;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws Exception {
    CgroupLimiter probe =
        CgroupLimiter.detect(Long.toHexString(ProcessHandle.current().pid()) + "-probe");
    boolean cgroups = probe.enabled();
    probe.close();
    assertThat(cgroups).as("the worker can create cgroups here (%s)", probe.description()).isTrue();
    worktree = Files.createDirectories(temp.resolve("pool/cell"));
    state = Files.createDirectories(temp.resolve("state/cell"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .limits(LIMITS)
            .build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
  }

  private ProcessResult inCell(ProcessSupervisor on, String... command) throws Exception {
    return on.start(
            ProcessSpec.newBuilder()
                .command(command)
                .workingDirectory(worktree)
                .environment(ProcessEnvironment.newBuilder().inheritDefaults().build())
                .logFile(state.resolve("logs/attempt.log"))
                .sandboxPolicy(SandboxPolicy.forCell(worktree, state))
                .timeout(Duration.ofSeconds(60))
                .stopGrace(Duration.ofSeconds(1))
                .description("attempt")
                .build())
        .waitFor();
  }

  private void aNeighbourStillWorks() throws Exception {
    ProcessResult neighbour = inCell(supervisor, "sh", "-c", "echo neighbour ok");
    assertThat(neighbour.exitCode()).isZero();
    assertThat(neighbour.outputTail()).contains("neighbour ok");
  }

  @Test
  void aForkBombHitsTheProcessLimit() throws Exception {
    ProcessResult bomb =
        inCell(
            supervisor,
            "sh",
            "-c",
            "n=0; while [ $n -lt 500 ]; do sleep 3 & n=$((n+1)); done 2>&1 | tail -1; echo spawned $n");

    assertThat(bomb.outputTail()).containsIgnoringCase("fork");
    aNeighbourStillWorks();
  }

  @Test
  void aMemoryHogIsKilledAtTheMemoryLimit() throws Exception {
    ProcessResult hog =
        inCell(
            supervisor,
            "python3",
            "-c",
            "a = bytearray(512 * 1024 * 1024)\nfor i in range(0, len(a), 4096): a[i] = 1\nprint('survived')");

    assertThat(hog.exitCode()).isNotZero();
    assertThat(hog.outputTail()).doesNotContain("survived");
    aNeighbourStillWorks();
  }

  @Test
  void tmpAndShmAreSized() throws Exception {
    ProcessResult tmp =
        inCell(
            supervisor,
            "sh",
            "-c",
            "dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1; "
                + "dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>&1");

    assertThat(tmp.outputTail()).containsIgnoringCase("no space left on device");
    assertThat(tmp.outputTail()).doesNotContain("67108864 bytes");
    aNeighbourStillWorks();
  }

  @Test
  void aDaemonThatLeftItsTreeIsKilledWithItEvenWithoutASandbox() throws Exception {
    Path pidFile = state.resolve("daemon.pid");
    try (ProcessSupervisor unsandboxed =
        ProcessSupervisor.newBuilder().sandbox(CellSandbox.none()).limits(LIMITS).build()) {
      ProcessResult parent =
          inCell(
              unsandboxed,
              "sh",
              "-c",
              "(setsid sh -c 'echo $$ > "
                  + pidFile
                  + "; exec sleep 300' > /dev/null 2>&1 &); "
                  + "while [ ! -s "
                  + pidFile
                  + " ]; do sleep 0.05; done; echo spawned");

      assertThat(parent.outputTail()).contains("spawned");
      long daemon =
          Long.parseLong(
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(
                      () -> Files.exists(pidFile) ? Files.readString(pidFile).strip() : "",
                      s -> !s.isEmpty()));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false) == false);
    }
  }

  @Test
  void anotherSupervisorStartingLeavesThisOnesCgroupsAlone() throws Exception {
    inCell(supervisor, "true");
    try (ProcessSupervisor other = ProcessSupervisor.newBuilder().limits(LIMITS).build()) {
      ProcessResult inside = inCell(supervisor, "cat", "/proc/self/cgroup");

      assertThat(inside.outputTail())
          .contains("openswarm-" + Long.toHexString(ProcessHandle.current().pid()));
      assertThat(other.hiddenPaths()).isEmpty();
    }
  }
}
