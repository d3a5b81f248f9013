package io.openswarm.testkit.opencode;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.LeakCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One TCR task end to end with the real OpenCode: an embedded Temporal server, a worker configured with
 * {@link SwarmWorker.Builder#openCode(OpenCodeOptions)}, the {@link FakeModelServer} as the model, and a test
 * command that turns green once the agent has written the file.
 */
class OpenCodeTcrIT {

  @TempDir Path temp;

  @Test
  void aTcrTaskRunByTheRealOpenCodeCommitsExactlyTheFileItWrote() {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve("repo"))
        .write("check.sh", "#!/bin/sh\ntest \"$(cat greeting.txt 2>/dev/null)\" = hello\n")
        .executable("check.sh")
        .commit("a project whose test wants a greeting");
    String prompt = "Create greeting.txt saying hello";
    try (FakeModelServer model = FakeModelServer.start()) {
      model.enqueue(prompt, FakeModelServer.script()
          .write("greeting.txt", "hello\n")
          .thenText("Created greeting.txt."));
      OpenCodeOptions options = OpenCodeOptions.newBuilder()
          .model(model.openCodeModel())
          .providerConfigJson(model.openCodeProviderConfig())
          .build();
      try (SwarmWorker worker = SwarmWorker.builder()
          .repository(repo.path())
          .stateDirectory(temp.resolve("state"))
          .testCommand(List.of("sh", "check.sh"))
          .openCode(options)
          .ports(21340, 21360)
          .hostId("opencode-it")
          .worktreePool(0, 2, 4)
          .start()) {

        CellOutcome outcome = worker.client().runTcr(TaskSpec.of("greet", prompt, "main"));

        assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
        assertThat(outcome.changedFiles()).containsExactly("greeting.txt");
        assertThat(repo.changedIn(outcome.commit())).as("no logs, no OpenCode files").containsExactly("greeting.txt");
        assertThat(repo.show(outcome.commit(), "greeting.txt")).isEqualTo("hello\n");
        assertThat(outcome.timings()).extracting(t -> t.step()).contains(CellStep.AGENT_START, CellStep.AGENT_READY,
            CellStep.EXECUTE, CellStep.TEST, CellStep.COMMIT, CellStep.TEARDOWN);
        assertThat(outcome.cleanTeardown()).isTrue();
        assertThat(model.unscriptedRequests()).isZero();
        LeakCheck.of(worker).repository(repo).grace(java.time.Duration.ofSeconds(10)).assertClean();
      }
    }
  }
}
