package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TcrWorkflow;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A workflow that closes without running its teardown - terminated by an operator, or past its
 * execution timeout - leaves its cell to the worker's sweep: the agent process, the worktree, the
 * port and the cell's place are given back, and the next task gets them. The worker runs one cell
 * at a time, so the next task can only run once the abandoned cell's place is free.
 */
class TerminatedWorkflowIT {

  private static final Duration SWEEP_INTERVAL = Duration.ofMillis(300);
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  static final AtomicReference<ChildProcessAgent> AGENT = new AtomicReference<>();

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo ->
                  repo.write("test.sh", "#!/bin/sh\nexit 0\n")
                      .executable("test.sh")
                      .commit("a project whose tests pass"))
          .testCommand("sh", "test.sh")
          .connection(ConnectionOptions.newBuilder().hostId("sweep-host").build())
          // Prompts: "hang" works until aborted; "write PATH CONTENT" edits a file.
          .agent(
              supervisor -> {
                ChildProcessAgent agent =
                    ChildProcessAgent.newBuilder(supervisor)
                        .turns(
                            prompt ->
                                prompt.equals("hang")
                                    ? ScriptedAgent.Turn.HANG
                                    : ScriptedAgent.Turn.NORMAL)
                        .promptCommands()
                        .build();
                AGENT.set(agent);
                return agent;
              })
          .configure(
              worker ->
                  worker
                      .timeouts(
                          CellTimeouts.newBuilder()
                              .closedWorkflowSweepInterval(SWEEP_INTERVAL)
                              .build())
                      .capacity(CapacityOptions.newBuilder().maxConcurrentCells(1).build()))
          .build();

  @AfterEach
  void theAgentHasNoLiveSessions() {
    assertThat(AGENT.get().liveSessions()).isZero();
  }

  @Test
  void aTerminatedTasksCellIsTornDownAndTheNextTaskRunsInItsPlace(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
    String workflowId = client.startTcr(TaskSpec.of("terminated", "hang", "main"));
    Set<ProcessIdentity> agentProcesses = awaitExecuting(worker, workflowId);

    client.workflowClient().newUntypedWorkflowStub(workflowId).terminate("terminated by the test");

    awaitCellGone(worker, agentProcesses);
    assertThat(repo.hasBranch("swarm/terminated")).as("the abandoned cell's branch").isFalse();
    CellOutcome next =
        client.runTcr(TaskSpec.of("after-terminated", "write next.txt hello", "main"));
    assertThat(next.status()).as("%s", next).isEqualTo(CellStatus.COMMITTED);
    assertThat(repo.changedIn(next.commit())).containsExactly("next.txt");
  }

  @Test
  void aTaskPastItsExecutionTimeoutHasItsCellTornDown(SwarmWorker worker, SwarmClient client) {
    String workflowId = "tcr-timed-out";
    TcrWorkflow workflow =
        client
            .workflowClient()
            .newWorkflowStub(
                TcrWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(client.taskQueue())
                    .setWorkflowId(workflowId)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(4))
                    .build());
    WorkflowClient.start(workflow::run, TaskSpec.of("timed-out", "hang", "main"));
    Set<ProcessIdentity> agentProcesses = awaitExecuting(worker, workflowId);

    awaitCellGone(worker, agentProcesses);
    CellOutcome next =
        client.runTcr(TaskSpec.of("after-timed-out", "write later.txt hello", "main"));
    assertThat(next.status()).as("%s", next).isEqualTo(CellStatus.COMMITTED);
  }

  /** Waits until the task's agent works, and returns the processes of the one live agent. */
  private static Set<ProcessIdentity> awaitExecuting(SwarmWorker worker, String workflowId) {
    SwarmClient client = worker.client();
    await().atMost(DEADLINE).until(() -> client.progress(workflowId).step() == CellStep.EXECUTE);
    assertThat(worker.liveCells()).isEqualTo(1);
    assertThat(worker.ports().allocatedCount()).isEqualTo(1);
    assertThat(worker.worktrees().leasedCount()).isEqualTo(1);
    Set<ProcessIdentity> live =
        AGENT.get().startedProcesses().stream()
            .filter(ProcessIdentity::isAlive)
            .collect(java.util.stream.Collectors.toSet());
    assertThat(live).as("the agent process of the running cell").hasSize(1);
    return live;
  }

  /** Waits until the worker gave back everything the cell held. */
  private static void awaitCellGone(SwarmWorker worker, Set<ProcessIdentity> agentProcesses) {
    await()
        .atMost(DEADLINE)
        .untilAsserted(
            () -> {
              assertThat(worker.liveCells()).as("live cells").isZero();
              assertThat(worker.ports().allocatedCount()).as("ports leased").isZero();
              assertThat(worker.worktrees().leasedCount()).as("worktrees leased").isZero();
              assertThat(agentProcesses).as("agent processes").noneMatch(ProcessIdentity::isAlive);
              assertThat(AGENT.get().liveSessions()).as("agent sessions").isZero();
            });
    assertThat(worker.health().readings().backpressure()).as("no room for another cell").isFalse();
  }
}
