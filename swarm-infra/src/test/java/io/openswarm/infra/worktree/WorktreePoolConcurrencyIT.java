package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many cells acquiring and releasing at once, on a machine with few cores. */
class WorktreePoolConcurrencyIT {

  private static final int THREADS = 16;

  @TempDir Path temp;
  private TestRepository repo;
  private ExecutorService executor;

  @BeforeEach
  void setUp() {
    repo = TestRepositories.create(temp.resolve("repo"));
    for (int i = 0; i < 50; i++) {
      repo.write("src/file" + i + ".txt", "content " + i + "\n");
    }
    repo.commit("fifty files");
    executor = Executors.newFixedThreadPool(THREADS);
  }

  @AfterEach
  void tearDown() throws Exception {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void sixteenCellsHoldingWorktreesAtOnceGetDistinctOnesRoundAfterRound() throws Exception {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .maxTotal(THREADS)
            .maxIdle(THREADS)
            .keepIdleOnClose(false)
            .build();
    pool.start();
    try {
      Set<Path> firstRoundPaths = null;
      for (int round = 0; round < 3; round++) {
        int r = round;
        CountDownLatch startGate = new CountDownLatch(1);
        AtomicInteger leasedWhileAllHold = new AtomicInteger(-1);
        CyclicBarrier allHolding =
            new CyclicBarrier(THREADS, () -> leasedWhileAllHold.set(pool.leasedCount()));
        ConcurrentLinkedQueue<Path> paths = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
          String cell = "r" + round + "-c" + i;
          futures.add(
              executor.submit(
                  () -> {
                    startGate.await();
                    try (WorktreeLease lease = pool.acquire(CellId.of(cell), "main")) {
                      TestRepositories.writeFile(lease.path(), "cell.txt", cell + "\n");
                      paths.add(lease.path());
                      allHolding.await(120, TimeUnit.SECONDS);
                    }
                    return null;
                  }));
        }
        startGate.countDown();
        for (Future<?> future : futures) {
          future.get(300, TimeUnit.SECONDS);
        }

        assertThat(leasedWhileAllHold).hasValue(THREADS);
        Set<Path> distinct = new HashSet<>(paths);
        assertThat(distinct).as("round %d", r).hasSize(THREADS);
        if (firstRoundPaths == null) {
          firstRoundPaths = distinct;
        } else {
          assertThat(distinct)
              .as("later rounds reuse the warm worktrees")
              .isEqualTo(firstRoundPaths);
        }
        assertThat(pool.leasedCount()).isZero();
        assertThat(pool.idleCount()).isEqualTo(THREADS);
        assertThat(pool.totalCount()).isEqualTo(THREADS);
      }
      assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/heads/"))
          .isEqualTo("refs/heads/main\n");
      assertThat(repo.worktrees()).hasSize(THREADS + 1);
    } finally {
      pool.close();
    }
    assertThat(repo.worktrees()).containsExactly(repo.path());
  }

  @Test
  void moreCellsThanWorktreesWaitTheirTurnAndCommitSafely() throws Exception {
    String older = repo.resolve("HEAD~1");
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .maxTotal(4)
            .maxIdle(2)
            .minIdle(1)
            .acquireTimeout(Duration.ofMinutes(5))
            .keepIdleOnClose(false)
            .build();
    pool.start();
    GitWorktreeChanges changes = GitWorktreeChanges.create();
    CommitAuthor author = CommitAuthor.of("Cell", "cell@example.com");
    try {
      CountDownLatch startGate = new CountDownLatch(1);
      ConcurrentLinkedQueue<String> committedCells = new ConcurrentLinkedQueue<>();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int id = i;
        futures.add(
            executor.submit(
                () -> {
                  startGate.await();
                  for (int cycle = 0; cycle < 3; cycle++) {
                    String cell = "t" + id + "-" + cycle;
                    String base = (id + cycle) % 2 == 0 ? "main" : older;
                    try (WorktreeLease lease = pool.acquire(CellId.of(cell), base)) {
                      assertThat(pool.totalCount()).isLessThanOrEqualTo(4);
                      TestRepositories.writeFile(lease.path(), "out/" + cell + ".txt", cell + "\n");
                      if (id % 2 == 0) {
                        assertThat(changes.commit(lease, "work of " + cell, author)).isPresent();
                        committedCells.add(cell);
                      }
                    }
                  }
                  return null;
                }));
      }
      startGate.countDown();
      for (Future<?> future : futures) {
        future.get(600, TimeUnit.SECONDS);
      }

      assertThat(pool.leasedCount()).isZero();
      assertThat(pool.waitingCount()).isZero();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> pool.totalCount() == pool.idleCount() && pool.idleCount() == 2);
      Set<String> branches =
          new HashSet<>(
              List.of(
                  repo.git("for-each-ref", "--format=%(refname:short)", "refs/heads/swarm/")
                      .split("\n")));
      Set<String> expected = new HashSet<>();
      committedCells.forEach(cell -> expected.add("swarm/" + cell));
      assertThat(committedCells).hasSize(THREADS / 2 * 3);
      assertThat(branches).isEqualTo(expected);
    } finally {
      pool.close();
    }
    assertThat(repo.worktrees()).containsExactly(repo.path());
  }
}
