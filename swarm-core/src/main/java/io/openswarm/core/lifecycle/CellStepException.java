package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.worktree.WorktreeException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A step of a cell failed. {@link #failureType()} is a stable name (such as {@code PortExhausted},
 * {@code WorktreeConflict}, {@code AgentStartFailed}) that the Temporal layer uses as the failure
 * type workflows see, and {@link #retryable()} says whether trying the step again can help.
 */
public final class CellStepException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * The failure type of a TEST step whose command could not run: its program, or one it runs, was
   * not found or not executable (on the host or inside the cell's sandbox), or it exited with 126
   * or 127. Not retryable.
   */
  public static final String TEST_COMMAND_NOT_RUNNABLE = "TestCommandNotRunnable";

  /**
   * The failure type of a TEST step whose run the library killed at its time limit. Not retryable.
   */
  public static final String TESTS_TIMED_OUT = "TestsTimedOut";

  /**
   * The failure type of a TEST step whose run the library stopped before it ended, for another
   * reason than its time limit (the test runner's supervisor was closed). Not retryable.
   */
  public static final String TEST_RUN_KILLED = "TestRunKilled";

  /**
   * The failure type of a VERIFY_BASE step whose tests failed on the base commit, before the agent
   * was prompted: the base is broken, not the agent's change. Not retryable; the message names the
   * base commit and the command and carries the end of the output.
   */
  public static final String BASE_IS_RED = "BaseIsRed";

  /**
   * The failure type of a WORKTREE step whose {@linkplain io.openswarm.core.worktree.WorktreeSetup
   * set-up} failed, could not run or ran past its limit. Not retryable: no verdict on any change;
   * the message carries the output.
   */
  public static final String SETUP_FAILED = "SetupFailed";

  /** The cell whose step failed; never null. */
  private final CellId cellId;

  /** The step that failed; never null. */
  private final CellStep step;

  /** The stable failure type workflows see; never null. */
  private final String failureType;

  /** Whether retrying the step (or the cell) can help. */
  private final boolean retryable;

  /**
   * Set once by the bootstrap that failed, before it throws; read by whoever reports the failure.
   * Transient: timings are not serializable, and a serialized failure (null here then) reports
   * none.
   */
  private transient volatile @Nullable List<CellStep.Timing> timings = List.of();

  /**
   * @param cellId the cell
   * @param step the step that failed
   * @param failureType a stable failure type
   * @param retryable whether retrying can help
   * @param message what went wrong
   * @param cause the underlying failure, if any
   */
  public CellStepException(
      CellId cellId,
      CellStep step,
      String failureType,
      boolean retryable,
      String message,
      Throwable cause) {
    super(message, cause);
    this.cellId = Objects.requireNonNull(cellId, "cellId cannot be null");
    this.step = Objects.requireNonNull(step, "step cannot be null");
    this.failureType = Objects.requireNonNull(failureType, "failureType cannot be null");
    this.retryable = retryable;
  }

  /**
   * The cell.
   *
   * @return the cell whose step failed; never null
   */
  public CellId cellId() {
    return cellId;
  }

  /**
   * The step that failed.
   *
   * @return the step that failed; never null
   */
  public CellStep step() {
    return step;
  }

  /**
   * A stable failure type, such as {@code AgentNotReady}.
   *
   * @return the failure type; never null
   */
  public String failureType() {
    return failureType;
  }

  /**
   * Whether retrying the step (or the cell) can help.
   *
   * @return true when a retry can help
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * Whether this failure is one the steps did not anticipate: {@code step} threw an exception that
   * none of the step's collaborators documents (a bug, most likely), which got the catch-all type
   * {@link #unclassifiedType}. Every other failure is an outcome the library expects (the agent
   * crashed, the tests could not run, the change is unsafe, no port is free...): its type and
   * message say all there is to say, and a stack trace would add nothing.
   *
   * @return true for an unanticipated failure, whose stack trace is worth logging
   */
  public boolean unclassified() {
    // The worktree provider's own catch-all type for the WORKTREE step reads the same, but is
    // classified.
    return failureType.equals(unclassifiedType(step)) && !(getCause() instanceof WorktreeException);
  }

  /**
   * The type of a failure of {@code step} that the steps did not anticipate: the step's name in
   * camel case followed by {@code Failed}, such as {@code ExecuteFailed}.
   *
   * @param step the step; not null
   * @return the catch-all failure type of {@code step}
   * @throws NullPointerException if {@code step} is null
   */
  public static String unclassifiedType(CellStep step) {
    Objects.requireNonNull(step, "step cannot be null");
    String name = step.name();
    return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT).replace("_", "") + "Failed";
  }

  /**
   * For a failed bootstrap, how long each of its steps took, the failed one last, so that the
   * outcome still says where the time went; empty for a failure of any other step (its caller times
   * it).
   *
   * @return the bootstrap's step timings, unmodifiable; empty when there are none
   */
  public List<CellStep.Timing> timings() {
    List<CellStep.Timing> recorded = timings;
    return recorded == null ? List.of() : recorded;
  }

  /** Records the timings of the bootstrap this failure ended. */
  void recordTimings(List<CellStep.Timing> stepTimings) {
    this.timings = List.copyOf(stepTimings);
  }
}
