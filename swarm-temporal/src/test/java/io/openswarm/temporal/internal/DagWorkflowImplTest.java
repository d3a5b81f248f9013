package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.lifecycle.CellDriver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DagWorkflowImplTest {

  @Test
  void retriesBackOffLikeTheSeedPolicy() {
    assertThat(DagWorkflowImpl.backoff(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(DagWorkflowImpl.backoff(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(DagWorkflowImpl.backoff(5)).isEqualTo(Duration.ofSeconds(16));
    assertThat(DagWorkflowImpl.backoff(6)).isEqualTo(Duration.ofSeconds(30));
    assertThat(DagWorkflowImpl.backoff(60)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void cellIdsNameTheDagTheTaskTheRunAndTheAttempt() {
    assertThat(DagWorkflowImpl.cellIdFor("orders", "api", "0a1b2c3d", 2))
        .isEqualTo(CellId.of("orders-api-0a1b2c3d-2"));
    assertThat(DagWorkflowImpl.runToken("0A1B2C3D-aaaa-bbbb-cccc-dddddddddddd"))
        .isEqualTo("0a1b2c3d");
  }

  @Test
  void longIdsAreShortenedUniquelyWithRoomForAHostRetrySuffix() {
    String dag = "d".repeat(64);
    CellId first = DagWorkflowImpl.cellIdFor(dag, "t".repeat(60) + "1", "0a1b2c3d", 12);
    CellId second = DagWorkflowImpl.cellIdFor(dag, "t".repeat(60) + "2", "0a1b2c3d", 12);

    assertThat(first.value()).hasSize(CellId.MAX_LENGTH - 4).endsWith("-0a1b2c3d-12");
    assertThat(first).isNotEqualTo(second);
    assertThat(CellDriver.cellIdFor(first.value(), 3).value()).isEqualTo(first.value() + "-r3");
  }
}
