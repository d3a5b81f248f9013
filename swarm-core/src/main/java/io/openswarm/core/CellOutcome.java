package io.openswarm.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How one cell ended, with what it produced and how long each step took.
 *
 * <ul>
 *   <li>{@link CellStatus#COMMITTED}: {@link #commit()} is the SHA of the commit on the cell
 *       branch.
 *   <li>{@link CellStatus#NO_CHANGES}: the tests passed and the agent changed nothing.
 *   <li>{@link CellStatus#REVERTED}: {@link #testOutputTail()} is the end of the failing test run's
 *       output.
 *   <li>{@link CellStatus#FAILED}: {@link #failedStep()} and {@link #error()} say what went wrong.
 * </ul>
 *
 * <p>Teardown runs whatever the status; anything it could not clean up is listed in {@link
 * #teardownErrors()} (empty when the cell left nothing behind).
 *
 * <p>What the cell did outlives it on its host: {@link #historyPath()} is the folder that keeps its
 * logs (and the reports of red tests), and {@link #rejectedRef()} the ref that keeps a reverted
 * change, so that {@code git diff <base> refs/swarm/rejected/<cellId>} shows what the agent tried.
 * Both are names, never contents, so that the outcome stays small in workflow history.
 *
 * <p>Bounded so that it always fits in one Temporal message (see {@link ResultLimits}): texts are
 * cut to {@link ResultLimits#MAX_TEXT_CHARS} characters and the changed files are listed up to
 * {@link ResultLimits#MAX_LISTED_FILES}, beside their total count.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param cellId the cell
 * @param status how it ended
 * @param commit the commit SHA when committed
 * @param testOutputTail the end of the test output when reverted (or when a test run failed to run)
 * @param failedStep the step that failed when failed
 * @param error what went wrong when failed: the exception type and message
 * @param changedFiles the paths the agent changed, relative to the worktree, as git reports them:
 *     the first {@link ResultLimits#MAX_LISTED_FILES} when there are more
 * @param changedFileCount how many paths the agent changed in all; never less than the size of
 *     {@code changedFiles} (a payload written before this component existed reads as the size of
 *     the list)
 * @param timings the duration of each step that ran, in order
 * @param teardownErrors what teardown could not clean up, one line per failed compensation
 * @param host the worker host the cell ran on, when known
 * @param historyPath the folder on {@code host} that keeps the cell's logs and reports, when kept
 * @param rejectedRef the ref that keeps the reverted change (such as {@code
 *     refs/swarm/rejected/<cellId>}), when the change was reverted and kept
 */
public record CellOutcome(
    CellId cellId,
    CellStatus status,
    @Nullable String commit,
    @Nullable String testOutputTail,
    @Nullable CellStep failedStep,
    @Nullable String error,
    List<String> changedFiles,
    int changedFileCount,
    List<CellStep.Timing> timings,
    List<String> teardownErrors,
    @Nullable String host,
    @Nullable String historyPath,
    @Nullable String rejectedRef) {

  /**
   * Checks the components against the status, and bounds the texts and the list of changed files
   * (see {@link ResultLimits}).
   *
   * @param cellId the cell; not null
   * @param status how it ended; not null
   * @param commit the SHA of the commit on the cell branch; required (not blank) when {@code
   *     status} is {@link CellStatus#COMMITTED}, may be null for any other status
   * @param testOutputTail the end of the test output, or null; cut to {@link
   *     ResultLimits#MAX_TEXT_CHARS} characters
   * @param failedStep the step that failed; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null
   * @param error the exception type and message; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null; cut to {@link ResultLimits#MAX_TEXT_CHARS} characters
   * @param changedFiles the paths the agent changed, relative to the worktree; not null; only the
   *     first ones are kept when there are more than {@link ResultLimits#MAX_LISTED_FILES}
   * @param changedFileCount how many paths the agent changed in all; raised to the size of {@code
   *     changedFiles} when smaller
   * @param timings the duration of each step that ran, in order; not null (copied)
   * @param teardownErrors one line per compensation teardown could not do; not null (copied), empty
   *     when teardown was clean
   * @param host the worker host the cell ran on, or null when not known
   * @param historyPath the folder on {@code host} that keeps the cell's logs, or null when nothing
   *     was kept
   * @param rejectedRef the ref that keeps the reverted change, or null when none was kept
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the components do not fit the status
   */
  public CellOutcome {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(changedFiles, "changedFiles cannot be null");
    changedFileCount = Math.max(changedFileCount, changedFiles.size());
    changedFiles = ResultLimits.firstFiles(changedFiles);
    testOutputTail = testOutputTail == null ? null : ResultLimits.truncate(testOutputTail);
    error = error == null ? null : ResultLimits.truncate(error);
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
    teardownErrors =
        List.copyOf(Objects.requireNonNull(teardownErrors, "teardownErrors cannot be null"));
    if (status == CellStatus.COMMITTED && (commit == null || commit.isBlank())) {
      throw new IllegalArgumentException(
          "a COMMITTED outcome needs a commit SHA but was " + commit);
    }
    if (status == CellStatus.FAILED && (failedStep == null || error == null)) {
      throw new IllegalArgumentException(
          "a FAILED outcome needs the failed step and the error but was "
              + failedStep
              + ", "
              + error);
    }
  }

  /**
   * An outcome with nothing kept after the cell ({@link #historyPath()} and {@link #rejectedRef()}
   * null).
   *
   * @param cellId the cell; not null
   * @param status how it ended; not null
   * @param commit the SHA of the commit on the cell branch; required (not blank) when {@code
   *     status} is {@link CellStatus#COMMITTED}, may be null for any other status
   * @param testOutputTail the end of the test output, or null; cut to {@link
   *     ResultLimits#MAX_TEXT_CHARS} characters
   * @param failedStep the step that failed; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null
   * @param error the exception type and message; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null; cut to {@link ResultLimits#MAX_TEXT_CHARS} characters
   * @param changedFiles the paths the agent changed, relative to the worktree; not null; only the
   *     first ones are kept when there are more than {@link ResultLimits#MAX_LISTED_FILES}
   * @param changedFileCount how many paths the agent changed in all; raised to the size of {@code
   *     changedFiles} when smaller
   * @param timings the duration of each step that ran, in order; not null (copied)
   * @param teardownErrors one line per compensation teardown could not do; not null (copied), empty
   *     when teardown was clean
   * @param host the worker host the cell ran on, or null when not known
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the components do not fit the status
   */
  public CellOutcome(
      CellId cellId,
      CellStatus status,
      @Nullable String commit,
      @Nullable String testOutputTail,
      @Nullable CellStep failedStep,
      @Nullable String error,
      List<String> changedFiles,
      int changedFileCount,
      List<CellStep.Timing> timings,
      List<String> teardownErrors,
      @Nullable String host) {
    this(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        changedFileCount,
        timings,
        teardownErrors,
        host,
        null,
        null);
  }

  /**
   * An outcome whose {@code changedFiles} are all the files changed (their first ones, when there
   * are more than the bound).
   *
   * @param cellId the cell; not null
   * @param status how it ended; not null
   * @param commit the SHA of the commit on the cell branch; required (not blank) when {@code
   *     status} is {@link CellStatus#COMMITTED}, may be null for any other status
   * @param testOutputTail the end of the test output, or null; cut to {@link
   *     ResultLimits#MAX_TEXT_CHARS} characters
   * @param failedStep the step that failed; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null
   * @param error the exception type and message; required when {@code status} is {@link
   *     CellStatus#FAILED}, else null; cut to {@link ResultLimits#MAX_TEXT_CHARS} characters
   * @param changedFiles the paths the agent changed, relative to the worktree; not null; only the
   *     first ones are kept when there are more than {@link ResultLimits#MAX_LISTED_FILES}
   * @param timings the duration of each step that ran, in order; not null (copied)
   * @param teardownErrors one line per compensation teardown could not do; not null (copied), empty
   *     when teardown was clean
   * @param host the worker host the cell ran on, or null when not known
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the components do not fit the status
   */
  public CellOutcome(
      CellId cellId,
      CellStatus status,
      @Nullable String commit,
      @Nullable String testOutputTail,
      @Nullable CellStep failedStep,
      @Nullable String error,
      List<String> changedFiles,
      List<CellStep.Timing> timings,
      List<String> teardownErrors,
      @Nullable String host) {
    this(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        Objects.requireNonNull(changedFiles, "changedFiles cannot be null").size(),
        timings,
        teardownErrors,
        host,
        null,
        null);
  }

  /**
   * The tests passed and the change was committed as {@code sha}.
   *
   * @param cellId the cell; not null
   * @param sha the SHA of the commit on the cell branch; not blank
   * @return a {@link CellStatus#COMMITTED} outcome with no files, timings or teardown errors yet
   */
  public static CellOutcome committed(CellId cellId, String sha) {
    return new CellOutcome(
        cellId, CellStatus.COMMITTED, sha, null, null, null, List.of(), List.of(), List.of(), null);
  }

  /**
   * The tests passed and there was nothing to commit.
   *
   * @param cellId the cell; not null
   * @return a {@link CellStatus#NO_CHANGES} outcome with no files, timings or teardown errors yet
   */
  public static CellOutcome noChanges(CellId cellId) {
    return new CellOutcome(
        cellId,
        CellStatus.NO_CHANGES,
        null,
        null,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        null);
  }

  /**
   * The tests failed with {@code testOutputTail} and the worktree was restored to the base commit.
   *
   * @param cellId the cell; not null
   * @param testOutputTail the end of the failing run's output; cut to {@link
   *     ResultLimits#MAX_TEXT_CHARS} characters
   * @return a {@link CellStatus#REVERTED} outcome with no files, timings or teardown errors yet
   */
  public static CellOutcome reverted(CellId cellId, String testOutputTail) {
    return new CellOutcome(
        cellId,
        CellStatus.REVERTED,
        null,
        testOutputTail,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        null);
  }

  /**
   * {@code step} failed with {@code error}.
   *
   * @param cellId the cell; not null
   * @param step the step that failed; not null
   * @param error the exception type and message; not null; cut to {@link
   *     ResultLimits#MAX_TEXT_CHARS} characters
   * @return a {@link CellStatus#FAILED} outcome with no files, timings or teardown errors yet
   */
  public static CellOutcome failed(CellId cellId, CellStep step, String error) {
    return new CellOutcome(
        cellId, CellStatus.FAILED, null, null, step, error, List.of(), List.of(), List.of(), null);
  }

  /**
   * This outcome with the given changed files, all of them (their first ones are kept when there
   * are many).
   *
   * @param files the paths the agent changed, relative to the worktree; not null
   * @return a copy of this outcome whose {@link #changedFileCount()} is the size of {@code files}
   */
  public CellOutcome withChangedFiles(List<String> files) {
    return withChangedFiles(files, files.size());
  }

  /**
   * This outcome with the first {@code files} of {@code count} changed files, as {@link
   * io.openswarm.core.lifecycle.CellSteps.Execution} carries them.
   *
   * @param files the first paths the agent changed, relative to the worktree; not null
   * @param count how many paths were changed in all; raised to the size of {@code files} when
   *     smaller
   * @return a copy of this outcome with these changed files
   */
  public CellOutcome withChangedFiles(List<String> files, int count) {
    return new CellOutcome(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        files,
        count,
        timings,
        teardownErrors,
        host,
        historyPath,
        rejectedRef);
  }

  /**
   * This outcome with the given step timings.
   *
   * @param stepTimings the duration of each step that ran, in order; not null
   * @return a copy of this outcome with these timings instead of its own
   */
  public CellOutcome withTimings(List<CellStep.Timing> stepTimings) {
    return new CellOutcome(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        changedFileCount,
        stepTimings,
        teardownErrors,
        host,
        historyPath,
        rejectedRef);
  }

  /**
   * This outcome with the given teardown errors.
   *
   * @param errors one line per compensation teardown could not do; not null
   * @return a copy of this outcome with these teardown errors instead of its own
   */
  public CellOutcome withTeardownErrors(List<String> errors) {
    return new CellOutcome(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        changedFileCount,
        timings,
        errors,
        host,
        historyPath,
        rejectedRef);
  }

  /**
   * This outcome recording the host it ran on.
   *
   * @param hostId the worker host the cell ran on
   * @return a copy of this outcome naming that host
   */
  public CellOutcome withHost(String hostId) {
    return new CellOutcome(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        changedFileCount,
        timings,
        teardownErrors,
        hostId,
        historyPath,
        rejectedRef);
  }

  /**
   * This outcome naming what was kept after the cell: the folder of its logs and the ref of its
   * reverted change (either may be null).
   *
   * @param keptHistoryPath the folder that keeps the cell's logs, or null
   * @param keptRejectedRef the ref that keeps the reverted change, or null
   * @return a copy of this outcome naming what was kept
   */
  public CellOutcome withKept(@Nullable String keptHistoryPath, @Nullable String keptRejectedRef) {
    return new CellOutcome(
        cellId,
        status,
        commit,
        testOutputTail,
        failedStep,
        error,
        changedFiles,
        changedFileCount,
        timings,
        teardownErrors,
        host,
        keptHistoryPath,
        keptRejectedRef);
  }

  /**
   * How long {@code step} took, if it ran (the sum, if it ran more than once).
   *
   * @param step the step to look up
   * @return the step's duration, or empty when it did not run
   */
  public Optional<Duration> timing(CellStep step) {
    return timings.stream()
        .filter(t -> t.step() == step)
        .map(CellStep.Timing::duration)
        .reduce(Duration::plus);
  }

  /**
   * The sum of all step durations.
   *
   * @return the sum of {@link #timings()}; zero when no step ran
   */
  public Duration totalDuration() {
    return timings.stream().map(CellStep.Timing::duration).reduce(Duration.ZERO, Duration::plus);
  }

  /**
   * Whether teardown cleaned up everything.
   *
   * @return true when {@link #teardownErrors()} is empty
   */
  public boolean cleanTeardown() {
    return teardownErrors.isEmpty();
  }
}
