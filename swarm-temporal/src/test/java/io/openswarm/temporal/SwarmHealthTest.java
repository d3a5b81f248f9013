package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Each of the guide's thresholds: quiet at the threshold, a warning just past it, gone again once
 * back.
 */
class SwarmHealthTest {

  private static final SwarmHealth.Thresholds GUIDE = SwarmHealth.Thresholds.getDefaultInstance();

  private static SwarmHealth.Readings readings(
      long outcomes, long failures, int ports, Long backlog, double memory) {
    return new SwarmHealth.Readings(
        "h",
        Instant.EPOCH,
        outcomes,
        failures,
        ports,
        backlog,
        memory,
        0,
        8,
        false,
        "cells",
        false);
  }

  @Test
  void aSandboxThatFellBackToNoneIsAWarning() {
    SwarmHealth.Readings r = healthy();
    SwarmHealth.Readings fellBack =
        new SwarmHealth.Readings(
            r.host(),
            r.at(),
            r.outcomes(),
            r.failures(),
            r.availablePorts(),
            r.backlog(),
            r.memoryUsage(),
            r.liveCells(),
            r.maxCells(),
            r.backpressure(),
            r.limitedBy(),
            true);

    SwarmHealth health = SwarmHealth.evaluate(fellBack, GUIDE);

    assertThat(health.healthy()).isFalse();
    assertThat(health.warning(SwarmHealth.Check.SANDBOX).orElseThrow().message())
        .contains("cells are not isolated");
  }

  private static SwarmHealth.Readings healthy() {
    return readings(100, 1, 10, 100L, 0.90);
  }

