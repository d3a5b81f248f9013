package io.openswarm.benchmarks;

import io.openswarm.benchmarks.floor.FloorWorkflow;
import io.openswarm.benchmarks.floor.FloorWorkflowImpl;
import io.openswarm.benchmarks.floor.NoopFloorActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Whether the embedded Temporal server slows down as it accumulates work: batches of bare workflows
 * (the shape of a TCR cell, activities that do nothing) on one long-lived server, as Temporal ships
 * the test server and as {@link EmbeddedTemporalServer#start} runs it (its timer recording no lock
 * events), side by side: the two servers run their batches in turn, so a change in the machine's
 * load shows in both.
 *
 * <pre>{@code
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.EmbeddedServerSlowdown [batches] [workflows] [in-flight]
 * }</pre>
 *
 * <p>Defaults: 3 batches of 2,000 workflows, 20 in flight. Prints workflows/s per batch and server
 * as a Markdown table (about 5 minutes on 2 cores). Measured on a 2-core VM (JDK 17.0.15, Temporal
 * 1.38.0):
 *
 * <table>
 *   <caption>workflows/s per batch of 2,000</caption>
 *   <tr><th>batch</th><th>as shipped</th><th>as embedded</th></tr>
 *   <tr><td>1</td><td>37</td><td>51</td></tr>
 *   <tr><td>2</td><td>32</td><td>97</td></tr>
 *   <tr><td>3</td><td>23</td><td>115</td></tr>
 * </table>
 *
 * <p>Not thread-safe (a program).
 */
public final class EmbeddedServerSlowdown {

  private static final String QUEUE = "slowdown";
  private static final String HOST_QUEUE = QUEUE + "@host";

  private EmbeddedServerSlowdown() {}

  /**
   * Runs the comparison.
   *
   * @param args optional: batches, workflows per batch, workflows in flight
   */
  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      System.setProperty(
          "org.slf4j.simpleLogger.log.io.temporal.internal.worker.HeartbeatManager", "error");
    }
    int batches = args.length > 0 ? positive(args[0], "batches") : 3;
    int workflows = args.length > 1 ? positive(args[1], "workflows") : 2_000;
    int inFlight = args.length > 2 ? positive(args[2], "in-flight") : 20;
    List<double[]> rates = new ArrayList<>();
    try (Target shipped = new Target(EmbeddedTemporalServer::startAsShipped);
        Target embedded = new Target(EmbeddedTemporalServer::start)) {
      for (int batch = 0; batch < batches; batch++) {
        double first = shipped.batch("b" + batch + "-", workflows, inFlight);
        double second = embedded.batch("b" + batch + "-", workflows, inFlight);
        System.err.printf(
            "batch %d: as shipped %.1f, as embedded %.1f workflows/s%n", batch + 1, first, second);
        rates.add(new double[] {first, second});
      }
    }
    StringBuilder table =
        new StringBuilder("| batch | as shipped (workflows/s) | as embedded (workflows/s) |\n")
            .append("|---:|---:|---:|\n");
    for (int i = 0; i < rates.size(); i++) {
      table.append(
          String.format("| %d | %.1f | %.1f |%n", i + 1, rates.get(i)[0], rates.get(i)[1]));
    }
    System.out.print(table);
  }

  private static int positive(String value, String name) {
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new IllegalArgumentException(
        name + " must be a whole number of at least 1 but was \"" + value + "\"");
  }

  /** One server with a worker running the floor workflow and its activities. */
  private static final class Target implements AutoCloseable {
    private final EmbeddedTemporalServer server;
    private final WorkflowServiceStubs stubs;
    private final WorkflowClient client;
    private final WorkerFactory factory;

    Target(IntFunction<EmbeddedTemporalServer> start) {
      server = start.apply(0);
      stubs = WorkflowServiceStubs.newServiceStubs(server.newStubOptions().build());
      client = WorkflowClient.newInstance(stubs);
      SwarmProfile profile = LifecycleThroughputBenchmark.PROFILE;
      CellActivityOptions options = CellActivityOptions.of(profile);
      WorkerOptions workerOptions =
          WorkerOptions.newBuilder()
              .setMaxConcurrentActivityExecutionSize(profile.activityConcurrency())
              .setMaxConcurrentWorkflowTaskExecutionSize(profile.workflowTaskConcurrency())
              .build();
      factory = WorkerFactory.newInstance(client);
      Worker shared = factory.newWorker(QUEUE, workerOptions);
      shared.registerWorkflowImplementationFactory(
          FloorWorkflow.class, () -> new FloorWorkflowImpl(options));
      shared.registerActivitiesImplementations(new NoopFloorActivities(HOST_QUEUE));
      factory
          .newWorker(HOST_QUEUE, workerOptions)
          .registerActivitiesImplementations(new NoopFloorActivities(HOST_QUEUE));
      factory.start();
    }

    /**
     * Runs {@code workflows} workflows, at most {@code inFlight} at once; returns workflows per
     * second.
     */
    double batch(String prefix, int workflows, int inFlight) throws InterruptedException {
      Semaphore slots = new Semaphore(inFlight);
      CountDownLatch done = new CountDownLatch(workflows);
      AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime();
      for (int i = 0; i < workflows; i++) {
        slots.acquire();
        String id = prefix + i;
        FloorWorkflow workflow =
            client.newWorkflowStub(
                FloorWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
        WorkflowClient.start(workflow::run, id);
        client
            .newUntypedWorkflowStub(id)
            .getResultAsync(String.class)
            .whenComplete(
                (result, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  }
                  slots.release();
                  done.countDown();
                });
      }
      if (!done.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException(
            "a batch of " + workflows + " workflows did not finish within 30 minutes");
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a workflow failed", failure.get());
      }
      return workflows / ((System.nanoTime() - start) / 1e9);
    }

    @Override
    public void close() {
      factory.shutdownNow();
      stubs.shutdownNow();
      server.close();
    }
  }
}
