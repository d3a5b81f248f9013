package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.testkit.agent.ScriptedAgent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code preserveIgnored(true)} keeps what git ignores for the next cell on the worktree: a red
 * cell's build output survives its revert and the worktree's return to the pool, so the next cell's
 * tests find it.
 */
class PreserveIgnoredIT {

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo ->
                  repo.write(".gitignore", "build/\n")
                      .commit("a project whose build output is ignored"))
          .testCommand("sh", "-c", "test -f build/cache.txt && grep -q check work.txt")
          .connection(ConnectionOptions.newBuilder().hostId("preserve-ignored-host").build())
          .worktrees(pool -> pool.minIdle(0).maxIdle(1).maxTotal(1).preserveIgnored(true))
          .agent(
              ScriptedAgent.newBuilder()
                  .edits(
                      prompt -> {
                        List<ScriptedAgent.FileEdit> edits =
                            new ArrayList<>(
                                List.of(ScriptedAgent.FileEdit.write("work.txt", prompt + "\n")));
                        if (prompt.contains("build")) {
                          edits.add(
                              ScriptedAgent.FileEdit.write(
                                  "build/cache.txt", "expensive output\n"));
                        }
                        return edits;
                      })
                  .build())
          .configure(worker -> worker.sandbox(CellSandbox.Mode.BUBBLEWRAP))
          .build();

  @Test
  void aRedCellsIgnoredBuildOutputSurvivesItsRevertAndTheReturnOfItsWorktree(SwarmClient client) {
    CellOutcome red = client.runTcr(TaskSpec.of("build", "build, then break", "main"));
    assertThat(red.status()).as("%s", red).isEqualTo(CellStatus.REVERTED);

    CellOutcome next = client.runTcr(TaskSpec.of("next", "check", "main"));

    assertThat(next.status())
        .as("build/cache.txt was kept for the next cell: %s", next)
        .isEqualTo(CellStatus.COMMITTED);
  }
}
