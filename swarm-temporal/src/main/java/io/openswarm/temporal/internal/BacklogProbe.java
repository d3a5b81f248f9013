package io.openswarm.temporal.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the work waiting in the shared task queue: the bootstraps no worker has picked up yet.
 *
 * <p>A Temporal cluster answers {@code DescribeTaskQueue} with the queue's approximate activity
 * backlog. The embedded test server does not implement that call, so there, and only there, the
 * probe counts the open workflows' pending bootstraps that are still scheduled, by describing each
 * open workflow (bounded to {@value #MAX_SCANNED} workflows; the embedded server is for
 * development-sized swarms). Against a cluster that implements neither, the backlog is unknown.
 *
 * <p>Thread-safe. Each call makes blocking RPCs; call it from a monitoring thread, never from a
 * workflow.
 */
public final class BacklogProbe {

  private static final Logger log = LoggerFactory.getLogger(BacklogProbe.class);

  /** At most this many open workflows are described when counting on the embedded server. */
  static final int MAX_SCANNED = 1000;

  private static final String BOOTSTRAP_ACTIVITY = "Cell.Bootstrap";
  private static final long RPC_TIMEOUT_SECONDS = 5;

  private final WorkflowServiceStubs stubs;
  private final String namespace;
  private final String taskQueue;
  private final boolean embedded;
  private volatile boolean describeSupported = true;

  /**
   * @param stubs the connection to Temporal
   * @param namespace the namespace of the queue
   * @param taskQueue the shared task queue
   * @param embedded whether the server is the embedded test server (which allows the counting
   *     fallback)
   */
  public BacklogProbe(
      WorkflowServiceStubs stubs, String namespace, String taskQueue, boolean embedded) {
    this.stubs = Objects.requireNonNull(stubs, "stubs cannot be null");
    this.namespace = Objects.requireNonNull(namespace, "namespace cannot be null");
    this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue cannot be null");
    this.embedded = embedded;
  }

  /**
   * The activity tasks waiting in the shared queue, or empty when the server cannot tell.
   *
   * <p>Asks for the deprecated task-queue status as well as the stats on purpose: servers older
   * than the stats (and some test servers) answer only with the status's backlog hint.
   */
  @SuppressWarnings("deprecation")
  public OptionalLong backlog() {
    if (describeSupported) {
      try {
        DescribeTaskQueueResponse response =
            stubs
                .blockingStub()
                .withDeadlineAfter(RPC_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .describeTaskQueue(
                    DescribeTaskQueueRequest.newBuilder()
                        .setNamespace(namespace)
                        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue).build())
                        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
                        .setReportStats(true)
                        .setIncludeTaskQueueStatus(true)
                        .build());
        if (response.hasStats()) {
          return OptionalLong.of(response.getStats().getApproximateBacklogCount());
        }
        if (response.hasTaskQueueStatus()) {
          return OptionalLong.of(response.getTaskQueueStatus().getBacklogCountHint());
        }
        return OptionalLong.empty();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          log.debug("cannot describe task queue {}: {}", taskQueue, e.getStatus());
          return OptionalLong.empty();
        }
        describeSupported = false;
      }
    }
    return embedded ? OptionalLong.of(countScheduledBootstraps()) : OptionalLong.empty();
  }

  private long countScheduledBootstraps() {
    long waiting = 0;
    int scanned = 0;
    com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse list =
          stubs
              .blockingStub()
              .withDeadlineAfter(RPC_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .listOpenWorkflowExecutions(
                  ListOpenWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(namespace)
                      .setMaximumPageSize(200)
                      .setNextPageToken(page)
                      .build());
      for (WorkflowExecutionInfo info : list.getExecutionsList()) {
        if (++scanned > MAX_SCANNED) {
          return waiting;
        }
        waiting += scheduledBootstraps(info.getExecution());
      }
      page = list.getNextPageToken();
    } while (!page.isEmpty());
    return waiting;
  }

  private long scheduledBootstraps(WorkflowExecution execution) {
    try {
      return stubs
          .blockingStub()
          .withDeadlineAfter(RPC_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(namespace)
                  .setExecution(execution)
                  .build())
          .getPendingActivitiesList()
          .stream()
          .filter(BacklogProbe::waitingBootstrap)
          .count();
    } catch (StatusRuntimeException e) {
      // The workflow closed between the listing and now.
      return 0;
    }
  }

  private static boolean waitingBootstrap(PendingActivityInfo activity) {
    return activity.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
        && activity.getActivityType().getName().equalsIgnoreCase(BOOTSTRAP_ACTIVITY);
  }
}
