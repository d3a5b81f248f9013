package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.lifecycle.CellLifecycle;
import io.openswarm.core.lifecycle.CellStepException;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.OrphanReaper;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.GitBranchIntegration;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Cells driven locally (no Temporal) over real parts: a real repository with a real test script, a
 * real worktree pool, real ports, an agent that is a real child process, the real test runner, git
 * and integrator, all decorated by one {@link FaultInjector}, and the tests' green trees recorded
 * in a {@link InvariantCheck.TestLedger}.
 *
 * <p>Prompts are instructions for the agent: {@code write PATH CONTENT}, {@code hang}, {@code
 * fail}, anything else edits nothing. The tests pass while {@code status.txt} says {@code green}.
 */
final class LocalCells implements AutoCloseable {

  static final String TEST_SCRIPT =
      "#!/bin/sh\n# Green while status.txt says green.\n" + "test \"$(cat status.txt)\" = green\n";

  final TemporaryRepository repo;
  final FaultInjector faults = FaultInjector.create();
  final InvariantCheck.TestLedger ledger = InvariantCheck.TestLedger.create();
  final ProcessSupervisor supervisor;
  final WorktreePool pool;
  final PortManager ports;
  final ChildProcessAgent agent;
  final CellSteps steps;
  final CellLifecycle lifecycle;
  final Path journal;
  final Path cells;
  final String base;

  /** The branch integrating cells move their commits onto; starts at {@link #base}. */
  static final String TARGET = "integration";

  /** How a locally driven cell with an integrate step ended. */
  record Integrated(
      CellId cell,
      String status,
      @Nullable CellStep failedStep,
      @Nullable String error,
      BranchIntegration.@Nullable Result integration,
      List<String> teardownErrors) {}

  LocalCells(Path dir, int firstPort, int lastPort, int minIdle, int maxTotal) {
    this(dir, firstPort, lastPort, minIdle, Math.max(minIdle, 2), maxTotal);
  }

  LocalCells(Path dir, int firstPort, int lastPort, int minIdle, int maxIdle, int maxTotal) {
    repo =
        TemporaryRepository.create(dir.resolve("repo"))
            .write("status.txt", "green\n")
            .write("test.sh", TEST_SCRIPT)
            .executable("test.sh")
            .commit("a project with a test");
    base = repo.head();
    GitBranchIntegration.create().createTarget(repo.path(), TARGET, "main");
    journal = dir.resolve("journal");
    cells = dir.resolve("cells");
    OrphanReaper reaper = new OrphanReaper(LeaseJournal.open(journal));
    supervisor =
        ProcessSupervisor.newBuilder()
            .listener(reaper.processListener())
            .killWait(Duration.ofSeconds(2))
            .build();
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(dir.resolve("pool"))
            .minIdle(minIdle)
            .maxIdle(maxIdle)
            .maxTotal(maxTotal)
            .build();
    pool.start();
    ports =
        PortManager.newBuilder()
            .range(firstPort, lastPort)
            .probe(faults.interceptPortProbe(PortProbe.bind()))
            .leaseDirectory(dir.resolve("ports"))
            .build();
    agent =
        ChildProcessAgent.newBuilder(supervisor)
            .promptCommands()
            .stopGrace(Duration.ofSeconds(1))
            .build();
    CommandTestRunner tests =
        CommandTestRunner.newBuilder(supervisor)
            .command(List.of("sh", "test.sh"))
            .timeout(Duration.ofSeconds(30))
            .stopGrace(Duration.ofMillis(500))
            .build();
    steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(faults.interceptWorktrees(pool))
            .changes(faults.interceptChanges(GitWorktreeChanges.create()))
            .agent(faults.interceptAgent(agent))
            .tests(faults.interceptTests(ledger.wrap(tests)))
            .integration(faults.interceptIntegration(GitBranchIntegration.create()))
            .cellsDirectory(cells)
            .readyTimeout(Duration.ofSeconds(10))
            .executeTimeout(Duration.ofSeconds(30))
            .build();
    lifecycle = new CellLifecycle(steps);
  }

  CellOutcome run(TaskSpec task) {
    return lifecycle.run(task);
  }

  /**
   * The steps of a DAG task, driven locally: bootstrap, execute, test, commit if green (revert if
   * red), integrate into {@code target} if committed, teardown always.
   */
  Integrated runIntegrating(TaskSpec task, String target) {
    CellId cell = CellId.of(task.taskId());
    try {
      steps.bootstrap(cell, task.baseRef());
    } catch (CellStepException e) {
      return new Integrated(
          cell, "FAILED", e.step(), e.failureType() + ": " + e.getMessage(), null, List.of());
    }
    String status;
    CellStep failedStep = null;
    String error = null;
    BranchIntegration.Result integration = null;
    CellSteps.Teardown teardown;
    try {
      steps.execute(cell, task.prompt(), task.executeTimeout(), AgentSession.Progress.none());
      TestRunner.Result tested = steps.test(cell, task.testCommand(), task.testTimeout());
      if (!tested.passed()) {
        steps.revert(cell);
        status = CellStatus.REVERTED.name();
      } else {
        CellSteps.Commit committed = steps.commit(cell, task.effectiveCommitMessage());
        if (committed.commit() == null) {
          status = CellStatus.NO_CHANGES.name();
        } else {
          integration = steps.integrate(cell, target, task.testCommand(), task.testTimeout());
          status = integration.status().name();
        }
      }
    } catch (CellStepException e) {
      status = "FAILED";
      failedStep = e.step();
      error = e.failureType() + ": " + e.getMessage();
    } finally {
      teardown = steps.teardown(cell);
    }
    return new Integrated(cell, status, failedStep, error, integration, teardown.errors());
  }

  /** Every invariant over these cells, the target branch {@code main} included. */
  InvariantCheck invariants() {
    return InvariantCheck.create()
        .ports(ports)
        .portsBindable()
        .worktrees(pool)
        .cells(steps)
        .cellsDirectory(cells)
        .journal(journal)
        .repository(repo.path())
        .processes(agent::startedProcesses)
        .targetBranch(TARGET, base, ledger, faults.injectedCommits());
  }

  @Override
  public void close() {
    try {
      faults.releaseHangs();
      faults.releaseHeldBack();
      pool.close();
    } finally {
      supervisor.close();
    }
  }
}
