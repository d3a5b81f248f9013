package io.openswarm.temporal;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.worktree.BranchIntegration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one attempt at a task of a DAG went: one child workflow, normally one cell (more only if a
 * host was lost). It is the {@linkplain #cell() outcome of the attempt's cell}, the {@linkplain
 * #integration() integration} of the cell's commit when there was one, and the verdict the DAG acts
 * on.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 * Bounded, so that a DAG of hundreds of tasks stays within Temporal's payload limits: {@code
 * detail} and the texts of the cell and the integration keep at most {@value #MAX_DETAIL_LENGTH}
 * characters, and the cell's list of changed files is not kept (its count is).
 *
 * @param attempt which attempt at the task, from 1
 * @param workflowId the child workflow's id, {@code dag-<dagId>-<taskId>-<attempt>}
 * @param status {@link DagResult.TaskStatus#INTEGRATED}, {@link DagResult.TaskStatus#NO_CHANGES},
 *     {@link DagResult.TaskStatus#CONFLICT}, {@link DagResult.TaskStatus#REVERTED}, {@link
 *     DagResult.TaskStatus#FAILED} or {@link DagResult.TaskStatus#CANCELLED}
 * @param detail what to tell a person: the error, the red tests' verdict and output tail, or the
 *     conflicting files; null when there is nothing to say
 * @param cell how the attempt's (last) cell ended, or null when no cell ran (the child workflow
 *     failed as a whole)
 * @param integration how the integration of the cell's commit ended, or null when the attempt did
 *     not get to integrate (no commit, or the cell failed)
 * @param failureType the failure's stable type ({@code AgentCrashed}, {@code PortExhausted}, ...),
 *     when failed
 * @param retryable whether retrying the task can help, when failed
 * @param baseCommit the commit the cell started from (the target's head at bootstrap), or null
 * @param keptBranch the cell branch that still holds the attempt's commit when the integrate step
 *     did not take it (a {@code CONFLICT}, or a {@code REVERTED} from the tests on top of the
 *     target), so that a person can look at the change or apply it by hand; null otherwise
 * @param startedAt when the attempt started, in workflow time
 * @param finishedAt when it ended, in workflow time
 */
public record DagAttempt(
    int attempt,
    String workflowId,
    DagResult.TaskStatus status,
    @Nullable String detail,
    @Nullable CellOutcome cell,
    BranchIntegration.@Nullable Result integration,
    @Nullable String failureType,
    boolean retryable,
    @Nullable String baseCommit,
    @Nullable String keptBranch,
    Instant startedAt,
    Instant finishedAt) {

  /**
   * The longest {@code detail} kept, in characters; the cell's and the integration's texts are cut
   * alike.
   */
  public static final int MAX_DETAIL_LENGTH = 1000;

  /**
   * Checks the components against the status and bounds the texts.
   *
   * @param attempt which attempt, from 1
   * @param workflowId the child workflow's id
   * @param status how the attempt ended
   * @param detail what to tell a person, or null
   * @param cell how the attempt's cell ended, or null when no cell ran
   * @param integration how the integration ended, or null when the attempt did not integrate
   * @param failureType the failure's stable type, when failed
   * @param retryable whether retrying the task can help, when failed
   * @param baseCommit the commit the cell started from, or null
   * @param keptBranch the cell branch that holds a change the integration did not take, or null
   * @param startedAt when the attempt started, in workflow time
   * @param finishedAt when it ended, in workflow time
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the status is not an attempt's outcome, or an integrated
   *     attempt has no integrated commit
   */
  public DagAttempt {
    Objects.requireNonNull(workflowId, "workflowId cannot be null");
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(startedAt, "startedAt cannot be null");
    Objects.requireNonNull(finishedAt, "finishedAt cannot be null");
    if (!status.finalState() || status == DagResult.TaskStatus.SKIPPED) {
      throw new IllegalArgumentException(
          "an attempt ends INTEGRATED, NO_CHANGES, CONFLICT, REVERTED, FAILED or "
              + "CANCELLED but was "
              + status);
    }
    if (status == DagResult.TaskStatus.INTEGRATED
        && (integration == null || integration.commit() == null)) {
      throw new IllegalArgumentException(
          "an INTEGRATED attempt needs the integrated commit but its integration was "
              + integration);
    }
    detail = bound(detail);
    cell = cell == null ? null : slim(cell);
    integration = integration == null ? null : slim(integration);
  }

  /**
   * Reads an attempt as Jackson wrote it: in this shape, or flat, as versions before the cell
   * outcome and the integration were parts of their own wrote it (those live on in the histories of
   * DAGs that ran then, which a worker replays, and in their results).
   */
  @JsonCreator
  static DagAttempt fromJson(
      @JsonProperty("attempt") int attempt,
      @JsonProperty("workflowId") String workflowId,
      @JsonProperty("status") DagResult.TaskStatus status,
      @JsonProperty("detail") @Nullable String detail,
      @JsonProperty("cell") @Nullable CellOutcome cell,
      @JsonProperty("integration") BranchIntegration.@Nullable Result integration,
      @JsonProperty("failureType") @Nullable String failureType,
      @JsonProperty("retryable") boolean retryable,
      @JsonProperty("baseCommit") @Nullable String baseCommit,
      @JsonProperty("keptBranch") @Nullable String keptBranch,
      @JsonProperty("startedAt") Instant startedAt,
      @JsonProperty("finishedAt") Instant finishedAt,
      @JsonProperty("cellId") @Nullable String cellId,
      @JsonProperty("host") @Nullable String host,
      @JsonProperty("commit") @Nullable String commit,
      @JsonProperty("onto") @Nullable String onto,
      @JsonProperty("integrationVerdict") boolean integrationVerdict,
      @JsonProperty("failedStep") @Nullable CellStep failedStep,
      @JsonProperty("conflictingFiles") @Nullable List<String> conflictingFiles,
      @JsonProperty("rounds") int rounds,
      @JsonProperty("retests") int retests,
      @JsonProperty("timings") @Nullable List<CellStep.Timing> timings,
      @JsonProperty("teardownErrors") @Nullable List<String> teardownErrors,
      @JsonProperty("historyPath") @Nullable String historyPath,
      @JsonProperty("rejectedRef") @Nullable String rejectedRef) {
    if (cell == null && integration == null && cellId != null) {
      boolean integrated = status == DagResult.TaskStatus.INTEGRATED || integrationVerdict;
      List<CellStep.Timing> steps = timings == null ? List.of() : timings;
      if (integrated) {
        BranchIntegration.Status verdict =
            status == DagResult.TaskStatus.INTEGRATED
                ? BranchIntegration.Status.INTEGRATED
                : status == DagResult.TaskStatus.CONFLICT
                    ? BranchIntegration.Status.CONFLICT
                    : BranchIntegration.Status.REVERTED;
        // The flat shape did not name the target branch; the DAG's result does.
        integration =
            new BranchIntegration.Result(
                verdict,
                "",
                commit,
                onto == null ? "" : onto,
                conflictingFiles == null ? List.of() : conflictingFiles,
                verdict == BranchIntegration.Status.REVERTED ? detail : null,
                rounds,
                retests,
                steps.stream()
                    .filter(t -> t.step() == CellStep.INTEGRATE)
                    .map(CellStep.Timing::duration)
                    .reduce(Duration.ZERO, Duration::plus));
      }
      CellStatus cellStatus =
          status == DagResult.TaskStatus.FAILED || status == DagResult.TaskStatus.CANCELLED
              ? CellStatus.FAILED
              : status == DagResult.TaskStatus.NO_CHANGES
                  ? CellStatus.NO_CHANGES
                  : integrated ? CellStatus.COMMITTED : CellStatus.REVERTED;
      // The flat shape kept the integrated commit, not the cell's own: a change the integration did
      // not take is
      // named by the branch that keeps it.
      String cellCommit =
          cellStatus != CellStatus.COMMITTED
              ? null
              : status == DagResult.TaskStatus.INTEGRATED ? commit : "refs/heads/" + keptBranch;
      CellStep step =
          cellStatus == CellStatus.FAILED
              ? (failedStep == null ? CellStep.PORT : failedStep)
              : null;
      String error =
          cellStatus == CellStatus.FAILED
              ? (detail == null ? String.valueOf(failureType) : detail)
              : null;
      cell =
          new CellOutcome(
              CellId.of(cellId),
              cellStatus,
              cellCommit,
              cellStatus == CellStatus.REVERTED ? detail : null,
              step,
              error,
              List.of(),
              0,
              steps,
              teardownErrors == null ? List.of() : teardownErrors,
              host,
              historyPath,
              rejectedRef);
    }
    return new DagAttempt(
        attempt,
        workflowId,
        status,
        detail,
        cell,
        integration,
        failureType,
        retryable,
        baseCommit,
        keptBranch,
        startedAt,
        finishedAt);
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
   * The cell that ran the attempt.
   *
   * @return its id, or null when no cell ran
   */
  public @Nullable String cellId() {
    return cell == null ? null : cell.cellId().value();
  }

  /**
   * The worker host of the attempt's cell.
   *
   * @return the host, or null when no cell came up
   */
  public @Nullable String host() {
    return cell == null ? null : cell.host();
  }

  /**
   * The target's head that holds the change.
   *
   * @return the integrated commit, or null when the change was not integrated
   */
  public @Nullable String commit() {
    return integration == null ? null : integration.commit();
  }

  /**
   * The target head the integration put the change on top of (or conflicted with, or was red on).
   *
   * @return that head, or null when the attempt did not get to integrate
   */
  public @Nullable String onto() {
    return integration == null ? null : integration.onto();
  }

  /**
   * Whether a {@code CONFLICT} or {@code REVERTED} came from the integrate step (and may be redone
   * once from the new head) rather than from the cell's own tests.
   *
   * @return true when the integration did not take the change
   */
  public boolean integrationVerdict() {
    return integration != null && integration.status() != BranchIntegration.Status.INTEGRATED;
  }

  /**
   * The step that failed.
   *
   * @return the failed step of the cell, or null when no step failed (or no cell ran)
   */
  public @Nullable CellStep failedStep() {
    return cell == null ? null : cell.failedStep();
  }

  /**
   * The paths in conflict with the target.
   *
   * @return the conflicting paths; empty unless in conflict
   */
  public List<String> conflictingFiles() {
    return integration == null ? List.of() : integration.conflictingFiles();
  }

  /**
   * How long each step of the attempt took, over all its cells.
   *
   * @return the timings; empty when no cell ran
   */
  public List<CellStep.Timing> timings() {
    return cell == null ? List.of() : cell.timings();
  }

  /**
   * What teardown could not clean up.
   *
   * @return the errors; empty when the cell was torn down cleanly or no cell ran
   */
  public List<String> teardownErrors() {
    return cell == null ? List.of() : cell.teardownErrors();
  }

  /**
   * The folder on {@link #host()} that keeps the cell's logs and reports.
   *
   * @return the folder, or null when nothing was kept
   */
  public @Nullable String historyPath() {
    return cell == null ? null : cell.historyPath();
  }

  /**
   * The ref that keeps the cell's reverted change ({@code refs/swarm/rejected/<cellId>}), when its
   * own tests were red and the change was kept.
   *
   * @return the ref, or null
   */
  public @Nullable String rejectedRef() {
    return cell == null ? null : cell.rejectedRef();
  }

  /**
   * {@code outcome} without its list of changed files (the count stays) and with its texts bounded.
   */
  private static CellOutcome slim(CellOutcome outcome) {
    return new CellOutcome(
        outcome.cellId(),
        outcome.status(),
        outcome.commit(),
        bound(outcome.testOutputTail()),
        outcome.failedStep(),
        bound(outcome.error()),
        List.of(),
        outcome.changedFileCount(),
        outcome.timings(),
        outcome.teardownErrors(),
        outcome.host(),
        outcome.historyPath(),
        outcome.rejectedRef());
  }

  /** {@code result} with its report bounded. */
  private static BranchIntegration.Result slim(BranchIntegration.Result result) {
    return new BranchIntegration.Result(
        result.status(),
        result.targetBranch(),
        result.commit(),
        result.onto(),
        result.conflictingFiles(),
        result.conflictingFileCount(),
        bound(result.testOutputTail()),
        result.rounds(),
        result.retests(),
        result.duration());
  }

  /**
   * {@code text} cut to {@value #MAX_DETAIL_LENGTH} characters: its first line (the verdict) and as
   * much of its end (the last output) as fits.
   */
  static @Nullable String bound(@Nullable String text) {
    if (text == null || text.length() <= MAX_DETAIL_LENGTH) {
      return text;
    }
    int newline = text.indexOf('\n');
    String head =
        newline > 0 && newline < MAX_DETAIL_LENGTH / 2 ? text.substring(0, newline + 1) : "";
    String marker = "[...]";
    return head
        + marker
        + text.substring(text.length() - (MAX_DETAIL_LENGTH - head.length() - marker.length()));
  }
}
