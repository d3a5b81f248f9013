package io.openswarm.benchmarks;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.testkit.agent.ScriptedAgent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SwarmWorker} on its own fresh embedded Temporal server whose cells run a {@link
 * ScriptedAgent}: each cell gets a real port, a real worktree from a warm pool, an agent turn that
 * "thinks" for a fixed time and writes one file, a real test command in the sandbox, a real commit
 * on its branch and a real teardown.
 *
 * <p>{@link #start} returns once the worktree pool holds its {@code minIdle} idle worktrees, so the
 * first cells measured find them warm. Thread-safe.
 */
final class ScriptedSwarm implements AutoCloseable {

  /** The shared task queue of benchmark workers. */
  static final String TASK_QUEUE = ConnectionOptions.DEFAULT_TASK_QUEUE;

  /** The host id of benchmark workers; the host queue is {@code <TASK_QUEUE>@<HOST_ID>}. */
  static final String HOST_ID = "bench-host";

  private static final Duration WARM_UP_LIMIT = Duration.ofMinutes(10);

  private final SwarmWorker worker;
  private final SwarmClient client;
  private final String baseCommit;

  private ScriptedSwarm(SwarmWorker worker, String baseCommit) {
    this.worker = worker;
    this.client = worker.client();
    this.baseCommit = baseCommit;
  }

  /**
   * What the worker runs on and how much at once.
   *
   * @param repository the repository cells work on (it gets a branch per committed cell)
   * @param baseCommit the commit every cell starts from
   * @param stateDirectory a fresh state directory (worktrees, port locks, cell homes)
   * @param minPort the first port of the agents' range
   * @param maxPort the last port of the agents' range
   * @param profile the preset of timeouts and workflow-task concurrency
   * @param maxConcurrentActivities activity slots of each of the worker's two queues
   * @param pool the worktree pool's sizes, or null for the worker's defaults
   * @param think how long each agent turn takes before it writes its file
   * @param testCommand the test command of every cell
   */
  record Config(
      Path repository,
      String baseCommit,
      Path stateDirectory,
      int minPort,
      int maxPort,
      SwarmProfile profile,
      int maxConcurrentActivities,
      @Nullable PoolSizes pool,
      Duration think,
      List<String> testCommand) {

    Config {
      Objects.requireNonNull(repository, "repository cannot be null");
      Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
      Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
      Objects.requireNonNull(profile, "profile cannot be null");
      Objects.requireNonNull(think, "think cannot be null");
      testCommand = List.copyOf(testCommand);
    }
  }

  /**
   * Worktree pool sizes, as {@link WorktreePoolOptions} takes them.
   *
   * @param minIdle warm worktrees kept ready
   * @param maxIdle warm worktrees kept at most
   * @param maxTotal worktrees at most
   */
  record PoolSizes(int minIdle, int maxIdle, int maxTotal) {

    /**
     * A pool that is filled before the first cell and then neither grows nor shrinks for {@code
     * cells} cells in flight: {@code cells + 1} worktrees, all warm. (With {@code maxIdle -
     * minIdle} below the number of cells in flight, the pool's maintenance thread removes worktrees
     * as cells return them and creates new ones as cells take them: a cold {@code git worktree add}
     * and a removal per cycle, in the background but on the same CPUs.)
     */
    static PoolSizes full(int cells) {
      return new PoolSizes(cells + 1, cells + 1, cells + 1);
    }
  }

  /**
   * Starts the worker and waits until its pool is warm.
   *
   * @throws IllegalStateException if the pool is not warm within 10 minutes
   */
  static ScriptedSwarm start(Config config) {
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .turnDelay(config.think())
            .edits(
                prompt ->
                    List.of(
                        ScriptedAgent.FileEdit.write(
                            prompt.substring(prompt.lastIndexOf(' ') + 1),
                            "written by a scripted agent\n")))
            .build();
    PoolSizes pool = config.pool();
    SwarmWorkerBuilder builder =
        SwarmWorker.newBuilder()
            .repository(config.repository())
            .stateDirectory(config.stateDirectory())
            .testCommand(config.testCommand())
            .connection(
                ConnectionOptions.newBuilder().taskQueue(TASK_QUEUE).hostId(HOST_ID).build())
            .capacity(
                CapacityOptions.newBuilder()
                    .profile(config.profile())
                    .maxConcurrentActivities(config.maxConcurrentActivities())
                    .build())
            .ports(new PortRange(config.minPort(), config.maxPort()))
            .agent(agent);
    if (pool != null) {
      builder.worktrees(
          WorktreePoolOptions.newBuilder()
              .repository(config.repository())
              .root(config.stateDirectory().resolve("worktrees"))
              .minIdle(pool.minIdle())
              .maxIdle(pool.maxIdle())
              .maxTotal(pool.maxTotal())
              .build());
    }
    SwarmWorker worker = builder.start();
    try {
      awaitWarm(worker, worker.options().worktrees().minIdle());
      return new ScriptedSwarm(worker, config.baseCommit());
    } catch (RuntimeException e) {
      worker.close();
      throw e;
    }
  }

  private static void awaitWarm(SwarmWorker worker, int warm) {
    long deadline = System.nanoTime() + WARM_UP_LIMIT.toNanos();
    while (worker.worktrees().idleCount() < warm) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the worktree pool had "
                + worker.worktrees().idleCount()
                + " of "
                + warm
                + " worktrees warm after "
                + WARM_UP_LIMIT.toMinutes()
                + " min");
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while warming the worktree pool", e);
      }
    }
  }

  /**
   * Starts the TCR workflow of a cell that writes {@code notes/<taskId>.txt}, and returns its
   * outcome when it ends. The future fails unless the cell committed: a benchmark of failing cells
   * would measure the wrong thing.
   */
  CompletableFuture<CellOutcome> run(String taskId) {
    String workflowId =
        client.startTcr(TaskSpec.of(taskId, "write notes/" + taskId + ".txt", baseCommit));
    return client
        .resultAsync(workflowId)
        .thenApply(
            outcome -> {
              if (outcome.status() != CellStatus.COMMITTED) {
                throw new IllegalStateException("cell " + taskId + " did not commit: " + outcome);
              }
              return outcome;
            });
  }

  /** The worker underneath. */
  SwarmWorker worker() {
    return worker;
  }

  @Override
  public void close() {
    worker.close();
  }
}
