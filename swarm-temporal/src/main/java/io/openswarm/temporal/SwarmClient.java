package io.openswarm.temporal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.infra.history.CellHistoryStore;
import io.openswarm.infra.history.KeptRun;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Submits tasks to a swarm and follows them: start a {@link TcrWorkflow}, wait for its {@link
 * CellOutcome}, ask its status, cancel it; or the same for a graph of tasks with a {@link
 * DagWorkflow} and its {@link DagResult}. Get one from {@link SwarmWorker#client()}.
 *
 * <p>Workflow ids are derived from task ids ({@code tcr-<taskId>}) and DAG ids ({@code
 * dag-<dagId>}), so submitting a task or DAG whose workflow is still running is refused rather than
 * run twice.
 *
 * <p>A client talks to Temporal through its worker's connection, which {@link SwarmWorker#close()}
 * shuts: once the worker is closing or closed, every call throws {@link IllegalStateException} at
 * once (rather than waiting out gRPC's retries for a minute and failing with {@code UNAVAILABLE}).
 * The check is made when a call begins: end the waits of your own threads before closing the
 * worker.
 *
 * <p>What a cell did is kept on its host after it is gone (see {@link SwarmWorkerBuilder#history}):
 * {@link #logs} and {@link #diff} read it on this client's worker. They read files and git, not
 * Temporal, so they also answer after the worker closed.
 *
 * <p>Thread-safe.
 */
public final class SwarmClient {

  private final WorkflowClient client;
  private final String taskQueue;

  /**
   * Throws {@link IllegalStateException} for the action it is given once the worker's connection is
   * closing.
   */
  private final Consumer<String> requireOpen;

  /** The history of the worker this client came from; null when it keeps none. */
  private final @Nullable CellHistoryStore history;

  SwarmClient(WorkflowClient client, String taskQueue, Consumer<String> requireOpen) {
    this(client, taskQueue, requireOpen, null);
  }

  SwarmClient(
      WorkflowClient client,
      String taskQueue,
      Consumer<String> requireOpen,
      @Nullable CellHistoryStore history) {
    this.client = Objects.requireNonNull(client, "client cannot be null");
    this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue cannot be null");
    this.requireOpen = Objects.requireNonNull(requireOpen, "requireOpen cannot be null");
    this.history = history;
  }

  /**
   * The Temporal workflow client underneath, for workflows of your own. It shares the worker's
   * connection: do not keep it past {@link SwarmWorker#close()}.
   *
   * @return the workflow client
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public WorkflowClient workflowClient() {
    requireOpen.accept("get the workflow client");
    return client;
  }

  /**
   * The shared task queue workflows are started on.
   *
   * @return the task queue's name
   */
  public String taskQueue() {
    return taskQueue;
  }

  /**
   * The workflow id of the TCR workflow of {@code task}.
   *
   * @param task the task
   * @return the workflow id
   */
  public static String tcrWorkflowId(TaskSpec task) {
    return "tcr-" + Objects.requireNonNull(task, "task cannot be null").taskId();
  }

  /**
   * Starts the TCR workflow of {@code task} and returns its workflow id without waiting.
   *
   * @param task the task to run
   * @return the workflow id
   * @throws IllegalStateException if the task's workflow is already running, or the worker that
   *     made this client was closed
   */
  public String startTcr(TaskSpec task) {
    requireOpen.accept("start a TCR workflow");
    String workflowId = tcrWorkflowId(task);
    TcrWorkflow workflow = client.newWorkflowStub(TcrWorkflow.class, startOptions(workflowId));
    try {
      WorkflowClient.start(workflow::run, task);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new IllegalStateException(
          "task " + task.taskId() + " is already running as workflow " + workflowId, e);
    }
    return workflowId;
  }

  /**
   * Runs the TCR workflow of {@code task} and waits for the cell's outcome.
   *
   * @param task the task to run
   * @return how the task's cell ended
   * @throws IllegalStateException if the task's workflow is already running, or the worker that
   *     made this client was closed
   */
  public CellOutcome runTcr(TaskSpec task) {
    return result(startTcr(task));
  }

  /**
   * Waits for the outcome of the TCR workflow {@code workflowId}.
   *
   * @param workflowId the TCR workflow's id
   * @return how the task's cell ended
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public CellOutcome result(String workflowId) {
    requireOpen.accept("wait for a TCR result");
    return client
        .newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResult(CellOutcome.class);
  }

  /**
   * The outcome of the TCR workflow {@code workflowId}, when it ends.
   *
   * <p>Each pending future is a long poll the server holds open; on the embedded server each one
   * occupies a server thread (2,000 pending results are 2,000 threads). Wait for large batches in
   * slices, or poll {@link #progress}.
   *
   * @param workflowId the TCR workflow's id
   * @return a future of how the task's cell ended
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public CompletableFuture<CellOutcome> resultAsync(String workflowId) {
    requireOpen.accept("wait for a TCR result");
    return client
        .newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResultAsync(CellOutcome.class);
  }

  /**
   * Where the TCR workflow, or the attempt at a DAG task, {@code workflowId} is now. Each attempt
   * at a DAG task is a child workflow with the id {@code dag-<dagId>-<taskId>-<attempt>} that
   * answers the same {@code progress} query as a TCR workflow.
   *
   * @param workflowId the id of a TCR workflow or of a DAG task's attempt
   * @return the workflow's current step and timings
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public TcrWorkflow.Progress progress(String workflowId) {
    requireOpen.accept("ask a TCR workflow its progress");
    return client
        .newWorkflowStub(
            TcrWorkflow.class, Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .progress();
  }

  /**
   * The workflow id of the DAG {@code dagId}: {@code dag-<dagId>}.
   *
   * @param dagId the DAG's id
   * @return the workflow id
   */
  public static String dagWorkflowId(String dagId) {
    return "dag-" + Objects.requireNonNull(dagId, "dagId cannot be null");
  }

  /**
   * Starts a DAG onto branch {@code dag/<dagId>}, created at {@code baseRef}, with {@value
   * DagRequest#DEFAULT_MAX_PARALLEL} tasks at once, and returns its workflow id without waiting.
   *
   * @param dagId the DAG's id, with the rules of a {@link CellId}
   * @param graph the tasks
   * @param baseRef the git revision the target branch is created at
   * @return the workflow id
   * @throws IllegalArgumentException if {@code dagId} or {@code baseRef} is invalid
   * @throws IllegalStateException if the DAG's workflow is already running, or the worker that made
   *     this client was closed
   */
  public String startDag(String dagId, TaskGraph graph, String baseRef) {
    return startDag(DagRequest.of(dagId, graph, baseRef));
  }

  /**
   * Starts the DAG workflow of {@code request} and returns its workflow id without waiting. The
   * graph was validated when it was built, so a graph that cannot run never reaches the swarm.
   *
   * @param request the DAG to run
   * @return the workflow id
   * @throws IllegalStateException if the DAG's workflow is already running, or the worker that made
   *     this client was closed
   */
  public String startDag(DagRequest request) {
    requireOpen.accept("start a DAG workflow");
    Objects.requireNonNull(request, "request cannot be null");
    String workflowId = request.workflowId();
    DagWorkflow workflow = client.newWorkflowStub(DagWorkflow.class, startOptions(workflowId));
    try {
      WorkflowClient.start(workflow::run, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new IllegalStateException(
          "DAG " + request.dagId() + " is already running as workflow " + workflowId, e);
    }
    return workflowId;
  }

  /**
   * Runs the DAG of {@code request} and waits for its final table.
   *
   * @param request the DAG to run
   * @return the final table
   * @throws io.temporal.client.WorkflowFailedException if the DAG could not run at all (its target
   *     branch could not be created) or was cancelled; task failures are rows of the table, not
   *     exceptions
   * @throws IllegalStateException if the DAG's workflow is already running, or the worker that made
   *     this client was closed
   */
  public DagResult runDag(DagRequest request) {
    return dagResult(startDag(request));
  }

  /**
   * Waits for the final table of the DAG workflow {@code workflowId}.
   *
   * @param workflowId the DAG workflow's id
   * @return the final table
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public DagResult dagResult(String workflowId) {
    requireOpen.accept("wait for a DAG result");
    return client
        .newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResult(DagResult.class);
  }

  /**
   * The final table of the DAG workflow {@code workflowId}, when it ends.
   *
   * @param workflowId the DAG workflow's id
   * @return a future of the final table
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public CompletableFuture<DagResult> dagResultAsync(String workflowId) {
    requireOpen.accept("wait for a DAG result");
    return client
        .newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResultAsync(DagResult.class);
  }

  /**
   * The table of the DAG workflow {@code workflowId} as it stands now (also after it ended).
   *
   * @param workflowId the DAG workflow's id
   * @return the table so far
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public DagResult dagProgress(String workflowId) {
    requireOpen.accept("ask a DAG workflow its progress");
    return client
        .newWorkflowStub(
            DagWorkflow.class, Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .progress();
  }

  /**
   * Asks the workflow {@code workflowId} to cancel: its running step is aborted and its cell torn
   * down.
   *
   * @param workflowId the workflow's id
   * @throws IllegalStateException if the worker that made this client was closed
   */
  public void cancel(String workflowId) {
    requireOpen.accept("cancel a workflow");
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            Objects.requireNonNull(workflowId, "workflowId cannot be null"));
    stub.cancel();
  }

  /**
   * The log files kept of the newest run of cell {@code cellId} on this client's worker (its
   * agent's and its test runs' output, as {@link CellOutcome#historyPath()} holds them), sorted by
   * path; read them with {@code java.nio.file.Files}. Empty when nothing of the cell is kept here:
   * it never ran on this worker's host, retention removed it, or the worker keeps no history.
   *
   * @param cellId the cell
   * @return the log files; empty when nothing of the cell is kept here
   * @throws NullPointerException if {@code cellId} is null
   */
  public List<Path> logs(CellId cellId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    CellHistoryStore store = history;
    return store == null ? List.of() : store.latest(cellId).map(KeptRun::logs).orElse(List.of());
  }

  /**
   * The change of cell {@code cellId} as a unified diff against its base commit: the rejected
   * change of a reverted cell ({@code git diff <base> refs/swarm/rejected/<cellId>}) or the
   * committed change of a committed one, from the newest run of the cell kept on this client's
   * worker. At most {@value CellHistoryStore#DEFAULT_MAX_DIFF_BYTES} bytes; a longer diff is cut
   * and ends with a line that says so and names the {@code git diff} that shows all of it.
   *
   * @param cellId the cell
   * @return empty when no kept run of the cell has a change (nothing changed, it failed before the
   *     revert, its commits are gone, or nothing of it is kept here)
   * @throws NullPointerException if {@code cellId} is null
   */
  public Optional<String> diff(CellId cellId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    CellHistoryStore store = history;
    return store == null
        ? Optional.empty()
        : store.diff(cellId, CellHistoryStore.DEFAULT_MAX_DIFF_BYTES);
  }

  /**
   * How the client starts a workflow: on the worker's queue, under {@code workflowId}, which may be
   * reused once the workflow with that id has closed.
   */
  private WorkflowOptions startOptions(String workflowId) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(taskQueue)
        .setWorkflowId(workflowId)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build();
  }
}
