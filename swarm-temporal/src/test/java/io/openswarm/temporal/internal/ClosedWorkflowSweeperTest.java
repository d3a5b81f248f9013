package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.openswarm.core.CellId;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.temporal.internal.ClosedWorkflowSweeper.WorkflowRun;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the sweeper decides, over fake cells, a fake Temporal service and a hand-moved clock: which
 * statuses mean a cell will never be torn down by its workflow, when a cell is first checked, and
 * what it must leave alone.
 */
class ClosedWorkflowSweeperTest {

  private static final Duration INTERVAL = Duration.ofSeconds(30);
  private static final WorkflowRun RUN = new WorkflowRun("tcr-a", "run-1");
  private static final WorkflowRun NEXT_RUN = new WorkflowRun("tcr-a", "run-2");
  private static final CellId CELL = CellId.of("a");

  private final AtomicLong clock = new AtomicLong();
  private final Map<CellId, CellSteps.Bootstrap> live = new ConcurrentHashMap<>();
  private final List<CellId> tornDown = new CopyOnWriteArrayList<>();
  private final List<WorkflowRun> asked = new CopyOnWriteArrayList<>();
  private final Map<WorkflowRun, WorkflowExecutionStatus> statuses = new ConcurrentHashMap<>();
  private Function<WorkflowRun, Optional<WorkflowExecutionStatus>> service =
      run -> {
        asked.add(run);
        return Optional.ofNullable(statuses.get(run));
      };
  private ClosedWorkflowSweeper sweeper =
      new ClosedWorkflowSweeper(
          id -> Optional.ofNullable(live.get(id)),
          id -> {
            boolean wasLive = live.remove(id) != null;
            if (wasLive) {
              tornDown.add(id);
            }
            return new CellSteps.Teardown(List.of(), Duration.ZERO, wasLive);
          },
          run -> service.apply(run),
          INTERVAL,
          clock::get,
          "host-a");

  @AfterEach
  void close() {
    sweeper.close();
  }

  private CellSteps.Bootstrap bootstrap(CellId id) {
    CellSteps.Bootstrap cell =
        new CellSteps.Bootstrap(id, "host-a", 21000, "/wt/" + id, "swarm/" + id, "base", List.of());
    live.put(id, cell);
    return cell;
  }

  private void after(Duration elapsed) {
    clock.addAndGet(elapsed.toNanos());
  }

  @ParameterizedTest
  @EnumSource(
      value = WorkflowExecutionStatus.class,
      names = {
        "WORKFLOW_EXECUTION_STATUS_COMPLETED",
        "WORKFLOW_EXECUTION_STATUS_FAILED",
        "WORKFLOW_EXECUTION_STATUS_CANCELED",
        "WORKFLOW_EXECUTION_STATUS_TERMINATED",
        "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW",
        "WORKFLOW_EXECUTION_STATUS_TIMED_OUT"
      })
  void aClosedRunWillNeverTearItsCellDown(WorkflowExecutionStatus status) {
    assertThat(ClosedWorkflowSweeper.closed(Optional.of(status))).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = WorkflowExecutionStatus.class,
      names = {
        "WORKFLOW_EXECUTION_STATUS_RUNNING",
        "WORKFLOW_EXECUTION_STATUS_PAUSED",
        "WORKFLOW_EXECUTION_STATUS_UNSPECIFIED",
        "UNRECOGNIZED"
      })
  void aRunningOrPausedRunOrAStatusNotUnderstoodKeepsItsCell(WorkflowExecutionStatus status) {
    assertThat(ClosedWorkflowSweeper.closed(Optional.of(status))).isFalse();
  }

  @Test
  void aRunTheServiceNoLongerKnowsCountsAsClosed() {
    assertThat(ClosedWorkflowSweeper.closed(Optional.empty())).isTrue();
  }

  @Test
  void aCellOfATerminatedRunIsTornDownOnceItHasBeenUpForAnInterval() {
    sweeper.register(bootstrap(CELL), RUN);
    statuses.put(RUN, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);

    after(INTERVAL.minusMillis(1));
    assertThat(sweeper.sweep()).isZero();
    assertThat(asked).as("a cell younger than the interval is not checked").isEmpty();

    after(Duration.ofMillis(1));
    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(tornDown).containsExactly(CELL);
    assertThat(sweeper.registered()).isZero();

    after(INTERVAL);
    assertThat(sweeper.sweep()).isZero();
    assertThat(asked).as("a swept cell is not asked about again").containsExactly(RUN);
  }

