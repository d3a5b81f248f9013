package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.ResultLimits;
import io.openswarm.core.lifecycle.CellStepException;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.api.common.v1.Payloads;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@link CellActivities} over {@link CellSteps}: each activity is one step, plus heartbeats for the
 * long ones and the translation of step failures into {@link ApplicationFailure}s with stable types
 * (the step that failed is the failure's first detail).
 *
 * <p>Thread-safe: one instance serves every activity of the worker.
 */
public final class CellActivitiesImpl implements CellActivities {

  private static final Logger log = LoggerFactory.getLogger(CellActivitiesImpl.class);

  /** Measures results as Temporal will carry them; the worker configures no other converter. */
  private static final DataConverter RESULT_CONVERTER = DefaultDataConverter.newDefaultInstance();

  /**
   * The failure type of a step cut short because its worker is stopping; the workflow treats the
   * host as lost.
   */
  public static final String HOST_SHUTTING_DOWN = "HostShuttingDown";

  /**
   * The failure type of a step that stopped because it was asked to (its activity was cancelled).
   */
  private static final String CANCELLED = "Cancelled";

  private final CellSteps steps;
  private final String hostQueue;
  private final ScheduledExecutorService heartbeats;
  private final Duration heartbeatInterval;
  private final BooleanSupplier stopping;
  private final ClosedWorkflowSweeper sweeper;

  /**
   * @param steps the steps of this host's cells
   * @param hostQueue this host's task queue, returned by bootstrap so later steps come back here
   * @param heartbeats the scheduler that runs heartbeat tickers
   * @param heartbeatInterval how often long steps heartbeat (at most a third of their heartbeat
   *     timeout)
   * @param stopping whether the worker is stopping: a step cut short by that is reported as {@code
   *     HostShuttingDown} (the workflow runs the task elsewhere), not as the step's own failure
   * @param sweeper learns which workflow run owns each cell, to tear down the cells of runs that
   *     closed without tearing them down
   */
  public CellActivitiesImpl(
      CellSteps steps,
      String hostQueue,
      ScheduledExecutorService heartbeats,
      Duration heartbeatInterval,
      BooleanSupplier stopping,
      ClosedWorkflowSweeper sweeper) {
    this.steps = Objects.requireNonNull(steps, "steps cannot be null");
    this.hostQueue = Objects.requireNonNull(hostQueue, "hostQueue cannot be null");
    this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats cannot be null");
    this.heartbeatInterval =
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval cannot be null");
    this.stopping = Objects.requireNonNull(stopping, "stopping cannot be null");
    this.sweeper = Objects.requireNonNull(sweeper, "sweeper cannot be null");
  }

  @Override
  public CellActivities.HostedCell bootstrap(CellActivities.BootstrapRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.PORT,
        () -> {
          ActivityInfo info = Activity.getExecutionContext().getInfo();
          // A cell belongs to the workflow run that bootstrapped it: the swarm's workflows or a
          // user's schedule it.
          ClosedWorkflowSweeper.WorkflowRun run =
              new ClosedWorkflowSweeper.WorkflowRun(
                  Objects.requireNonNull(
                      info.getWorkflowId(), "bootstrap must be scheduled by a workflow"),
                  Objects.requireNonNull(
                      info.getWorkflowRunId(), "bootstrap must be scheduled by a workflow"));
          // A retry after a lost response finds the cell already up here: hand it back instead of
          // failing. A cell left
          // by another run that has closed (a task resubmitted after its workflow was terminated)
          // is torn down first.
          Optional<CellSteps.Bootstrap> existing = steps.find(request.cellId());
          if (existing.isPresent() && sweeper.releaseIfAbandoned(request.cellId(), run)) {
            existing = steps.find(request.cellId());
          }
          boolean verifyBase =
              request.verifyBase() == null ? steps.verifyBaseByDefault() : request.verifyBase();
          if (existing.isPresent()) {
            return new CellActivities.HostedCell(existing.get(), hostQueue, verifyBase);
          }
          CellSteps.Bootstrap up;
          try {
            up = steps.bootstrap(request.cellId(), request.baseRef(), request.taskId());
          } catch (CellStepException e) {
            throw failure(e);
          }
          // Before the check below: if the run is terminated right after it, only the sweeper will
          // tear the cell down.
          sweeper.register(up, run);
          requireStillWanted(up);
          return new CellActivities.HostedCell(up, hostQueue, verifyBase);
        });
  }

  /**
   * Tears the cell down again if nobody waits for it any more. A bootstrap that outlived its
   * activity (it timed out, was cancelled, or its retry already runs) would otherwise leave a live
   * cell that no workflow will ever tear down: a port, a worktree and an agent held until the
   * worker stops. One heartbeat asks the server; the first heartbeat of an activity is sent at
   * once, so the answer is current.
   */
  private void requireStillWanted(CellSteps.Bootstrap up) {
    try {
      Activity.getExecutionContext().heartbeat(null);
    } catch (ActivityCompletionException e) {
      CellSteps.Teardown teardown = steps.teardown(up.cellId());
      log.warn(
          "cell {} came up after its bootstrap was abandoned ({}); torn down again{}",
          up.cellId(),
          e.getClass().getSimpleName(),
          teardown.errors().isEmpty() ? "" : ", could not clean up: " + teardown.errors());
      throw e;
    }
  }

  @Override
  public CellSteps.Execution execute(CellActivities.ExecuteRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.EXECUTE,
        () -> {
          ActivityExecutionContext context = Activity.getExecutionContext();
          try (Heartbeater heartbeater =
              Heartbeater.start(
                  context, heartbeats, heartbeatInterval, () -> steps.abort(request.cellId()))) {
            CellSteps.Execution result;
            try {
              result =
                  steps.execute(
                      request.cellId(), request.prompt(), request.timeout(), heartbeater::progress);
            } catch (CellStepException e) {
              throw cancelledOr(heartbeater, e);
            }
            return result;
          }
        });
  }

  @Override
  public TestRunner.Result runTests(CellActivities.TestRunRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.TEST,
        () -> {
          ActivityExecutionContext context = Activity.getExecutionContext();
          Thread worker = Thread.currentThread();
          try (Heartbeater heartbeater =
              Heartbeater.start(context, heartbeats, heartbeatInterval, worker::interrupt)) {
            TestRunner.Result result;
            try {
              result = steps.test(request.cellId(), request.command(), request.timeout());
            } catch (CellStepException e) {
              Thread.interrupted();
              throw cancelledOr(heartbeater, e);
            }
            return result;
          }
        });
  }

  @Override
  public CellSteps.BaseCheck verifyBase(CellActivities.TestRunRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.VERIFY_BASE,
        () -> {
          ActivityExecutionContext context = Activity.getExecutionContext();
          Thread worker = Thread.currentThread();
          // As runTests: cancellation interrupts the run (or the wait for another cell's run of the
          // same check).
          try (Heartbeater heartbeater =
              Heartbeater.start(context, heartbeats, heartbeatInterval, worker::interrupt)) {
            CellSteps.BaseCheck result;
            try {
              result = steps.verifyBase(request.cellId(), request.command(), request.timeout());
            } catch (CellStepException e) {
              Thread.interrupted();
              throw cancelledOr(heartbeater, e);
            }
            return result;
          }
        });
  }

  @Override
  public CellSteps.Commit commit(CellActivities.CommitRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.COMMIT,
        () -> {
          // Heartbeats only: a commit runs the repository's hooks (linters, formatters), which may
          // take longer than the
          // heartbeat timeout on a healthy host. It is not interrupted on cancellation: git is left
          // to finish.
          Heartbeater heartbeater =
              Heartbeater.start(
                  Activity.getExecutionContext(), heartbeats, heartbeatInterval, () -> {});
          try {
            return steps.commit(request.cellId(), request.message());
          } catch (CellStepException e) {
            throw failure(e);
          } finally {
            heartbeater.close();
          }
        });
  }

  @Override
  public BranchIntegration.Result integrate(CellActivities.IntegrateRequest request) {
    return withWorkflowMdc(
        request.cellId(),
        CellStep.INTEGRATE,
        () -> {
          ActivityExecutionContext context = Activity.getExecutionContext();
          Thread worker = Thread.currentThread();
          // Cancellation interrupts a re-run of the tests; the integrator then puts the cell's
          // commit back and leaves
          // the target alone. A compare-and-swap that already happened is never undone: the target
          // is never half-moved.
          try (Heartbeater heartbeater =
              Heartbeater.start(context, heartbeats, heartbeatInterval, worker::interrupt)) {
            BranchIntegration.Result result;
            try {
              result =
                  steps.integrate(
                      request.cellId(),
                      request.targetBranch(),
                      request.testCommand(),
                      request.testTimeout());
            } catch (CellStepException e) {
              Thread.interrupted();
              heartbeater.rethrowIfCancelled();
              throw failure(e);
            }
            Thread.interrupted();
            return result;
          }
        });
  }

  @Override
  public Duration revert(CellId cellId) {
    return withWorkflowMdc(
        cellId,
        CellStep.REVERT,
        () -> {
          Heartbeater heartbeater =
              Heartbeater.start(
                  Activity.getExecutionContext(), heartbeats, heartbeatInterval, () -> {});
          try {
            return steps.revert(cellId);
          } catch (CellStepException e) {
            throw failure(e);
          } finally {
            heartbeater.close();
          }
        });
  }

  @Override
  public CellSteps.Teardown teardown(CellId cellId) {
    return withWorkflowMdc(cellId, CellStep.TEARDOWN, () -> steps.teardown(cellId));
  }

  /**
   * What a long step that failed reports: the cancellation that stopped it (so Temporal records the
   * activity as cancelled), or else its own failure; a stopping worker's steps always report {@code
   * HostShuttingDown}.
   */
  private RuntimeException cancelledOr(Heartbeater heartbeater, CellStepException e) {
    if (!stopping.getAsBoolean()) {
      heartbeater.rethrowIfCancelled();
    }
    return failure(e);
  }

  /**
   * The failure a workflow sees: typed, with the step as its first detail and the timings of a
   * failed bootstrap's steps as its second, non-retryable when retrying cannot help.
   *
   * <p>Logged here in one line, with its type and message. Temporal's activity worker logs every
   * failed activity at WARN with the whole cause chain (some 45 lines); for a failure the steps
   * anticipated (tests that cannot run, an unsafe change, a crashed agent, a stopping host) that
   * trace says nothing the line does not, and the workflow turns the failure into the cell's
   * outcome. Such failures are therefore of Temporal's {@link ApplicationErrorCategory#BENIGN}
   * category, which the worker logs at DEBUG only and leaves out of its failed-activity metric (the
   * swarm's own outcome counters count them). An {@linkplain CellStepException#unclassified
   * unclassified} failure (a bug, most likely) keeps the default category: the worker logs its
   * stack trace at WARN.
   */
  private ApplicationFailure failure(CellStepException e) {
    CellStep.Timing[] timings = e.timings().toArray(new CellStep.Timing[0]);
    ApplicationFailure.Builder failure =
        ApplicationFailure.newBuilder().setCause(e).setDetails(e.step().name(), timings);
    if (stopping.getAsBoolean()) {
      // Non-retryable here: the step cannot be retried on this host; the workflow moves the task to
      // another one.
      String message =
          "host "
              + steps.host()
              + " is shutting down; "
              + e.step()
              + " of cell "
              + e.cellId()
              + " was cut short";
      log.info("cell {}: {} ({})", e.cellId(), message, HOST_SHUTTING_DOWN);
      return failure
          .setMessage(message)
          .setType(HOST_SHUTTING_DOWN)
          .setNonRetryable(true)
          .setCategory(ApplicationErrorCategory.BENIGN)
          .build();
    }
    failure.setMessage(e.getMessage()).setType(e.failureType()).setNonRetryable(!e.retryable());
    if (e.unclassified()) {
      return failure.build();
    }
    if (CANCELLED.equals(e.failureType())) {
      log.info("cell {}: {} ended: {}: {}", e.cellId(), e.step(), e.failureType(), e.getMessage());
    } else {
      log.warn(
          "cell {}: {} failed: {}: {}{}",
          e.cellId(),
          e.step(),
          e.failureType(),
          e.getMessage(),
          e.retryable() ? " (retryable)" : "");
    }
    return failure.setCategory(ApplicationErrorCategory.BENIGN).build();
  }

  /**
   * Returns {@code result} if its serialized form is within {@link ResultLimits#MAX_RESULT_BYTES};
   * otherwise fails the activity with the non-retryable type {@value
   * ResultLimits#RESULT_TOO_LARGE}.
   *
   * <p>Why: the results are bounded by construction (see {@link ResultLimits}), so this is a last
   * resort. A result Temporal cannot carry is never delivered: the activity would then time out as
   * if its host were lost, and the workflow would run the whole step again, on another host, to the
   * same end. A failure the workflow sees at once, naming the size and the limit, is what the user
   * needs instead. The size is measured with Temporal's default converter, the one the worker uses.
   */
  static <T> T requireFits(T result, String activityType) {
    long size = RESULT_CONVERTER.toPayloads(result).map(Payloads::getSerializedSize).orElse(0);
    if (size > ResultLimits.MAX_RESULT_BYTES) {
      String message =
          String.format(
              "the result of activity %s is %d bytes serialized, more than the %d bytes an "
                  + "activity may return (Temporal refuses messages above 4 MiB); nothing was retried",
              activityType, size, ResultLimits.MAX_RESULT_BYTES);
      log.error(message);
      throw ApplicationFailure.newNonRetryableFailure(message, ResultLimits.RESULT_TOO_LARGE);
    }
    return result;
  }

  private static <T> T withWorkflowMdc(CellId cellId, CellStep step, Supplier<T> body) {
    ActivityInfo info = Activity.getExecutionContext().getInfo();
    // The activity's own lines carry the cell and the step too; the steps add the task's id while
    // they run.
    String[] keys = {"workflowId", CellSteps.MDC_CELL_ID, CellSteps.MDC_STEP};
    String[] values = {info.getWorkflowId(), cellId.value(), step.name()};
    @Nullable String[] previous = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      previous[i] = MDC.get(keys[i]);
      MDC.put(keys[i], values[i]);
    }
    try {
      return requireFits(body.get(), info.getActivityType());
    } finally {
      for (int i = 0; i < keys.length; i++) {
        String value = previous[i];
        if (value == null) {
          MDC.remove(keys[i]);
        } else {
          MDC.put(keys[i], value);
        }
      }
    }
  }
}
