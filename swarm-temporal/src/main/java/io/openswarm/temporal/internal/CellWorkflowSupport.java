package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.lifecycle.CellDriver;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What every workflow that drives a cell needs to decide the same way: whether a failed step means
 * the host is gone, which step failed, how to describe a failure, and teardown in a scope
 * cancellation cannot reach. Shared by the TCR and the DAG task workflows so that they never
 * disagree. Workflow code: deterministic, no I/O.
 */
final class CellWorkflowSupport {

  private CellWorkflowSupport() {}

  /**
   * The change id under which a workflow checks a cell's base ({@link CellActivities#verifyBase})
   * before its agent is prompted. Histories written before the check existed have no marker for it
   * and replay without the activity; the version is asked only for a cell whose bootstrap said to
   * check, so other histories carry no marker either.
   */
  static final String VERIFY_BASE_CHANGE = "verify-base";

  /**
   * Whether to check the base of {@code hosted} now: its bootstrap said so and this run is not a
   * replay of a history from before the check existed.
   */
  static boolean shouldVerifyBase(io.openswarm.temporal.CellActivities.HostedCell hosted) {
    return hosted.verifyBase()
        && Workflow.getVersion(VERIFY_BASE_CHANGE, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
  }

  /**
   * Whether {@code failure} means the cell's host is gone: the step could not be scheduled there in
   * time, its heartbeat stopped, the host no longer knows the cell, or the host was stopping.
   */
  static boolean isHostLost(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof TimeoutFailure timeout) {
      return timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
          || timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
    }
    return cause instanceof ApplicationFailure application
        && ("CellNotLive".equals(application.getType())
            || CellActivitiesImpl.HOST_SHUTTING_DOWN.equals(application.getType()));
  }

  /**
   * The step that failed, as the activity reports it in its failure's first detail, else {@code
   * fallback}.
   */
  static CellStep failedStep(ActivityFailure failure, CellStep fallback) {
    if (failure.getCause() instanceof ApplicationFailure application
        && application.getDetails() != null) {
      try {
        String detail = application.getDetails().get(0, String.class, String.class);
        if (detail != null) {
          return CellStep.valueOf(detail);
        }
      } catch (RuntimeException foreign) {
        // A failure from an activity implementation of someone else's: keep the step the workflow
        // was at.
      }
    }
    return fallback;
  }

  /**
   * The timings of a failed bootstrap's steps, as the activity reports them in its failure's second
   * detail; empty when it reports none (any other step, a timeout, an activity implementation of
   * someone else's).
   */
  static List<CellStep.Timing> bootstrapTimings(ActivityFailure failure) {
    if (failure.getCause() instanceof ApplicationFailure application
        && application.getDetails() != null
        && application.getDetails().getSize() > 1) {
      try {
        CellStep.Timing[] timings =
            application.getDetails().get(1, CellStep.Timing[].class, CellStep.Timing[].class);
        if (timings != null) {
          return List.of(timings);
        }
      } catch (RuntimeException foreign) {
        // Not ours: the outcome goes without the bootstrap's timings.
      }
    }
    return List.of();
  }

  /** {@code <type>: <message>} of the failure's Temporal cause. */
  static String describe(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure application) {
      return application.getType() + ": " + application.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return "TimedOut: "
          + timeout.getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase(Locale.ROOT)
          + " timeout of "
          + failure.getActivityType();
    }
    if (cause instanceof CanceledFailure) {
      return "Cancelled: " + failure.getActivityType() + " was cancelled";
    }
    return cause instanceof TemporalFailure temporal
        ? temporal.getOriginalMessage()
        : Objects.requireNonNullElse(failure.getMessage(), failure.getClass().getSimpleName());
  }

  /**
   * What teardown reported: its result, or null when the teardown activity itself failed, and then
   * why in {@code errors}.
   */
  record Teardown(List<String> errors, CellSteps.@Nullable Teardown result) {}

  /**
   * Tears {@code cell} down on its host in a detached cancellation scope, so that a cancelled
   * workflow still cleans up.
   */
  static Teardown teardown(CellActivityOptions options, CellId cell, String hostQueue) {
    List<String> errors = new ArrayList<>();
    List<CellSteps.Teardown> done = new ArrayList<>(1);
    CellActivities teardown =
        Workflow.newActivityStub(CellActivities.class, options.teardown(hostQueue));
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                done.add(teardown.teardown(cell));
              } catch (ActivityFailure failure) {
                errors.add("teardown on " + hostQueue + " failed: " + describe(failure));
              }
            })
        .run();
    return new Teardown(errors, done.isEmpty() ? null : done.get(0));
  }

  /** The failure type workflows report for a step that was cancelled. */
  static final String CANCELLED = "Cancelled";

  /**
   * The stable type of {@code failure}: the activity's own type, {@code TimedOut}, {@value
   * #CANCELLED}, or {@code ActivityFailed} for anything else.
   */
  static String type(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure application) {
      return application.getType();
    }
    if (cause instanceof TimeoutFailure) {
      return "TimedOut";
    }
    return cause instanceof CanceledFailure ? CANCELLED : "ActivityFailed";
  }

  /**
   * Whether running the task again can help after {@code failure}: not for a non-retryable type nor
   * a cancellation.
   */
  static boolean retryable(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure application) {
      return !application.isNonRetryable();
    }
    return !(cause instanceof CanceledFailure);
  }

  /**
   * The status query's answer for {@code taskId}, driven by {@code driver} (null before the run
   * started).
   */
  static TcrWorkflow.Progress status(String taskId, @Nullable CellDriver driver) {
    if (driver == null) {
      return new TcrWorkflow.Progress(taskId, null, 0, null, null, false, List.of());
    }
    CellId cell = driver.cellId();
    return new TcrWorkflow.Progress(
        taskId,
        cell == null ? null : cell.value(),
        driver.cellNumber(),
        driver.host(),
        driver.step(),
        driver.done(),
        driver.timings());
  }
}
