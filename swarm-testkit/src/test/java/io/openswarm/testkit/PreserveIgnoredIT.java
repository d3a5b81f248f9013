package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.FileEdit;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code preserveIgnored(true)} keeps what git ignores for the next cell on the worktree: a red
 * cell's build output survives its revert and the worktree's return to the pool, so the next cell's
 * tests find it.
 */
class PreserveIgnoredIT {

  @TempDir static Path temp;

  static SwarmWorker worker;

  @BeforeAll
  static void startWorker() {
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write(".gitignore", "build/\n")
            .commit("a project whose build output is ignored");
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .edits(
                prompt -> {
                  List<FileEdit> edits =
                      new ArrayList<>(List.of(FileEdit.write("work.txt", prompt + "\n")));
                  if (prompt.contains("build")) {
                    edits.add(FileEdit.write("build/cache.txt", "expensive output\n"));
                  }
                  return edits;
                })
            .build();
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "-c", "test -f build/cache.txt && grep -q check work.txt"))
            .connection(ConnectionOptions.newBuilder().hostId("preserve-ignored-host").build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root(temp.resolve("state").resolve("worktrees"))
                    .minIdle(0)
                    .maxIdle(1)
                    .maxTotal(1)
                    .preserveIgnored(true)
                    .build())
            .agent(agent)
            .sandbox(SandboxMode.BUBBLEWRAP)
            .ports(new PortRange(25350, 25369))
            .start();
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @Test
  void aRedCellsIgnoredBuildOutputSurvivesItsRevertAndTheReturnOfItsWorktree() {
    CellOutcome red = worker.client().runTcr(TaskSpec.of("build", "build, then break", "main"));
    assertThat(red.status()).as("%s", red).isEqualTo(CellStatus.REVERTED);

    CellOutcome next = worker.client().runTcr(TaskSpec.of("next", "check", "main"));

    assertThat(next.status())
        .as("build/cache.txt was kept for the next cell: %s", next)
        .isEqualTo(CellStatus.COMMITTED);
  }
}
