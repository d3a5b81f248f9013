package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellDriver;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.history.v1.ActivityTaskCompletedEventAttributes;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TCR workflow's decisions, with the activities replaced by a recording fake and time skipping
 * for the timeouts: routing, verdicts, host loss, failures and cancellation, and that teardown
 * always runs.
 */
class TcrWorkflowImplTest {

  private static final String SHARED = "shared";
  private static final String LIVE_HOST = "shared@live";

  private TestWorkflowEnvironment env;
  private FakeCells cells;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    cells = new FakeCells();
    // A short host schedule-to-start: the test server does not skip time while activity tasks wait
    // in a queue.
    CellActivityOptions profile = CellActivityOptions.of(SwarmProfile.STAGING);
    CellActivityOptions options =
        new CellActivityOptions(
            profile.startToClose(),
            profile.heartbeat(),
            profile.teardownTimeout(),
            profile.bootstrapTimeout(),
            Duration.ofSeconds(2),
            3);
    // As SwarmWorker does: heartbeats reach the server at once, so cancellation reaches the
    // activity at once.
    WorkerOptions workerOptions =
        WorkerOptions.newBuilder().setMaxHeartbeatThrottleInterval(Duration.ofMillis(200)).build();
    Worker shared = env.newWorker(SHARED, workerOptions);
    shared.registerWorkflowImplementationFactory(
        TcrWorkflow.class, () -> new TcrWorkflowImpl(options));
    shared.registerActivitiesImplementations(cells);
    env.newWorker(LIVE_HOST, workerOptions).registerActivitiesImplementations(cells);
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private TcrWorkflow workflow(String id) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            TcrWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(SHARED).setWorkflowId(id).build());
  }

  @Test
  void greenTestsCommitAndEveryStepAfterBootstrapRunsOnTheHostQueue() {
    CellOutcome outcome = workflow("green").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.commit()).isEqualTo("sha-t");
    assertThat(outcome.host()).isEqualTo("live");
    assertThat(outcome.changedFiles()).containsExactly("a.txt");
    assertThat(cells.calls)
        .containsExactly(
            "bootstrap t on shared",
            "execute t on shared@live",
            "runTests t on shared@live",
            "commit t on shared@live",
            "teardown t on shared@live");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(
            CellStep.PORT, CellStep.EXECUTE, CellStep.TEST, CellStep.COMMIT, CellStep.TEARDOWN);
  }

  @Test
  void redTestsRevertWithTheReport() {
    cells.testExitCode = 2;

    CellOutcome outcome = workflow("red").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.REVERTED);
    assertThat(outcome.testOutputTail()).isEqualTo("tests failed with exit code 2\nboom");
    assertThat(cells.calls)
        .contains("revert t on shared@live")
        .doesNotContain("commit t on shared@live");
  }

  @Test
  void aLostHostIsDetectedAndTheTaskRunsInANewCellElsewhere() {
    cells.firstHostQueue = "shared@gone";

    CellOutcome outcome = workflow("lost").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.cellId()).isEqualTo(CellId.of("t-r2"));
    assertThat(cells.calls)
        .containsExactly(
            "bootstrap t on shared",
            "bootstrap t-r2 on shared",
            "execute t-r2 on shared@live",
            "runTests t-r2 on shared@live",
            "commit t-r2 on shared@live",
            "teardown t-r2 on shared@live");
  }

  @Test
  void aFailedStepEndsTheCellAsFailedAndTeardownStillRuns() {
    cells.executeFailure =
        ApplicationFailure.newNonRetryableFailure(
            "the model said no", "AgentTurnFailed", "EXECUTE");

    CellOutcome outcome = workflow("failed").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.EXECUTE);
    assertThat(outcome.error()).isEqualTo("AgentTurnFailed: the model said no");
    assertThat(outcome.timing(CellStep.EXECUTE)).as("the failed step is timed too").isPresent();
    assertThat(cells.calls)
        .containsExactly(
            "bootstrap t on shared", "execute t on shared@live", "teardown t on shared@live");
  }

  @Test
  void aFailedBootstrapIsAnOutcomeWithoutTeardown() {
    cells.bootstrapFailure =
        ApplicationFailure.newNonRetryableFailure(
            "branch swarm/t holds commits", "WorktreeConflict", "WORKTREE");

    CellOutcome outcome = workflow("conflict").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(outcome.error()).isEqualTo("WorktreeConflict: branch swarm/t holds commits");
    assertThat(cells.calls).containsExactly("bootstrap t on shared");
  }

  @Test
  void aBootstrapCutShortByAStoppingHostIsAnOutcomeNotANewCell() {
    // Only a cell that came up can lose its host; a bootstrap failure of any type ends the task (as
    // histories say).
    cells.bootstrapFailure =
        ApplicationFailure.newNonRetryableFailure(
            "host h is shutting down", CellActivitiesImpl.HOST_SHUTTING_DOWN, "PORT");

    CellOutcome outcome = workflow("stopping").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.error()).isEqualTo("HostShuttingDown: host h is shutting down");
    assertThat(cells.calls).containsExactly("bootstrap t on shared");
  }

  @Test
  void cancellingTheWorkflowStopsTheRunningStepAndTearsDown() {
    cells.hangExecute = true;
    WorkflowClient.start(workflow("cancel")::run, TaskSpec.of("t", "do it", "main"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cells.calls.contains("execute t on shared@live"));

    WorkflowStub stub = env.getWorkflowClient().newUntypedWorkflowStub("cancel");
    stub.cancel();

    assertThatThrownBy(() -> stub.getResult(CellOutcome.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(cells.calls)
        .containsSubsequence(
            "execute t on shared@live", "execute t cancelled", "teardown t on shared@live");
  }

  @Test
  void cellIdsOfLaterAttemptsStayValidForLongTaskIds() {
    String longId = "x".repeat(64);
    assertThat(CellDriver.cellIdFor(longId, 1).value()).isEqualTo(longId);
    assertThat(CellDriver.cellIdFor(longId, 2).value()).isEqualTo("x".repeat(61) + "-r2");
  }

  @Test
  void aGreenBaseIsCheckedOnTheHostBeforeTheAgentIsPromptedAndTimedAsVerifyBase() {
    CellOutcome outcome =
        workflow("green-base").run(TaskSpec.of("t", "do it", "main").withVerifyBase(true));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(cells.calls)
        .containsExactly(
            "bootstrap t on shared",
            "verifyBase t on shared@live",
            "execute t on shared@live",
            "runTests t on shared@live",
            "commit t on shared@live",
            "teardown t on shared@live");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(
            CellStep.PORT,
            CellStep.VERIFY_BASE,
            CellStep.EXECUTE,
            CellStep.TEST,
            CellStep.COMMIT,
            CellStep.TEARDOWN);
    assertThat(outcome.timing(CellStep.VERIFY_BASE)).contains(Duration.ofMillis(7));
  }

  @Test
  void aRedBaseFailsTheCellAtVerifyBaseAndTheAgentIsNeverPrompted() {
    cells.verifyBaseByDefault = true;
    cells.baseFailure =
        ApplicationFailure.newNonRetryableFailure(
            "the tests fail on the base commit base", "BaseIsRed", "VERIFY_BASE");

    CellOutcome outcome = workflow("red-base").run(TaskSpec.of("t", "do it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.VERIFY_BASE);
    assertThat(outcome.error()).isEqualTo("BaseIsRed: the tests fail on the base commit base");
    assertThat(outcome.timing(CellStep.VERIFY_BASE))
        .as("the failed check is timed too")
        .isPresent();
    assertThat(cells.calls)
        .containsExactly(
            "bootstrap t on shared", "verifyBase t on shared@live", "teardown t on shared@live");
  }

  @Test
  void aTaskThatTurnsTheCheckOffBeatsTheHostsDefault() {
    cells.verifyBaseByDefault = true;

    CellOutcome outcome =
        workflow("no-check").run(TaskSpec.of("t", "do it", "main").withVerifyBase(false));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(cells.calls).noneMatch(call -> call.startsWith("verifyBase"));
  }

  @Test
  void aHistoryWrittenBeforeTheBaseCheckReplaysEvenWhenItsBootstrapAskedForTheCheck()
      throws Exception {
    // A rolling upgrade: a new host answered the bootstrap (asking for the check) while the
    // workflow still ran the
    // old code, which prompted the agent at once. Such a history has no version marker; it must
    // replay as it was.
    CellOutcome outcome = workflow("before-check").run(TaskSpec.of("t", "do it", "main"));
    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    WorkflowExecutionHistory recorded = env.getWorkflowClient().fetchHistory("before-check");
    WorkflowExecutionHistory upgraded = withBootstrapAskingForTheCheck(recorded);
    WorkflowExecutionHistory checked;
    cells.calls.clear();
    workflow("with-check").run(TaskSpec.of("t2", "do it", "main").withVerifyBase(true));
    checked = env.getWorkflowClient().fetchHistory("with-check");

    WorkerFactory replayers = WorkerFactory.newInstance(env.getWorkflowClient());
    try {
      Worker replayer = replayers.newWorker("replay");
      replayer.registerWorkflowImplementationFactory(
          TcrWorkflow.class,
          () -> new TcrWorkflowImpl(CellActivityOptions.of(SwarmProfile.STAGING)));
      WorkflowReplayer.replayWorkflowExecution(upgraded, replayer);
      WorkflowReplayer.replayWorkflowExecution(checked, replayer);
    } finally {
      replayers.shutdownNow();
    }
  }

  /**
   * {@code history} with its bootstrap's result saying {@code verifyBase: true}, as a new host
   * answers.
   */
  private static WorkflowExecutionHistory withBootstrapAskingForTheCheck(
      WorkflowExecutionHistory history) {
    History.Builder events = history.getHistory().toBuilder();
    for (int i = 0; i < events.getEventsCount(); i++) {
      HistoryEvent event = events.getEvents(i);
      if (event.hasActivityTaskCompletedEventAttributes()) {
        ActivityTaskCompletedEventAttributes completed =
            event.getActivityTaskCompletedEventAttributes();
        Payload result = completed.getResult().getPayloads(0);
        String json = result.getData().toStringUtf8();
        assertThat(json)
            .as("the first completed activity is the bootstrap")
            .contains("\"verifyBase\":false");
        Payload edited =
            result.toBuilder()
                .setData(
                    ByteString.copyFromUtf8(
                        json.replace("\"verifyBase\":false", "\"verifyBase\":true")))
                .build();
        events
            .setEvents(
                i,
                event.toBuilder()
                    .setActivityTaskCompletedEventAttributes(
                        completed.toBuilder().setResult(Payloads.newBuilder().addPayloads(edited))))
            .build();
        return new WorkflowExecutionHistory(
            events.build(), history.getWorkflowExecution().getWorkflowId());
      }
    }
    throw new AssertionError("no completed activity in " + history);
  }

  /** Records every activity call with the queue it ran on. */
  public static final class FakeCells implements CellActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile String firstHostQueue = LIVE_HOST;
    volatile int testExitCode;
    volatile ApplicationFailure executeFailure;
    volatile ApplicationFailure bootstrapFailure;
    volatile boolean hangExecute;

    /** The host's default for the base check, used when the bootstrap request names none. */
    volatile boolean verifyBaseByDefault;

    volatile ApplicationFailure baseFailure;
    private volatile boolean bootstrapped;

    private void record(String activity, CellId cell) {
      calls.add(
          activity
              + " "
              + cell
              + " on "
              + Activity.getExecutionContext().getInfo().getActivityTaskQueue());
    }

    @Override
    public CellActivities.HostedCell bootstrap(CellActivities.BootstrapRequest request) {
      record("bootstrap", request.cellId());
      if (bootstrapFailure != null) {
        throw bootstrapFailure;
      }
      String queue = bootstrapped ? LIVE_HOST : firstHostQueue;
      bootstrapped = true;
      String host = queue.substring(queue.indexOf('@') + 1);
      return new CellActivities.HostedCell(
          new CellSteps.Bootstrap(
              request.cellId(),
              host,
              8000,
              "/tmp/wt",
              "swarm/" + request.cellId(),
              "base",
              List.of(new CellStep.Timing(CellStep.PORT, Duration.ofMillis(1)))),
          queue,
          request.verifyBase() == null ? verifyBaseByDefault : request.verifyBase());
    }

    @Override
    public CellSteps.BaseCheck verifyBase(CellActivities.TestRunRequest request) {
      record("verifyBase", request.cellId());
      if (baseFailure != null) {
        throw baseFailure;
      }
      return new CellSteps.BaseCheck("base", false, Duration.ofMillis(7));
    }

    @Override
    public CellSteps.Execution execute(CellActivities.ExecuteRequest request) {
      record("execute", request.cellId());
      if (executeFailure != null) {
        throw executeFailure;
      }
      if (hangExecute) {
        try {
          while (true) {
            Activity.getExecutionContext().heartbeat("working");
            TimeUnit.MILLISECONDS.sleep(100);
          }
        } catch (ActivityCompletionException e) {
          calls.add("execute " + request.cellId() + " cancelled");
          throw e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return new CellSteps.Execution("done", List.of("a.txt"), Duration.ofMillis(5));
    }

    @Override
    public TestRunner.Result runTests(CellActivities.TestRunRequest request) {
      record("runTests", request.cellId());
      return new TestRunner.Result(
          testExitCode, false, testExitCode == 0 ? "ok" : "boom", false, 4, Duration.ofMillis(3));
    }

    @Override
    public CellSteps.Commit commit(CellActivities.CommitRequest request) {
      record("commit", request.cellId());
      return new CellSteps.Commit("sha-" + request.cellId(), Duration.ofMillis(2));
    }

    @Override
    public Duration revert(CellId cellId) {
      record("revert", cellId);
      return Duration.ofMillis(2);
    }

    @Override
    public BranchIntegration.Result integrate(CellActivities.IntegrateRequest request) {
      record("integrate", request.cellId());
      throw new IllegalStateException("the TCR workflow never integrates");
    }

    @Override
    public CellSteps.Teardown teardown(CellId cellId) {
      record("teardown", cellId);
      return new CellSteps.Teardown(List.of(), Duration.ofMillis(1), true);
    }
  }
}
