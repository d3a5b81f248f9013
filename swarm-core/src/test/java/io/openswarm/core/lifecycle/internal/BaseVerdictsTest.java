package io.openswarm.core.lifecycle.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.testrun.TestRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BaseVerdictsTest {

  private static final BaseVerdicts.Key KEY =
      new BaseVerdicts.Key("a".repeat(40), List.of("make", "test"), null);

  private static TestRunner.Result exit(int code) {
    return new TestRunner.Result(
        code, false, "output of exit " + code, false, 10, Duration.ofMillis(5));
  }

  @Test
  void aGreenOrRedVerdictIsKeptAndReusedWithoutRunningAgain() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(8);
    AtomicInteger runs = new AtomicInteger();

    BaseVerdicts.Verdict first =
        verdicts.verdict(
            KEY,
            () -> {
              runs.incrementAndGet();
              return exit(1);
            });
    BaseVerdicts.Verdict second =
        verdicts.verdict(
            KEY,
            () -> {
              runs.incrementAndGet();
              return exit(0);
            });

    assertThat(first.reused()).isFalse();
    assertThat(second.reused()).isTrue();
    assertThat(second.result().exitCode()).isEqualTo(1);
    assertThat(runs).hasValue(1);
  }

  @Test
  void otherBasesCommandsAndLimitsAreOtherKeys() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(8);
    AtomicInteger runs = new AtomicInteger();
    List<BaseVerdicts.Key> keys =
        List.of(
            KEY,
            new BaseVerdicts.Key("b".repeat(40), List.of("make", "test"), null),
            new BaseVerdicts.Key("a".repeat(40), List.of("make", "check"), null),
            new BaseVerdicts.Key("a".repeat(40), null, null),
            new BaseVerdicts.Key("a".repeat(40), List.of("make", "test"), Duration.ofMinutes(1)));

    for (BaseVerdicts.Key key : keys) {
      assertThat(
              verdicts
                  .verdict(
                      key,
                      () -> {
                        runs.incrementAndGet();
                        return exit(0);
                      })
                  .reused())
          .as("%s", key)
          .isFalse();
    }

    assertThat(runs).hasValue(keys.size());
    assertThat(verdicts.size()).isEqualTo(keys.size());
  }

  @Test
  void runsThatGaveNoVerdictAreNotKept() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(8);
    List<TestRunner.Result> noVerdicts =
        List.of(
            exit(127),
            exit(126),
            new TestRunner.Result(137, true, "slow", false, 4, Duration.ofSeconds(1)),
            new TestRunner.Result(143, false, true, "stopped", false, 7, Duration.ofSeconds(1)));

    for (TestRunner.Result result : noVerdicts) {
      assertThat(verdicts.verdict(KEY, () -> result).reused()).isFalse();
      assertThat(verdicts.size()).as("%s", result).isZero();
    }
    assertThatThrownBy(
            () ->
                verdicts.verdict(
                    KEY,
                    () -> {
                      throw new IOException("cannot start");
                    }))
        .isInstanceOf(IOException.class);
    assertThat(verdicts.size()).isZero();
  }

  @Test
  void cellsThatAskTogetherWaitForOneRun() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(8);
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<BaseVerdicts.Verdict> owner =
          pool.submit(
              () ->
                  verdicts.verdict(
                      KEY,
                      () -> {
                        runs.incrementAndGet();
                        started.countDown();
                        release.await();
                        return exit(0);
                      }));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      List<Future<BaseVerdicts.Verdict>> waiters = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        waiters.add(
            pool.submit(
                () ->
                    verdicts.verdict(
                        KEY,
                        () -> {
                          runs.incrementAndGet();
                          return exit(0);
                        })));
      }
      release.countDown();

      assertThat(owner.get(10, TimeUnit.SECONDS).reused()).isFalse();
      for (Future<BaseVerdicts.Verdict> waiter : waiters) {
        assertThat(waiter.get(10, TimeUnit.SECONDS).reused()).isTrue();
      }
      assertThat(runs).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aWaiterRunsTheCheckItselfWhenTheRunItWaitedForGaveNoVerdict() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(8);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<BaseVerdicts.Verdict> owner =
          pool.submit(
              () ->
                  verdicts.verdict(
                      KEY,
                      () -> {
                        started.countDown();
                        release.await();
                        return exit(127);
                      }));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      Future<BaseVerdicts.Verdict> waiter = pool.submit(() -> verdicts.verdict(KEY, () -> exit(0)));
      release.countDown();

      assertThat(owner.get(10, TimeUnit.SECONDS).result().exitCode()).isEqualTo(127);
      BaseVerdicts.Verdict own = waiter.get(10, TimeUnit.SECONDS);
      assertThat(own.reused()).isFalse();
      assertThat(own.result().passed()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theLeastRecentlyUsedVerdictIsDroppedBeyondTheCapacity() throws Exception {
    BaseVerdicts verdicts = new BaseVerdicts(2);
    BaseVerdicts.Key second = new BaseVerdicts.Key("b".repeat(40), null, null);
    BaseVerdicts.Key third = new BaseVerdicts.Key("c".repeat(40), null, null);
    verdicts.verdict(KEY, () -> exit(0));
    verdicts.verdict(second, () -> exit(0));
    verdicts.verdict(KEY, () -> exit(0));

    verdicts.verdict(third, () -> exit(0));

    assertThat(verdicts.size()).isEqualTo(2);
    assertThat(verdicts.verdict(KEY, () -> exit(1)).reused()).as("used recently, kept").isTrue();
    assertThat(verdicts.verdict(second, () -> exit(1)).reused()).as("dropped").isFalse();
  }

  @Test
  void aCapacityBelowOneIsRefusedWithTheValue() {
    assertThatThrownBy(() -> new BaseVerdicts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must be at least 1 but was 0");
  }
}
