package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.metrics.SwarmMetrics;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outcomes are read from the workflows' results, once per execution: a replay (here forced by
 * querying a closed workflow) runs the workflow code again but counts nothing.
 */
class OutcomeReporterTest {

  private static final String QUEUE = "outcomes";
  static final AtomicInteger EXECUTIONS = new AtomicInteger();

  /**
   * A custom workflow that returns a {@link CellOutcome}, as users may write over the cell
   * activities.
   */
  @WorkflowInterface
  public interface CustomCellWorkflow {
    @WorkflowMethod(name = "CustomCellWorkflow")
    CellOutcome run(String error);

    @QueryMethod
    int runs();
  }

  public static final class CustomCellWorkflowImpl implements CustomCellWorkflow {
    @Override
    public CellOutcome run(String error) {
      EXECUTIONS.incrementAndGet();
      Workflow.sleep(Duration.ofMillis(10));
      return error.isEmpty()
          ? CellOutcome.committed(CellId.of("c"), "sha")
          : CellOutcome.failed(CellId.of("c"), CellStep.EXECUTE, error);
    }

    @Override
    public int runs() {
      return EXECUTIONS.get();
    }
  }

  /** Stands in for the TCR workflow to show how a cancelled one counts. */
  @WorkflowInterface
  public interface WaitingTcrWorkflow {
    @WorkflowMethod(name = "TcrWorkflow")
    CellOutcome run();
  }

  public static final class WaitingTcrWorkflowImpl implements WaitingTcrWorkflow {
    @Override
    public CellOutcome run() {
      Workflow.await(() -> false);
      throw new IllegalStateException("unreachable");
    }
  }

  private final List<String> events = new CopyOnWriteArrayList<>();
  private TestWorkflowEnvironment env;

  @BeforeEach
  void setUp() {
    EXECUTIONS.set(0);
    SwarmMetrics recorder =
        new SwarmMetrics() {
          @Override
          public void cellFinished(CellStatus status, String failureType) {
            events.add(status + "/" + failureType);
          }
        };
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new OutcomeReporter(recorder))
                        .build())
                .build());
    env.newWorker(QUEUE)
        .registerWorkflowImplementationTypes(
            CustomCellWorkflowImpl.class, WaitingTcrWorkflowImpl.class);
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void aWorkflowReturningAnOutcomeIsCountedOnceEvenWhenReplayed() {
    CustomCellWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                CustomCellWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("custom-1").build());

    workflow.run("AgentTimedOut: the turn took too long");
    int runsWhenQueried =
        env.getWorkflowClient().newWorkflowStub(CustomCellWorkflow.class, "custom-1").runs();

    assertThat(runsWhenQueried).as("the query replayed the closed workflow").isEqualTo(2);
    assertThat(events).containsExactly("FAILED/AgentTimedOut");
  }

  @Test
  void aCancelledTcrWorkflowCountsAsFailedWithTypeCancelled() {
    WaitingTcrWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                WaitingTcrWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("tcr-1").build());
    WorkflowClient.start(workflow::run);
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    stub.cancel();

    assertThatThrownBy(() -> stub.getResult(CellOutcome.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(events).containsExactly("FAILED/Cancelled");
  }

  @Test
  void theFailureTypeIsTheStableTypeAtTheStartOfTheError() {
    assertThat(OutcomeReporter.failureType("PortExhausted: no available ports in range 8000-8001"))
        .isEqualTo("PortExhausted");
    assertThat(OutcomeReporter.failureType("TimedOut: start_to_close timeout of Cell.Execute"))
        .isEqualTo("TimedOut");
    assertThat(OutcomeReporter.failureType("something broke: badly")).isEqualTo("Unknown");
    assertThat(OutcomeReporter.failureType(null)).isEqualTo("Unknown");
  }
}
