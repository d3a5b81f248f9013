package io.openswarm.testkit.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellLifecycle;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.LeakCheck;
import io.openswarm.testkit.fault.FaultInjector;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FaultInjector.Point#EVENT_STREAM_DROP} with the real OpenCode, driven by the {@link
 * FakeModelServer}, through both drivers: the agent's event stream is cut at the turn's first
 * progress while the server keeps working, and the turn still finishes and commits exactly what the
 * agent wrote, with nothing leaked.
 *
 * <p>The turn cannot end before the test lets it: the model first asks for a bash command that
 * waits for a flag file in the worktree, which the test writes only once the stream was cut. So the
 * cut is certainly mid-turn.
 */
class OpenCodeFaultIT {

  private static final String GATE = "go.flag";
  private static final String WAIT_FOR_GATE =
      "while [ ! -f " + GATE + " ]; do sleep 0.1; done; rm " + GATE;

  @TempDir(factory = OutsideTmpDirFactory.class)
  static Path temp;

  static FakeModelServer model;
  static TemporaryRepository repo;
  static OpenCodeOptions options;

  @BeforeAll
  static void setUp() {
    model = FakeModelServer.start();
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("check.sh", "#!/bin/sh\ntest \"$(cat greeting.txt 2>/dev/null)\" = hello\n")
            .executable("check.sh")
            .commit("a project whose test wants a greeting");
    options =
        OpenCodeOptions.newBuilder()
            .model(model.openCodeModel())
            .providerConfigJson(model.openCodeProviderConfig())
            .build();
  }

  @AfterAll
  static void tearDown() {
    if (model != null) {
      model.close();
    }
  }

  @BeforeEach
  void freshModel() {
    model.reset();
  }

  @Test
  void aLocalCellWhoseEventStreamDropsMidTurnStillCommitsAndLeavesNothing() throws Exception {
    FaultInjector faults = FaultInjector.create();
    ProcessSupervisor supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
    PortManager ports =
        PortManager.newBuilder()
            .range(21370, 21379)
            .probe(faults.interceptPortProbe(PortProbe.bind()))
            .leaseDirectory(temp.resolve("local/ports"))
            .build();
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("local/worktrees"))
            .minIdle(0)
            .maxIdle(1)
            .maxTotal(2)
            .build();
    pool.start();
    try {
      CellSteps steps =
          CellSteps.newBuilder()
              .ports(ports)
              .worktrees(faults.interceptWorktrees(pool))
              .changes(GitWorktreeChanges.create())
              .agent(faults.interceptAgent(OpenCodeAgent.create(supervisor, options)))
              .tests(
                  CommandTestRunner.newBuilder(supervisor)
                      .command(List.of("sh", "check.sh"))
                      .timeout(Duration.ofMinutes(1))
                      .build())
              .cellsDirectory(temp.resolve("local/cells"))
              .readyTimeout(Duration.ofSeconds(60))
              .executeTimeout(Duration.ofMinutes(2))
              .build();
      CellId cell = CellId.of("local-drop");
      String prompt = "Greet once the gate opens (local)";
      scriptGatedGreeting(prompt);
      faults.arm(FaultInjector.Point.EVENT_STREAM_DROP, FaultInjector.Fault.fail(), cell);

      CompletableFuture<CellOutcome> running =
          CompletableFuture.supplyAsync(
              () -> new CellLifecycle(steps).run(TaskSpec.of(cell.value(), prompt, "main")));
      openGateOnceCut(
          faults, () -> steps.find(cell).map(CellSteps.Bootstrap::worktree).map(Path::of));
      CellOutcome outcome = running.get(3, TimeUnit.MINUTES);

      assertCommittedDespiteTheCut(faults, cell, outcome);
      LeakCheck.of(ports, pool, steps).repository(repo).grace(Duration.ofSeconds(10)).assertClean();
      InvariantCheck.create()
          .ports(ports)
          .portsBindable()
          .worktrees(pool)
          .cells(steps)
          .cellsDirectory(temp.resolve("local/cells"))
          .repository(repo.path())
          .grace(Duration.ofSeconds(10))
          .assertHolds();
      assertThat(supervisor.liveProcesses()).isEmpty();
    } finally {
      pool.close();
      supervisor.close();
    }
  }

  @Test
  void aWorkflowWhoseEventStreamDropsMidTurnStillCommitsAndLeavesNothing() throws Exception {
    FaultInjector faults = FaultInjector.create();
    try (SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("workflow/state"))
            .testCommand(List.of("sh", "check.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("opencode-faults").build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root((temp.resolve("workflow/state")).resolve("worktrees"))
                    .minIdle(0)
                    .maxIdle(1)
                    .maxTotal(2)
                    .build())
            .openCode(options)
            .ports(new PortRange(21380, 21389))
            .interceptors(faults)
            .start()) {
      SwarmClient client = worker.client();
      CellId cell = CellId.of("workflow-drop");
      String prompt = "Greet once the gate opens (workflow)";
      scriptGatedGreeting(prompt);
      faults.arm(FaultInjector.Point.EVENT_STREAM_DROP, FaultInjector.Fault.fail(), cell);

      String workflowId = client.startTcr(TaskSpec.of(cell.value(), prompt, "main"));
      openGateOnceCut(faults, () -> worker.worktrees().find(cell).map(lease -> lease.path()));
      CellOutcome outcome = client.result(workflowId);

      assertCommittedDespiteTheCut(faults, cell, outcome);
      LeakCheck.of(worker).repository(repo).grace(Duration.ofSeconds(10)).assertClean();
      InvariantCheck.of(worker).grace(Duration.ofSeconds(10)).assertHolds();
    }
  }

  /** Waits for a bash command on the gate, then writes the greeting, then says so. */
  private static void scriptGatedGreeting(String prompt) {
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .bash(WAIT_FOR_GATE)
            .thenWrite("greeting.txt", "hello\n")
            .thenText("Greeted after the gate."));
  }

  /**
   * Opens the gate once the fault really cut a stream and the model was asked (the turn is
   * running).
   */
  private static void openGateOnceCut(FaultInjector faults, Supplier<Optional<Path>> worktree)
      throws IOException {
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                faults.eventStreamsCut() >= 1
                    && !model.chatRequests().isEmpty()
                    && worktree.get().isPresent());
    Files.writeString(worktree.get().orElseThrow().resolve(GATE), "go\n");
  }

  private static void assertCommittedDespiteTheCut(
      FaultInjector faults, CellId cell, CellOutcome outcome) {
    assertThat(faults.firedFor(cell))
        .extracting(FaultInjector.Fired::point)
        .containsExactly(FaultInjector.Point.EVENT_STREAM_DROP);
    assertThat(faults.eventStreamsCut()).as("the fault cut the turn's stream").isOne();
    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.changedFiles()).containsExactly("greeting.txt");
    assertThat(repo.changedIn(outcome.commit())).containsExactly("greeting.txt");
    assertThat(outcome.teardownErrors()).isEmpty();
    assertThat(model.chatRequests()).hasSize(3);
    assertThat(model.unscriptedRequests()).isZero();
  }
}
