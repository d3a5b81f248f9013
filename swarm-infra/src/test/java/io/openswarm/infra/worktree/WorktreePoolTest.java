package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.DeepTrees;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorktreePoolTest {

  @TempDir Path temp;
  private TestRepository repo;
  private Path root;
  private final List<WorktreePool> pools = new ArrayList<>();

  @BeforeEach
  void createRepository() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "build/\n*.log\n")
        .write("src/Main.java", "class Main {}\n")
        .write("src/util/Strings.java", "class Strings {}\n")
        .write("run.sh", "#!/bin/sh\necho run\n")
        .makeExecutable("run.sh")
        .commit("project files");
    root = temp.resolve("pool");
  }

  @AfterEach
  void closePools() {
    pools.forEach(WorktreePool::close);
  }

  private WorktreePool start(Consumer<WorktreePool.Builder> settings) {
    WorktreePool.Builder builder =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(root)
            .acquireTimeout(Duration.ofSeconds(30))
            .closeTimeout(Duration.ofSeconds(5));
    settings.accept(builder);
    WorktreePool pool = builder.build();
    pools.add(pool);
    pool.start();
    return pool;
  }

  private WorktreePool start() {
    return start(b -> {});
  }

  @Test
  void leasesACleanWorktreeOnAFreshBranchAtTheBase() {
    WorktreePool pool = start();

    try (WorktreeLease lease = pool.acquire(CellId.of("cell-1"), "main")) {
      assertThat(lease.cellId()).isEqualTo(CellId.of("cell-1"));
      assertThat(lease.path().getParent()).isEqualTo(root.toAbsolutePath());
      assertThat(lease.branch()).isEqualTo("swarm/cell-1");
      assertThat(lease.baseCommit()).isEqualTo(repo.head());
      assertThat(TestRepositories.git(lease.path(), "symbolic-ref", "HEAD"))
          .isEqualTo("refs/heads/swarm/cell-1\n");
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree("HEAD"));
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored"))
          .isEmpty();
      assertThat(pool.leasedCount()).isEqualTo(1);
      assertThat(pool.idleCount()).isZero();
      assertThat(pool.totalCount()).isEqualTo(1);
      assertThat(pool.find(CellId.of("cell-1"))).containsSame(lease);
    }

    assertThat(pool.leasedCount()).isZero();
    assertThat(pool.idleCount()).isEqualTo(1);
    assertThat(pool.totalCount()).isEqualTo(1);
    assertThat(pool.find(CellId.of("cell-1"))).isEmpty();
    assertThat(repo.hasBranch("swarm/cell-1")).as("a branch without commits is deleted").isFalse();
  }

  @Test
  void reusesTheReturnedWorktreeAndRestoresItExactly() throws Exception {
    WorktreePool pool = start();
    Path firstPath;
    try (WorktreeLease lease = pool.acquire(CellId.of("dirty"), "main")) {
      firstPath = lease.path();
      Path wt = lease.path();
      Files.writeString(wt.resolve("src/Main.java"), "class Main { int changed; }\n");
      Files.writeString(wt.resolve("README.md"), "staged change\n");
      TestRepositories.git(wt, "add", "README.md");
      Files.delete(wt.resolve("src/util/Strings.java"));
      TestRepositories.writeFile(wt, "src/New.java", "class New {}\n");
      TestRepositories.git(wt, "add", "src/New.java");
      TestRepositories.writeFile(wt, "notes/untracked.txt", "untracked\n");
      TestRepositories.writeFile(wt, "build/classes/Main.class", "ignored\n");
      TestRepositories.writeFile(wt, "debug.log", "ignored\n");
      TestRepositories.git(wt, "init", "--quiet", "nested");
      Files.setPosixFilePermissions(
          wt.resolve("run.sh"),
          java.util.Set.of(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE));
      assertThat(TestRepositories.git(wt, "status", "--porcelain", "--ignored")).isNotEmpty();
    }

    try (WorktreeLease lease = pool.acquire(CellId.of("next"), "main")) {
      assertThat(lease.path()).as("the warm worktree is reused").isEqualTo(firstPath);
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored"))
          .isEmpty();
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree("main"));
      assertThat(lease.path().resolve("nested")).doesNotExist();
    }
    assertThat(pool.totalCount()).isEqualTo(1);
  }

  @Test
  void releaseRemovesEmptyDirectoriesThatGitStatusCannotSee() throws Exception {
    WorktreePool pool = start();
    Path firstPath;
    try (WorktreeLease lease = pool.acquire(CellId.of("mkdir"), "main")) {
      firstPath = lease.path();
      Files.createDirectories(lease.path().resolve("out/classes"));
      Files.createDirectories(lease.path().resolve("src/empty"));
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored"))
          .isEmpty();
    }

    try (WorktreeLease lease = pool.acquire(CellId.of("after-mkdir"), "main")) {
      assertThat(lease.path()).isEqualTo(firstPath);
      assertThat(lease.path().resolve("out")).doesNotExist();
      assertThat(lease.path().resolve("src/empty")).doesNotExist();
    }
  }

  @Test
  void filesAProcessWroteIntoAnIdleWorktreeAreRemovedAtReuseWhenCellsRunUnsandboxed()
      throws Exception {
    WorktreePool pool = start(b -> b.cleanOnReuse(true));
    Path path;
    try (WorktreeLease lease = pool.acquire(CellId.of("before"), "main")) {
      path = lease.path();
    }
    // A daemon a cell left running (only possible without a sandbox) writes into the returned, idle
    // worktree.
    TestRepositories.writeFile(path, "left-by-daemon.txt", "would land in the next commit\n");
    TestRepositories.writeFile(path, "nested/deep.txt", "so would this\n");

    try (WorktreeLease next = pool.acquire(CellId.of("after"), "main")) {
      assertThat(next.path()).isEqualTo(path);
      assertThat(next.path().resolve("left-by-daemon.txt")).doesNotExist();
      assertThat(next.path().resolve("nested")).doesNotExist();
    }
  }

  @Test
  void emptiesASubmoduleFolderTheCellFilledBeforeTheWorktreeIsReused() throws Exception {
    TestRepository library = TestRepositories.create(temp.resolve("library"));
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "--quiet",
        library.path().toString(),
        "lib");
    repo.commit("add the library as a submodule");
    WorktreePool pool = start();
    Path path;
    try (WorktreeLease lease = pool.acquire(CellId.of("submodule"), "main")) {
      path = lease.path();
      TestRepositories.git(
          path, "-c", "protocol.file.allow=always", "submodule", "update", "--init", "--quiet");
      TestRepositories.writeFile(path, "lib/README.md", "changed inside the submodule\n");
      // Neither checkout nor clean enters a submodule: the restore empties its folder itself.
      assertThat(TestRepositories.git(path, "status", "--porcelain")).contains("lib");
    }

    assertThat(repo.hasBranch("swarm/submodule")).isFalse();
    try (WorktreeLease next = pool.acquire(CellId.of("after-submodule"), "main")) {
      assertThat(next.path()).isEqualTo(path);
      assertThat(next.path().resolve("lib")).isEmptyDirectory();
      assertThat(TestRepositories.git(next.path(), "status", "--porcelain", "--ignored")).isEmpty();
    }
  }

  @Test
  void aBranchMovedBackBehindTheBaseIsStillDeleted() {
    String older = repo.resolve("HEAD~1");
    WorktreePool pool = start();

    try (WorktreeLease lease = pool.acquire(CellId.of("rewound"), "main")) {
      TestRepositories.git(lease.path(), "reset", "--quiet", "--hard", older);
    }

    assertThat(repo.hasBranch("swarm/rewound")).isFalse();
    assertThat(pool.idleCount()).isEqualTo(1);
  }

  @Test
  void movesAWarmWorktreeToAnotherBaseExactly() throws Exception {
    String baseA = repo.head();
    repo.write("added/Feature.java", "class Feature {}\n")
        .delete("src/util/Strings.java")
        .write("docs/guide.md", "guide\n");
    Files.move(repo.path().resolve("src/Main.java"), repo.path().resolve("src/App.java"));
    String baseB = repo.commit("B adds, deletes and renames");
    WorktreePool pool = start();

    Path path;
    try (WorktreeLease lease = pool.acquire(CellId.of("on-a"), baseA)) {
      path = lease.path();
      assertThat(lease.reused()).as("the first lease adds a worktree").isFalse();
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree(baseA));
      Files.writeString(lease.path().resolve("README.md"), "edited on A\n");
    }
    try (WorktreeLease lease = pool.acquire(CellId.of("on-b"), baseB)) {
      assertThat(lease.path()).isEqualTo(path);
      assertThat(lease.reused()).as("the second reuses it").isTrue();
      assertThat(lease.baseCommit()).isEqualTo(baseB);
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree(baseB));
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored"))
          .isEmpty();
    }
  }

  @Test
  void keepsABranchThatHoldsACommitAndNeverResetsIt() {
    WorktreePool pool = start();
    String commit;
    try (WorktreeLease lease = pool.acquire(CellId.of("worker"), "main")) {
      TestRepositories.writeFile(lease.path(), "result.txt", "work\n");
      TestRepositories.git(lease.path(), "add", "-A");
      TestRepositories.git(lease.path(), "commit", "--quiet", "-m", "cell work");
      commit = TestRepositories.git(lease.path(), "rev-parse", "HEAD").strip();
    }

    assertThat(repo.resolve("swarm/worker")).isEqualTo(commit);
    assertThatThrownBy(() -> pool.acquire(CellId.of("worker"), "main"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT);
              assertThat(e.getMessage())
                  .contains("branch swarm/worker already exists")
                  .contains(commit);
            });
    assertThat(repo.resolve("swarm/worker")).isEqualTo(commit);
    assertThat(pool.leasedCount()).isZero();
    assertThat(pool.idleCount()).isEqualTo(1);
  }

  @Test
  void reusesAnExistingBranchThatHoldsNothingNew() {
    String older = repo.resolve("HEAD~1");
    repo.git("branch", "swarm/again", older);
    WorktreePool pool = start();

    try (WorktreeLease lease = pool.acquire(CellId.of("again"), "main")) {
      assertThat(repo.resolve("swarm/again")).isEqualTo(repo.resolve("main"));
      assertThat(lease.baseCommit()).isEqualTo(repo.resolve("main"));
    }
  }

  @Test
  void refusesABranchCheckedOutInAnotherWorktree() {
    repo.git("checkout", "--quiet", "-b", "swarm/busy");
    WorktreePool pool = start();

    assertThatThrownBy(() -> pool.acquire(CellId.of("busy"), "main"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT);
              assertThat(e.getMessage())
                  .contains("swarm/busy")
                  .contains("checked out in " + repo.path());
            });
    assertThat(pool.totalCount()).isZero();
    assertThat(repo.git("symbolic-ref", "HEAD")).isEqualTo("refs/heads/swarm/busy\n");
  }

  @Test
  void refusesASecondLeaseForTheSameCell() {
    WorktreePool pool = start();
    try (WorktreeLease lease = pool.acquire(CellId.of("twice"), "main")) {
      assertThatThrownBy(() -> pool.acquire(CellId.of("twice"), "main"))
          .isInstanceOfSatisfying(
              WorktreeException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT);
                assertThat(e.getMessage())
                    .contains("cell twice already holds a worktree lease")
                    .contains(lease.path().toString());
              });
      assertThat(pool.leasedCount()).isEqualTo(1);
    }
  }

  @Test
  void closingALeaseTwiceIsHarmless() {
    WorktreePool pool = start();
    WorktreeLease lease = pool.acquire(CellId.of("c"), "main");
    WorktreeLease other = pool.acquire(CellId.of("d"), "main");

    lease.close();
    lease.close();

    assertThat(pool.leasedCount()).isEqualTo(1);
    assertThat(pool.idleCount()).isEqualTo(1);
    assertThat(pool.totalCount()).isEqualTo(2);
    assertThat(other.path()).isDirectory();
    other.close();
  }

  @Test
  void anInterruptedThreadStillReleasesCompletely() {
    WorktreePool pool = start();
    WorktreeLease lease = pool.acquire(CellId.of("interrupted"), "main");
    TestRepositories.writeFile(lease.path(), "README.md", "changed\n");

    Thread.currentThread().interrupt();
    try {
      lease.close();
      assertThat(Thread.currentThread().isInterrupted())
          .as("the interrupt is kept for the caller")
          .isTrue();
    } finally {
      Thread.interrupted();
    }

    assertThat(pool.idleCount()).isEqualTo(1);
    assertThat(repo.hasBranch("swarm/interrupted")).isFalse();
    assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored")).isEmpty();
  }

  @Test
  void removesAWorktreeTheCellDeletedInsteadOfReusingIt() throws Exception {
    WorktreePool pool = start();
    WorktreeLease lease = pool.acquire(CellId.of("vandal"), "main");
    io.openswarm.core.files.TreeDeleter.deleteRecursively(lease.path());

    lease.close();

    assertThat(pool.totalCount()).isZero();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.hasBranch("swarm/vandal")).isFalse();
    assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records()).isEmpty();
  }

  @Test
  void releasesAWorktreeHoldingATreeDeeperThanThePathLimitAndLeasesAgain() throws Exception {
    WorktreePool pool = start();
    WorktreeLease lease = pool.acquire(CellId.of("deep"), "main");
    // Git cannot clean this (its paths exceed PATH_MAX), so the slot is removed instead of reused.
    DeepTrees.create(lease.path(), "nest");

    lease.close();

    assertThat(lease.path()).doesNotExist();
    assertThat(root.resolve(".swarm/quarantine")).as("deleted, not moved aside").doesNotExist();
    assertThat(pool.totalCount()).isZero();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.hasBranch("swarm/deep")).isFalse();
    assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records()).isEmpty();
    try (WorktreeLease again = pool.acquire(CellId.of("deep"), "main")) {
      assertThat(again.path()).isDirectory();
    }
  }

  @Test
  void movesAWorktreeThatCannotBeDeletedIntoTheQuarantineAndGoesOn() throws Exception {
    WorktreePool pool = start();
    WorktreeLease lease = pool.acquire(CellId.of("stuck"), "main");
    TestRepositories.writeFile(lease.path(), "out/stuck.bin", "x");
    Path stuck = lease.path().resolve("out/stuck.bin");
    // An immutable file: neither git nor the deleter can delete it, not even as root; its folder
    // can be moved.
    assertThat(chattr("+i", stuck))
        .as("chattr +i (e2fsprogs, run as root on a file system with attributes)")
        .isTrue();
    Path quarantine = root.resolve(".swarm/quarantine");
    try {
      lease.close();

      assertThat(lease.path()).doesNotExist();
      try (Stream<Path> moved = Files.list(quarantine)) {
        assertThat(moved)
            .singleElement()
            .satisfies(
                path -> {
                  assertThat(path.getFileName().toString())
                      .endsWith("-" + lease.path().getFileName());
                  assertThat(path.resolve("out/stuck.bin")).hasContent("x");
                });
      }
      assertThat(pool.totalCount()).isZero();
      assertThat(repo.worktrees()).containsExactly(repo.path());
      assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records()).isEmpty();
      try (WorktreeLease again = pool.acquire(CellId.of("next"), "main")) {
        assertThat(again.path()).isDirectory();
      }
    } finally {
      try (Stream<Path> found = Files.walk(root)) {
        found.filter(path -> path.endsWith("stuck.bin")).forEach(path -> chattr("-i", path));
      }
    }
  }

  /** Runs {@code chattr flag path}; whether it worked. */
  private static boolean chattr(String flag, Path path) {
    try {
      Process process =
          new ProcessBuilder("chattr", flag, path.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return process.waitFor() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void removesAWorktreeLockedByAKilledGitProcessInsteadOfReusingIt() throws Exception {
    WorktreePool pool =
        start(
            b ->
                b.git(
                    io.openswarm.infra.git.GitRunner.newBuilder()
                        .lockRetries(2, Duration.ofMillis(5), Duration.ofMillis(10))
                        .build()));
    WorktreeLease lease = pool.acquire(CellId.of("locked"), "main");
    Path gitDir =
        Path.of(TestRepositories.git(lease.path(), "rev-parse", "--absolute-git-dir").strip());
    Files.writeString(gitDir.resolve("index.lock"), "");
    TestRepositories.writeFile(lease.path(), "README.md", "changed by the agent\n");

    lease.close();

    assertThat(lease.path()).doesNotExist();
    assertThat(pool.totalCount()).isZero();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.hasBranch("swarm/locked")).isFalse();
    try (WorktreeLease next = pool.acquire(CellId.of("next"), "main")) {
      assertThat(TestRepositories.files(next.path())).isEqualTo(repo.tree("main"));
    }
  }

  @Test
  void alwaysKeepKeepsEvenEmptyBranches() {
    WorktreePool pool = start(b -> b.branchRetention(BranchRetention.ALWAYS_KEEP));

    pool.acquire(CellId.of("kept"), "main").close();

    assertThat(repo.resolve("swarm/kept")).isEqualTo(repo.head());
  }

  @Test
  void alwaysDeleteDeletesEvenCommittedBranches() {
    WorktreePool pool = start(b -> b.branchRetention(BranchRetention.ALWAYS_DELETE));

    try (WorktreeLease lease = pool.acquire(CellId.of("gone"), "main")) {
      TestRepositories.writeFile(lease.path(), "x.txt", "x\n");
      TestRepositories.git(lease.path(), "add", "-A");
      TestRepositories.git(lease.path(), "commit", "--quiet", "-m", "x");
    }

    assertThat(repo.hasBranch("swarm/gone")).isFalse();
  }

  @Test
  void usesTheConfiguredBranchPrefix() {
    WorktreePool pool = start(b -> b.branchPrefix("agents/run-7/"));

    try (WorktreeLease lease = pool.acquire(CellId.of("c1"), "main")) {
      assertThat(lease.branch()).isEqualTo("agents/run-7/c1");
      assertThat(repo.hasBranch("agents/run-7/c1")).isTrue();
    }
  }

  @Test
  void preserveIgnoredKeepsBuildOutputButNothingElse() {
    WorktreePool pool = start(b -> b.preserveIgnored(true));
    try (WorktreeLease lease = pool.acquire(CellId.of("build"), "main")) {
      TestRepositories.writeFile(lease.path(), "build/cache.bin", "cache\n");
      TestRepositories.writeFile(lease.path(), "untracked.txt", "gone\n");
      TestRepositories.writeFile(lease.path(), "README.md", "changed\n");
    }

    try (WorktreeLease lease = pool.acquire(CellId.of("again"), "main")) {
      assertThat(lease.path().resolve("build/cache.bin")).hasContent("cache");
      assertThat(lease.path().resolve("untracked.txt")).doesNotExist();
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain")).isEmpty();
    }
  }

  @Test
  void journalsEachLeaseWhileItIsOut() {
    WorktreePool pool = start();
    LeaseJournal journal = LeaseJournal.open(root.resolve(".swarm/leases"));

    try (WorktreeLease lease = pool.acquire(CellId.of("journaled"), "main")) {
      assertThat(journal.records())
          .singleElement()
          .satisfies(
              record -> {
                assertThat(record.kind()).isEqualTo(LeaseKind.WORKTREE);
                assertThat(record.key()).isEqualTo(lease.path().getFileName().toString());
                assertThat(record.owner().pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(record.sessionId()).isEqualTo(LeaseJournal.sessionId());
                assertThat(record.attributes())
                    .containsEntry("path", lease.path().toString())
                    .containsEntry("state", "leased")
                    .containsEntry("cellId", "journaled")
                    .containsEntry("branch", "swarm/journaled")
                    .containsEntry("baseCommit", lease.baseCommit())
                    .containsEntry("repository", repo.path().resolve(".git").toString());
              });
    }

    assertThat(journal.records())
        .singleElement()
        .satisfies(
            record ->
                assertThat(record.attributes())
                    .containsEntry("state", "idle")
                    .doesNotContainKeys("cellId", "branch", "baseCommit"));
  }

  @Test
  void failsWithTheCountsWhenNoWorktreeIsReturnedInTime() {
    WorktreePool pool = start(b -> b.maxTotal(1).acquireTimeout(Duration.ofMillis(200)));
    try (WorktreeLease lease = pool.acquire(CellId.of("holder"), "main")) {
      assertThatThrownBy(() -> pool.acquire(CellId.of("late"), "main"))
          .isInstanceOfSatisfying(
              WorktreeException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.POOL_EXHAUSTED);
                assertThat(e.getMessage())
                    .isEqualTo(
                        "no worktree became available for cell late within 200 ms "
                            + "(total=1, leased=1, idle=0, waiting=0, maxTotal=1; repository "
                            + repo.path()
                            + ")");
              });
      assertThat(repo.hasBranch("swarm/late")).isFalse();
      assertThat(lease.path()).isDirectory();
    }
  }

  @Test
  void aWaitingAcquireGetsTheNextReturnedWorktree() throws Exception {
    WorktreePool pool = start(b -> b.maxTotal(1));
    WorktreeLease first = pool.acquire(CellId.of("first"), "main");

    CompletableFuture<WorktreeLease> second =
        CompletableFuture.supplyAsync(() -> pool.acquire(CellId.of("second"), "main"));
    await().atMost(Duration.ofSeconds(20)).until(pool::waitingCount, n -> n == 1);
    Path path = first.path();
    first.close();

    try (WorktreeLease lease = second.get(30, TimeUnit.SECONDS)) {
      assertThat(lease.path()).isEqualTo(path);
      assertThat(pool.waitingCount()).isZero();
    }
  }

  @Test
  void preWarmsToMinIdleAndRefillsInTheBackground() {
    WorktreePool pool = start(b -> b.minIdle(2).maxIdle(3));
    await().atMost(Duration.ofSeconds(30)).until(pool::idleCount, n -> n == 2);

    WorktreeLease lease = pool.acquire(CellId.of("warm"), "main");

    await().atMost(Duration.ofSeconds(30)).until(pool::idleCount, n -> n == 2);
    assertThat(pool.totalCount()).isEqualTo(3);
    lease.close();
    assertThat(pool.idleCount()).isEqualTo(3);
  }

  @Test
  void trimsIdleWorktreesAboveMaxIdle() {
    WorktreePool pool = start(b -> b.maxIdle(1).maxTotal(3));
    List<WorktreeLease> leases =
        List.of(
            pool.acquire(CellId.of("a"), "main"),
            pool.acquire(CellId.of("b"), "main"),
            pool.acquire(CellId.of("c"), "main"));
    List<Path> paths = leases.stream().map(WorktreeLease::path).collect(Collectors.toList());

    leases.forEach(WorktreeLease::close);

    await().atMost(Duration.ofSeconds(30)).until(pool::totalCount, n -> n == 1);
    assertThat(pool.idleCount()).isEqualTo(1);
    assertThat(paths.stream().filter(Files::exists)).hasSize(1);
    assertThat(repo.worktrees()).hasSize(2);
  }

  @Test
  void closeRemovesEveryWorktreeAndRecordWhenIdleOnesAreNotKept() throws Exception {
    WorktreePool pool =
        start(b -> b.minIdle(1).closeTimeout(Duration.ofMillis(100)).keepIdleOnClose(false));
    pool.acquire(CellId.of("a"), "main").close();
    pool.acquire(CellId.of("b"), "main");
    await().atMost(Duration.ofSeconds(30)).until(pool::idleCount, n -> n >= 1);

    pool.close();

    assertThat(repo.worktrees()).containsExactly(repo.path());
    try (Stream<Path> entries = Files.list(root)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly(".swarm");
    }
    assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records()).isEmpty();
    assertThat(repo.hasBranch("swarm/b")).isFalse();
    assertThat(pool.totalCount()).isZero();
  }

  @Test
  void closeReleasesLeasesStillOutAfterTheTimeoutAndKeepsTheirCommits() {
    WorktreePool pool = start(b -> b.closeTimeout(Duration.ofMillis(100)));
    WorktreeLease lease = pool.acquire(CellId.of("slow"), "main");
    TestRepositories.writeFile(lease.path(), "work.txt", "work\n");
    TestRepositories.git(lease.path(), "add", "-A");
    TestRepositories.git(lease.path(), "commit", "--quiet", "-m", "work");

    pool.close();

    assertThat(repo.hasBranch("swarm/slow")).isTrue();
    assertThat(pool.leasedCount()).isZero();
    assertThat(lease.path()).as("restored and parked for the next start").isDirectory();
    assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored")).isEmpty();
    assertThat(TestRepositories.git(lease.path(), "rev-parse", "HEAD"))
        .isEqualTo(repo.head() + "\n");
    assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records())
        .singleElement()
        .satisfies(record -> assertThat(record.attribute("state")).isEqualTo("parked"));
    lease.close();
  }

  @Test
  void guardsItsLifecycle() {
    WorktreePool pool = WorktreePool.newBuilder().repository(repo.path()).root(root).build();
    pools.add(pool);

    assertThatIllegalStateException()
        .isThrownBy(() -> pool.acquire(CellId.of("x"), "main"))
        .withMessage("attempted to acquire while in NEW state");
    pool.start();
    assertThatIllegalStateException()
        .isThrownBy(pool::start)
        .withMessage("attempted to start while in RUNNING state");
    pool.close();
    pool.close();
    assertThatIllegalStateException()
        .isThrownBy(() -> pool.acquire(CellId.of("x"), "main"))
        .withMessage("attempted to acquire while in CLOSED state");
    assertThatIllegalStateException()
        .isThrownBy(pool::start)
        .withMessage("attempted to start while in CLOSED state");
  }

  @Test
  void aPoolClosedBeforeStartingCreatesNothing() {
    WorktreePool pool = WorktreePool.newBuilder().repository(repo.path()).root(root).build();

    pool.close();

    assertThat(root).doesNotExist();
  }

  @Test
  void leavesLeasesOfLiveOwnersAlone() {
    WorktreePool first = start();
    WorktreeLease lease = first.acquire(CellId.of("alive"), "main");

    WorktreePool second = start();

    assertThat(lease.path()).isDirectory();
    assertThat(repo.hasBranch("swarm/alive")).isTrue();
    try (WorktreeLease other = second.acquire(CellId.of("other"), "main")) {
      assertThat(other.path()).isNotEqualTo(lease.path());
    }
    lease.close();
  }

  @Test
  void startsDespiteAnUnreadableJournalFile() throws Exception {
    Files.createDirectories(root.resolve(".swarm/leases"));
    Files.writeString(root.resolve(".swarm/leases/worktree-broken.json"), "{ not json");

    WorktreePool pool = start();

    try (WorktreeLease lease = pool.acquire(CellId.of("fine"), "main")) {
      assertThat(lease.path()).isDirectory();
    }
    assertThat(root.resolve(".swarm/leases/worktree-broken.json")).exists();
  }

  @Test
  void reclaimsWhatDeadOwnersLeftAndKeepsTheirCommits() throws Exception {
    Path rootReal = Files.createDirectories(root).toRealPath();
    String base = repo.head();
    String session = "0123456789ab";
    Path idleSlot = rootReal.resolve("wt-" + session + "-1");
    Path emptySlot = rootReal.resolve("wt-" + session + "-2");
    Path committedSlot = rootReal.resolve("wt-" + session + "-3");
    repo.git("worktree", "add", "--quiet", "--detach", idleSlot.toString(), base);
    repo.git("worktree", "add", "--quiet", "-b", "swarm/empty", emptySlot.toString(), base);
    repo.git("worktree", "add", "--quiet", "-b", "swarm/committed", committedSlot.toString(), base);
    TestRepositories.writeFile(committedSlot, "work.txt", "work\n");
    TestRepositories.git(committedSlot, "add", "-A");
    TestRepositories.git(committedSlot, "commit", "--quiet", "-m", "work of a crashed cell");
    String committed = repo.resolve("swarm/committed");
    TestRepositories.writeFile(emptySlot, "half-done.txt", "lost with the crash\n");
    Path outside = Files.createDirectories(temp.resolve("not-a-slot"));
    LeaseJournal journal = LeaseJournal.open(root.resolve(".swarm/leases"));
    var dead = TestProcesses.exitedProcessIdentity();
    String commonDir = repo.path().resolve(".git").toRealPath().toString();
    journal.record(
        new LeaseRecord(
            LeaseKind.WORKTREE,
            idleSlot.getFileName().toString(),
            dead,
            "dead",
            java.time.Instant.now(),
            java.util.Map.of(
                "path", idleSlot.toString(), "repository", commonDir, "state", "idle")));
    journal.record(
        new LeaseRecord(
            LeaseKind.WORKTREE,
            emptySlot.getFileName().toString(),
            dead,
            "dead",
            java.time.Instant.now(),
            java.util.Map.of(
                "path",
                emptySlot.toString(),
                "repository",
                commonDir,
                "state",
                "leased",
                "cellId",
                "empty",
                "branch",
                "swarm/empty",
                "baseCommit",
                base)));
    journal.record(
        new LeaseRecord(
            LeaseKind.WORKTREE,
            committedSlot.getFileName().toString(),
            dead,
            "dead",
            java.time.Instant.now(),
            java.util.Map.of(
                "path",
                committedSlot.toString(),
                "repository",
                commonDir,
                "state",
                "leased",
                "cellId",
                "committed",
                "branch",
                "swarm/committed",
                "baseCommit",
                base)));
    journal.record(
        new LeaseRecord(
            LeaseKind.WORKTREE,
            "wt-" + session + "-4",
            dead,
            "dead",
            java.time.Instant.now(),
            java.util.Map.of("path", outside.toString(), "repository", commonDir)));

    WorktreePool pool = start();

    assertThat(idleSlot).doesNotExist();
    assertThat(emptySlot).doesNotExist();
    assertThat(committedSlot).doesNotExist();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.hasBranch("swarm/empty")).isFalse();
    assertThat(repo.resolve("swarm/committed")).isEqualTo(committed);
    assertThat(outside).as("a record pointing outside the root is never acted on").isDirectory();
    assertThat(journal.records())
        .extracting(LeaseRecord::key)
        .containsExactly("wt-" + session + "-4");
    assertThat(pool.totalCount()).isZero();
  }

  @Test
  void reclaimsADeadOwnersWorktreeHoldingATreeDeeperThanThePathLimit() throws Exception {
    Path rootReal = Files.createDirectories(root).toRealPath();
    Path slot = rootReal.resolve("wt-0123456789ab-1");
    repo.git("worktree", "add", "--quiet", "--detach", slot.toString(), repo.head());
    DeepTrees.create(slot, "nest");
    LeaseJournal journal = LeaseJournal.open(root.resolve(".swarm/leases"));
    String commonDir = repo.path().resolve(".git").toRealPath().toString();
    journal.record(
        new LeaseRecord(
            LeaseKind.WORKTREE,
            slot.getFileName().toString(),
            TestProcesses.exitedProcessIdentity(),
            "dead",
            java.time.Instant.now(),
            java.util.Map.of("path", slot.toString(), "repository", commonDir, "state", "idle")));

    WorktreePool pool = start();

    assertThat(slot).doesNotExist();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(journal.records()).isEmpty();
    assertThat(pool.totalCount()).isZero();
  }

  // --- bad input: each a clear exception, nothing created
  // -------------------------------------------------------

  @Test
  void rejectsCellIdsThatCouldEscapeTheRoot() {
    for (String id : List.of("../x", "a/b", "", "x".repeat(65), "..", "-rf")) {
      assertThatIllegalArgumentException()
          .as(id)
          .isThrownBy(() -> CellId.of(id))
          .withMessageContaining("cellId");
    }
  }

  @Test
  void cellIdsThatGitRejectsInABranchNameAreRefusedBeforeThePoolSeesThem() {
    for (String id : List.of("a..b", "x.lock", ".hidden", "ends.")) {
      assertThatIllegalArgumentException()
          .as(id)
          .isThrownBy(() -> CellId.of(id))
          .withMessageContaining("a rule of git branch names")
          .withMessageEndingWith("but was \"" + id + "\"");
    }
  }

  @Test
  void rejectsCellIdsThatGitRejectsAsBranchNamesAfterThePrefix() {
    // A cell id obeys git's rules for a part of a ref name, but with an empty prefix it is the
    // whole name.
    WorktreePool pool = start(b -> b.branchPrefix(""));

    assertThatIllegalArgumentException()
        .isThrownBy(() -> pool.acquire(CellId.of("HEAD"), "main"))
        .withMessage(
            "\"HEAD\" is not a valid git branch name (branch prefix \"\" followed by cell id \"HEAD\"); "
                + "see git check-ref-format");
    assertNothingCreated(pool);
  }

  @Test
  void rejectsBranchPrefixesGitWouldRejectOrReadAsAnOption() {
    for (String prefix :
        List.of("-x/", "--force/", "a..b/", "with space/", "/lead", "x//y", "a.lock/", ".dot/")) {
      assertThatIllegalArgumentException()
          .as(prefix)
          .isThrownBy(
              () ->
                  WorktreePool.newBuilder()
                      .repository(repo.path())
                      .root(root)
                      .branchPrefix(prefix)
                      .build())
          .withMessageStartingWith(
              "branchPrefix \"" + prefix + "\" cannot start a git branch name");
    }
    assertThat(root).doesNotExist();
  }

  @Test
  void rejectsBaseRefsThatLookLikeOptions() {
    WorktreePool pool = start();

    for (String ref : List.of("-x", "--output=/tmp/pwned", "", " ", "main\nHEAD")) {
      assertThatIllegalArgumentException()
          .as(ref)
          .isThrownBy(() -> pool.acquire(CellId.of("c"), ref))
          .withMessageStartingWith("baseRef must be a git revision");
    }
    assertNothingCreated(pool);
  }

  @Test
  void rejectsABaseRefThatDoesNotExist() {
    WorktreePool pool = start();

    assertThatThrownBy(() -> pool.acquire(CellId.of("c"), "no-such-branch"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_REF);
              assertThat(e.getMessage())
                  .isEqualTo("\"no-such-branch\" does not name a commit in " + repo.path());
            });
    assertNothingCreated(pool);
  }

  @Test
  void rejectsARepositoryPathThatIsNotAGitRepository() throws Exception {
    Path plain = Files.createDirectories(temp.resolve("plain"));
    WorktreePool pool = WorktreePool.newBuilder().repository(plain).root(root).build();
    pools.add(pool);

    assertThatThrownBy(pool::start)
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NOT_A_REPOSITORY);
              assertThat(e.getMessage())
                  .contains(plain.toString())
                  .contains("not inside a git repository");
            });
    assertThat(root).doesNotExist();
    assertThatIllegalStateException()
        .isThrownBy(() -> pool.acquire(CellId.of("x"), "main"))
        .withMessage("attempted to acquire while in CLOSED state");
  }

  @Test
  void rejectsAMissingRepositoryPath() {
    WorktreePool pool =
        WorktreePool.newBuilder().repository(temp.resolve("missing")).root(root).build();
    pools.add(pool);

    assertThatThrownBy(pool::start)
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_REPOSITORY));
    assertThat(root).doesNotExist();
  }

  @Test
  void rejectsARootInsideTheGitDirectory() {
    Path insideGit = repo.path().resolve(".git/worktrees-here");
    WorktreePool pool = WorktreePool.newBuilder().repository(repo.path()).root(insideGit).build();
    pools.add(pool);

    assertThatThrownBy(pool::start)
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.INVALID_ROOT);
              assertThat(e.getMessage()).contains("lies inside the git directory");
            });
    assertThat(insideGit).doesNotExist();
  }

  @Test
  void validatesSizesAndTimeouts() {
    WorktreePool.Builder base = WorktreePool.newBuilder().repository(repo.path()).root(root);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> base.minIdle(-1).build())
        .withMessage("minIdle must not be negative but was -1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> base.minIdle(0).maxTotal(0).build())
        .withMessage("maxTotal must be at least 1 but was 0");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> base.maxTotal(4).minIdle(5).build())
        .withMessage("minIdle (5) must not exceed maxTotal (4)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> base.minIdle(2).maxIdle(1).build())
        .withMessage("maxIdle must be between minIdle (2) and maxTotal (4) but was 1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> base.minIdle(0).maxIdle(1).acquireTimeout(Duration.ZERO).build())
        .withMessage("acquireTimeout must be positive but was PT0S");
    assertThatIllegalStateException()
        .isThrownBy(() -> WorktreePool.newBuilder().root(root).build())
        .withMessage("repository must be set");
  }

  private void assertNothingCreated(WorktreePool pool) {
    assertThat(pool.totalCount()).isZero();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/heads/"))
        .isEqualTo("refs/heads/main\n");
    try (Stream<Path> entries = Files.list(root)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly(".swarm");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
