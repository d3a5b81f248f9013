package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.lifecycle.CellStepException;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.DagWorkflow;
import io.openswarm.temporal.RepositoryActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The DAG workflow: a scheduler loop over the graph's tasks, each attempt a child {@link
 * DagTaskWorkflow}.
 *
 * <h2>How it works</h2>
 *
 * First the target branch is created at the base ref (an activity on the shared queue). Then the
 * loop: start every {@code PENDING} task whose dependencies all succeeded and whose retry backoff
 * has passed, in the graph's order, while fewer than {@code maxParallel} attempts run; wait until
 * an attempt finishes or a backoff ends; classify what finished; repeat until nothing runs and
 * nothing can start. Each attempt's cell starts from the target branch's head at its bootstrap,
 * which holds every dependency's commit, because a task only starts after its dependencies'
 * integrations returned.
 *
 * <p>Classification of a finished attempt: {@code INTEGRATED} and {@code NO_CHANGES} succeed; red
 * tests on the agent's change are final; a {@code CONFLICT} or {@code REVERTED} at integration is
 * redone once, at once; a failed step is redone after 1 s, 2 s (doubling, at most 30 s) while it is
 * retryable, at most 3 attempts in all. When a task ends without success, its transitive dependents
 * become {@code SKIPPED}.
 *
 * <p>Base check: with {@link DagRequest#verifyBase()} on (or the worker's default, when the request
 * names none), the cells that start from the base commit test it before their agents are prompted;
 * the first {@code BaseIsRed} stops the DAG: no further task starts, and every task not started is
 * {@code SKIPPED} with a detail naming the red base. Cells that start from a later head (tested
 * green by its integration) are not checked unless their task says so.
 *
 * <p>Cancellation: cancelling the workflow's scope cancels the running children (they tear their
 * cells down, and report back because they are started with {@link
 * ChildWorkflowCancellationType#WAIT_CANCELLATION_COMPLETED}); the loop then collects them in a
 * detached scope, marks what did not finish {@code CANCELLED} and rethrows the cancellation. No new
 * attempt starts once cancellation is requested.
 *
 * <p>Invariants: tasks are visited in the graph's order (lists, never hash maps, are iterated; the
 * maps here are only looked up), and time is {@link Workflow#currentTimeMillis()}, so replays
 * decide exactly as the first run did.
 */
public final class DagWorkflowImpl implements DagWorkflow {

  /** At most this many attempts per task for failures that are not verdicts (the seed policy). */
  static final int MAX_FAILURE_ATTEMPTS = 3;

  /** How many times a task is redone after a conflict or red tests at integration. */
  static final int INTEGRATION_RETRIES = 1;

  static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private static final Logger log = Workflow.getLogger(DagWorkflowImpl.class);

  private final CellActivityOptions options;

  private @Nullable DagRequest request;
  private final List<TaskState> states = new ArrayList<>();

  /** Looked up by id only, never iterated. */
  private final Map<String, TaskState> byId = new HashMap<>();

  /** Each integration's head before → after; looked up only, to follow the target's head. */
  private final Map<String, String> landings = new HashMap<>();

  private @Nullable String baseCommit;
  private @Nullable String head;
  private boolean finished;
  private boolean cancelling;
  private long startedAt;

  /**
   * @param options the timeouts and retry rules of the cells' activities
   */
  public DagWorkflowImpl(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
  }

  /** A task and what happened to it so far. */
  private static final class TaskState {
    final GraphTask task;
    DagResult.TaskStatus status = DagResult.TaskStatus.PENDING;
    @Nullable String commit;
    @Nullable String detail;
    int attempts;
    int failures;
    int integrationRetries;
    long readyAt;
    long firstStartedAt = -1;
    long finishedAt = -1;
    @Nullable String workflowId;
    @Nullable Promise<DagAttempt> running;
    final List<DagAttempt> history = new ArrayList<>();

    TaskState(GraphTask task) {
      this.task = task;
    }
  }

  @Override
  public DagResult run(DagRequest dag) {
    request = dag;
    startedAt = Workflow.currentTimeMillis();
    for (GraphTask task : dag.graph().tasks()) {
      TaskState state = new TaskState(task);
      states.add(state);
      byId.put(task.id(), state);
    }
    createTargetBranch(dag);
    log.info(
        "DAG {}: {} task(s) onto {} from {} ({}), at most {} at once",
        dag.dagId(),
        states.size(),
        dag.targetBranch(),
        dag.baseRef(),
        baseCommit,
        dag.maxParallel());
    String runToken = runToken(Workflow.getInfo().getRunId());
    @Nullable Promise<Void> timer = null;
    long timerAt = Long.MAX_VALUE;
    while (true) {
      if (CancellationScope.current().isCancelRequested()) {
        throw cancel(dag);
      }
      startReadyTasks(dag, runToken);
      List<Promise<?>> waits = new ArrayList<>();
      for (TaskState state : states) {
        if (state.running != null) {
          waits.add(state.running);
        }
      }
      long nextRetry = nextRetryAt();
      if (nextRetry != Long.MAX_VALUE) {
        if (timer == null || timer.isCompleted() || nextRetry < timerAt) {
          timer =
              Workflow.newTimer(
                  Duration.ofMillis(Math.max(1, nextRetry - Workflow.currentTimeMillis())));
          timerAt = nextRetry;
        }
        waits.add(timer);
      }
      if (waits.isEmpty()) {
        break;
      }
      try {
        Promise.anyOf(waits.toArray(Promise<?>[]::new)).get();
      } catch (RuntimeException e) {
        // A failed child or a cancelled timer: the failure is read from its promise below, a
        // cancellation at the top.
      }
      for (TaskState state : states) {
        Promise<DagAttempt> attempt = state.running;
        if (attempt != null && attempt.isCompleted()) {
          finishAttempt(dag, state, attempt);
        }
      }
    }
    finished = true;
    DagResult result = snapshot();
    log.info(
        "DAG {} finished in {} ms: {} integrated, {} without changes, {} reverted, {} in conflict, {} failed, "
            + "{} skipped; {} at {}",
        dag.dagId(),
        result.elapsed().toMillis(),
        result.count(DagResult.TaskStatus.INTEGRATED),
        result.count(DagResult.TaskStatus.NO_CHANGES),
        result.count(DagResult.TaskStatus.REVERTED),
        result.count(DagResult.TaskStatus.CONFLICT),
        result.count(DagResult.TaskStatus.FAILED),
        result.count(DagResult.TaskStatus.SKIPPED),
        dag.targetBranch(),
        head);
    return result;
  }

  @Override
  public DagResult progress() {
    return snapshot();
  }

  private void createTargetBranch(DagRequest dag) {
    RepositoryActivities repository =
        Workflow.newActivityStub(
            RepositoryActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(Workflow.getInfo().getTaskQueue())
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(INITIAL_BACKOFF)
                        .setBackoffCoefficient(2.0)
                        .setMaximumInterval(MAX_BACKOFF)
                        .setMaximumAttempts(MAX_FAILURE_ATTEMPTS)
                        .build())
                .build());
    try {
      baseCommit =
          repository.createTargetBranch(
              new RepositoryActivities.TargetBranchRequest(dag.targetBranch(), dag.baseRef()));
      head = baseCommit;
    } catch (ActivityFailure failure) {
      boolean cancelled = failure.getCause() instanceof CanceledFailure;
      String why = CellWorkflowSupport.describe(failure);
      for (TaskState state : states) {
        state.status = cancelled ? DagResult.TaskStatus.CANCELLED : DagResult.TaskStatus.SKIPPED;
        state.detail =
            cancelled ? "the DAG was cancelled" : "the target branch could not be created";
      }
      finished = true;
      if (cancelled) {
        throw (CanceledFailure) failure.getCause();
      }
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          "DAG "
              + dag.dagId()
              + ": cannot create target "
              + "branch "
              + dag.targetBranch()
              + " at "
              + dag.baseRef()
              + ": "
              + why,
          "TargetBranchFailed",
          failure);
    }
  }

  private void startReadyTasks(DagRequest dag, String runToken) {
    int running = 0;
    for (TaskState state : states) {
      if (state.running != null) {
        running++;
      }
    }
    long now = Workflow.currentTimeMillis();
    for (TaskState state : states) {
      if (running >= dag.maxParallel()) {
        return;
      }
      if (state.status == DagResult.TaskStatus.PENDING
          && state.readyAt <= now
          && dependenciesSucceeded(state)) {
        start(dag, state, runToken);
        running++;
      }
    }
  }

  private boolean dependenciesSucceeded(TaskState state) {
    for (String dependency : state.task.dependsOn()) {
      if (!Objects.requireNonNull(byId.get(dependency)).status.succeeded()) {
        return false;
      }
    }
    return true;
  }

  private void start(DagRequest dag, TaskState state, String runToken) {
    state.attempts++;
    String workflowId = dag.workflowId() + "-" + state.task.id() + "-" + state.attempts;
    TaskSpec task = state.task.toTaskSpec("refs/heads/" + dag.targetBranch());
    if (task.verifyBase() == null) {
      // The start base is checked by the cells that start from it (the host shares one verdict
      // among them); every
      // later head of the target was tested green by the integration that made it, so its cells
      // skip the check.
      Boolean choice = Objects.equals(head, baseCommit) ? dag.verifyBase() : Boolean.FALSE;
      if (choice != null) {
        task = task.withVerifyBase(choice);
      }
    }
    DagTaskRequest attempt =
        new DagTaskRequest(
            dag.dagId(),
            state.attempts,
            task,
            dag.targetBranch(),
            cellIdFor(dag.dagId(), state.task.id(), runToken, state.attempts));
    DagTaskWorkflow child =
        Workflow.newChildWorkflowStub(
            DagTaskWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(Workflow.getInfo().getTaskQueue())
                // Cancelling the DAG cancels its cells and waits for their teardown; a DAG that
                // ends any other way has no
                // child left, but if it is terminated, its children are asked to cancel rather than
                // being orphaned.
                .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
                .build());
    state.running = Async.function(child::run, attempt);
    state.workflowId = workflowId;
    state.status = DagResult.TaskStatus.RUNNING;
    if (state.firstStartedAt < 0) {
      state.firstStartedAt = Workflow.currentTimeMillis();
    }
    log.info(
        "DAG {}: task {} attempt {} started as {} in cell {}",
        dag.dagId(),
        state.task.id(),
        state.attempts,
        workflowId,
        attempt.cellId());
  }

  private void finishAttempt(DagRequest dag, TaskState state, Promise<DagAttempt> promise) {
    state.running = null;
    DagAttempt attempt;
    try {
      attempt = promise.get();
    } catch (ChildWorkflowFailure failure) {
      attempt =
          failedChild(state, failure.getCause() instanceof CanceledFailure, describe(failure));
    } catch (CanceledFailure failure) {
      attempt = failedChild(state, true, "the attempt was cancelled");
    }
    state.history.add(attempt);
    state.detail = attempt.detail();
    state.finishedAt = Workflow.currentTimeMillis();
    // Inside cancel()'s detached scope the scope itself is not cancelled; the flag says the
    // workflow is.
    boolean stopping = cancelling || CancellationScope.current().isCancelRequested();
    switch (attempt.status()) {
      case INTEGRATED -> {
        state.status = DagResult.TaskStatus.INTEGRATED;
        state.commit = attempt.commit();
        followHead(attempt);
      }
      case NO_CHANGES -> state.status = DagResult.TaskStatus.NO_CHANGES;
      case CONFLICT, REVERTED -> {
        if (attempt.integrationVerdict()
            && state.integrationRetries < INTEGRATION_RETRIES
            && !stopping) {
          state.integrationRetries++;
          state.status = DagResult.TaskStatus.PENDING;
          state.readyAt = state.finishedAt;
          log.info(
              "DAG {}: task {} attempt {} ended {} at integration (its change is kept on {}); redoing it from "
                  + "the new head of {}",
              dag.dagId(),
              state.task.id(),
              attempt.attempt(),
              attempt.status(),
              attempt.keptBranch(),
              dag.targetBranch());
        } else {
          state.status = attempt.status();
        }
      }
      case FAILED -> {
        state.failures++;
        if (attempt.retryable() && state.failures < MAX_FAILURE_ATTEMPTS && !stopping) {
          Duration backoff = backoff(state.failures);
          state.status = DagResult.TaskStatus.PENDING;
          state.readyAt = state.finishedAt + backoff.toMillis();
          log.info(
              "DAG {}: task {} attempt {} failed ({}); retrying in {} ms",
              dag.dagId(),
              state.task.id(),
              attempt.attempt(),
              attempt.failureType(),
              backoff.toMillis());
        } else {
          state.status = DagResult.TaskStatus.FAILED;
        }
      }
      default -> state.status = DagResult.TaskStatus.CANCELLED;
    }
    if (CellStepException.BASE_IS_RED.equals(attempt.failureType()) && !stopping) {
      skipAllOnRedBase(dag, state, attempt);
    }
    if (state.status.finalState()) {
      log.info(
          "DAG {}: task {} {} after {} attempt(s){}",
          dag.dagId(),
          state.task.id(),
          state.status,
          state.attempts,
          state.commit == null ? "" : " as " + state.commit);
      if (!state.status.succeeded() && !stopping) {
        skipDependents(dag, state);
      }
    }
  }

  /**
   * An attempt whose child workflow did not return one: it was cancelled, or failed as a workflow.
   */
  private DagAttempt failedChild(TaskState state, boolean cancelled, String detail) {
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    return new DagAttempt(
        state.attempts,
        Objects.requireNonNull(state.workflowId),
        cancelled ? DagResult.TaskStatus.CANCELLED : DagResult.TaskStatus.FAILED,
        detail,
        null,
        null,
        cancelled ? "Cancelled" : "ChildWorkflowFailed",
        !cancelled,
        null,
        null,
        now,
        now);
  }

  /**
   * Moves the known head along the chain of integrations, whatever order their results arrived in.
   */
  private void followHead(DagAttempt attempt) {
    String onto = attempt.onto();
    String commit = attempt.commit();
    if (onto != null && commit != null && !onto.equals(commit)) {
      landings.put(onto, commit);
    }
    String current = head;
    int steps = 0;
    while (current != null && landings.containsKey(current) && steps++ <= landings.size()) {
      current = landings.get(current);
    }
    head = current;
  }

  private void skipDependents(DagRequest dag, TaskState failed) {
    for (String id : dag.graph().transitiveDependents(failed.task.id())) {
      TaskState dependent = Objects.requireNonNull(byId.get(id));
      if (dependent.status == DagResult.TaskStatus.PENDING && dependent.attempts == 0) {
        dependent.status = DagResult.TaskStatus.SKIPPED;
        dependent.detail = "depends on " + failed.task.id() + ", which ended " + failed.status;
        log.info("DAG {}: task {} skipped: {}", dag.dagId(), id, dependent.detail);
      }
    }
  }

  /**
   * Stops the DAG after a red base: every task not running yet is skipped, naming the base. Why all
   * of them: each would start from the same target branch, whose tests fail whatever the agent
   * does; the user fixes the base.
   */
  private void skipAllOnRedBase(DagRequest dag, TaskState red, DagAttempt attempt) {
    String base =
        attempt.baseCommit() == null ? "the base" : "the base " + abbreviate(attempt.baseCommit());
    log.info(
        "DAG {}: {} is red (task {}: {}); no further task starts",
        dag.dagId(),
        base,
        red.task.id(),
        CellStepException.BASE_IS_RED);
    for (TaskState state : states) {
      if (state.status == DagResult.TaskStatus.PENDING && state.running == null) {
        state.status = DagResult.TaskStatus.SKIPPED;
        state.detail =
            CellStepException.BASE_IS_RED
                + ": not run, because the tests fail on "
                + base
                + " of "
                + dag.targetBranch()
                + " (found by task "
                + red.task.id()
                + ")";
      }
    }
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
  }

  /** The earliest time a task waiting out a backoff may start, or {@link Long#MAX_VALUE}. */
  private long nextRetryAt() {
    long now = Workflow.currentTimeMillis();
    long next = Long.MAX_VALUE;
    for (TaskState state : states) {
      if (state.status == DagResult.TaskStatus.PENDING
          && state.readyAt > now
          && dependenciesSucceeded(state)) {
        next = Math.min(next, state.readyAt);
      }
    }
    return next;
  }

  /**
   * Collects the running attempts (their cells tear down), marks what did not finish, and returns
   * the failure.
   */
  private CanceledFailure cancel(DagRequest dag) {
    cancelling = true;
    log.info("DAG {} cancelled; waiting for its running cells to tear down", dag.dagId());
    Workflow.newDetachedCancellationScope(
            () -> {
              for (TaskState state : states) {
                Promise<DagAttempt> attempt = state.running;
                if (attempt != null) {
                  try {
                    attempt.get();
                  } catch (RuntimeException e) {
                    // Read again, and classified, by finishAttempt.
                  }
                  finishAttempt(dag, state, attempt);
                }
              }
            })
        .run();
    for (TaskState state : states) {
      if (!state.status.finalState()) {
        state.status = DagResult.TaskStatus.CANCELLED;
        state.detail = "the DAG was cancelled";
      }
    }
    finished = true;
    return new CanceledFailure("DAG " + dag.dagId() + " was cancelled");
  }

  private DagResult snapshot() {
    DagRequest dag = request;
    if (dag == null) {
      return new DagResult("", "", null, null, false, Duration.ZERO, List.of());
    }
    long now = Workflow.currentTimeMillis();
    List<DagResult.Task> rows = new ArrayList<>(states.size());
    for (TaskState state : states) {
      long end = state.running != null || state.finishedAt < 0 ? now : state.finishedAt;
      Duration duration =
          state.firstStartedAt < 0 ? Duration.ZERO : Duration.ofMillis(end - state.firstStartedAt);
      rows.add(
          new DagResult.Task(
              state.task.id(),
              state.task.dependsOn(),
              state.status,
              state.commit,
              state.attempts,
              duration,
              state.detail,
              state.history));
    }
    return new DagResult(
        dag.dagId(),
        dag.targetBranch(),
        baseCommit,
        head,
        finished,
        Duration.ofMillis(now - startedAt),
        rows);
  }

  /**
   * 1 s, 2 s, 4 s, ... at most 30 s, before the retry that follows the {@code failures}-th failure.
   */
  static Duration backoff(int failures) {
    long millis = INITIAL_BACKOFF.toMillis() << Math.min(failures - 1, 20);
    return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
  }

  /**
   * The cell of a task attempt: {@code <dagId>-<taskId>-<run>-<attempt>}, where {@code run} is 8
   * hex digits of the DAG's run id (so a DAG run again with the same id never meets the branches
   * its earlier run kept). Too long ids are shortened and made unique again with a hash; 4
   * characters are left for the {@code -r<n>} of a lost host.
   */
  static CellId cellIdFor(String dagId, String taskId, String runToken, int attempt) {
    String suffix = "-" + runToken + "-" + attempt;
    String name = dagId + "-" + taskId;
    int room = CellId.MAX_LENGTH - 4 - suffix.length();
    if (name.length() > room) {
      String hash = "-" + fnv1a(name);
      name = name.substring(0, room - hash.length()) + hash;
    }
    return CellId.of(name + suffix);
  }

  static String runToken(String runId) {
    String hex = runId.replace("-", "").toLowerCase(java.util.Locale.ROOT);
    return hex.matches("[0-9a-f]{8,}.*") ? hex.substring(0, 8) : fnv1a(runId);
  }

  /**
   * The 32-bit FNV-1a hash of {@code text}, as 8 hex digits: stable across JVMs, unlike {@code
   * hashCode}.
   */
  private static String fnv1a(String text) {
    int hash = 0x811c9dc5;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return String.format("%08x", hash);
  }

  private static String describe(ChildWorkflowFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure application) {
      return application.getType() + ": " + application.getOriginalMessage();
    }
    return cause instanceof TemporalFailure temporal
        ? temporal.getOriginalMessage()
        : Objects.requireNonNullElse(failure.getMessage(), failure.getClass().getSimpleName());
  }
}
