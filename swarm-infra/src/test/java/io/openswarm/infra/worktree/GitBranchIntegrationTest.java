package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.BranchIntegration.Retest;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integrator against real git: worktrees from a real pool, real rebases, real compare-and-swap
 * ref updates.
 */
class GitBranchIntegrationTest {

  private static final CommitAuthor CELL = CommitAuthor.of("Swarm Cell", "cell@swarm.example");
  private static final CommitAuthor INTEGRATOR =
      CommitAuthor.of("Swarm Integrator", "integrator@swarm.example");
  private static final TestRunner.Result GREEN =
      new TestRunner.Result(0, false, "ok\n", false, 3, Duration.ofMillis(5));
  private static final Retest NEVER =
      () -> {
        throw new AssertionError("the tests must not run again when the target has not moved");
      };

  @TempDir Path temp;
  private TestRepository repo;
  private WorktreePool pool;
  private String base;
  private final GitBranchIntegration integrator = GitBranchIntegration.create();
  private final GitWorktreeChanges changes = GitWorktreeChanges.create();
  private final List<WorktreeLease> leases = new ArrayList<>();

  @BeforeEach
  void repository() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write("shared.txt", "one\ntwo\nthree\n").commit("a shared file");
    base = repo.head();
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .maxTotal(8)
            .build();
    pool.start();
    integrator.createTarget(repo.path(), "dag/target", "main");
  }

  @AfterEach
  void release() {
    leases.forEach(WorktreeLease::close);
    assertThat(pool.leasedCount()).isZero();
    pool.close();
  }

  /** A cell on {@code base} that commits {@code content} to {@code file}; returns its lease. */
  private WorktreeLease cellWriting(String cell, String file, String content) {
    WorktreeLease lease = pool.acquire(CellId.of(cell), base);
    leases.add(lease);
    TestRepositories.writeFile(lease.path(), file, content);
    assertThat(changes.commit(lease, cell + ": write " + file, CELL)).isPresent();
    return lease;
  }

  /** Moves the target with a commit made outside any cell, as another integration would. */
  private String advanceTarget(String file, String content) {
    Path other = temp.resolve("other-" + file.replace('/', '-'));
    repo.git("worktree", "add", "--quiet", "--detach", other.toString(), "dag/target");
    TestRepositories.writeFile(other, file, content);
    TestRepositories.git(other, "add", "-A");
    TestRepositories.git(other, "commit", "--quiet", "-m", "elsewhere: " + file);
    String sha = TestRepositories.git(other, "rev-parse", "HEAD").strip();
    repo.git("update-ref", "refs/heads/dag/target", sha);
    repo.git("worktree", "remove", "--force", other.toString());
    return sha;
  }

  private String target() {
    return repo.resolve("dag/target");
  }

  private List<String> parents(String commit) {
    List<String> line =
        List.of(repo.git("rev-list", "--parents", "-n", "1", commit).strip().split(" "));
    return line.subList(1, line.size());
  }

  @Test
  void fastForwardsWithoutTestingAgainWhenTheTargetHasNotMoved() {
    WorktreeLease lease = cellWriting("ff", "a.txt", "a\n");
    String cellCommit = repo.resolve("swarm/ff");

    BranchIntegration.Result result = integrator.integrate(lease, "dag/target", INTEGRATOR, NEVER);

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
    assertThat(result.commit()).isEqualTo(cellCommit).isEqualTo(target());
    assertThat(result.onto()).isEqualTo(base);
    assertThat(result.rounds()).isEqualTo(1);
    assertThat(result.retests()).isZero();
    assertThat(result.testOutputTail()).isNull();
    assertThat(repo.hasBranch("swarm/ff")).as("integrated cell branch deleted").isFalse();
    assertThat(TestRepositories.git(lease.path(), "rev-parse", "HEAD").strip())
        .isEqualTo(cellCommit);
  }

  @Test
  void rebasesOntoAMovedTargetAndTestsTheResultBeforeMovingIt() {
    WorktreeLease lease = cellWriting("moved", "a.txt", "a\n");
    String other = advanceTarget("b.txt", "b\n");
    List<String> seenAtRetest = new ArrayList<>();

    BranchIntegration.Result result =
        integrator.integrate(
            lease,
            "dag/target",
            INTEGRATOR,
            () -> {
              seenAtRetest.addAll(TestRepositories.files(lease.path()).keySet());
              return GREEN;
            });

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
    assertThat(result.onto()).isEqualTo(other);
    assertThat(result.retests()).isEqualTo(1);
    assertThat(result.testOutputTail()).as("a green retest leaves no report").isNull();
    assertThat(seenAtRetest).contains("a.txt", "b.txt", "shared.txt");
    String integrated = target();
    assertThat(result.commit()).isEqualTo(integrated);
    assertThat(parents(integrated)).containsExactly(other);
    assertThat(repo.git("log", "-1", "--format=%an|%cn|%s", integrated))
        .isEqualTo("Swarm Cell|Swarm Integrator|moved: write a.txt\n");
    assertThat(repo.git("rev-list", "--merges", base + "..dag/target")).isEmpty();
  }

  @Test
  void aConflictLeavesTheTargetAndTheCellsCommitAsTheyWere() {
    WorktreeLease lease = cellWriting("clash", "shared.txt", "one\nTWO from the cell\nthree\n");
    String cellCommit = repo.resolve("swarm/clash");
    String other = advanceTarget("shared.txt", "one\nTWO from elsewhere\nthree\n");

    BranchIntegration.Result result =
        integrator.integrate(
            lease,
            "dag/target",
            INTEGRATOR,
            () -> {
              throw new AssertionError("a conflicting change must not be tested");
            });

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.CONFLICT);
    assertThat(result.conflictingFiles()).containsExactly("shared.txt");
    assertThat(result.onto()).isEqualTo(other);
    assertThat(target()).isEqualTo(other);
    assertCellRestored(lease, "clash", cellCommit);
  }

  @Test
  void redTestsOnTopOfTheTargetRevertToTheCellsCommit() {
    WorktreeLease lease = cellWriting("red", "a.txt", "a\n");
    String cellCommit = repo.resolve("swarm/red");
    String other = advanceTarget("b.txt", "b\n");
    TestRunner.Result red =
        new TestRunner.Result(
            1, false, "b.txt and a.txt do not get along\n", false, 33, Duration.ofMillis(9));

    BranchIntegration.Result result =
        integrator.integrate(
            lease,
            "dag/target",
            INTEGRATOR,
            () -> {
              TestRepositories.writeFile(
                  lease.path(), "test-output/report.txt", "left by the tests\n");
              return red;
            });

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.REVERTED);
    assertThat(result.testOutputTail()).isEqualTo(red.report());
    assertThat(result.onto()).isEqualTo(other);
    assertThat(target()).isEqualTo(other);
    assertCellRestored(lease, "red", cellCommit);
    assertThat(lease.path().resolve("test-output")).doesNotExist();
  }

  @Test
  void aRetestThatThrowsRestoresTheCellsCommitAndRethrows() {
    WorktreeLease lease = cellWriting("broken", "a.txt", "a\n");
    String cellCommit = repo.resolve("swarm/broken");
    String other = advanceTarget("b.txt", "b\n");

    assertThatThrownBy(
            () ->
                integrator.integrate(
                    lease,
                    "dag/target",
                    INTEGRATOR,
                    () -> {
                      throw new IllegalStateException("the test command is missing");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the test command is missing");

    assertThat(target()).isEqualTo(other);
    assertCellRestored(lease, "broken", cellCommit);
  }

  @Test
  void anInterruptedRetestStillRestoresAndKeepsTheInterrupt() {
    WorktreeLease lease = cellWriting("interrupted", "a.txt", "a\n");
    String cellCommit = repo.resolve("swarm/interrupted");
    advanceTarget("b.txt", "b\n");

    try {
      assertThatThrownBy(
              () ->
                  integrator.integrate(
                      lease,
                      "dag/target",
                      INTEGRATOR,
                      () -> {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("cancelled");
                      }))
          .hasMessage("cancelled");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertCellRestored(lease, "interrupted", cellCommit);
  }

  /**
   * While the first cell's tests run again, a second cell integrates: the first cell's
   * compare-and-swap must fail, and it must rebase onto the second cell's commit, test again, and
   * land after it.
   */
  @Test
  void whenAnotherIntegrationLandsDuringTheRetestTheSwapFailsAndTheNextRoundRebasesAgain() {
    WorktreeLease first = cellWriting("first", "a.txt", "a\n");
    WorktreeLease second = cellWriting("second", "c.txt", "c\n");
    String other = advanceTarget("b.txt", "b\n");
    AtomicInteger firstRetests = new AtomicInteger();
    List<BranchIntegration.Result> secondResults = new ArrayList<>();

    BranchIntegration.Result result =
        integrator.integrate(
            first,
            "dag/target",
            INTEGRATOR,
            () -> {
              if (firstRetests.incrementAndGet() == 1) {
                secondResults.add(
                    integrator.integrate(second, "dag/target", INTEGRATOR, () -> GREEN));
              }
              return GREEN;
            });

    assertThat(secondResults)
        .singleElement()
        .satisfies(
            second1 -> {
              assertThat(second1.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
              assertThat(second1.rounds()).isEqualTo(1);
              assertThat(second1.onto()).isEqualTo(other);
            });
    String secondCommit = secondResults.get(0).commit();
    assertThat(result.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
    assertThat(result.rounds()).as("one failed compare-and-swap, then success").isEqualTo(2);
    assertThat(result.retests()).isEqualTo(2);
    assertThat(result.onto()).isEqualTo(secondCommit);
    assertThat(target()).isEqualTo(result.commit());
    assertThat(parents(result.commit())).containsExactly(secondCommit);
    assertThat(parents(secondCommit)).containsExactly(other);
    assertThat(repo.tree(target())).containsKeys("a.txt", "b.txt", "c.txt");
  }

  @Test
  void concurrentIntegrationsAllLandOneAfterAnotherWithoutMergeCommits() throws Exception {
    int cells = 4;
    List<WorktreeLease> racing = new ArrayList<>();
    for (int i = 0; i < cells; i++) {
      racing.add(cellWriting("racer-" + i, "racer-" + i + ".txt", i + "\n"));
    }
    CountDownLatch startGate = new CountDownLatch(1);
    AtomicInteger retests = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(cells);
    List<Future<BranchIntegration.Result>> results = new ArrayList<>();
    try {
      for (WorktreeLease lease : racing) {
        results.add(
            threads.submit(
                () -> {
                  startGate.await();
                  return integrator.integrate(
                      lease,
                      "dag/target",
                      INTEGRATOR,
                      () -> {
                        retests.incrementAndGet();
                        return GREEN;
                      });
                }));
      }
      startGate.countDown();
      List<BranchIntegration.Result> integrations = new ArrayList<>();
      for (Future<BranchIntegration.Result> result : results) {
        integrations.add(result.get(60, TimeUnit.SECONDS));
      }

      assertThat(integrations)
          .allSatisfy(i -> assertThat(i.status()).isEqualTo(BranchIntegration.Status.INTEGRATED));
      assertThat(integrations).extracting(BranchIntegration.Result::commit).doesNotHaveDuplicates();
      assertThat(repo.git("rev-list", "--count", base + "..dag/target").strip())
          .isEqualTo(String.valueOf(cells));
      assertThat(repo.git("rev-list", "--merges", base + "..dag/target")).isEmpty();
      assertThat(repo.tree(target()))
          .containsKeys("racer-0.txt", "racer-1.txt", "racer-2.txt", "racer-3.txt");
      // Only the first to land could fast-forward; every other one was rebased and tested again at
      // least once.
      assertThat(retests.get()).isGreaterThanOrEqualTo(cells - 1);
      assertThat(integrations).extracting(BranchIntegration.Result::retests).containsOnlyOnce(0);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aCellWhoseChangeIsAlreadyOnTheTargetMovesNothing() {
    WorktreeLease lease = pool.acquire(CellId.of("idle"), base);
    leases.add(lease);
    String other = advanceTarget("b.txt", "b\n");

    BranchIntegration.Result result = integrator.integrate(lease, "dag/target", INTEGRATOR, NEVER);

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
    assertThat(result.commit()).isEqualTo(other).isEqualTo(result.onto());
    assertThat(target()).isEqualTo(other);
  }

  @Test
  void aChangeThatBecomesEmptyOnTheTargetMovesNothing() {
    WorktreeLease lease = cellWriting("same", "b.txt", "b\n");
    String other = advanceTarget("b.txt", "b\n");

    BranchIntegration.Result result = integrator.integrate(lease, "dag/target", INTEGRATOR, NEVER);

    assertThat(result.status()).isEqualTo(BranchIntegration.Status.INTEGRATED);
    assertThat(result.commit()).isEqualTo(other);
    assertThat(target()).isEqualTo(other);
  }

  @Test
  void integratedBranchesCanBeKept() {
    WorktreeLease lease = cellWriting("kept", "a.txt", "a\n");

    BranchIntegration.Result result =
        GitBranchIntegration.newBuilder()
            .keepIntegratedBranches(true)
            .build()
            .integrate(lease, "dag/target", INTEGRATOR, NEVER);

    assertThat(repo.resolve("swarm/kept")).isEqualTo(result.commit());
  }

  @Test
  void aTargetThatIsCheckedOutIsRefused() {
    WorktreeLease lease = cellWriting("main-user", "a.txt", "a\n");

    assertThatThrownBy(() -> integrator.integrate(lease, "main", INTEGRATOR, NEVER))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT))
        .hasMessageContaining("target branch main is checked out in " + repo.path());
    assertThat(repo.resolve("main")).isEqualTo(base);
  }

  @Test
  void aMissingTargetIsAnUnknownRef() {
    WorktreeLease lease = cellWriting("lost", "a.txt", "a\n");

    assertThatThrownBy(() -> integrator.integrate(lease, "dag/nope", INTEGRATOR, NEVER))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_REF))
        .hasMessage("target branch dag/nope does not exist");
    assertThat(repo.hasBranch("swarm/lost")).isTrue();
  }

  @Test
  void invalidTargetNamesAreRejected() {
    WorktreeLease lease = cellWriting("names", "a.txt", "a\n");

    for (String name : List.of("", "-x", "a..b", "a b", "a/", "x.lock", "swarm/names")) {
      assertThatIllegalArgumentException()
          .as(name)
          .isThrownBy(() -> integrator.integrate(lease, name, INTEGRATOR, NEVER))
          .withMessageContaining("target");
    }
  }

  @Test
  void createTargetIsIdempotentAtTheSameCommitAndNeverMovesAnExistingBranch() {
    assertThat(integrator.createTarget(repo.path(), "dag/target", base)).isEqualTo(base);
    String other = advanceTarget("b.txt", "b\n");

    assertThatThrownBy(() -> integrator.createTarget(repo.path(), "dag/target", "main"))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT))
        .hasMessageContaining("target branch dag/target already exists at " + other);
    assertThat(target()).isEqualTo(other);
    assertThatThrownBy(() -> integrator.createTarget(repo.path(), "dag/other", "no-such-ref"))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_REF));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> integrator.createTarget(repo.path(), "dag/x", "--all"));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> integrator.createTarget(repo.path(), "bad..name", "main"));
    assertThat(integrator.createTarget(repo.path(), "dag/second", "main~1"))
        .isEqualTo(repo.resolve("main~1"));
  }

  private void assertCellRestored(WorktreeLease lease, String cell, String cellCommit) {
    assertThat(repo.resolve("swarm/" + cell)).isEqualTo(cellCommit);
    assertThat(TestRepositories.git(lease.path(), "symbolic-ref", "HEAD").strip())
        .isEqualTo("refs/heads/swarm/" + cell);
    assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--untracked-files=all"))
        .isEmpty();
    assertThat(
            Files.exists(
                lease
                    .path()
                    .resolve(
                        TestRepositories.git(
                                lease.path(), "rev-parse", "--git-path", "rebase-merge")
                            .strip())))
        .isFalse();
  }
}
