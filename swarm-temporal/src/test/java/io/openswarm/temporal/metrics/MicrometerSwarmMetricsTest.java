package io.openswarm.temporal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.sandbox.CellSandbox;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerSwarmMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MicrometerSwarmMetrics metrics =
      MicrometerSwarmMetrics.newBuilder(registry).tag("host", "h1").build();

  @Test
  void everyStepHasATimerPerResultWithPercentilesFromTheStart() {
    assertThat(registry.find(MicrometerSwarmMetrics.STEP_DURATION).timers())
        .hasSize(2 * CellStep.values().length);

    for (int i = 1; i <= 100; i++) {
      metrics.stepFinished(CellStep.EXECUTE, Duration.ofMillis(i * 10L), true);
    }
    metrics.stepFinished(CellStep.EXECUTE, Duration.ofSeconds(5), false);

    Timer ok = timer("execute", "success");
    assertThat(ok.count()).isEqualTo(100);
    assertThat(ok.max(TimeUnit.MILLISECONDS)).isEqualTo(1000);
    ValueAtPercentile[] percentiles = ok.takeSnapshot().percentileValues();
    assertThat(percentiles)
        .extracting(ValueAtPercentile::percentile)
        .containsExactly(0.5, 0.95, 0.99);
    // HdrHistogram-backed estimates: within a few percent of the exact 500, 950 and 990 ms.
    assertThat(percentiles[0].value(TimeUnit.MILLISECONDS)).isBetween(470.0, 530.0);
    assertThat(percentiles[1].value(TimeUnit.MILLISECONDS)).isBetween(920.0, 1000.0);
    assertThat(percentiles[2].value(TimeUnit.MILLISECONDS)).isBetween(960.0, 1010.0);
    assertThat(timer("execute", "failure").count()).isEqualTo(1);
    assertThat(timer("port", "success").count()).isZero();
    assertThat(ok.getId().getTag("host")).isEqualTo("h1");
  }

  @Test
  void outcomesAreCountedByStatusAndFailureType() {
    metrics.cellFinished(CellStatus.COMMITTED, "");
    metrics.cellFinished(CellStatus.COMMITTED, "");
    metrics.cellFinished(CellStatus.REVERTED, "");
    metrics.cellFinished(CellStatus.FAILED, "AgentTimedOut");
    metrics.cellFinished(CellStatus.FAILED, "PortExhausted");
    metrics.cellFinished(CellStatus.FAILED, "AgentTimedOut");
    metrics.dagAttemptFinished("CONFLICT", "");
    metrics.dagAttemptFinished("FAILED", "AgentCrashed");

    assertThat(cells("committed", "none")).isEqualTo(2);
    assertThat(cells("reverted", "none")).isEqualTo(1);
    assertThat(cells("failed", "AgentTimedOut")).isEqualTo(2);
    assertThat(cells("failed", "PortExhausted")).isEqualTo(1);
    assertThat(
            registry
                .get(MicrometerSwarmMetrics.DAG_ATTEMPTS_FINISHED)
                .tag("status", "conflict")
                .tag("failure_type", "none")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get(MicrometerSwarmMetrics.DAG_ATTEMPTS_FINISHED)
                .tag("status", "failed")
                .tag("failure_type", "AgentCrashed")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void failureTypesThatAreNotStableTypesCannotMultiplySeries() {
    metrics.cellFinished(CellStatus.FAILED, "the agent said: no /tmp/x");
    metrics.cellFinished(CellStatus.FAILED, "");
    for (int i = 0; i < MicrometerSwarmMetrics.MAX_FAILURE_TYPES + 20; i++) {
      metrics.cellFinished(CellStatus.FAILED, "Type" + i);
    }

    assertThat(registry.find(MicrometerSwarmMetrics.CELLS_FINISHED).counters())
        .hasSizeLessThanOrEqualTo(MicrometerSwarmMetrics.MAX_FAILURE_TYPES + 1);
    assertThat(cells("failed", MicrometerSwarmMetrics.OTHER_FAILURE)).isEqualTo(22);
  }

  @Test
  void gaugesFollowThePortsLiveCellsAndSandbox() {
    PortManager ports = PortManager.newBuilder().range(24500, 24503).probe(port -> true).build();
    metrics.monitorPorts(ports).monitorSandbox(CellSandbox.none());
    metrics.liveCellsChanged(3);

    try (PortLease lease = ports.allocate()) {
      assertThat(gauge(MicrometerSwarmMetrics.PORTS, "state", "available")).isEqualTo(3);
      assertThat(gauge(MicrometerSwarmMetrics.PORTS, "state", "allocated")).isEqualTo(1);
      assertThat(lease.port()).isBetween(24500, 24503);
    }
    assertThat(gauge(MicrometerSwarmMetrics.PORTS, "state", "available")).isEqualTo(4);
    assertThat(gauge(MicrometerSwarmMetrics.PORTS, "state", "quarantined")).isZero();
    assertThat(gauge(MicrometerSwarmMetrics.CELLS_LIVE, "host", "h1")).isEqualTo(3);
    assertThat(gauge(MicrometerSwarmMetrics.SANDBOX_ISOLATING, "sandbox", "none")).isZero();
  }

  @Test
  void closeRemovesEveryMeterItRegisteredAndNothingElse() {
    registry.counter("someone.else");
    metrics.monitorPorts(PortManager.newBuilder().range(24510, 24511).probe(port -> true).build());
    metrics.gauge("custom.level", "a gauge of our own", Tags.of("k", "v"), () -> 7);
    metrics.cellFinished(CellStatus.COMMITTED, "");
    assertThat(gauge("custom.level", "k", "v")).isEqualTo(7);

    metrics.close();
    metrics.close();

    assertThat(registry.getMeters())
        .extracting(m -> m.getId().getName())
        .containsExactly("someone.else");
  }

  @Test
  void badArgumentsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> MicrometerSwarmMetrics.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("registry cannot be null");
    assertThatThrownBy(
            () -> MicrometerSwarmMetrics.newBuilder(registry).percentileWindow(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percentileWindow must be positive but was PT0S");
    assertThatThrownBy(() -> MicrometerSwarmMetrics.newBuilder(registry).tag(" ", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tag key must not be blank");
  }

  private Timer timer(String step, String result) {
    return registry
        .get(MicrometerSwarmMetrics.STEP_DURATION)
        .tag("step", step)
        .tag("result", result)
        .timer();
  }

  private double cells(String status, String failureType) {
    return registry
        .get(MicrometerSwarmMetrics.CELLS_FINISHED)
        .tag("status", status)
        .tag("failure_type", failureType)
        .counter()
        .count();
  }

  private double gauge(String name, String tag, String value) {
    return registry.get(name).tag(tag, value).gauge().value();
  }
}
