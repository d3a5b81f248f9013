package io.openswarm.benchmarks.floor;

import io.openswarm.temporal.CellActivityOptions;
import io.temporal.workflow.Workflow;
import java.util.Objects;

/**
 * {@link FloorWorkflow} with the activity calls of {@code TcrWorkflowImpl}'s green path in the same
 * order and with the same {@link CellActivityOptions} (so the same task queues, timeouts, retry
 * policies and cancellation types): {@code bootstrap} on the workflow's own queue, {@code execute},
 * {@code runTests} and {@code commit} on the host queue, {@code teardown} on the host queue in a
 * detached cancellation scope.
 *
 * <p>Not thread-safe: Temporal creates one instance per workflow run and runs it on one thread at a
 * time.
 */
public final class FloorWorkflowImpl implements FloorWorkflow {

  private final CellActivityOptions options;

  /**
   * @param options the activity options the TCR workflow under comparison uses
   */
  public FloorWorkflowImpl(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
  }

  @Override
  public String run(String taskId) {
    String sharedQueue = Workflow.getInfo().getTaskQueue();
    FloorActivities shared =
        Workflow.newActivityStub(FloorActivities.class, options.bootstrap(sharedQueue));
    String hostQueue = shared.bootstrap(taskId);
    FloorActivities onHost =
        Workflow.newActivityStub(FloorActivities.class, options.onHost(hostQueue));
    onHost.execute(taskId);
    onHost.runTests(taskId);
    String commit = onHost.commit(taskId);
    FloorActivities teardown =
        Workflow.newActivityStub(FloorActivities.class, options.teardown(hostQueue));
    Workflow.newDetachedCancellationScope(() -> teardown.teardown(taskId)).run();
    return commit;
  }
}
