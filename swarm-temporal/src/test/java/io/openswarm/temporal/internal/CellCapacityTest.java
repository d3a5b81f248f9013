package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.openswarm.core.CellId;
import io.openswarm.core.port.PortExhaustedException;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.worktree.WorktreePool;
import io.temporal.worker.tuning.SlotSupplierFuture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The headroom is the least of cells, ports, worktrees and memory, and names what limits it. */
class CellCapacityTest {

  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;

  @TempDir Path temp;

  private final AtomicInteger live = new AtomicInteger();
  private final AtomicLong available = new AtomicLong(16 * GIB);
  private final PortManager ports =
      PortManager.newBuilder().range(24600, 24604).probe(port -> true).build();
  private WorktreePool pool;
  private CellCapacity capacity;

  @BeforeEach
  void setUp() throws Exception {
    Path repo = temp.resolve("repo");
    java.nio.file.Files.createDirectories(repo);
    GitRunner git = GitRunner.create();
    run(git, repo, "init", "-q", "-b", "main");
    java.nio.file.Files.writeString(repo.resolve("a.txt"), "a");
    run(git, repo, "add", "-A");
    run(git, repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "a");
    pool =
        WorktreePool.newBuilder()
            .repository(repo)
            .root(temp.resolve("trees"))
            .minIdle(0)
            .maxIdle(1)
            .maxTotal(3)
            .build();
    pool.start();
    SystemMemory memory =
        SystemMemory.of(() -> new SystemMemory.Reading(20 * GIB, available.get()));
    capacity = new CellCapacity(4, live::get, ports, pool, memory, 600 * MIB, 0.90);
  }

  @AfterEach
  void tearDown() {
    pool.close();
  }

  @Test
  void theCellLimitBindsWhenEverythingElseIsAmple() {
    live.set(1);

    CellAdmission.Headroom headroom = capacity.headroom();

    assertThat(headroom.cells()).isEqualTo(3);
    assertThat(headroom.limitedBy()).isEqualTo("worktrees");
  }

  @Test
  void portsInUseLimitTheHeadroom() {
    try (PortLease a = ports.allocate();
        PortLease b = ports.allocate();
        PortLease c = ports.allocate();
        PortLease d = ports.allocate()) {
      CellAdmission.Headroom headroom = capacity.headroom();
      assertThat(headroom.cells()).isEqualTo(1);
      assertThat(headroom.limitedBy()).isEqualTo("ports");
      assertThat(headroom.detail())
          .isEqualTo("1 port(s) available in 24600-24604, 4 allocated, 0 quarantined");
      assertThat(a.port() + b.port() + c.port() + d.port()).isPositive();
    }
  }

  @Test
  void leasedWorktreesLimitTheHeadroom() {
    try (var a = pool.acquire(CellId.of("a"), "main");
        var b = pool.acquire(CellId.of("b"), "main")) {
      CellAdmission.Headroom headroom = capacity.headroom();
      assertThat(headroom.cells()).isEqualTo(1);
      assertThat(headroom.limitedBy()).isEqualTo("worktrees");
      assertThat(a.path()).isNotEqualTo(b.path());
    }
  }

  @Test
  void memoryBelowTheCeilingLimitsTheHeadroomAndNoneFitsPastIt() {
    // 20 GiB with a 90 % ceiling keeps 2 GiB free: 3.2 GiB available leaves room for two 600 MiB
    // cells.
    available.set(2 * GIB + 1200 * MIB);
    live.set(0);

    CellAdmission.Headroom two = capacity.headroom();
    assertThat(two.cells()).isEqualTo(2);
    assertThat(two.limitedBy()).isEqualTo("memory");

    available.set(GIB);
    assertThat(capacity.headroom().cells()).isZero();
  }

  @Test
  void noRoomWhenTheCellLimitIsReachedAndTheLimitIsNamedWhenNothingElseIsShort() {
    live.set(4);
    CellCapacity roomy =
        new CellCapacity(
            4,
            live::get,
            ports,
            pool,
            SystemMemory.of(() -> new SystemMemory.Reading(20 * GIB, 16 * GIB)),
            600 * MIB,
            0.90);

    assertThat(roomy.headroom())
        .isEqualTo(new CellAdmission.Headroom(0, "cells", "4 of 4 cells live"));
  }

