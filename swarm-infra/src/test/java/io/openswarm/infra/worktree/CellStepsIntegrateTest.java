package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.lifecycle.CellStepException;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CellSteps#integrate} over a real pool, real git and the real integrator; agent and tests
 * are stand-ins.
 */
class CellStepsIntegrateTest {

  @TempDir Path temp;
  private TestRepository repo;
  private WorktreePool pool;
  private PortManager ports;
  private final List<TestRunner.Request> testRuns = new CopyOnWriteArrayList<>();
  private volatile int exitCode;

  /** An agent that writes the prompt's second word as a file holding its third. */
  private static final AgentRuntime WRITER =
      new AgentRuntime() {
        @Override
        public String name() {
          return "writer";
        }

        @Override
        public AgentSession start(io.openswarm.core.agent.AgentRuntime.Context context) {
          return new AgentSession() {
            @Override
            public void awaitReady(Duration timeout) {}

            @Override
            public AgentSession.Turn prompt(
                String prompt, Duration timeout, AgentSession.Progress progress) {
              String[] words = prompt.split(" ", 3);
              TestRepositories.writeFile(context.worktree(), words[1], words[2]);
              return AgentSession.Turn.of("wrote " + words[1]);
            }

            @Override
            public void abort() {}

            @Override
            public void close() {}
          };
        }
      };

  private final TestRunner tests =
      request -> {
        testRuns.add(request);
        return new TestRunner.Result(
            exitCode,
            false,
            "ran in " + request.worktree().getFileName() + "\n",
            false,
            10,
            Duration.ofMillis(3));
      };

  @BeforeEach
  void setUp() {
    repo = TestRepositories.create(temp.resolve("repo"));
    pool = WorktreePool.newBuilder().repository(repo.path()).root(temp.resolve("pool")).build();
    pool.start();
    ports = PortManager.newBuilder().range(23000, 23003).probe(PortProbe.none()).build();
    GitBranchIntegration.create().createTarget(repo.path(), "dag/t", "main");
  }

  @AfterEach
  void tearDown() {
    assertThat(pool.leasedCount()).isZero();
    pool.close();
  }

  private CellSteps steps(boolean withIntegration) {
    CellSteps.Builder builder =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(pool)
            .changes(GitWorktreeChanges.create())
            .agent(WRITER)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("h");
    if (withIntegration) {
      builder.integration(GitBranchIntegration.create());
    }
    return builder.build();
  }

  private void commitIn(CellSteps steps, CellId cell, String file) {
    steps.bootstrap(cell, "main");
    steps.execute(cell, "write " + file + " " + cell, null, AgentSession.Progress.none());
    steps.commit(cell, cell + ": " + file);
  }

  @Test
  void theTestsRunAgainWithTheTasksOwnCommandWhenTheTargetMoved() {
    CellSteps steps = steps(true);
    CellId first = CellId.of("first");
    CellId second = CellId.of("second");
    commitIn(steps, first, "a.txt");
    commitIn(steps, second, "b.txt");
    try {
      BranchIntegration.Result fastForward = steps.integrate(first, "dag/t", null, null);
      BranchIntegration.Result rebased =
          steps.integrate(second, "dag/t", List.of("make", "check"), Duration.ofSeconds(7));

      assertThat(fastForward.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
      assertThat(fastForward.retests()).isZero();
      assertThat(rebased.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
      assertThat(rebased.onto()).isEqualTo(fastForward.commit());
      assertThat(rebased.commit()).isEqualTo(repo.resolve("dag/t"));
      assertThat(testRuns)
          .singleElement()
          .satisfies(
              run -> {
                assertThat(run.cellId()).isEqualTo(second);
                assertThat(run.command()).containsExactly("make", "check");
                assertThat(run.timeout()).isEqualTo(Duration.ofSeconds(7));
              });
    } finally {
      steps.teardown(first);
      steps.teardown(second);
    }
  }

  @Test
  void redTestsOnTopOfTheTargetAreReportedWithTheirOutput() {
    CellSteps steps = steps(true);
    CellId first = CellId.of("first");
    CellId second = CellId.of("second");
    commitIn(steps, first, "a.txt");
    commitIn(steps, second, "b.txt");
    try {
      steps.integrate(first, "dag/t", null, null);
      exitCode = 2;

      BranchIntegration.Result result = steps.integrate(second, "dag/t", null, null);

      assertThat(result.status()).isEqualTo(BranchIntegration.Status.REVERTED);
      assertThat(result.testOutputTail()).startsWith("tests failed with exit code 2\nran in ");
      assertThat(result.commit()).isNull();
    } finally {
      steps.teardown(first);
      steps.teardown(second);
    }
  }

  @Test
  void aRetestThatCannotRunFailsTypedAtTestAndLeavesTheTargetAndTheCellsCommitAlone() {
    CellSteps steps = steps(true);
    CellId first = CellId.of("first");
    CellId second = CellId.of("second");
    commitIn(steps, first, "a.txt");
    commitIn(steps, second, "b.txt");
    try {
      steps.integrate(first, "dag/t", null, null);
      String target = repo.resolve("dag/t");
      String cellCommit = repo.resolve("swarm/second");
      exitCode = 127;

      assertThatThrownBy(() -> steps.integrate(second, "dag/t", null, null))
          .isInstanceOfSatisfying(
              CellStepException.class,
              e -> {
                assertThat(e.failureType()).isEqualTo("TestCommandNotRunnable");
                assertThat(e.step()).isEqualTo(CellStep.TEST);
                assertThat(e.retryable()).isFalse();
              })
          .hasMessageContaining("exited with 127");
      assertThat(repo.resolve("dag/t")).as("nothing integrated").isEqualTo(target);
      assertThat(repo.resolve("swarm/second"))
          .as("the cell's commit is back on its branch")
          .isEqualTo(cellCommit);
    } finally {
      steps.teardown(first);
      steps.teardown(second);
    }
  }

  @Test
  void failuresAreStepFailuresOfTheIntegrateStep() {
    CellId cell = CellId.of("cell");
    CellSteps without = steps(false);
    commitIn(without, cell, "a.txt");
    try {
      assertThatThrownBy(() -> without.integrate(cell, "dag/t", null, null))
          .isInstanceOfSatisfying(
              CellStepException.class,
              e -> {
                assertThat(e.failureType()).isEqualTo("IntegrationUnavailable");
                assertThat(e.step()).isEqualTo(CellStep.INTEGRATE);
                assertThat(e.retryable()).isFalse();
              });
    } finally {
      without.teardown(cell);
    }

    CellSteps with = steps(true);
    CellId other = CellId.of("other");
    commitIn(with, other, "a.txt");
    try {
      assertThatThrownBy(() -> with.integrate(other, "dag/missing", null, null))
          .isInstanceOfSatisfying(
              CellStepException.class,
              e -> {
                assertThat(e.failureType()).isEqualTo("UnknownRef");
                assertThat(e.step()).isEqualTo(CellStep.INTEGRATE);
                assertThat(e.retryable()).isFalse();
              })
          .hasMessageContaining("target branch dag/missing does not exist");
      assertThatThrownBy(() -> with.integrate(CellId.of("nobody"), "dag/t", null, null))
          .isInstanceOfSatisfying(
              CellStepException.class, e -> assertThat(e.failureType()).isEqualTo("CellNotLive"));
    } finally {
      with.teardown(other);
    }
  }
}
