package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagWorkflow;
import io.openswarm.temporal.RepositoryActivities;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Histories that earlier versions of the workflows wrote, replayed on today's code: the TCR
 * workflow, the DAG workflow and its task workflows must issue the same commands (activities in the
 * same order with the same arguments, the same version markers and timers) and read the same
 * results (records as Jackson wrote them then), or the runs in flight when a worker is upgraded
 * would fail.
 *
 * <p>The histories in {@code src/test/resources/histories} were recorded by {@link
 * #recordHistories} on the code of their time, with the activities replaced by {@link
 * ScriptedCells}: those at its top by the three workflows as they were before the single cell
 * driver (with the flat {@code DagAttempt}), those in {@code cell-driver/} by the driver. To record
 * a new generation after a change to what workflows write, run that test with {@code
 * -Dopenswarm.recordHistories=<module>/src/test/resources/histories/<generation>}. Never re-record
 * an existing generation to make a change pass: that is exactly the break this test is for.
 */
class RecordedHistoryReplayTest {

  private static final String SHARED = "shared";
  private static final String LIVE_HOST = "shared@live";
  private static final String GONE_HOST = "shared@gone";

  @Test
  void everyRecordedHistoryReplaysOnTodaysWorkflows() throws Exception {
    List<Path> histories = recordedHistories();
    assertThat(histories).as("the recorded histories").hasSizeGreaterThanOrEqualTo(50);
    replay(histories);
  }

