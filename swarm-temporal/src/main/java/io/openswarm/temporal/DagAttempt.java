package io.openswarm.temporal;

import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one attempt at a task of a DAG went: one child workflow, normally one cell (more only if a host was lost).
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it. Free text is
 * bounded ({@code detail} keeps at most {@value #MAX_DETAIL_LENGTH} characters), so that a DAG of hundreds of tasks
 * stays within Temporal's payload limits.
 *
 * @param attempt which attempt, from 1
 * @param workflowId the child workflow's id, {@code dag-<dagId>-<taskId>-<attempt>}
 * @param cellId the cell that ran it, or null when no cell came up
 * @param host the worker host of the cell, or null
 * @param baseCommit the commit the cell started from (the target's head at bootstrap), or null
 * @param status {@link DagTaskStatus#INTEGRATED}, {@link DagTaskStatus#NO_CHANGES}, {@link DagTaskStatus#CONFLICT},
 *     {@link DagTaskStatus#REVERTED}, {@link DagTaskStatus#FAILED} or {@link DagTaskStatus#CANCELLED}
 * @param commit the target's head holding the change, when integrated
 * @param onto the target head the integration put the change on top of (or conflicted with, or was red on); null
 *     when it did not get to integrate
 * @param integrationVerdict whether a {@code CONFLICT} or {@code REVERTED} came from the integrate step (and may be
 *     redone once from the new head) rather than from the cell's own tests
 * @param failedStep the step that failed, when failed
 * @param failureType the failure's stable type ({@code AgentCrashed}, {@code PortExhausted}, ...), when failed
 * @param retryable whether retrying the task can help, when failed
 * @param detail what to tell a person: the error, the red tests' verdict and output tail, or the conflicting files;
 *     null when there is nothing to say
 * @param conflictingFiles the paths in conflict, when in conflict
 * @param keptBranch the cell branch that still holds the attempt's commit when the integrate step did not take it (a
 *     {@code CONFLICT}, or a {@code REVERTED} from the tests on top of the target), so that a person can look at the
 *     change or apply it by hand; null otherwise
 * @param rounds how many compare-and-swaps the integration tried (more than 1 when others moved the target
 *     meanwhile); 0 when it did not integrate
 * @param retests how many times the integration ran the tests again on top of the target
 * @param timings how long each step took
 * @param teardownErrors what teardown could not clean up
 * @param startedAt when the attempt started, in workflow time
 * @param finishedAt when it ended, in workflow time
 * @param historyPath the folder on {@code host} that keeps the cell's logs and reports (see {@link
 *     SwarmWorker.Builder#history}), when kept
 * @param rejectedRef the ref that keeps the cell's reverted change ({@code refs/swarm/rejected/<cellId>}), when its
 *     own tests were red and the change was kept
 */
public record DagAttempt(
    int attempt,
    String workflowId,
    @Nullable String cellId,
    @Nullable String host,
    @Nullable String baseCommit,
    DagTaskStatus status,
    @Nullable String commit,
    @Nullable String onto,
    boolean integrationVerdict,
    @Nullable CellStep failedStep,
    @Nullable String failureType,
    boolean retryable,
    @Nullable String detail,
    List<String> conflictingFiles,
    @Nullable String keptBranch,
    int rounds,
    int retests,
    List<StepTiming> timings,
    List<String> teardownErrors,
    Instant startedAt,
    Instant finishedAt,
    @Nullable String historyPath,
    @Nullable String rejectedRef) {

  /** The longest {@code detail} kept, in characters. */
  public static final int MAX_DETAIL_LENGTH = 1000;

  /**
   * Checks the components against the status, copies the lists and bounds {@code detail}.
   *
   * @param attempt which attempt, from 1
   * @param workflowId the child workflow's id, {@code dag-<dagId>-<taskId>-<attempt>}
   * @param cellId the cell that ran it, or null when no cell came up
   * @param host the worker host of the cell, or null
   * @param baseCommit the commit the cell started from (the target's head at bootstrap), or null
   * @param status {@link DagTaskStatus#INTEGRATED}, {@link DagTaskStatus#NO_CHANGES}, {@link DagTaskStatus#CONFLICT},
   *     {@link DagTaskStatus#REVERTED}, {@link DagTaskStatus#FAILED} or {@link DagTaskStatus#CANCELLED}
   * @param commit the target's head holding the change, when integrated
   * @param onto the target head the integration put the change on top of (or conflicted with, or was red on); null when
   *     it did not get to integrate
   * @param integrationVerdict whether a {@code CONFLICT} or {@code REVERTED} came from the integrate step (and may be
   *     redone once from the new head) rather than from the cell's own tests
   * @param failedStep the step that failed, when failed
   * @param failureType the failure's stable type ({@code AgentCrashed}, {@code PortExhausted}, ...), when failed
   * @param retryable whether retrying the task can help, when failed
   * @param detail what to tell a person: the error, the red tests' verdict and output tail, or the conflicting files;
   *     null when there is nothing to say
   * @param conflictingFiles the paths in conflict, when in conflict
   * @param keptBranch the cell branch that still holds the attempt's commit when the integrate step did not take it (a
   *     {@code CONFLICT}, or a {@code REVERTED} from the tests on top of the target), so that a person can look at the
   *     change or apply it by hand; null otherwise
   * @param rounds how many compare-and-swaps the integration tried (more than 1 when others moved the target
   *     meanwhile); 0 when it did not integrate
   * @param retests how many times the integration ran the tests again on top of the target
   * @param timings how long each step took
   * @param teardownErrors what teardown could not clean up
   * @param startedAt when the attempt started, in workflow time
   * @param finishedAt when it ended, in workflow time
   * @param historyPath the folder on {@code host} that keeps the cell's logs and reports (see {@link
   *     SwarmWorker.Builder#history}), when kept
   * @param rejectedRef the ref that keeps the cell's reverted change ({@code refs/swarm/rejected/<cellId>}), when its
   *     own tests were red and the change was kept
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the status is not an attempt's outcome, or an integrated attempt has no
   *     commit
   */
  public DagAttempt {
    Objects.requireNonNull(workflowId, "workflowId cannot be null");
    Objects.requireNonNull(status, "status cannot be null");
    conflictingFiles = List.copyOf(Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null"));
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
    teardownErrors = List.copyOf(Objects.requireNonNull(teardownErrors, "teardownErrors cannot be null"));
    Objects.requireNonNull(startedAt, "startedAt cannot be null");
    Objects.requireNonNull(finishedAt, "finishedAt cannot be null");
    if (!status.finalState() || status == DagTaskStatus.SKIPPED) {
      throw new IllegalArgumentException("an attempt ends INTEGRATED, NO_CHANGES, CONFLICT, REVERTED, FAILED or "
          + "CANCELLED but was " + status);
    }
    if (status == DagTaskStatus.INTEGRATED && commit == null) {
      throw new IllegalArgumentException("an INTEGRATED attempt needs the commit");
    }
    detail = bound(detail);
  }

  /**
   * An attempt with nothing kept after its cell ({@code historyPath} and {@code rejectedRef} null).
   *
   * @param attempt which attempt, from 1
   * @param workflowId the child workflow's id, {@code dag-<dagId>-<taskId>-<attempt>}
   * @param cellId the cell that ran it, or null when no cell came up
   * @param host the worker host of the cell, or null
   * @param baseCommit the commit the cell started from (the target's head at bootstrap), or null
   * @param status {@link DagTaskStatus#INTEGRATED}, {@link DagTaskStatus#NO_CHANGES}, {@link DagTaskStatus#CONFLICT},
   *     {@link DagTaskStatus#REVERTED}, {@link DagTaskStatus#FAILED} or {@link DagTaskStatus#CANCELLED}
   * @param commit the target's head holding the change, when integrated
   * @param onto the target head the integration put the change on top of (or conflicted with, or was red on); null when
   *     it did not get to integrate
   * @param integrationVerdict whether a {@code CONFLICT} or {@code REVERTED} came from the integrate step (and may be
   *     redone once from the new head) rather than from the cell's own tests
   * @param failedStep the step that failed, when failed
   * @param failureType the failure's stable type ({@code AgentCrashed}, {@code PortExhausted}, ...), when failed
   * @param retryable whether retrying the task can help, when failed
   * @param detail what to tell a person: the error, the red tests' verdict and output tail, or the conflicting files;
   *     null when there is nothing to say
   * @param conflictingFiles the paths in conflict, when in conflict
   * @param rounds how many compare-and-swaps the integration tried (more than 1 when others moved the target
   *     meanwhile); 0 when it did not integrate
   * @param retests how many times the integration ran the tests again on top of the target
   * @param timings how long each step took
   * @param teardownErrors what teardown could not clean up
   * @param startedAt when the attempt started, in workflow time
   * @param finishedAt when it ended, in workflow time
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the status is not an attempt's outcome, or an integrated attempt has no
   *     commit
   */
  public DagAttempt(int attempt, String workflowId, @Nullable String cellId, @Nullable String host,
      @Nullable String baseCommit, DagTaskStatus status, @Nullable String commit, @Nullable String onto,
      boolean integrationVerdict, @Nullable CellStep failedStep, @Nullable String failureType, boolean retryable,
      @Nullable String detail, List<String> conflictingFiles, int rounds, int retests, List<StepTiming> timings,
      List<String> teardownErrors, Instant startedAt, Instant finishedAt) {
    this(attempt, workflowId, cellId, host, baseCommit, status, commit, onto, integrationVerdict, failedStep,
        failureType, retryable, detail, conflictingFiles, null, rounds, retests, timings, teardownErrors, startedAt,
        finishedAt, null, null);
  }

  /**
   * How long the attempt took, in workflow time.
   *
   * @return the time from {@code startedAt} to {@code finishedAt}
   */
  public Duration duration() {
    return Duration.between(startedAt, finishedAt);
  }

  /**
   * {@code text} cut to {@value #MAX_DETAIL_LENGTH} characters: its first line (the verdict) and as much of its end
   * (the last output) as fits.
   */
  static @Nullable String bound(@Nullable String text) {
    if (text == null || text.length() <= MAX_DETAIL_LENGTH) {
      return text;
    }
    int newline = text.indexOf('\n');
    String head = newline > 0 && newline < MAX_DETAIL_LENGTH / 2 ? text.substring(0, newline + 1) : "";
    String marker = "[...]";
    return head + marker + text.substring(text.length() - (MAX_DETAIL_LENGTH - head.length() - marker.length()));
  }
}
