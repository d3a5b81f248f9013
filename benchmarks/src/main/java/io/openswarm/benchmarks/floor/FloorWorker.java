package io.openswarm.benchmarks.floor;

import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Temporal set-up of a {@code SwarmWorker} without any cell work: an embedded server on
 * 127.0.0.1, a client over loopback gRPC, a worker on the shared queue (workflows and bootstrap)
 * and one on the host queue (every later step), both with the same worker options as the swarm
 * worker under comparison, running {@link FloorWorkflow}.
 *
 * <p>Thread-safe; {@link #close()} stops everything and is idempotent.
 */
public final class FloorWorker implements AutoCloseable {

  /**
   * Mirrors {@code SwarmWorker.HEARTBEAT_INTERVAL}, which the swarm worker sets as its heartbeat
   * throttle.
   */
  private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  private final EmbeddedTemporalServer server;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final WorkerFactory sharedFactory;
  private final WorkerFactory hostFactory;
  private final String taskQueue;
  private volatile boolean closed;

  private FloorWorker(
      EmbeddedTemporalServer server,
      WorkflowServiceStubs stubs,
      WorkflowClient client,
      WorkerFactory sharedFactory,
      WorkerFactory hostFactory,
      String taskQueue) {
    this.server = server;
    this.stubs = stubs;
    this.client = client;
    this.sharedFactory = sharedFactory;
    this.hostFactory = hostFactory;
    this.taskQueue = taskQueue;
  }

  /**
   * Starts a fresh embedded server and the two workers.
   *
   * @param taskQueue the shared queue; the host queue is {@code <taskQueue>@<hostId>}
   * @param hostId the host part of the host queue
   * @param maxConcurrentActivities activity slots of each of the two workers
   * @param maxConcurrentWorkflowTasks workflow-task slots of each of the two workers
   * @param activityOptions the activity options of the TCR workflow under comparison
   */
  public static FloorWorker start(
      String taskQueue,
      String hostId,
      int maxConcurrentActivities,
      int maxConcurrentWorkflowTasks,
      CellActivityOptions activityOptions) {
    return start(
        taskQueue,
        hostId,
        maxConcurrentActivities,
        maxConcurrentWorkflowTasks,
        activityOptions,
        Duration.ZERO);
  }

  /**
   * Starts a fresh embedded server and the two workers, whose activities each sleep {@code
   * activityDelay}.
   *
   * @param activityDelay how long each floor activity sleeps before it returns; zero for none
   * @see #start(String, String, int, int, CellActivityOptions)
   */
  public static FloorWorker start(
      String taskQueue,
      String hostId,
      int maxConcurrentActivities,
      int maxConcurrentWorkflowTasks,
      CellActivityOptions activityOptions,
      Duration activityDelay) {
    EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(server.newStubOptions().build());
    WorkflowClient client = WorkflowClient.newInstance(stubs);
    WorkerOptions workerOptions =
        WorkerOptions.newBuilder()
            .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
            .setMaxConcurrentWorkflowTaskExecutionSize(maxConcurrentWorkflowTasks)
            .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
            .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
            .build();
    String hostQueue = taskQueue + "@" + hostId;
    FloorActivities activities = new NoopFloorActivities(hostQueue, activityDelay);

    WorkerFactory sharedFactory = WorkerFactory.newInstance(client);
    Worker shared = sharedFactory.newWorker(taskQueue, workerOptions);
    shared.registerWorkflowImplementationFactory(
        FloorWorkflow.class, () -> new FloorWorkflowImpl(activityOptions));
    shared.registerActivitiesImplementations(activities);
    WorkerFactory hostFactory = WorkerFactory.newInstance(client);
    hostFactory.newWorker(hostQueue, workerOptions).registerActivitiesImplementations(activities);
    hostFactory.start();
    sharedFactory.start();
    return new FloorWorker(server, stubs, client, sharedFactory, hostFactory, taskQueue);
  }

  /**
   * Starts the floor workflow of {@code taskId}, as workflow {@code floor-<taskId>} (the call
   * returns once the server accepted it, as {@code SwarmClient.startTcr} does), and returns its
   * result when it ends.
   */
  public CompletableFuture<String> run(String taskId) {
    String workflowId = "floor-" + taskId;
    FloorWorkflow workflow =
        client.newWorkflowStub(
            FloorWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(taskQueue)
                .setWorkflowId(workflowId)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    WorkflowClient.start(workflow::run, taskId);
    return client.newUntypedWorkflowStub(workflowId).getResultAsync(String.class);
  }

  /** The client of the embedded server, for inspecting the floor workflows' histories. */
  public WorkflowClient workflowClient() {
    return client;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sharedFactory.shutdown();
    hostFactory.shutdown();
    sharedFactory.awaitTermination(10, TimeUnit.SECONDS);
    hostFactory.awaitTermination(10, TimeUnit.SECONDS);
    stubs.shutdown();
    stubs.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