  @Test
  void aPollerHeldBackBecauseEveryPortWasHeldElsewhereIsAdmittedOnceTheQuarantineEnds()
      throws Exception {
    // The worker's real situation: a bootstrap found every port bound by another process and
    // failed, and no one
    // calls allocate() again until admission lets a bootstrap through, which it does only when
    // ports are available.
    AtomicInteger heldElsewhere = new AtomicInteger(1);
    PortManager quarantining =
        PortManager.newBuilder()
            .range(24610, 24612)
            .probe(port -> heldElsewhere.get() == 0)
            .quarantine(Duration.ofMillis(200))
            .build();
    PortExhaustedException exhausted =
        catchThrowableOfType(PortExhaustedException.class, quarantining::allocate);
    assertThat(exhausted.quarantinedCount()).isEqualTo(3);
    heldElsewhere.set(0);
    SystemMemory memory = SystemMemory.of(() -> new SystemMemory.Reading(20 * GIB, 16 * GIB));
    CellCapacity afterQuarantine =
        new CellCapacity(4, live::get, quarantining, pool, memory, 600 * MIB, 0.90);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (CellAdmission admission =
        new CellAdmission(4, afterQuarantine, scheduler, Duration.ofMillis(20), "test")) {
      SlotSupplierFuture slot = admission.reserveSlot(null);

      assertThat(slot.get(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(afterQuarantine.headroom().cells()).isEqualTo(3);
      try (PortLease lease = quarantining.allocate()) {
        assertThat(lease.port()).isBetween(24610, 24612);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }

  private final AtomicLong usableDisk = new AtomicLong(500 * GIB);

  /**
   * Two file systems: the worktree root's (free space changes) and the state directory's (ample).
   */
  private CellCapacity withDisk(long diskPerCell) {
    DiskSpace disk =
        DiskSpace.of(
            () ->
                java.util.List.of(
                    new io.openswarm.temporal.SwarmHealth.Disk(
                        "/trees", 1000 * GIB, usableDisk.get()),
                    new io.openswarm.temporal.SwarmHealth.Disk("/state", 1000 * GIB, 900 * GIB)));
    return new CellCapacity(
        4,
        live::get,
        ports,
        pool,
        SystemMemory.of(() -> new SystemMemory.Reading(20 * GIB, 16 * GIB)),
        600 * MIB,
        0.90,
        disk,
        io.openswarm.temporal.SwarmHealth.Thresholds.getDefaultInstance(),
        () -> diskPerCell);
  }

  @Test
  void freeDiskAboveTheFloorDividedByTheDiskPerCellLimitsTheHeadroom() {
    // 1 GiB floor on a 1000 GiB disk: 3.5 GiB free leaves 2.5 GiB, room for two cells of 1 GiB.
    usableDisk.set(3 * GIB + 512 * MIB);

    CellAdmission.Headroom headroom = withDisk(GIB).headroom();

    assertThat(headroom.cells()).isEqualTo(2);
    assertThat(headroom.limitedBy()).isEqualTo("disk");
    assertThat(headroom.detail())
        .isEqualTo("3584 MiB free on the disk of /trees, floor 1024 MiB, 1024 MiB per cell");
  }

  @Test
  void noCellFitsBelowTheDiskFloorEvenBeforeTheDiskPerCellIsKnown() {
    usableDisk.set(GIB - 1);

    CellAdmission.Headroom headroom = withDisk(0).headroom();

    assertThat(headroom.cells()).isZero();
    assertThat(headroom.limitedBy()).isEqualTo("disk");
    assertThat(headroom.detail())
        .isEqualTo(
            "1023 MiB free on the disk of /trees, floor 1024 MiB, not yet measured" + " per cell");
  }

  @Test
  void anUnknownDiskPerCellAboveTheFloorLeavesTheOtherLimitsInCharge() {
    usableDisk.set(GIB + 1);

    CellAdmission.Headroom headroom = withDisk(0).headroom();

    assertThat(headroom.cells()).isEqualTo(3);
    assertThat(headroom.limitedBy()).isEqualTo("worktrees");
  }

  @Test
  void aPollerHeldBackByAFullDiskIsAdmittedOnceDiskIsFreed() throws Exception {
    usableDisk.set(GIB / 2);
    CellCapacity capacityWithDisk = withDisk(GIB);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (CellAdmission admission =
        new CellAdmission(4, capacityWithDisk, scheduler, Duration.ofMillis(20), "test")) {
      SlotSupplierFuture slot = admission.reserveSlot(null);
      admission.recheck();
      assertThat(slot.isDone()).isFalse();
      assertThat(admission.holdingBack()).isTrue();
      assertThat(admission.headroom().limitedBy()).isEqualTo("disk");

      usableDisk.set(10 * GIB);
      admission.recheck();

      assertThat(slot.get(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(admission.holdingBack()).isFalse();
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static void run(GitRunner git, Path dir, String... args) {
    git.run(dir, args).requireSuccess(String.join(" ", args));
  }
}