  private static void replay(List<Path> histories) throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkerFactory replayers = WorkerFactory.newInstance(env.getWorkflowClient());
      try {
        Worker replayer = replayers.newWorker("replay");
        register(replayer, CellActivityOptions.of(SwarmProfile.STAGING));
        for (Path file : histories) {
          WorkflowExecutionHistory history =
              WorkflowExecutionHistory.fromJson(Files.readString(file, StandardCharsets.UTF_8));
          try {
            WorkflowReplayer.replayWorkflowExecution(history, replayer);
          } catch (Exception e) {
            throw new AssertionError("the history " + file + " does not replay", e);
          }
        }
      } finally {
        replayers.shutdownNow();
      }
    }
  }

  private static List<Path> recordedHistories() throws IOException, URISyntaxException {
    URL folder =
        Objects.requireNonNull(
            RecordedHistoryReplayTest.class.getResource("/histories"),
            "no histories folder on the test class path");
    try (Stream<Path> files = Files.walk(Path.of(folder.toURI()))) {
      return files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static void register(Worker worker, CellActivityOptions options) {
    worker.registerWorkflowImplementationFactory(
        TcrWorkflow.class, () -> new TcrWorkflowImpl(options));
    worker.registerWorkflowImplementationFactory(
        DagWorkflow.class, () -> new DagWorkflowImpl(options));
    worker.registerWorkflowImplementationFactory(
        DagTaskWorkflow.class, () -> new DagTaskWorkflowImpl(options));
  }

  /**
   * Runs every scenario on today's code, writes its histories (and those of its children) and
   * replays them: what today's workflows write, today's workflows read. The histories go to a
   * temporary folder, or to the folder {@code -Dopenswarm.recordHistories} names when recording a
   * new generation.
   */
  @Test
  void historiesRecordedOnTodaysWorkflowsReplay(@TempDir Path temporary) throws Exception {
    String recordInto = System.getProperty("openswarm.recordHistories", "");
    Path folder = recordInto.isBlank() ? temporary : Files.createDirectories(Path.of(recordInto));
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      ScriptedCells cells = new ScriptedCells();
      // A short host schedule-to-start, so that a lost host is noticed in two seconds.
      CellActivityOptions profile = CellActivityOptions.of(SwarmProfile.STAGING);
      CellActivityOptions options =
          new CellActivityOptions(
              profile.startToClose(),
              profile.heartbeat(),
              profile.teardownTimeout(),
              profile.bootstrapTimeout(),
              Duration.ofSeconds(2),
              3);
      WorkerOptions workerOptions =
          WorkerOptions.newBuilder()
              .setMaxHeartbeatThrottleInterval(Duration.ofMillis(200))
              .build();
      Worker shared = env.newWorker(SHARED, workerOptions);
      register(shared, options);
      shared.registerActivitiesImplementations(cells);
      env.newWorker(LIVE_HOST, workerOptions).registerActivitiesImplementations(cells);
      env.start();
      WorkflowClient client = env.getWorkflowClient();

      tcr(client, "tcr-green", TaskSpec.of("green", "green", "main"));
      tcr(client, "tcr-red", TaskSpec.of("red", "red", "main"));
      tcr(client, "tcr-no-changes", TaskSpec.of("nochange", "nochange", "main"));
      tcr(client, "tcr-failed-execute", TaskSpec.of("failexec", "failexec", "main"));
      tcr(client, "tcr-failed-bootstrap", TaskSpec.of("failboot", "failboot", "main"));
      tcr(client, "tcr-failed-test", TaskSpec.of("failtest", "failtest", "main"));
      tcr(client, "tcr-failed-commit", TaskSpec.of("failcommit", "failcommit", "main"));
      tcr(client, "tcr-lost-host", TaskSpec.of("lost", "lost", "main"));
      tcr(client, "tcr-green-base", TaskSpec.of("greenbase", "green", "main").withVerifyBase(true));
      tcr(client, "tcr-red-base", TaskSpec.of("redbase", "redbase", "main").withVerifyBase(true));
      WorkflowClient.start(
          client.newWorkflowStub(TcrWorkflow.class, options("tcr-cancelled"))::run,
          TaskSpec.of("hang", "hang", "main"));
      await().atMost(Duration.ofSeconds(20)).until(() -> cells.executing.contains("hang"));
      WorkflowStub cancelled = client.newUntypedWorkflowStub("tcr-cancelled");
      cancelled.cancel();
      awaitClosed(cancelled);

      TaskGraph graph =
          TaskGraph.newBuilder()
              .task(GraphTask.of("a", "green"))
              .task(GraphTask.of("b", "conflict", "a"))
              .task(GraphTask.of("c", "red"))
              .task(GraphTask.of("d", "retried"))
              .task(GraphTask.of("e", "nochange"))
              .task(GraphTask.of("f", "green", "c"))
              .task(GraphTask.of("g", "integration-red"))
              .task(GraphTask.of("h", "lost"))
              .task(GraphTask.of("i", "failcommit"))
              .build();
      DagWorkflow dag = client.newWorkflowStub(DagWorkflow.class, options("dag-mixed"));
      dag.run(new DagRequest("mixed", graph, "main", "dag/mixed", 3, true));

      DagWorkflow redBase = client.newWorkflowStub(DagWorkflow.class, options("dag-redbase"));
      redBase.run(
          new DagRequest(
              "redbase",
              TaskGraph.of(GraphTask.of("r", "green"), GraphTask.of("s", "green", "r")),
              "main",
              "dag/redbase",
              2,
              true));

      TaskGraph hanging =
          TaskGraph.of(GraphTask.of("x", "hang"), GraphTask.of("y", "hang-too", "x"));
      WorkflowClient.start(
          client.newWorkflowStub(DagWorkflow.class, options("dag-cancelled"))::run,
          DagRequest.of("cancelled", hanging, "main"));
      await().atMost(Duration.ofSeconds(20)).until(() -> cells.executing.contains("hang"));
      WorkflowStub dagCancelled = client.newUntypedWorkflowStub("dag-cancelled");
      dagCancelled.cancel();
      awaitClosed(dagCancelled);

      for (WorkflowExecutionInfo info : closedExecutions(env)) {
        String id = info.getExecution().getWorkflowId();
        WorkflowExecutionHistory history = client.fetchHistory(id);
        Files.writeString(
            folder.resolve(id + ".json"), history.toJson(false), StandardCharsets.UTF_8);
      }
    }
    List<Path> written;
    try (Stream<Path> files = Files.list(folder)) {
      written = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(written).as("the histories written").hasSizeGreaterThanOrEqualTo(27);
    replay(written);
  }

  private static void tcr(WorkflowClient client, String id, TaskSpec task) {
    client.newWorkflowStub(TcrWorkflow.class, options(id)).run(task);
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder().setTaskQueue(SHARED).setWorkflowId(id).build();
  }

  private static void awaitClosed(WorkflowStub stub) {
    try {
      stub.getResult(Object.class);
    } catch (RuntimeException expected) {
      // A cancelled workflow fails with the cancellation.
    }
  }

  private static List<WorkflowExecutionInfo> closedExecutions(TestWorkflowEnvironment env) {
    List<WorkflowExecutionInfo> closed =
        new ArrayList<>(
            env.getWorkflowClient()
                .getWorkflowServiceStubs()
                .blockingStub()
                .listClosedWorkflowExecutions(
                    ListClosedWorkflowExecutionsRequest.newBuilder()
                        .setNamespace(env.getNamespace())
                        .setMaximumPageSize(1000)
                        .build())
                .getExecutionsList());
    assertThat(closed)
        .extracting(WorkflowExecutionInfo::getExecution)
        .extracting(WorkflowExecution::getWorkflowId)
        .doesNotHaveDuplicates();
    return closed;
  }

  /**
   * Activities whose behaviour the prompt chooses: {@code green}, {@code red} (red tests), {@code
   * nochange}, {@code failexec}/{@code failtest}/{@code failcommit} (that step fails), {@code
   * failboot}, {@code redbase}, {@code lost} (the first cell's host is gone), {@code hang} (the
   * agent works until cancelled), and for DAGs {@code conflict}, {@code integration-red} and {@code
   * retried} (fails once, retryable, then succeeds).
   */
  public static final class ScriptedCells implements CellActivities, RepositoryActivities {
    final Set<String> executing = ConcurrentHashMap.newKeySet();
    private final Set<String> bootstrapped = ConcurrentHashMap.newKeySet();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<CellId, String> prompts = new ConcurrentHashMap<>();

    @Override
    public String createTargetBranch(RepositoryActivities.TargetBranchRequest request) {
      return "base0000000000";
    }

    @Override
    public CellActivities.HostedCell bootstrap(CellActivities.BootstrapRequest request) {
      String script = request.taskId() == null ? "" : request.taskId();
      if (script.equals("failboot")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "branch swarm/failboot holds commits", "WorktreeConflict", "WORKTREE");
      }
      String queue =
          script.equals("lost") || script.equals("h")
              ? (bootstrapped.add(script) ? GONE_HOST : LIVE_HOST)
              : LIVE_HOST;
      String host = queue.substring(queue.indexOf('@') + 1);
      return new CellActivities.HostedCell(
          new CellSteps.Bootstrap(
              request.cellId(),
              host,
              8000,
              "/tmp/wt",
              "swarm/" + request.cellId(),
              "base0000000000",
              List.of(
                  new CellStep.Timing(CellStep.PORT, Duration.ofMillis(1)),
                  new CellStep.Timing(CellStep.WORKTREE, Duration.ofMillis(2)))),
          queue,
          request.verifyBase() != null && request.verifyBase());
    }

    @Override
    public CellSteps.BaseCheck verifyBase(CellActivities.TestRunRequest request) {
      if (prompt(request.cellId()).equals("redbase")
          || request.cellId().value().startsWith("redbase")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the tests fail on the base commit base0000000000", "BaseIsRed", "VERIFY_BASE");
      }
      return new CellSteps.BaseCheck("base0000000000", false, Duration.ofMillis(7));
    }

    @Override
    public CellSteps.Execution execute(CellActivities.ExecuteRequest request) {
      prompts.put(request.cellId(), request.prompt());
      String prompt = request.prompt();
      if (prompt.equals("failexec")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "the model said no", "AgentTurnFailed", "EXECUTE");
      }
      if (prompt.equals("retried") && failedOnce.add(prompt)) {
        throw ApplicationFailure.newFailure("the agent crashed", "AgentCrashed", "EXECUTE");
      }
      if (prompt.startsWith("hang")) {
        executing.add(prompt);
        try {
          while (true) {
            Activity.getExecutionContext().heartbeat("working");
            TimeUnit.MILLISECONDS.sleep(100);
          }
        } catch (ActivityCompletionException e) {
          throw e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      List<String> changed = prompt.equals("nochange") ? List.of() : List.of(prompt + ".txt");
      return new CellSteps.Execution("done: " + prompt, changed, Duration.ofMillis(5));
    }

    @Override
    public TestRunner.Result runTests(CellActivities.TestRunRequest request) {
      String prompt = prompt(request.cellId());
      if (prompt.equals("failtest")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "tests ran past 1s", "TestsTimedOut", "TEST");
      }
      int exit = prompt.equals("red") ? 2 : 0;
      return new TestRunner.Result(
          exit, false, exit == 0 ? "ok" : "boom", false, 4, Duration.ofMillis(3));
    }

    @Override
    public CellSteps.Commit commit(CellActivities.CommitRequest request) {
      String prompt = prompt(request.cellId());
      if (prompt.equals("failcommit")) {
        throw ApplicationFailure.newNonRetryableFailure("a gitlink", "CommitRejected", "COMMIT");
      }
      return new CellSteps.Commit(
          prompt.equals("nochange") ? null : "c0ffee-" + request.cellId(), Duration.ofMillis(2));
    }

    @Override
    public BranchIntegration.Result integrate(CellActivities.IntegrateRequest request) {
      String prompt = prompt(request.cellId());
      return switch (prompt) {
        case "conflict" ->
            new BranchIntegration.Result(
                BranchIntegration.Status.CONFLICT,
                request.targetBranch(),
                null,
                "head-" + request.cellId(),
                List.of("a.txt", "b.txt"),
                null,
                1,
                0,
                Duration.ofMillis(4));
        case "integration-red" ->
            new BranchIntegration.Result(
                BranchIntegration.Status.REVERTED,
                request.targetBranch(),
                null,
                "head-" + request.cellId(),
                List.of(),
                "tests failed with exit code 1\nboom",
                2,
                1,
                Duration.ofMillis(4));
        default ->
            new BranchIntegration.Result(
                BranchIntegration.Status.INTEGRATED,
                request.targetBranch(),
                "merged-" + request.cellId(),
                "base0000000000",
                List.of(),
                null,
                1,
                0,
                Duration.ofMillis(4));
      };
    }

    @Override
    public Duration revert(CellId cellId) {
      return Duration.ofMillis(2);
    }

    @Override
    public CellSteps.Teardown teardown(CellId cellId) {
      boolean red = prompt(cellId).equals("red");
      return new CellSteps.Teardown(
          List.of(),
          Duration.ofMillis(1),
          true,
          red ? "/state/history/" + cellId : null,
          red ? "refs/swarm/rejected/" + cellId : null);
    }

    private String prompt(CellId cell) {
      return prompts.getOrDefault(cell, "");
    }
  }
}
