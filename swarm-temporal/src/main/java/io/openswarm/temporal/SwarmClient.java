package io.openswarm.temporal;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Submits tasks to a swarm and follows them: start a {@link TcrWorkflow}, wait for its {@link CellOutcome}, ask its
 * status, cancel it. Get one from {@link SwarmWorker#client()}.
 *
 * <p>Workflow ids are derived from task ids ({@code tcr-<taskId>}), so submitting a task whose workflow is still
 * running is refused rather than run twice.
 *
 * <p>Thread-safe.
 */
public final class SwarmClient {

  private final WorkflowClient client;
  private final String taskQueue;

  SwarmClient(WorkflowClient client, String taskQueue) {
    this.client = Objects.requireNonNull(client, "client cannot be null");
    this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue cannot be null");
  }

  /** The Temporal workflow client underneath, for workflows of your own. */
  public WorkflowClient workflowClient() {
    return client;
  }

  /** The shared task queue workflows are started on. */
  public String taskQueue() {
    return taskQueue;
  }

  /** The workflow id of the TCR workflow of {@code task}. */
  public static String tcrWorkflowId(TaskSpec task) {
    return "tcr-" + Objects.requireNonNull(task, "task cannot be null").taskId();
  }

  /**
   * Starts the TCR workflow of {@code task} and returns its workflow id without waiting.
   *
   * @throws IllegalStateException if the task's workflow is already running
   */
  public String startTcr(TaskSpec task) {
    String workflowId = tcrWorkflowId(task);
    TcrWorkflow workflow = client.newWorkflowStub(TcrWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(taskQueue)
        .setWorkflowId(workflowId)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build());
    try {
      WorkflowClient.start(workflow::run, task);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new IllegalStateException("task " + task.taskId() + " is already running as workflow " + workflowId,
          e);
    }
    return workflowId;
  }

  /** Runs the TCR workflow of {@code task} and waits for the cell's outcome. */
  public CellOutcome runTcr(TaskSpec task) {
    return result(startTcr(task));
  }

  /** Waits for the outcome of the TCR workflow {@code workflowId}. */
  public CellOutcome result(String workflowId) {
    return client.newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResult(CellOutcome.class);
  }

  /** The outcome of the TCR workflow {@code workflowId}, when it ends. */
  public CompletableFuture<CellOutcome> resultAsync(String workflowId) {
    return client.newUntypedWorkflowStub(Objects.requireNonNull(workflowId, "workflowId cannot be null"))
        .getResultAsync(CellOutcome.class);
  }

  /** Where the TCR workflow {@code workflowId} is now. */
  public TcrStatus status(String workflowId) {
    return client.newWorkflowStub(TcrWorkflow.class, Objects.requireNonNull(workflowId,
        "workflowId cannot be null")).status();
  }

  /** Asks the workflow {@code workflowId} to cancel: its running step is aborted and its cell torn down. */
  public void cancel(String workflowId) {
    WorkflowStub stub = client.newUntypedWorkflowStub(Objects.requireNonNull(workflowId,
        "workflowId cannot be null"));
    stub.cancel();
  }
}
