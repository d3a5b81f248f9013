package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.temporal.worker.tuning.ActivitySlotInfo;
import io.temporal.worker.tuning.SlotPermit;
import io.temporal.worker.tuning.SlotReleaseContext;
import io.temporal.worker.tuning.SlotReleaseReason;
import io.temporal.worker.tuning.SlotSupplierFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission as Temporal's pollers see it: slots only while a cell fits, in order, and none lost or
 * doubled.
 */
class CellAdmissionTest {

  private final AtomicInteger room = new AtomicInteger();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private CellAdmission admission;

  @AfterEach
  void stop() {
    if (admission != null) {
      admission.close();
    }
    scheduler.shutdownNow();
  }

  private CellAdmission admission(int maxSlots) {
    admission =
        new CellAdmission(
            maxSlots,
            () -> new CellAdmission.Headroom(room.get(), "ports", room + " free"),
            scheduler,
            Duration.ofMillis(20),
            "test-host");
    return admission;
  }

  @Test
  void slotsAreGrantedOnlyWhileACellFitsAndWaitersResumeWhenRoomReturns() throws Exception {
    room.set(2);
    admission(10);

    SlotSupplierFuture first = admission.reserveSlot(null);
    SlotSupplierFuture second = admission.reserveSlot(null);
    SlotSupplierFuture third = admission.reserveSlot(null);

    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(third).isNotDone();
    assertThat(admission.issued()).isEqualTo(2);
    assertThat(admission.waiting()).isEqualTo(1);
    assertThat(admission.holdingBack()).isFalse();

    // Both bootstraps ran: their cells now hold the room, and their slots go back.
    room.set(0);
    admission.releaseSlot(release(first.get()));
    admission.releaseSlot(release(second.get()));
    assertThat(third).isNotDone();
    assertThat(admission.holdingBack()).isTrue();
    assertThat(admission.headroom().limitedBy()).isEqualTo("ports");

    // A cell is torn down; the periodic tick notices without being told.
    room.set(1);
    third.get(5, TimeUnit.SECONDS);
    assertThat(admission.issued()).isEqualTo(1);
    assertThat(admission.holdingBack()).isFalse();
  }

  @Test
  void neverMoreSlotsThanTheMaximumHoweverMuchRoom() {
    room.set(100);
    admission(3);

    List<SlotSupplierFuture> futures = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      futures.add(admission.reserveSlot(null));
    }

    assertThat(futures.stream().filter(SlotSupplierFuture::isDone)).hasSize(3);
    assertThat(admission.getMaximumSlots()).contains(3);
    assertThat(admission.tryReserveSlot(null)).isEmpty();
  }

  @Test
  void eagerReservationsFollowTheSameRuleWithoutWaiting() {
    room.set(1);
    admission(10);

    assertThat(admission.tryReserveSlot(null)).isPresent();
    assertThat(admission.tryReserveSlot(null)).isEmpty();
    assertThat(admission.issued()).isEqualTo(1);
  }

  @Test
  void anAbortedReservationIsForgottenAndAnAbortedGrantIsGivenBack() throws Exception {
    room.set(0);
    admission(10);
    SlotSupplierFuture waiting = admission.reserveSlot(null);

    assertThat(waiting.abortReservation()).isNull();
    assertThat(admission.waiting()).isZero();

    room.set(1);
    SlotSupplierFuture granted = admission.reserveSlot(null);
    SlotPermit permit = granted.abortReservation();
    // Already granted: aborting hands the permit back to the caller, who releases it as the SDK
    // does.
    assertThat(permit).isNotNull();
    admission.releaseSlot(release(permit));
    assertThat(admission.issued()).isZero();
    assertThat(admission.reserveSlot(null).get(5, TimeUnit.SECONDS)).isNotNull();
  }

  @Test
  void concurrentPollersNeverHoldMoreSlotsThanThereIsRoom() throws Exception {
    room.set(4);
    admission(50);
    int pollers = 16;
    int rounds = 200;
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(pollers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int p = 0; p < pollers; p++) {
        done.add(
            threads.submit(
                () -> {
                  start.await();
                  for (int r = 0; r < rounds; r++) {
                    SlotSupplierFuture future = admission.reserveSlot(null);
                    if (r % 7 == 0) {
                      // Some pollers give up (worker shutdown, poller scale-down) while waiting or
                      // just after the grant.
                      SlotPermit aborted = future.abortReservation();
                      if (aborted != null) {
                        admission.releaseSlot(release(aborted));
                      }
                      continue;
                    }
                    SlotPermit permit = future.get(10, TimeUnit.SECONDS);
                    most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                    holding.decrementAndGet();
                    admission.releaseSlot(release(permit));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(most.get()).isBetween(1, 4);
    await().atMost(Duration.ofSeconds(5)).until(() -> admission.issued() == 0);
    assertThat(admission.waiting()).isZero();
  }

  private static SlotReleaseContext<ActivitySlotInfo> release(SlotPermit permit) {
    return new SlotReleaseContext<>() {
      @Override
      public SlotReleaseReason getSlotReleaseReason() {
        return SlotReleaseReason.taskComplete();
      }

      @Override
      public SlotPermit getSlotPermit() {
        return permit;
      }

      @Override
      public ActivitySlotInfo getSlotInfo() {
        return null;
      }
    };
  }
}
