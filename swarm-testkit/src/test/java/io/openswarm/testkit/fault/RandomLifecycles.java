package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Runs randomized cell lifecycles with random faults over {@link LocalCells}, several at once, and
 * checks the invariants: after each cycle, what concerns its cell; after each batch, once nothing
 * runs, everything.
 *
 * <p>A cycle picks a task (a green change to one of a few shared files, so that concurrent
 * integrations really conflict; a red change; no change; a failing turn), whether to integrate it
 * into the shared target branch, and with probability one half a fault: a point its path reaches
 * and an action (fail, or hang ended by an interrupt, an abort of the turn, or a release).
 * Deterministic for a seed except for the interleaving of concurrent cycles.
 */
final class RandomLifecycles {

  private static final FaultInjector.Point[] POINTS = FaultInjector.Point.values();

  private final LocalCells cells;
  private final long seed;
  private final int threads;
  private final FaultTally tally = new FaultTally();
  private final LongAdder cycles = new LongAdder();
  private int next;

  RandomLifecycles(LocalCells cells, long seed, int threads) {
    this.cells = cells;
    this.seed = seed;
    this.threads = threads;
  }

  /** Runs {@code count} cycles, checking every invariant after each {@code batch} of them. */
  void run(int count, int batch) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    ExecutorService watchers = Executors.newCachedThreadPool();
    try {
      for (int done = 0; done < count; done += batch) {
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < Math.min(batch, count - done); i++) {
          int n = next++;
          running.add(pool.submit(() -> cycle(n, watchers)));
        }
        for (Future<?> future : running) {
          future.get(5, TimeUnit.MINUTES);
        }
        cells.faults.releaseHangs();
        List<String> heldBack = cells.faults.releaseHeldBack();
        if (!heldBack.isEmpty()) {
          tally.surprise("held-back stops failed: " + heldBack);
        }
        List<String> found = settled();
        tally.leaks(found);
      }
    } finally {
      pool.shutdownNow();
      watchers.shutdownNow();
    }
  }

  /** The invariants once the things still going away had their grace period. */
  private List<String> settled() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> found = cells.invariants().violations();
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = cells.invariants().violations();
    }
    return found;
  }

  private enum Kind {
    GREEN,
    RED,
    NOOP,
    FAIL
  }

  private enum End {
    INTERRUPT,
    ABORT,
    RELEASE
  }

  private void cycle(int n, ExecutorService watchers) {
    Random random = new Random(seed * 1_000_003L + n);
    CellId cell = CellId.of("r" + seed + "-" + n);
    int roll = random.nextInt(100);
    Kind kind = roll < 65 ? Kind.GREEN : roll < 80 ? Kind.RED : roll < 90 ? Kind.NOOP : Kind.FAIL;
    boolean integrate = random.nextInt(100) < 40;
    String prompt =
        switch (kind) {
          case GREEN -> "write file-" + random.nextInt(6) + ".txt " + cell + "\n";
          case RED -> "write status.txt red\n";
          case NOOP -> "look around";
          case FAIL -> "fail";
        };
    FaultInjector.Point point = null;
    FaultInjector.Fault fault = null;
    End end = null;
    if (n == 0) {
      // The pool starts empty, so the first lease certainly takes the cold path: a worktree fault
      // there covers
      // WORKTREE_ADD, which random draws meet less often than WORKTREE_RESET (most leases are
      // warm).
      point = FaultInjector.Point.WORKTREE_ADD;
      fault = FaultInjector.Fault.fail();
      cells.faults.arm(FaultInjector.Point.WORKTREE_ADD, fault, cell);
      cells.faults.arm(FaultInjector.Point.WORKTREE_RESET, fault, cell);
    } else if (random.nextBoolean()) {
      point = POINTS[random.nextInt(POINTS.length)];
      if (point == FaultInjector.Point.INTEGRATE && !integrate) {
        point = FaultInjector.Point.COMMIT;
      }
      boolean hang =
          random.nextInt(100) < 30
              && point != FaultInjector.Point.TEST_HANG
              && point != FaultInjector.Point.AGENT_CRASH;
      if (hang) {
        fault =
            point == FaultInjector.Point.AGENT_START
                ? FaultInjector.Fault.hangAfter()
                : FaultInjector.Fault.hang();
        end =
            point == FaultInjector.Point.PORT_PROBE
                ? End.RELEASE
                : point == FaultInjector.Point.PROMPT_SUBMIT
                    ? End.values()[random.nextInt(3)]
                    : random.nextBoolean() ? End.INTERRUPT : End.RELEASE;
      } else {
        fault = FaultInjector.Fault.fail();
      }
      if (point == FaultInjector.Point.PORT_PROBE) {
        cells.faults.arm(point, fault);
      } else {
        cells.faults.arm(point, fault, cell);
      }
      if (point == FaultInjector.Point.WORKTREE_ADD
          || point == FaultInjector.Point.WORKTREE_RESET) {
        // Only the pool knows which path the lease takes: arm both, and the one on the path taken
        // fires.
        cells.faults.arm(
            point == FaultInjector.Point.WORKTREE_ADD
                ? FaultInjector.Point.WORKTREE_RESET
                : FaultInjector.Point.WORKTREE_ADD,
            fault,
            cell);
      }
    }
    TaskSpec task = TaskSpec.of(cell.value(), prompt, integrate ? LocalCells.TARGET : "main");
    AtomicReference<Thread> self = new AtomicReference<>(Thread.currentThread());
    Future<?> watcher = null;
    if (end != null) {
      FaultInjector.Point hangPoint = point;
      End howToEnd = end;
      watcher =
          watchers.submit(
              () ->
                  endHang(
                      hangPoint,
                      hangPoint == FaultInjector.Point.PORT_PROBE ? null : cell,
                      howToEnd,
                      self.get()));
    }
    String status;
    String error;
    List<String> teardownErrors;
    try {
      if (integrate) {
        LocalCells.Integrated result = cells.runIntegrating(task, LocalCells.TARGET);
        status =
            result.status() + (result.failedStep() == null ? "" : " at " + result.failedStep());
        error = result.error();
        teardownErrors = result.teardownErrors();
      } else {
        CellOutcome outcome = cells.run(task);
        status =
            outcome.status() + (outcome.failedStep() == null ? "" : " at " + outcome.failedStep());
        error = outcome.error();
        teardownErrors = outcome.teardownErrors();
      }
    } finally {
      if (watcher != null) {
        watcher.cancel(true);
      }
      Thread.interrupted();
    }
    cycles.increment();
    tally.outcome((integrate ? "integrate " : "tcr ") + status);
    List<FaultInjector.Fired> fired = cells.faults.firedFor(cell);
    for (FaultInjector.Fired f : fired) {
      tally.fault(f.point() + " " + f.fault() + (end == null ? "" : " ended by " + end));
    }
    if (point == FaultInjector.Point.PORT_PROBE) {
      tally.fault("PORT_PROBE " + fault + " (any cell)");
    }
    check(
        cell,
        kind,
        integrate,
        fired,
        point,
        status + (error == null ? "" : " (" + error + ")"),
        teardownErrors);
  }

  /**
   * Whether a fault at {@code fired} is the one armed at {@code armed} (both worktree paths were
   * armed at once).
   */
  private static boolean samePlace(FaultInjector.Point fired, FaultInjector.Point armed) {
    return fired == armed || (isWorktreeLease(fired) && isWorktreeLease(armed));
  }

  private static boolean isWorktreeLease(FaultInjector.Point point) {
    return point == FaultInjector.Point.WORKTREE_ADD || point == FaultInjector.Point.WORKTREE_RESET;
  }

  /** Waits for the hang of this cycle and ends it as chosen; returns when the cycle ended first. */
  private void endHang(FaultInjector.Point point, @Nullable CellId cell, End end, Thread runner) {
    while (!Thread.currentThread().isInterrupted()) {
      boolean hanging =
          cells.faults.hanging().stream()
              .anyMatch(
                  f -> samePlace(f.point(), point) && (cell == null || cell.equals(f.cellId())));
      if (hanging) {
        switch (end) {
          case INTERRUPT -> runner.interrupt();
          case ABORT -> cells.steps.abort(cell);
          case RELEASE -> cells.faults.releaseHangs();
        }
        return;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void check(
      CellId cell,
      Kind kind,
      boolean integrate,
      List<FaultInjector.Fired> fired,
      FaultInjector.@Nullable Point armed,
      String status,
      List<String> teardownErrors) {
    if (cells.steps.liveCells().contains(cell)) {
      tally.surprise(cell + " is still live after its cycle");
    }
    boolean teardownFault =
        fired.stream().anyMatch(f -> f.point().stage() == FaultInjector.Point.Stage.TEARDOWN);
    if (!teardownErrors.isEmpty() && !teardownFault) {
      tally.surprise(
          cell + " reported teardown errors without a teardown fault: " + teardownErrors);
    }
    if (teardownFault
        && fired.stream().anyMatch(f -> f.fault().action() == FaultInjector.Fault.Action.FAIL)
        && teardownErrors.isEmpty()) {
      tally.surprise(cell + " hid a failed teardown step: " + fired);
    }
    if (!fired.isEmpty() || armed != null) {
      cells.faults.disarm(cell);
      return;
    }
    if (status.startsWith(CellStatus.FAILED + " at " + CellStep.PORT)
        && cells.faults.fired().stream()
            .anyMatch(f -> f.point() == FaultInjector.Point.PORT_PROBE && f.cellId() == null)) {
      // A port probe fault armed by another cycle: a probe cannot tell whose port it probes.
      return;
    }
    String expected =
        switch (kind) {
          case GREEN -> integrate ? null : CellStatus.COMMITTED.name();
          case RED -> CellStatus.REVERTED.name();
          case NOOP -> CellStatus.NO_CHANGES.name();
          case FAIL -> CellStatus.FAILED + " at " + CellStep.EXECUTE;
        };
    if (expected != null && !status.startsWith(expected)) {
      tally.surprise(cell + " (" + kind + ", no fault) ended " + status + ", expected " + expected);
    }
    if (expected == null && !status.equals("INTEGRATED") && !status.equals("CONFLICT")) {
      tally.surprise(cell + " (green, integrating, no fault) ended " + status);
    }
  }

  /** Counts of outcomes and faults, and the leaks and surprises found. */
  String report() {
    return "cycles: " + cycles.sum() + "\n" + tally.report();
  }

  long cycles() {
    return cycles.sum();
  }

  List<String> leaks() {
    return tally.leaks();
  }

  List<String> surprises() {
    return tally.surprises();
  }

  /** How many distinct fault points fired. */
  long distinctPointsFired() {
    return tally.faultKeys().stream().map(k -> k.substring(0, k.indexOf(' '))).distinct().count();
  }
}
