package io.openswarm.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClosedLoopLoadTest {

  private static final Duration LIMIT = Duration.ofSeconds(30);

  /** Cells whose futures the test completes, recording how many are in flight. */
  private static final class ControlledCells {
    final BlockingQueue<CompletableFuture<String>> pending = new LinkedBlockingQueue<>();
    final List<String> startedIds = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    CompletableFuture<String> start(String id) {
      startedIds.add(id);
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      CompletableFuture<String> cell = new CompletableFuture<>();
      pending.add(cell);
      return cell;
    }

    /**
     * Ends the oldest pending cell with {@code result}, or with a failure when {@code result} is
     * null.
     */
    void endNext(String result) throws InterruptedException {
      CompletableFuture<String> cell = pending.poll(10, TimeUnit.SECONDS);
      assertThat(cell).as("a started cell").isNotNull();
      inFlight.decrementAndGet();
      if (result == null) {
        cell.completeExceptionally(new IllegalStateException("scripted failure"));
      } else {
        cell.complete(result);
      }
    }
  }

  @Test
  void runsEveryCellWithNeverMoreThanTheConcurrencyInFlight() throws Exception {
    ControlledCells cells = new ControlledCells();
    CompletableFuture<LoadResult<String>> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return ClosedLoopLoad.run(20, 3, "c-", cells::start, LIMIT);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    // The loader fills every slot, and cannot start another cell before one ends.
    await().atMost(Duration.ofSeconds(10)).until(() -> cells.pending.size() == 3);
    assertThat(cells.startedIds).containsExactly("c-0", "c-1", "c-2");
    for (int i = 0; i < 20; i++) {
      cells.endNext("done");
    }
    LoadResult<String> load = run.get(10, TimeUnit.SECONDS);

    assertThat(cells.maxInFlight.get()).isEqualTo(3);
    assertThat(cells.startedIds).hasSize(20).doesNotHaveDuplicates();
    assertThat(load.cells()).isEqualTo(20);
    assertThat(load.results()).hasSize(20).containsOnly("done");
    assertThat(load.concurrency()).isEqualTo(3);
  }

  @Test
  void aFailedCellStopsTheRunAndIsReported() throws Exception {
    ControlledCells cells = new ControlledCells();
    CompletableFuture<LoadResult<String>> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return ClosedLoopLoad.run(10, 1, "f-", cells::start, LIMIT);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    cells.endNext("done");
    cells.endNext(null);

    assertThatThrownBy(() -> run.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cell f-1 failed")
        .cause()
        .hasMessage("scripted failure");
    assertThat(cells.startedIds).containsExactly("f-0", "f-1");
  }

  @Test
  void aCellThatCannotBeStartedIsReported() {
    assertThatThrownBy(
            () ->
                ClosedLoopLoad.run(
                    5,
                    2,
                    "s-",
                    id -> {
                      throw new IllegalArgumentException("refused " + id);
                    },
                    LIMIT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cell s-0 could not be started")
        .cause()
        .hasMessage("refused s-0");
  }

  @Test
  void cellsAndConcurrencyMustBePositive() {
    assertThatThrownBy(
            () ->
                ClosedLoopLoad.run(0, 1, "x-", id -> CompletableFuture.completedFuture(id), LIMIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cells and concurrency must be at least 1 but were 0 and 1");
  }
}