  @Test
  void theGuidesThresholdsAreTheDefaults() {
    assertThat(GUIDE.maxErrorRate()).isEqualTo(0.01);
    assertThat(GUIDE.minAvailablePorts()).isEqualTo(10);
    assertThat(GUIDE.maxBacklog()).isEqualTo(100);
    assertThat(GUIDE.maxMemoryUsage()).isEqualTo(0.90);
    assertThat(GUIDE.errorRateWindow()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void exactlyAtEveryThresholdIsHealthy() {
    SwarmHealth health = SwarmHealth.evaluate(healthy(), GUIDE);

    assertThat(health.healthy()).as("%s", health).isTrue();
    assertThat(health.readings().errorRate()).isEqualTo(0.01);
  }

  @Test
  void errorRateAboveOnePercentWarnsAndClearsWhenItDropsBack() {
    SwarmHealth fired = SwarmHealth.evaluate(readings(100, 2, 50, 0L, 0.5), GUIDE);
    SwarmHealth cleared = SwarmHealth.evaluate(readings(200, 2, 50, 0L, 0.5), GUIDE);

    assertThat(fired.warnings())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.check()).isEqualTo(SwarmHealth.Check.ERROR_RATE);
              assertThat(w.value()).isEqualTo(0.02);
              assertThat(w.threshold()).isEqualTo(0.01);
              assertThat(w.message())
                  .isEqualTo("error rate 2.0 % (2 of 100 cells in the last 15 min) is above 1.0 %");
            });
    assertThat(cleared.healthy()).isTrue();
  }

  @Test
  void fewerThanTenPortsWarnsAndClears() {
    SwarmHealth fired = SwarmHealth.evaluate(readings(0, 0, 9, 0L, 0.5), GUIDE);
    SwarmHealth cleared = SwarmHealth.evaluate(readings(0, 0, 10, 0L, 0.5), GUIDE);

    assertThat(fired.warning(SwarmHealth.Check.AVAILABLE_PORTS))
        .get()
        .extracting(SwarmHealth.Warning::message)
        .isEqualTo("9 port(s) available, fewer than 10");
    assertThat(fired.warnings()).hasSize(1);
    assertThat(cleared.healthy()).isTrue();
  }

  @Test
  void aBacklogAboveOneHundredWarnsAndClearsAndAnUnknownBacklogDoesNotWarn() {
    SwarmHealth fired = SwarmHealth.evaluate(readings(0, 0, 50, 101L, 0.5), GUIDE);
    SwarmHealth cleared = SwarmHealth.evaluate(readings(0, 0, 50, 3L, 0.5), GUIDE);
    SwarmHealth unknown = SwarmHealth.evaluate(readings(0, 0, 50, null, 0.5), GUIDE);

    assertThat(fired.warning(SwarmHealth.Check.BACKLOG))
        .get()
        .extracting(SwarmHealth.Warning::message)
        .isEqualTo("101 cell(s) waiting in the shared queue, more than 100");
    assertThat(cleared.healthy()).isTrue();
    assertThat(unknown.healthy()).isTrue();
    assertThat(unknown.readings().backlogCount()).isEmpty();
  }

  @Test
  void memoryAboveNinetyPercentWarnsAndClears() {
    SwarmHealth fired = SwarmHealth.evaluate(readings(0, 0, 50, 0L, 0.93), GUIDE);
    SwarmHealth cleared = SwarmHealth.evaluate(readings(0, 0, 50, 0L, 0.85), GUIDE);

    assertThat(fired.warning(SwarmHealth.Check.MEMORY))
        .get()
        .extracting(SwarmHealth.Warning::message)
        .isEqualTo("memory 93.0 % used, above 90.0 %");
    assertThat(cleared.healthy()).isTrue();
  }

  @Test
  void everyCheckPastItsThresholdWarnsInOrder() {
    SwarmHealth health = SwarmHealth.evaluate(readings(10, 5, 0, 500L, 0.99), GUIDE);

    assertThat(health.warnings())
        .extracting(SwarmHealth.Warning::check)
        .containsExactly(
            SwarmHealth.Check.ERROR_RATE,
            SwarmHealth.Check.AVAILABLE_PORTS,
            SwarmHealth.Check.BACKLOG,
            SwarmHealth.Check.MEMORY);
  }

  @Test
  void customThresholdsApply() {
    SwarmHealth.Thresholds strict =
        SwarmHealth.Thresholds.newBuilder(GUIDE).maxBacklog(5).minAvailablePorts(1).build();

    assertThat(SwarmHealth.evaluate(readings(0, 0, 2, 6L, 0.5), strict).warnings())
        .extracting(SwarmHealth.Warning::check)
        .containsExactly(SwarmHealth.Check.BACKLOG);
    assertThat(strict).isNotEqualTo(GUIDE);
    assertThat(SwarmHealth.Thresholds.newBuilder(strict).build())
        .isEqualTo(strict)
        .hasSameHashCodeAs(strict);
  }

  @Test
  void invalidThresholdsAreRefusedWithTheValueAndTheRange() {
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().maxErrorRate(1.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxErrorRate must be in [0, 1) but was 1.5");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().minAvailablePorts(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minAvailablePorts must be at least 0 but was -1");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().maxBacklog(-2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBacklog must be at least 0 but was -2");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().maxMemoryUsage(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxMemoryUsage must be in (0, 1] but was 0.0");
    assertThatThrownBy(
            () ->
                SwarmHealth.Thresholds.newBuilder().errorRateWindow(Duration.ofMillis(10)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("errorRateWindow must be at least 1 s but was PT0.01S");
    assertThatThrownBy(() -> readings(1, 2, 0, 0L, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failures must be between 0 and outcomes but were 2 of 1");
  }

  private static final long GIB = 1L << 30;

  private static SwarmHealth.Readings withDisks(SwarmHealth.Disk... disks) {
    SwarmHealth.Readings r = healthy();
    return new SwarmHealth.Readings(
        r.host(),
        r.at(),
        r.outcomes(),
        r.failures(),
        r.availablePorts(),
        r.backlog(),
        r.memoryUsage(),
        r.liveCells(),
        r.maxCells(),
        r.backpressure(),
        r.limitedBy(),
        r.sandboxFellBack(),
        java.util.List.of(disks),
        181L << 20);
  }

  @Test
  void theDiskDefaultsWarnBelowFiveGibAndTenPercentAndHoldBackBelowOneGibAndTwoPercent() {
    assertThat(GUIDE.minFreeDiskBytes()).isEqualTo(5 * GIB);
    assertThat(GUIDE.minFreeDiskFraction()).isEqualTo(0.10);
    assertThat(GUIDE.diskFloorBytes()).isEqualTo(GIB);
    assertThat(GUIDE.diskFloorFraction()).isEqualTo(0.02);
    // The lesser of the two: a large disk warns at 5 GiB, a small one at 10 % of its size.
    assertThat(GUIDE.minFreeDiskAt(1000 * GIB)).isEqualTo(5 * GIB);
    assertThat(GUIDE.minFreeDiskAt(20 * GIB)).isEqualTo(2 * GIB);
    assertThat(GUIDE.diskFloorAt(1000 * GIB)).isEqualTo(GIB);
    assertThat(GUIDE.diskFloorAt(20 * GIB)).isEqualTo((long) (0.02 * 20 * GIB));
  }

  @Test
  void aDiskAtItsWarningLevelIsQuietAndOneByteBelowWarns() {
    SwarmHealth.Disk at = new SwarmHealth.Disk("/trees", 1000 * GIB, 5 * GIB);
    SwarmHealth.Disk below = new SwarmHealth.Disk("/trees", 1000 * GIB, 5 * GIB - 1);

    assertThat(SwarmHealth.evaluate(withDisks(at), GUIDE).warning(SwarmHealth.Check.DISK))
        .isEmpty();
    SwarmHealth.Warning warning =
        SwarmHealth.evaluate(withDisks(below), GUIDE).warning(SwarmHealth.Check.DISK).orElseThrow();

    assertThat(warning.value()).isEqualTo(5 * GIB - 1);
    assertThat(warning.threshold()).isEqualTo(5 * GIB);
    assertThat(warning.message())
        .isEqualTo("disk of /trees: 5119 MiB free (0.5 % of 1024000 MiB), below 5120 MiB");
  }

  @Test
  void aDiskBelowItsFloorSaysThatNewCellsAreHeldBackEvenWhenAnotherDiskOnlyWarns() {
    SwarmHealth.Disk warns = new SwarmHealth.Disk("/trees", 1000 * GIB, 3 * GIB);
    SwarmHealth.Disk empty = new SwarmHealth.Disk("/state", 1000 * GIB, GIB / 2);

    SwarmHealth health = SwarmHealth.evaluate(withDisks(warns, empty), GUIDE);

    assertThat(health.warnings())
        .extracting(SwarmHealth.Warning::check)
        .containsExactly(SwarmHealth.Check.DISK);
    assertThat(health.warning(SwarmHealth.Check.DISK).orElseThrow().message())
        .isEqualTo(
            "disk of /state: 512 MiB free (0.1 % of 1024000 MiB), below the floor of 1024 MiB: new cells are"
                + " held back");
    assertThat(health.readings().worktreeBytes()).isEqualTo(181L << 20);
  }

  @Test
  void aSmallDiskWithMostOfItFreeDoesNotWarn() {
    SwarmHealth.Disk small = new SwarmHealth.Disk("/trees", 8 * GIB, 4 * GIB);

    assertThat(SwarmHealth.evaluate(withDisks(small), GUIDE).healthy()).isTrue();
  }

  @Test
  void readingsWithoutDiskFiguresHaveNoDiskWarning() {
    assertThat(healthy().disks()).isEmpty();
    assertThat(healthy().worktreeBytes()).isNull();
    assertThat(SwarmHealth.evaluate(healthy(), GUIDE).warning(SwarmHealth.Check.DISK)).isEmpty();
  }

  @Test
  void invalidDiskThresholdsAreRefusedWithTheValueAndTheRange() {
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().minFreeDisk(-1, 0.1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minFreeDisk bytes must be at least 0 but was -1");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().minFreeDisk(GIB, 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minFreeDisk fraction must be in [0, 1) but was 1.0");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().diskFloor(-5, 0.01).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("diskFloor bytes must be at least 0 but was -5");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().diskFloor(0, -0.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("diskFloor fraction must be in [0, 1) but was -0.5");
    assertThatThrownBy(() -> SwarmHealth.Thresholds.newBuilder().diskFloor(10 * GIB, 0.01).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "diskFloor (10737418240 bytes, 0.01) must not exceed minFreeDisk (5368709120 bytes, 0.1): the"
                + " worker would stop admitting cells before it warns");
    SwarmHealth.Thresholds off =
        SwarmHealth.Thresholds.newBuilder().diskFloor(0, 0).minFreeDisk(0, 0).build();
    assertThat(off.diskFloorAt(GIB)).isZero();
    assertThat(off).isNotEqualTo(GUIDE).isEqualTo(SwarmHealth.Thresholds.newBuilder(off).build());
  }
}
