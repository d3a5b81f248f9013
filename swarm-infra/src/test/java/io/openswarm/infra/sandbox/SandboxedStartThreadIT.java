package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: bubblewrap's {@code --die-with-parent} uses the parent-death signal, which Linux
 * sends when the <em>thread</em> that spawned the process ends. Agents are started on pooled
 * threads (Temporal activity threads) that are retired while the agent keeps working; such an agent
 * was killed with SIGKILL (exit 137) mid-turn.
 */
class SandboxedStartThreadIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  @Test
  void aSandboxedProcessOutlivesThePooledThreadThatStartedIt() throws Exception {
    Path worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    Path state = Files.createDirectories(temp.resolve("state/cell-1"));
    try (ProcessSupervisor supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build()) {
      ExecutorService pool = Executors.newSingleThreadExecutor();
      Future<SupervisedProcess> started =
          pool.submit(
              () ->
                  supervisor.start(
                      ProcessSpec.newBuilder()
                          .command("sleep", "300")
                          .workingDirectory(worktree)
                          .logFile(state.resolve("logs/agent.log"))
                          .sandboxPolicy(SandboxPolicy.forCell(worktree, state))
                          .stopGrace(Duration.ofSeconds(1))
                          .build()));
      SupervisedProcess process = started.get(30, TimeUnit.SECONDS);
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS))
          .as("the starting thread has ended")
          .isTrue();

      assertThat(process.waitFor(Duration.ofSeconds(2)))
          .as("the process is still running")
          .isEmpty();
      assertThat(process.isAlive()).isTrue();
      assertThat(process.stop().stopRequested()).isTrue();
    }
  }
}
