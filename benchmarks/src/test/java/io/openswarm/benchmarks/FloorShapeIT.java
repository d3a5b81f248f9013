package io.openswarm.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.benchmarks.floor.FloorWorker;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.testkit.LeakCheck;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The floor is only a floor if it has the TCR workflow's shape: a committed TCR cell and a floor
 * cell schedule the same activities, in the same order, on the same queues, with the same timeouts
 * and retry policies. If {@code TcrWorkflow} changes shape, this fails until the floor follows.
 */
class FloorShapeIT {

  @TempDir Path temp;

  @Test
  void theFloorSchedulesTheActivitiesOfACommittedTcrCell() throws Exception {
    GeneratedRepository repository =
        GeneratedRepository.generate(temp.resolve("repo"), 10, 10 * 1024, 7);
    SwarmProfile profile = SwarmProfile.STAGING;
    List<String> tcr;
    try (ScriptedSwarm swarm =
        ScriptedSwarm.start(
            new ScriptedSwarm.Config(
                repository.path(),
                repository.head(),
                temp.resolve("state"),
                24_000,
                24_999,
                profile,
                profile.activityConcurrency(),
                ScriptedSwarm.PoolSizes.full(1),
                Duration.ZERO,
                List.of("true")))) {
      CellOutcome outcome = swarm.run("shape").get(60, TimeUnit.SECONDS);
      assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
      tcr = scheduledActivities(swarm.worker().client().workflowClient(), "tcr-shape");
      LeakCheck.of(swarm.worker()).assertClean();
    }
    List<String> floor;
    try (FloorWorker worker =
        FloorWorker.start(
            ScriptedSwarm.TASK_QUEUE,
            ScriptedSwarm.HOST_ID,
            profile.activityConcurrency(),
            profile.workflowTaskConcurrency(),
            CellActivityOptions.of(profile))) {
      assertThat(worker.run("shape").get(60, TimeUnit.SECONDS)).isEqualTo("shape");
      floor = scheduledActivities(worker.workflowClient(), "floor-shape");
    }

    String host = ScriptedSwarm.TASK_QUEUE + "@" + ScriptedSwarm.HOST_ID;
    assertThat(tcr)
        .hasSize(5)
        .first()
        .asString()
        .startsWith("Bootstrap on " + ScriptedSwarm.TASK_QUEUE + " ");
    assertThat(tcr.get(1)).startsWith("Execute on " + host + " ");
    assertThat(floor).isEqualTo(tcr);
  }

  /**
   * Each scheduled activity as "{@code <type without prefix> on <queue> <timeouts> <retry
   * policy>}", in order.
   */
  private static List<String> scheduledActivities(WorkflowClient client, String workflowId) {
    return client.fetchHistory(workflowId).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .map(FloorShapeIT::describe)
        .toList();
  }

  private static String describe(ActivityTaskScheduledEventAttributes activity) {
    String type = activity.getActivityType().getName();
    return type.substring(type.indexOf('.') + 1)
        + " on "
        + activity.getTaskQueue().getName()
        + " scheduleToStart="
        + activity.getScheduleToStartTimeout().getSeconds()
        + " startToClose="
        + activity.getStartToCloseTimeout().getSeconds()
        + " heartbeat="
        + activity.getHeartbeatTimeout().getSeconds()
        + " retry="
        + activity.getRetryPolicy().getMaximumAttempts()
        + "/"
        + activity.getRetryPolicy().getNonRetryableErrorTypesList();
  }
}
