package io.openswarm.temporal.internal;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.temporal.DagAttempt;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.unsafe.WorkflowUnsafe;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reports how cells ended to {@link SwarmMetrics}, from the workflows' own results: any workflow on
 * the worker that returns a {@link CellOutcome} (the TCR workflow, or a custom one) reports {@link
 * SwarmMetrics#cellFinished}, and each {@code DagTaskWorkflow} attempt ({@link DagAttempt}) reports
 * {@link SwarmMetrics#dagAttemptFinished}. A TCR workflow that is cancelled counts as {@code
 * FAILED} with type {@code Cancelled}; one that fails outright counts as {@code FAILED} with its
 * failure's type.
 *
 * <h2>Why an interceptor</h2>
 *
 * Only the workflow knows the outcome; the activities see single steps, and a client sees only the
 * results it asks for. Counting in the workflow's code would be a side effect that a replay
 * repeats, so this interceptor counts only when {@link Workflow#isReplaying()} is false, the way
 * Temporal's own replay-aware metrics scope does. It changes no command and no history, so recorded
 * histories still replay. A workflow task that fails after the result and is retried may count the
 * same outcome twice; that is rare and errs on the side of seeing an event.
 *
 * <p>The counts are reported by the worker that runs the workflow's last task, not necessarily the
 * host of the cell; summed over the workers of a swarm, they are the swarm's. Thread-safe.
 */
public final class OutcomeReporter extends WorkerInterceptorBase {

  /** The workflow type of the TCR workflow. */
  static final String TCR_WORKFLOW = "TcrWorkflow";

  /** The workflow type of one attempt at a DAG task. */
  static final String DAG_TASK_WORKFLOW = "DagTaskWorkflow";

  private static final Pattern FAILURE_TYPE = Pattern.compile("^([A-Za-z][A-Za-z0-9_.-]{0,63}): ");

  private final SwarmMetrics metrics;

  /**
   * @param metrics where outcomes go; called on workflow threads, so it must not block
   */
  public OutcomeReporter(SwarmMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
  }

  @Override
  public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
    return new WorkflowInboundCallsInterceptorBase(next) {
      @Override
      public WorkflowOutput execute(WorkflowInput input) {
        WorkflowOutput output;
        try {
          output = super.execute(input);
        } catch (TemporalFailure failure) {
          if (!WorkflowUnsafe.isReplaying()) {
            reportFailure(Workflow.getInfo().getWorkflowType(), failure);
          }
          throw failure;
        }
        if (!WorkflowUnsafe.isReplaying()) {
          report(output.getResult());
        }
        return output;
      }
    };
  }

  private void report(Object result) {
    if (result instanceof CellOutcome outcome) {
      metrics.cellFinished(
          outcome.status(),
          outcome.status() == CellStatus.FAILED ? failureType(outcome.error()) : "");
    } else if (result instanceof DagAttempt attempt) {
      String type = attempt.failureType();
      metrics.dagAttemptFinished(attempt.status().name(), type == null ? "" : type);
    }
  }

  private void reportFailure(String workflowType, TemporalFailure failure) {
    String type =
        failure instanceof CanceledFailure
            ? "Cancelled"
            : failure instanceof ApplicationFailure application
                ? application.getType()
                : failure.getClass().getSimpleName();
    if (TCR_WORKFLOW.equals(workflowType)) {
      metrics.cellFinished(CellStatus.FAILED, type);
    } else if (DAG_TASK_WORKFLOW.equals(workflowType)) {
      metrics.dagAttemptFinished(failure instanceof CanceledFailure ? "CANCELLED" : "FAILED", type);
    }
  }

  /**
   * The stable type at the start of a failed outcome's error ({@code "AgentTimedOut: ..."}), or
   * {@code Unknown} when the error does not start with one.
   */
  static String failureType(@Nullable String error) {
    if (error == null) {
      return "Unknown";
    }
    Matcher matcher = FAILURE_TYPE.matcher(error);
    return matcher.find() ? matcher.group(1) : "Unknown";
  }
}
