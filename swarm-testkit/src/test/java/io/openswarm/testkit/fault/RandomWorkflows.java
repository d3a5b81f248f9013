package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs randomized TCR workflows and DAGs with random faults on a {@link FaultyWorker}, all at once,
 * then checks every invariant. TCR cells get a fault with probability one half at a random point
 * (fail); DAG tasks too (their cells are named by the workflow, so the fault is armed for the
 * task's cells by prefix), the integrate step included.
 */
final class RandomWorkflows {

  private static final FaultInjector.Point[] TCR_POINTS = {
    FaultInjector.Point.PORT_PROBE,
    FaultInjector.Point.WORKTREE_ADD,
    FaultInjector.Point.WORKTREE_RESET,
    FaultInjector.Point.AGENT_START,
    FaultInjector.Point.AGENT_HEALTH,
    FaultInjector.Point.PROMPT_SUBMIT,
    FaultInjector.Point.AGENT_CRASH,
    FaultInjector.Point.TEST_START,
    FaultInjector.Point.TEST_HANG,
    FaultInjector.Point.COMMIT,
    FaultInjector.Point.AGENT_STOP,
    FaultInjector.Point.WORKTREE_RETURN,
    FaultInjector.Point.PORT_RELEASE
  };

  private final FaultyWorker swarm;
  private final long seed;
  private final FaultTally tally = new FaultTally();
  private int round;

  RandomWorkflows(FaultyWorker swarm, long seed) {
    this.swarm = swarm;
    this.seed = seed;
  }

  /**
   * Starts {@code tcrs} TCR workflows and {@code dags} DAGs of 3 to 5 tasks at once, waits for all,
   * checks.
   */
  void run(int tcrs, int dags) throws Exception {
    int r = round++;
    Random random = new Random(seed * 31 + r);
    List<CompletableFuture<?>> running = new ArrayList<>();
    for (int i = 0; i < tcrs; i++) {
      running.add(tcr("w" + seed + "-" + r + "-" + i, random));
    }
    for (int i = 0; i < dags; i++) {
      running.add(dag("d" + seed + "-" + r + "-" + i, random));
    }
    CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    swarm.faults.disarm();
    List<String> heldBack = swarm.faults.releaseHeldBack();
    if (!heldBack.isEmpty()) {
      tally.surprise("held-back stops failed: " + heldBack);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> found = swarm.invariants().violations();
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
      found = swarm.invariants().violations();
    }
    tally.leaks(found);
  }

  private CompletableFuture<?> tcr(String id, Random random) {
    String prompt = prompt(random, id);
    FaultInjector.Point point =
        random.nextBoolean() ? TCR_POINTS[random.nextInt(TCR_POINTS.length)] : null;
    if (point == FaultInjector.Point.PORT_PROBE) {
      swarm.faults.arm(point, FaultInjector.Fault.fail());
    } else if (point != null) {
      swarm.faults.arm(point, FaultInjector.Fault.fail(), CellId.of(id));
    }
    String workflowId = swarm.client.startTcr(TaskSpec.of(id, prompt, "main"));
    return swarm
        .client
        .resultAsync(workflowId)
        .thenAccept(
            outcome -> {
              tally.outcome(
                  "tcr "
                      + outcome.status()
                      + (outcome.failedStep() == null ? "" : " at " + outcome.failedStep()));
              List<FaultInjector.Fired> fired =
                  swarm.faults.fired().stream()
                      .filter(f -> f.cellId() != null && ofCell(f.cellId().value(), id))
                      .toList();
              fired.forEach(f -> tally.fault(f.point() + " " + f.fault()));
              checkTeardown(id, outcome.teardownErrors(), fired);
            });
  }

  private CompletableFuture<?> dag(String dagId, Random random) {
    int size = 3 + random.nextInt(3);
    TaskGraph.Builder graph = TaskGraph.newBuilder();
    for (int t = 0; t < size; t++) {
      List<String> deps = new ArrayList<>();
      for (int d = 0; d < t; d++) {
        if (random.nextInt(3) == 0) {
          deps.add("t" + d);
        }
      }
      String task = "t" + t;
      graph.task(
          GraphTask.of(task, prompt(random, dagId + "-" + task), deps.toArray(String[]::new)));
      if (random.nextBoolean()) {
        FaultInjector.Point point =
            random.nextInt(4) == 0
                ? FaultInjector.Point.INTEGRATE
                : TCR_POINTS[1 + random.nextInt(TCR_POINTS.length - 1)];
        String prefix = dagId + "-" + task + "-";
        swarm.faults.armWhere(
            point, FaultInjector.Fault.fail(), cell -> cell.value().startsWith(prefix), 1);
      }
    }
    DagRequest request = DagRequest.of(dagId, graph.build(), "main").withMaxParallel(3);
    swarm.targets.add(request.targetBranch());
    String workflowId = swarm.client.startDag(request);
    return swarm
        .client
        .dagResultAsync(workflowId)
        .thenAccept(
            result -> {
              if (!result.finished()) {
                tally.surprise("DAG " + dagId + " did not finish: " + result.toTable());
              }
              for (DagResult.Task task : result.tasks()) {
                tally.outcome("dag task " + task.status());
                String prefix = dagId + "-" + task.taskId() + "-";
                List<FaultInjector.Fired> fired =
                    swarm.faults.fired().stream()
                        .filter(f -> f.cellId() != null && f.cellId().value().startsWith(prefix))
                        .toList();
                fired.forEach(f -> tally.fault(f.point() + " " + f.fault()));
                for (DagAttempt attempt : task.history()) {
                  List<FaultInjector.Fired> ofAttempt =
                      fired.stream()
                          .filter(f -> ofCell(f.cellId().value(), attempt.cellId()))
                          .toList();
                  checkTeardown(attempt.cellId(), attempt.teardownErrors(), ofAttempt);
                }
              }
            });
  }

  /**
   * Whether a fault fired in {@code cell} or in one of its retries on another host ({@code
   * <cell>-r2}, ...); not in a cell whose id merely starts the same ({@code w-1} is not {@code
   * w-10}).
   */
  private static boolean ofCell(String firedIn, String cell) {
    return firedIn.equals(cell) || firedIn.startsWith(cell + "-r");
  }

  private static String prompt(Random random, String id) {
    int roll = random.nextInt(100);
    return roll < 70
        ? "write " + id + ".txt " + id + "\n"
        : roll < 82 ? "write status.txt red\n" : roll < 92 ? "look around" : "fail";
  }

  private void checkTeardown(
      String cell, List<String> teardownErrors, List<FaultInjector.Fired> fired) {
    boolean teardownFault =
        fired.stream().anyMatch(f -> f.point().stage() == FaultInjector.Point.Stage.TEARDOWN);
    if (!teardownErrors.isEmpty() && !teardownFault) {
      tally.surprise(
          cell + " reported teardown errors without a teardown fault: " + teardownErrors);
    }
    if (teardownFault && teardownErrors.isEmpty()) {
      tally.surprise(cell + " hid a failed teardown step: " + fired);
    }
  }

  String report() {
    return tally.report();
  }

  List<String> leaks() {
    return tally.leaks();
  }

  List<String> surprises() {
    return tally.surprises();
  }

  long workflows() {
    return tally.outcomesStartingWith("tcr ");
  }
}
