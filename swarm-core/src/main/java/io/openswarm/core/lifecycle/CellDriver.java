package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The cell sequence, written once: bootstrap → verify the base (when asked) → execute → test →
 * commit if green, revert if red → integrate the commit (when a target branch is given) → teardown,
 * which runs whenever the cell came up; and, around it, the cells of a task: when a cell's host is
 * lost, the task runs again in a new cell, up to a limit.
 *
 * <h2>How it works</h2>
 *
 * The driver decides what runs next; an {@link Executor} runs each step where it belongs. The local
 * {@link CellLifecycle} runs them as direct calls into {@link CellSteps}; the Temporal workflows of
 * {@code swarm-temporal} run them as activities on the cell's host. The driver itself does no I/O
 * and reads no clock, starts no thread and draws no random number: the executor gives it time
 * ({@link Executor#nanoTime}), so that in a workflow the driver is deterministic and a replay
 * issues the very same commands in the same order.
 *
 * <p>A step that throws is handed to {@link Executor#failure}, which classifies it as a {@link
 * StepFailure} (the cell ends as {@link io.openswarm.core.CellStatus#FAILED} naming the step) or
 * rethrows it (a bug: the driver does not tear down then, so a workflow task fails and is retried
 * as Temporal does for any workflow bug). A failure that carries something to {@linkplain
 * StepFailure#propagate propagate} (a cancellation) ends the cell, runs its teardown and is thrown
 * afterwards. Teardown itself never throws: what it could not clean up is in the outcome.
 *
 * <p>Not thread-safe: one driver per run (one workflow execution, or one local call); its state
 * answers status queries while the run goes on.
 */
public final class CellDriver {

  /**
   * Runs the steps of the cells the driver decides on. Implementations do the I/O (directly, or as
   * Temporal activities); the driver calls them one at a time, from one thread, in the order of the
   * cell sequence.
   */
  public interface Executor {

    /**
     * Brings {@code cell} up at the task's base ref.
     *
     * @param cell the cell to bring up
     * @param task the task it works on
     * @return the cell that is up
     */
    CellSteps.Bootstrap bootstrap(CellId cell, TaskSpec task);

    /**
     * Whether to check the base of {@code cell} before its agent is prompted: the task's own
     * choice, else the host's default. Asked once per cell, right after its bootstrap.
     *
     * @param cell the cell that is up
     * @param task its task
     * @return true to run {@link #verifyBase} next
     */
    boolean verifiesBase(CellSteps.Bootstrap cell, TaskSpec task);

    /**
     * Runs the task's tests on the cell's base commit.
     *
     * @param cell the cell
     * @param task its task (its test command and limit)
     * @return the green verdict; a red base is a failure of type {@code BaseIsRed}
     */
    CellSteps.BaseCheck verifyBase(CellId cell, TaskSpec task);

    /**
     * Prompts the cell's agent with the task and waits for its turn to end.
     *
     * @param cell the cell
     * @param task its task (its prompt and limit)
     * @return the agent's summary and the files it changed
     */
    CellSteps.Execution execute(CellId cell, TaskSpec task);

    /**
     * Runs the task's tests in the cell's worktree.
     *
     * @param cell the cell
     * @param task its task (its test command and limit)
     * @return the verdict
     */
    TestRunner.Result test(CellId cell, TaskSpec task);

    /**
     * Commits the cell's worktree on its branch.
     *
     * @param cell the cell
     * @param task its task (its commit message)
     * @return the commit, or none when there was nothing to commit
     */
    CellSteps.Commit commit(CellId cell, TaskSpec task);

    /**
     * Restores the cell's worktree to its base commit.
     *
     * @param cell the cell
     * @return how long it took
     */
    Duration revert(CellId cell);

    /**
     * Moves the cell's commit onto {@code targetBranch}.
     *
     * @param cell the cell, with its change committed
     * @param targetBranch the branch to integrate into
     * @param task its task (its test command and limit, for tests on top of the target)
     * @return how the integration ended
     */
    BranchIntegration.Result integrate(CellId cell, String targetBranch, TaskSpec task);

    /**
     * Tears the cell down, out of reach of the run's cancellation (a detached cancellation scope in
     * a workflow). Never throws: when the teardown could not run at all, the result's errors say
     * why and its duration is how long the attempt took.
     *
     * @param cell the cell
     * @return what could not be cleaned up and what was kept
     */
    CellSteps.Teardown teardown(CellId cell);

    /**
     * Classifies what a step threw.
     *
     * @param running the step that was running
     * @param thrown what it threw
     * @return the failure that ends the cell
     * @throws RuntimeException {@code thrown} itself, when it is not the failure of a step (a bug)
     */
    StepFailure failure(CellStep running, RuntimeException thrown);

    /**
     * The time now in nanoseconds, for how long a failed step ran; only differences are used.
     * Workflow time in a workflow.
     *
     * @return the time now, in nanoseconds
     */
    long nanoTime();
  }

  private final Executor executor;
  private final Logger log;

  private int cellNumber;
  private @Nullable CellId cellId;
  private @Nullable String host;
  private @Nullable CellStep step;
  private boolean done;
  private final List<CellStep.Timing> timings = new ArrayList<>();

  /**
   * When the running step began, in {@link Executor#nanoTime()}, for the timing of a step that
   * fails.
   */
  private long stepStarted;

  /**
   * @param executor what runs the steps
   * @param log where a lost host is reported (in a workflow, a replay-aware logger)
   * @throws NullPointerException if an argument is null
   */
  public CellDriver(Executor executor, Logger log) {
    this.executor = Objects.requireNonNull(executor, "executor cannot be null");
    this.log = Objects.requireNonNull(log, "log cannot be null");
  }

  /**
   * Runs {@code task} in cells named after {@code firstCell}, a new one each time a cell's host is
   * lost, at most {@code maxCells} of them, and returns how the last one ended.
   *
   * @param task the task
   * @param firstCell the first cell; later ones get the suffix {@code -r<n>} (see {@link
   *     #cellIdFor})
   * @param maxCells how many cells the task may run in; at least 1
   * @param targetBranch the branch to integrate a commit into, or null to stop at the commit
   * @return how the last cell ended
   * @throws NullPointerException if {@code task} or {@code firstCell} is null
   * @throws IllegalArgumentException if {@code maxCells} is below 1
   * @throws IllegalStateException if this driver already ran
   * @throws RuntimeException what a failed step {@linkplain StepFailure#propagate propagates} (once
   *     its cell is torn down), or what the executor did not classify
   */
  public CellRun run(TaskSpec task, CellId firstCell, int maxCells, @Nullable String targetBranch) {
    Objects.requireNonNull(task, "task cannot be null");
    Objects.requireNonNull(firstCell, "firstCell cannot be null");
    if (maxCells < 1) {
      throw new IllegalArgumentException("maxCells must be at least 1 but was " + maxCells);
    }
    if (cellNumber != 0) {
      throw new IllegalStateException(
          "attempted to run a cell driver while in " + (done ? "DONE" : "RUNNING") + " state");
    }
    for (cellNumber = 1; ; cellNumber++) {
      CellId cell = cellIdFor(firstCell.value(), cellNumber);
      cellId = cell;
      host = null;
      CellRun run = runCell(task, cell, targetBranch);
      if (run.hostLost() && cellNumber < maxCells) {
        log.warn(
            "cell {} of task {} lost its host {}: {}; running the task in a new cell",
            cell,
            task.taskId(),
            run.outcome().host(),
            run.outcome().error());
        continue;
      }
      done = true;
      return run;
    }
  }

  private CellRun runCell(TaskSpec task, CellId cell, @Nullable String targetBranch) {
    enter(CellStep.PORT);
    CellSteps.Bootstrap up;
    try {
      up = executor.bootstrap(cell, task);
    } catch (RuntimeException e) {
      // Nothing of the cell is left: no teardown, and the failure is the outcome whatever it was.
      StepFailure failure = executor.failure(CellStep.PORT, e);
      timings.addAll(failure.timings());
      CellOutcome failed =
          CellOutcome.failed(cell, failure.step(), failure.error()).withTimings(timings);
      return new CellRun(failed, null, failure, null);
    }
    host = up.host();
    timings.addAll(up.timings());

    List<String> changed = List.of();
    int changedCount = 0;
    CellOutcome outcome;
    @Nullable StepFailure failure = null;
    BranchIntegration.@Nullable Result integration = null;
    try {
      if (executor.verifiesBase(up, task)) {
        enter(CellStep.VERIFY_BASE);
        timings.add(
            new CellStep.Timing(CellStep.VERIFY_BASE, executor.verifyBase(cell, task).duration()));
      }
      enter(CellStep.EXECUTE);
      CellSteps.Execution executed = executor.execute(cell, task);
      timings.add(new CellStep.Timing(CellStep.EXECUTE, executed.duration()));
      changed = executed.changedFiles();
      changedCount = executed.changedFileCount();

      enter(CellStep.TEST);
      TestRunner.Result tested = executor.test(cell, task);
      timings.add(new CellStep.Timing(CellStep.TEST, tested.duration()));
      if (tested.passed()) {
        enter(CellStep.COMMIT);
        CellSteps.Commit committed = executor.commit(cell, task);
        timings.add(new CellStep.Timing(CellStep.COMMIT, committed.duration()));
        String commit = committed.commit();
        outcome =
            commit == null ? CellOutcome.noChanges(cell) : CellOutcome.committed(cell, commit);
        if (commit != null && targetBranch != null) {
          enter(CellStep.INTEGRATE);
          integration = executor.integrate(cell, targetBranch, task);
          timings.add(new CellStep.Timing(CellStep.INTEGRATE, integration.duration()));
        }
      } else {
        enter(CellStep.REVERT);
        timings.add(new CellStep.Timing(CellStep.REVERT, executor.revert(cell)));
        outcome = CellOutcome.reverted(cell, tested.report());
      }
    } catch (RuntimeException e) {
      CellStep running = Objects.requireNonNull(step);
      failure = executor.failure(running, e);
      timings.add(
          new CellStep.Timing(
              running, Duration.ofNanos(Math.max(0, executor.nanoTime() - stepStarted))));
      outcome = CellOutcome.failed(cell, failure.step(), failure.error());
    }

    step = CellStep.TEARDOWN;
    CellSteps.Teardown teardown = executor.teardown(cell);
    timings.add(new CellStep.Timing(CellStep.TEARDOWN, teardown.duration()));
    CellOutcome finished =
        outcome
            .withChangedFiles(changed, changedCount)
            .withTimings(timings)
            .withTeardownErrors(teardown.errors())
            .withHost(up.host())
            .withKept(teardown.historyPath(), teardown.rejectedRef());
    RuntimeException propagate = failure == null ? null : failure.propagate();
    if (propagate != null) {
      throw propagate;
    }
    return new CellRun(finished, up, failure, integration);
  }

  /** Marks the start of {@code next}, the cell's running step. */
  private void enter(CellStep next) {
    step = next;
    stepStarted = executor.nanoTime();
  }

  /**
   * Which cell of the task runs now: 1 for the first, more when hosts were lost; 0 before the first
   * starts.
   *
   * @return the number of the current cell
   */
  public int cellNumber() {
    return cellNumber;
  }

  /**
   * The cell running now, or the last one once the run is done.
   *
   * @return the cell, or null before the first starts
   */
  public @Nullable CellId cellId() {
    return cellId;
  }

  /**
   * The host of the current cell.
   *
   * @return its host, or null before its bootstrap returned
   */
  public @Nullable String host() {
    return host;
  }

  /**
   * The step running now; {@link CellStep#PORT} for the whole bootstrap.
   *
   * @return the running step, or null before the first cell starts
   */
  public @Nullable CellStep step() {
    return done ? null : step;
  }

  /**
   * Whether the run is over (its last cell ended and was torn down).
   *
   * @return true once the run returned
   */
  public boolean done() {
    return done;
  }

  /**
   * The steps finished so far and how long they took, over all the task's cells.
   *
   * @return a copy of the timings
   */
  public List<CellStep.Timing> timings() {
    return List.copyOf(timings);
  }

  /**
   * The {@code number}-th cell of a task whose first cell is {@code first}: {@code first} itself,
   * then {@code first-r<number>}, shortened so that the id stays valid.
   *
   * @param first the first cell's id
   * @param number which cell, from 1
   * @return the cell's id
   * @throws IllegalArgumentException if {@code number} is below 1 or {@code first} is no valid cell
   *     id
   */
  public static CellId cellIdFor(String first, int number) {
    if (number < 1) {
      throw new IllegalArgumentException("number must be at least 1 but was " + number);
    }
    if (number == 1) {
      return CellId.of(first);
    }
    String suffix = "-r" + number;
    String base =
        first.length() + suffix.length() > CellId.MAX_LENGTH
            ? first.substring(0, CellId.MAX_LENGTH - suffix.length())
            : first;
    return CellId.of(base + suffix);
  }

  /**
   * A step of a cell that failed, as a {@link CellDriver.Executor} reports it to the {@link
   * CellDriver}: which step, a stable type, what to tell a person, and what the driver does next.
   *
   * <p>Immutable; not meant to travel between processes (it may hold the exception to throw once
   * the cell is torn down).
   *
   * @param step the step that failed (the one the failure names, else the one that was running)
   * @param type a stable failure type, such as {@code AgentCrashed} or {@code TestsTimedOut};
   *     {@code Cancelled} for a cancellation
   * @param error {@code <type>: <message>}, what to tell a person
   * @param retryable whether running the task again can help
   * @param hostLost whether the cell's host is gone (a step not picked up in time, a heartbeat
   *     missed, the host no longer knowing the cell): the driver then runs the task again in a new
   *     cell, when it may; ignored for a failed bootstrap
   * @param cancelled whether the step stopped because the run was cancelled
   * @param timings for a failed bootstrap, how long each of its steps took; empty otherwise
   * @param propagate what the driver throws once the cell is torn down (a cancellation that must
   *     reach the caller), or null to end the cell with this failure as its outcome; ignored for a
   *     failed bootstrap, which leaves nothing to tear down and always ends as an outcome
   */
  public record StepFailure(
      CellStep step,
      String type,
      String error,
      boolean retryable,
      boolean hostLost,
      boolean cancelled,
      List<CellStep.Timing> timings,
      @Nullable RuntimeException propagate) {

    /**
     * Checks the components and copies the timings.
     *
     * @param step the step that failed
     * @param type a stable failure type
     * @param error {@code <type>: <message>}
     * @param retryable whether running the task again can help
     * @param hostLost whether the cell's host is gone
     * @param cancelled whether the step stopped because the run was cancelled
     * @param timings for a failed bootstrap, how long each of its steps took
     * @param propagate what the driver throws once the cell is torn down, or null
     * @throws NullPointerException if a component other than {@code propagate} is null
     */
    public StepFailure {
      Objects.requireNonNull(step, "step cannot be null");
      Objects.requireNonNull(type, "type cannot be null");
      Objects.requireNonNull(error, "error cannot be null");
      timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
    }

    /**
     * The failure of a step of the local {@link CellSteps}: never a lost host, never propagated.
     *
     * @param failure what the step threw; not null
     * @return the failure as the driver sees it
     * @throws NullPointerException if {@code failure} is null
     */
    public static StepFailure of(CellStepException failure) {
      Objects.requireNonNull(failure, "failure cannot be null");
      return new StepFailure(
          failure.step(),
          failure.failureType(),
          failure.failureType() + ": " + failure.getMessage(),
          failure.retryable(),
          false,
          false,
          failure.timings(),
          null);
    }
  }

  /**
   * How one cell of a task ended, as the {@link CellDriver} returns it: the cell's outcome, and
   * what a caller needs beyond it (the bootstrap that brought the cell up, the failure in full, the
   * integration when there was one).
   *
   * <p>Immutable; not meant to travel between processes (see {@link StepFailure}).
   *
   * @param outcome how the cell ended
   * @param bootstrap the cell that came up, or null when its bootstrap failed
   * @param failure the step that failed, or null when no step failed
   * @param integration the integration of the cell's commit, or null when the driver did not
   *     integrate (no target branch, no commit, or an earlier step failed)
   */
  public record CellRun(
      CellOutcome outcome,
      CellSteps.@Nullable Bootstrap bootstrap,
      @Nullable StepFailure failure,
      BranchIntegration.@Nullable Result integration) {

    /**
     * Checks the outcome.
     *
     * @param outcome how the cell ended; not null
     * @param bootstrap the cell that came up, or null
     * @param failure the step that failed, or null
     * @param integration the integration of the cell's commit, or null
     * @throws NullPointerException if {@code outcome} is null
     */
    public CellRun {
      Objects.requireNonNull(outcome, "outcome cannot be null");
    }

    /**
     * Whether the cell ended because its host is gone.
     *
     * @return true when a step after the bootstrap failed because the host is gone
     */
    public boolean hostLost() {
      // A cell that never came up has no host to lose: its bootstrap has a retry policy of its own,
      // and what it
      // reports (a host shutting down included) is the outcome.
      return bootstrap != null && failure != null && failure.hostLost();
    }

    /**
     * The step that failed, if one did.
     *
     * @return the failure, or empty
     */
    public Optional<StepFailure> failed() {
      return Optional.ofNullable(failure);
    }
  }
}
