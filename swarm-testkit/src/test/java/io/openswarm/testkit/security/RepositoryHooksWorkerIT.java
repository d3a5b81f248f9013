package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.testkit.SwarmExtension;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code repositoryHooks("pre-commit")} on a real worker: the team's husky-style hook, from the
 * user's checkout, guards what a cell commits, run inside the cell's sandbox; a cell that disarms
 * its own copy of the hook is still checked by the real one.
 */
class RepositoryHooksWorkerIT {

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo -> {
                repo.write("test.sh", "#!/bin/sh\nexit 0\n")
                    .executable("test.sh")
                    .write(
                        ".githooks/pre-commit",
                        "#!/bin/sh\nif git diff --cached --name-only | grep -q forbidden; then\n"
                            + "  echo 'lint: forbidden file staged'; exit 1\nfi\n")
                    .executable(".githooks/pre-commit")
                    .commit("a project with a test and a pre-commit hook");
                repo.git("config", "core.hooksPath", ".githooks");
              })
          .testCommand("sh", "test.sh")
          .connection(ConnectionOptions.newBuilder().hostId("hooks-host").build())
          .agent(
              ScriptedAgent.newBuilder()
                  .edits(
                      prompt -> {
                        String[] words = prompt.split(" ");
                        return java.util.Arrays.stream(words)
                            .map(
                                file ->
                                    ScriptedAgent.FileEdit.write(
                                        file,
                                        file.startsWith(".githooks")
                                            ? "#!/bin/sh\nexit 0\n"
                                            : "content\n"))
                            .toList();
                      })
                  .build())
          .configure(
              worker -> worker.sandbox(CellSandbox.Mode.BUBBLEWRAP).repositoryHooks("pre-commit"))
          .build();

  @Test
  void theRepositorysPreCommitHookGuardsEveryCellsCommit(
      SwarmClient client, TemporaryRepository repo) {
    CellOutcome rejected =
        client.runTcr(TaskSpec.of("sneaky", ".githooks/pre-commit forbidden.txt", "main"));
    CellOutcome accepted = client.runTcr(TaskSpec.of("fine", "fine.txt", "main"));

    assertThat(rejected.status()).as("%s", rejected).isEqualTo(CellStatus.FAILED);
    assertThat(rejected.failedStep()).isEqualTo(CellStep.COMMIT);
    assertThat(rejected.error())
        .startsWith("CommitRejected: ")
        .contains("lint: forbidden file staged");
    assertThat(repo.hasBranch("swarm/sneaky")).isFalse();
    assertThat(accepted.status()).as("%s", accepted).isEqualTo(CellStatus.COMMITTED);
  }
}
