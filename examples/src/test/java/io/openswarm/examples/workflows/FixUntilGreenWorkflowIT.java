package io.openswarm.examples.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.testkit.SwarmExtension;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The custom workflow sample, registered on a swarm from the testkit's JUnit extension. */
class FixUntilGreenWorkflowIT {

  /** First turn: a wrong answer. A turn that is shown the failing tests: the right one. */
  private static final ScriptedAgent AGENT =
      ScriptedAgent.newBuilder()
          .edits(
              prompt ->
                  prompt.startsWith("The tests fail")
                      ? List.of(ScriptedAgent.FileEdit.write("answer.txt", "42\n"))
                      : List.of(ScriptedAgent.FileEdit.write("answer.txt", "41\n")))
          .build();

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo ->
                  repo.write(
                          "test.sh",
                          "#!/bin/sh\necho \"answer: $(cat answer.txt)\"\n"
                              + "test \"$(cat answer.txt)\" = 42\n")
                      .executable("test.sh")
                      .write("answer.txt", "?\n"))
          .testCommand("sh", "test.sh")
          .agent(AGENT)
          .configure(
              worker ->
                  worker.workflow(
                      FixUntilGreenWorkflow.class,
                      options -> new FixUntilGreenWorkflowImpl(options, 3)))
          .build();

  @Test
  void theAgentFixesItsOwnChangeAfterSeeingTheFailingTests(
      SwarmClient client, TemporaryRepository repo) {
    FixUntilGreenWorkflow workflow =
        client
            .workflowClient()
            .newWorkflowStub(
                FixUntilGreenWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(client.taskQueue())
                    .setWorkflowId("fix-answer")
                    .build());

    CellOutcome outcome = workflow.run(TaskSpec.of("answer", "Write the answer", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.timings()).filteredOn(t -> t.step() == CellStep.EXECUTE).hasSize(2);
    assertThat(repo.show(outcome.commit(), "answer.txt")).isEqualTo("42\n");
  }
}
