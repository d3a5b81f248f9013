package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CellTimeoutsTest {

  @Test
  void theDefaultsLeaveTheStepLimitAndHeartbeatToTheProfile() {
    CellTimeouts defaults = CellTimeouts.getDefaultInstance();

    assertThat(defaults.bootstrap()).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.ready()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.startToClose()).isEmpty();
    assertThat(defaults.heartbeat()).isEmpty();
    assertThat(defaults.execute()).isEmpty();
    assertThat(defaults.teardown()).isEqualTo(Duration.ofMinutes(2));
    assertThat(defaults.stop()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.hostScheduleToStart()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.closedWorkflowSweepInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.portWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.maxCellAttempts()).isEqualTo(3);
  }

  @Test
  void resolvingTakesTheProfilesStepLimitAndHeartbeatAndEndsTheTurnHalfAMinuteEarlier() {
    CellTimeouts resolved = CellTimeouts.getDefaultInstance().resolve(SwarmProfile.STAGING);

    assertThat(resolved.startToClose()).contains(Duration.ofMinutes(10));
    assertThat(resolved.heartbeat()).contains(Duration.ofSeconds(30));
    assertThat(resolved.execute()).contains(Duration.ofMinutes(10).minusSeconds(30));
    CellTimeouts shortSteps =
        CellTimeouts.newBuilder()
            .startToClose(Duration.ofSeconds(50))
            .heartbeat(Duration.ofSeconds(5))
            .build()
            .resolve(SwarmProfile.DEVELOPMENT);
    assertThat(shortSteps.execute()).contains(Duration.ofSeconds(50));
  }

  @Test
  void eachSetterRejectsABadValueNamingTheOptionAndTheValue() {
    assertThatThrownBy(() -> CellTimeouts.newBuilder().bootstrap(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bootstrap must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().ready(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ready must be positive but was PT-1S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().execute(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("execute must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().startToClose(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startToClose must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().heartbeat(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("heartbeat must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().teardown(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("teardown must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().stop(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stop must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().hostScheduleToStart(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hostScheduleToStart must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().closedWorkflowSweepInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("closedWorkflowSweepInterval must be positive but was PT0S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().portWait(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("portWait must not be negative but was PT-1S");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().maxCellAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxCellAttempts must be between 1 and 10 but was 0");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().maxCellAttempts(11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was 11");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().stop(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("stop cannot be null");
    assertThat(CellTimeouts.newBuilder().portWait(Duration.ZERO).build().portWait()).isZero();
  }

  @Test
  void aHeartbeatOrTurnLongerThanTheStepLimitIsRefused() {
    assertThatThrownBy(
            () ->
                CellTimeouts.newBuilder()
                    .startToClose(Duration.ofMinutes(5))
                    .heartbeat(Duration.ofMinutes(5))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("heartbeat (PT5M) must be shorter than startToClose (PT5M)");
    assertThatThrownBy(
            () ->
                CellTimeouts.newBuilder()
                    .startToClose(Duration.ofMinutes(5))
                    .execute(Duration.ofMinutes(6))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("execute (PT6M) must not exceed");
    // Against the profile's step limit (15 min in development), when only the heartbeat is set.
    assertThatThrownBy(
            () ->
                CellTimeouts.newBuilder()
                    .heartbeat(Duration.ofMinutes(20))
                    .build()
                    .resolve(SwarmProfile.DEVELOPMENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("heartbeat (PT20M) must be shorter than startToClose (PT15M)");
  }

  @Test
  void settingAValueTwiceIsAnError() {
    assertThatThrownBy(
            () ->
                CellTimeouts.newBuilder()
                    .bootstrap(Duration.ofMinutes(1))
                    .bootstrap(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bootstrap was already set to PT1M");
    assertThatThrownBy(() -> CellTimeouts.newBuilder().maxCellAttempts(2).maxCellAttempts(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxCellAttempts was already set to 2");
  }

  @Test
  void aBuilderFromExistingTimeoutsRebuildsThemAndMayChangeEachOnce() {
    CellTimeouts timeouts =
        CellTimeouts.newBuilder()
            .bootstrap(Duration.ofSeconds(4))
            .ready(Duration.ofSeconds(20))
            .execute(Duration.ofSeconds(45))
            .startToClose(Duration.ofSeconds(60))
            .heartbeat(Duration.ofSeconds(3))
            .teardown(Duration.ofSeconds(10))
            .stop(Duration.ofSeconds(5))
            .hostScheduleToStart(Duration.ofSeconds(10))
            .closedWorkflowSweepInterval(Duration.ofSeconds(2))
            .portWait(Duration.ofSeconds(1))
            .maxCellAttempts(2)
            .build();

    assertThat(CellTimeouts.newBuilder(timeouts).build())
        .isEqualTo(timeouts)
        .hasSameHashCodeAs(timeouts)
        .hasToString(timeouts.toString());
    CellTimeouts changed = CellTimeouts.newBuilder(timeouts).maxCellAttempts(5).build();
    assertThat(changed).isNotEqualTo(timeouts);
    assertThat(changed.maxCellAttempts()).isEqualTo(5);
    assertThat(changed.bootstrap()).isEqualTo(Duration.ofSeconds(4));
  }
}