  @Test
  void aCellOfARunningRunIsLeftAloneAndCheckedAgainEveryRound() {
    sweeper.register(bootstrap(CELL), RUN);
    statuses.put(RUN, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

    after(INTERVAL);
    assertThat(sweeper.sweep()).isZero();
    after(INTERVAL);
    assertThat(sweeper.sweep()).isZero();

    assertThat(tornDown).isEmpty();
    assertThat(asked).containsExactly(RUN, RUN);
    assertThat(sweeper.owner(CELL)).contains(RUN);
  }

  @Test
  void aCellWhoseRunIsGoneFromTheServiceIsTornDown() {
    sweeper.register(bootstrap(CELL), RUN);

    after(INTERVAL);

    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(tornDown).containsExactly(CELL);
  }

  @Test
  void aServiceThatCannotBeAskedIsAskedAgainNextRoundAndNoRoundFails() {
    sweeper.register(bootstrap(CELL), RUN);
    List<String> answers = new ArrayList<>(List.of("unavailable", "terminated"));
    service =
        run -> {
          asked.add(run);
          if (answers.remove(0).equals("unavailable")) {
            throw new StatusRuntimeException(
                Status.UNAVAILABLE.withDescription("connection refused"));
          }
          return Optional.of(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
        };
    after(INTERVAL);

    assertThat(sweeper.sweep()).isZero();
    assertThat(tornDown).isEmpty();
    assertThat(sweeper.owner(CELL)).contains(RUN);

    after(INTERVAL);
    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(tornDown).containsExactly(CELL);
  }

  @Test
  void aCellItsOwnTeardownTookDownIsForgottenWithoutAskingTheService() {
    sweeper.register(bootstrap(CELL), RUN);
    live.remove(CELL);
    after(INTERVAL);

    assertThat(sweeper.sweep()).isZero();

    assertThat(asked).isEmpty();
    assertThat(sweeper.registered()).isZero();
  }

  @Test
  void aCellIdBootstrappedAgainByANewRunIsNotTornDownForTheOldRun() {
    sweeper.register(bootstrap(CELL), RUN);
    statuses.put(RUN, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    after(INTERVAL);
    // While the old run is being asked about, its cell goes and a new run's cell with the same id
    // comes up.
    service =
        run -> {
          asked.add(run);
          live.remove(CELL);
          sweeper.register(bootstrap(CELL), NEXT_RUN);
          return Optional.of(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
        };

    assertThat(sweeper.sweep()).isZero();

    assertThat(tornDown).isEmpty();
    assertThat(live).containsKey(CELL);
    assertThat(sweeper.owner(CELL)).contains(NEXT_RUN);
  }

  @Test
  void aCellTheTeardownActivityTookDownFirstIsNotCountedAsSwept() {
    sweeper =
        new ClosedWorkflowSweeper(
            id -> Optional.ofNullable(live.get(id)),
            id -> new CellSteps.Teardown(List.of(), Duration.ZERO, false),
            run -> Optional.empty(),
            INTERVAL,
            clock::get,
            "host-a");
    sweeper.register(bootstrap(CELL), RUN);
    after(INTERVAL);

    assertThat(sweeper.sweep()).isZero();
    assertThat(sweeper.registered()).isZero();
  }

  @Test
  void aNewRunThatFindsTheCellOfAClosedRunGetsItTornDownAtOnce() {
    sweeper.register(bootstrap(CELL), RUN);
    statuses.put(RUN, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);

    assertThat(sweeper.releaseIfAbandoned(CELL, NEXT_RUN)).isTrue();

    assertThat(tornDown).containsExactly(CELL);
    assertThat(sweeper.owner(CELL)).isEmpty();
  }

  @Test
  void theOwningRunRetryingItsBootstrapKeepsItsCellWithoutAskingTheService() {
    sweeper.register(bootstrap(CELL), RUN);

    assertThat(sweeper.releaseIfAbandoned(CELL, RUN)).isFalse();

    assertThat(asked).isEmpty();
    assertThat(tornDown).isEmpty();
  }

  @Test
  void aCellOfAnotherRunThatStillRunsIsNotTakenFromIt() {
    sweeper.register(bootstrap(CELL), RUN);
    statuses.put(RUN, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

    assertThat(sweeper.releaseIfAbandoned(CELL, NEXT_RUN)).isFalse();

    assertThat(tornDown).isEmpty();
    assertThat(sweeper.owner(CELL)).contains(RUN);
  }

  @Test
  void anIntervalThatIsNotPositiveIsRefused() {
    assertThatThrownBy(
            () ->
                new ClosedWorkflowSweeper(
                    id -> Optional.empty(),
                    id -> new CellSteps.Teardown(List.of(), Duration.ZERO, false),
                    run -> Optional.empty(),
                    Duration.ZERO,
                    clock::get,
                    "host-a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval must be positive but was PT0S");
  }

  @Test
  void itStartsOnceAndNotAfterClosing() {
    sweeper.start();
    assertThatThrownBy(sweeper::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to start while in STARTED state");

    sweeper.close();
    sweeper.close();
    assertThatThrownBy(sweeper::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to start while in CLOSED state");
  }
}
