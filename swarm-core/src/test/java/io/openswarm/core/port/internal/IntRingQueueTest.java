package io.openswarm.core.port.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class IntRingQueueTest {

  @Test
  void roundsCapacityUpToAPowerOfTwo() {
    assertThat(new IntRingQueue(1).capacity()).isEqualTo(1);
    assertThat(new IntRingQueue(2).capacity()).isEqualTo(2);
    assertThat(new IntRingQueue(3).capacity()).isEqualTo(4);
    assertThat(new IntRingQueue(1001).capacity()).isEqualTo(1024);
    assertThat(new IntRingQueue(1024).capacity()).isEqualTo(1024);
  }

  @Test
  void isFirstInFirstOutAcrossLaps() {
    IntRingQueue queue = new IntRingQueue(4);
    for (int lap = 0; lap < 10; lap++) {
      for (int i = 0; i < 4; i++) {
        assertThat(queue.offer(lap * 10 + i)).isTrue();
      }
      assertThat(queue.offer(99)).as("full").isFalse();
      assertThat(queue.size()).isEqualTo(4);
      for (int i = 0; i < 4; i++) {
        assertThat(queue.poll()).isEqualTo(lap * 10 + i);
      }
      assertThat(queue.poll()).isEqualTo(IntRingQueue.EMPTY);
      assertThat(queue.size()).isZero();
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new IntRingQueue(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minimumCapacity must be between 1 and 2^30 but was 0");
    assertThatThrownBy(() -> new IntRingQueue(4).offer(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value must not be negative but was -1");
  }

  @Test
  void concurrentProducersAndConsumersDeliverEveryValueExactlyOnce() throws Exception {
    int producers = 4;
    int perProducer = 50_000;
    int total = producers * perProducer;
    IntRingQueue queue = new IntRingQueue(64);
    AtomicIntegerArray seen = new AtomicIntegerArray(total);
    CountDownLatch startGate = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(producers * 2);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int first = p * perProducer;
        futures.add(
            pool.submit(
                () -> {
                  startGate.await();
                  for (int v = first; v < first + perProducer; v++) {
                    while (!queue.offer(v)) {
                      Thread.yield();
                    }
                  }
                  return null;
                }));
        futures.add(
            pool.submit(
                () -> {
                  startGate.await();
                  for (int taken = 0; taken < perProducer; ) {
                    int v = queue.poll();
                    if (v == IntRingQueue.EMPTY) {
                      Thread.yield();
                    } else {
                      assertThat(seen.getAndIncrement(v))
                          .as("value %d delivered twice", v)
                          .isZero();
                      taken++;
                    }
                  }
                  return null;
                }));
      }
      startGate.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int v = 0; v < total; v++) {
      assertThat(seen.get(v)).as("value %d", v).isEqualTo(1);
    }
    assertThat(queue.poll()).isEqualTo(IntRingQueue.EMPTY);
  }
}
