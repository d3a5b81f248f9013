package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Idle worktrees outlive their pool: {@code close()} parks them, the next pool on the same root
 * adopts them after verifying each, and removes those that fail.
 */
class WorktreePoolRestartTest {

  @TempDir Path temp;
  private TestRepository repo;
  private Path root;
  private final List<WorktreePool> pools = new ArrayList<>();

  @BeforeEach
  void createRepository() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "build/\n")
        .write("src/Main.java", "class Main {}\n")
        .write("README.md", "readme\n")
        .commit("project files");
    root = temp.resolve("pool");
  }

  @AfterEach
  void closePools() {
    pools.forEach(
        pool -> {
          pool.close();
        });
  }

  private WorktreePool create(Consumer<WorktreePool.Builder> settings) {
    WorktreePool.Builder builder =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(root)
            .acquireTimeout(Duration.ofSeconds(30))
            .closeTimeout(Duration.ofSeconds(5));
    settings.accept(builder);
    WorktreePool pool = builder.build();
    pools.add(pool);
    return pool;
  }

  private WorktreePool start(Consumer<WorktreePool.Builder> settings) {
    WorktreePool pool = create(settings);
    pool.start();
    return pool;
  }

  /**
   * Leases {@code count} worktrees at once from a new pool, returns them all, closes the pool;
   * their paths.
   */
  private List<Path> parkWorktrees(int count, Consumer<WorktreePool.Builder> settings) {
    WorktreePool pool = start(settings);
    List<WorktreeLease> leases = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      leases.add(pool.acquire(CellId.of("first-" + i), "main"));
    }
    List<Path> paths = leases.stream().map(WorktreeLease::path).collect(Collectors.toList());
    leases.forEach(WorktreeLease::close);
    pool.close();
    return paths;
  }

  private List<LeaseRecord> records() {
    return LeaseJournal.open(root.resolve(".swarm/leases")).records();
  }

  @Test
  void idleWorktreesSurviveCloseAndAreAdoptedByTheNextPool() {
    List<Path> parked = parkWorktrees(2, b -> {});

    assertThat(parked).allSatisfy(path -> assertThat(path).isDirectory());
    assertThat(repo.worktrees()).hasSize(3);
    assertThat(records())
        .hasSize(2)
        .allSatisfy(record -> assertThat(record.attribute("state")).isEqualTo("parked"));

    WorktreePool next = start(b -> {});

    assertThat(next.idleCount()).isEqualTo(2);
    assertThat(next.totalCount()).isEqualTo(2);
    assertThat(records())
        .hasSize(2)
        .allSatisfy(
            record -> {
              assertThat(record.attribute("state")).isEqualTo("idle");
              assertThat(record.owner()).isEqualTo(ProcessIdentity.current());
            });
    try (WorktreeLease lease = next.acquire(CellId.of("second"), "main")) {
      assertThat(lease.reused()).as("a warm lease of an adopted worktree").isTrue();
      assertThat(parked).contains(lease.path());
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree("main"));
      assertThat(TestRepositories.git(lease.path(), "symbolic-ref", "HEAD"))
          .isEqualTo("refs/heads/swarm/second\n");
    }
  }

  @Test
  void closeRemovesIdleWorktreesWhenAskedNotToKeepThem() {
    List<Path> paths = parkWorktrees(2, b -> b.keepIdleOnClose(false));

    assertThat(paths).allSatisfy(path -> assertThat(path).doesNotExist());
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(records()).isEmpty();
  }

  @Test
  void aLeaseStillOutAtCloseIsReleasedKeepingItsCommitsAndItsWorktreeIsParked() {
    WorktreePool pool = start(b -> b.closeTimeout(Duration.ofMillis(100)));
    WorktreeLease lease = pool.acquire(CellId.of("slow"), "main");
    TestRepositories.writeFile(lease.path(), "work.txt", "work\n");
    TestRepositories.git(lease.path(), "add", "-A");
    TestRepositories.git(lease.path(), "commit", "--quiet", "-m", "work");
    String tip = TestRepositories.git(lease.path(), "rev-parse", "HEAD").strip();

    pool.close();
    WorktreePool next = start(b -> {});

    assertThat(repo.resolve("swarm/slow")).isEqualTo(tip);
    assertThat(next.idleCount()).isEqualTo(1);
    try (WorktreeLease again = next.acquire(CellId.of("next"), "main")) {
      assertThat(again.path()).isEqualTo(lease.path());
      assertThat(again.path().resolve("work.txt")).doesNotExist();
    }
    lease.close();
  }

  @Test
  void anAdoptedWorktreeKeepsItsSetupStampWhenIgnoredFilesArePreserved() throws Exception {
    WorktreePool first = start(b -> b.preserveIgnored(true));
    Path path;
    try (WorktreeLease lease = first.acquire(CellId.of("setup"), "main")) {
      TestRepositories.writeFile(lease.path(), "build/installed.txt", "what a set-up made\n");
      lease.recordSetupStamp("lock-hash-1");
      path = lease.path();
    }
    first.close();
    assertThat(records())
        .singleElement()
        .satisfies(record -> assertThat(record.attribute("setupStamp")).isEqualTo("lock-hash-1"));

    WorktreePool next = start(b -> b.preserveIgnored(true));

    try (WorktreeLease lease = next.acquire(CellId.of("again"), "main")) {
      assertThat(lease.path()).isEqualTo(path);
      assertThat(lease.setupStamp()).contains("lock-hash-1");
      assertThat(lease.path().resolve("build/installed.txt")).hasContent("what a set-up made\n");
    }
  }

  /** The ways a parked worktree can differ from what its pool left. */
  enum Tampering {
    UNTRACKED_FILE {
      @Override
      void apply(Path worktree, TestRepository repo) {
        TestRepositories.writeFile(worktree, "notes/planted.txt", "left for the next cell\n");
      }
    },
    IGNORED_FILE {
      @Override
      void apply(Path worktree, TestRepository repo) {
        TestRepositories.writeFile(worktree, "build/planted.class", "ignored, but not preserved\n");
      }
    },
    MODIFIED_TRACKED_FILE {
      @Override
      void apply(Path worktree, TestRepository repo) {
        TestRepositories.writeFile(worktree, "src/Main.java", "class Main { int planted; }\n");
      }
    },
    STAGED_CHANGE {
      @Override
      void apply(Path worktree, TestRepository repo) {
        TestRepositories.writeFile(worktree, "README.md", "staged\n");
        TestRepositories.git(worktree, "add", "README.md");
        TestRepositories.git(worktree, "checkout", "--", "README.md");
      }
    },
    HEAD_MOVED_TO_ANOTHER_COMMIT {
      @Override
      void apply(Path worktree, TestRepository repo) {
        // HEAD names another commit while the files and the index stay those of the first.
        TestRepositories.git(worktree, "update-ref", "--no-deref", "HEAD", repo.resolve("main~1"));
      }
    },
    HEAD_ON_A_BRANCH {
      @Override
      void apply(Path worktree, TestRepository repo) {
        TestRepositories.git(worktree, "checkout", "--quiet", "-b", "planted");
      }
    },
    DOT_GIT_POINTING_ELSEWHERE {
      @Override
      void apply(Path worktree, TestRepository repo) throws Exception {
        Files.writeString(
            worktree.resolve(".git"), "gitdir: " + repo.path().resolve(".git") + "\n");
      }
    },
    DOT_GIT_REPLACED_BY_A_REPOSITORY {
      @Override
      void apply(Path worktree, TestRepository repo) throws Exception {
        Files.delete(worktree.resolve(".git"));
        TestRepositories.git(worktree, "init", "--quiet", ".");
      }
    },
    DOT_GIT_REPLACED_BY_A_HOSTILE_REPOSITORY {
      @Override
      void apply(Path worktree, TestRepository repo) throws Exception {
        // What a cell could leave behind for the worker's git at the next start: a repository whose
        // own config
        // runs a program on every status (fsmonitor) and on every checkout (a hook).
        Files.delete(worktree.resolve(".git"));
        TestRepositories.git(worktree, "init", "--quiet", ".");
        Path script = worktree.resolve(".git").resolve("escape.sh");
        Files.writeString(script, "#!/bin/sh\ntouch '" + escapeMarker(worktree) + "'\n");
        script.toFile().setExecutable(true);
        Path hooks = Files.createDirectories(worktree.resolve(".git").resolve("planted-hooks"));
        Files.copy(script, hooks.resolve("post-checkout"));
        hooks.resolve("post-checkout").toFile().setExecutable(true);
        TestRepositories.git(worktree, "config", "core.fsmonitor", script.toString());
        TestRepositories.git(worktree, "config", "core.hooksPath", hooks.toString());
      }
    },
    DIRECTORY_DELETED {
      @Override
      void apply(Path worktree, TestRepository repo) throws Exception {
        io.openswarm.core.files.TreeDeleter.deleteRecursively(worktree);
      }
    };

    abstract void apply(Path worktree, TestRepository repo) throws Exception;
  }

  /**
   * Where a planted program would leave its mark if the pool ran it: outside the worktree, which is
   * deleted.
   */
  private static Path escapeMarker(Path worktree) {
    return worktree.resolveSibling(worktree.getFileName() + ".escaped");
  }

  @ParameterizedTest
  @EnumSource(Tampering.class)
  void aTamperedParkedWorktreeIsRemovedNotAdopted(Tampering tampering) throws Exception {
    repo.write("README.md", "second version\n").commit("second commit");
    List<Path> parked = parkWorktrees(2, b -> b.preserveIgnored(false));
    Path tampered = parked.get(0);
    Path intact = parked.get(1);
    tampering.apply(tampered, repo);

    WorktreePool next = start(b -> {});

    assertThat(escapeMarker(tampered)).as("nothing the cell planted ran").doesNotExist();
    assertThat(tampered).doesNotExist();
    assertThat(next.idleCount()).as("only the intact worktree is adopted").isEqualTo(1);
    assertThat(next.totalCount()).isEqualTo(1);
    assertThat(repo.worktrees()).containsExactlyInAnyOrder(repo.path(), intact);
    assertThat(records())
        .singleElement()
        .satisfies(record -> assertThat(record.attribute("path")).isEqualTo(intact.toString()));
    try (WorktreeLease lease = next.acquire(CellId.of("a"), "main");
        WorktreeLease fresh = next.acquire(CellId.of("b"), "main")) {
      assertThat(lease.path()).isEqualTo(intact);
      assertThat(fresh.reused()).isFalse();
      for (WorktreeLease each : List.of(lease, fresh)) {
        assertThat(TestRepositories.files(each.path())).isEqualTo(repo.tree("main"));
        assertThat(TestRepositories.git(each.path(), "status", "--porcelain", "--ignored"))
            .isEmpty();
      }
    }
  }

  @Test
  void aWorktreeThatFailsVerificationLosesItsSetupStamp() {
    WorktreePool first = start(b -> b.preserveIgnored(true).maxTotal(1));
    Path path;
    try (WorktreeLease lease = first.acquire(CellId.of("setup"), "main")) {
      lease.recordSetupStamp("lock-hash-1");
      path = lease.path();
    }
    first.close();
    TestRepositories.writeFile(path, "planted.txt", "untracked\n");

    WorktreePool next = start(b -> b.preserveIgnored(true).maxTotal(1));

    try (WorktreeLease lease = next.acquire(CellId.of("again"), "main")) {
      assertThat(lease.reused()).isFalse();
      assertThat(lease.setupStamp()).isEmpty();
    }
  }

  @Test
  void aParkedWorktreeOfAnotherSparseSettingIsRemovedNotAdopted() {
    repo.write("docs/guide.md", "guide\n").commit("docs");
    Path parked = parkWorktrees(1, b -> {}).get(0);

    WorktreePool next = start(b -> b.sparseCheckout(List.of("src")));

    assertThat(parked).doesNotExist();
    assertThat(next.idleCount()).isZero();
  }

  @Test
  void twoPoolsStartingAtOnceOnOneRootAdoptEachWorktreeAtMostOnce() throws Exception {
    List<Path> parked = parkWorktrees(4, b -> b.maxIdle(4));
    for (int round = 0; round < 3; round++) {
      WorktreePool a = create(b -> b.maxIdle(4));
      WorktreePool b = create(b2 -> b2.maxIdle(4));
      CountDownLatch gate = new CountDownLatch(1);
      CompletableFuture<Void> startA = CompletableFuture.runAsync(() -> awaitThen(gate, a::start));
      CompletableFuture<Void> startB = CompletableFuture.runAsync(() -> awaitThen(gate, b::start));
      gate.countDown();
      startA.get(60, TimeUnit.SECONDS);
      startB.get(60, TimeUnit.SECONDS);

      assertThat(a.idleCount() + b.idleCount()).isEqualTo(4);
      Set<Path> seen = new HashSet<>();
      for (WorktreePool pool : List.of(a, b)) {
        List<WorktreeLease> leases = new ArrayList<>();
        for (int i = pool.idleCount(); i > 0; i--) {
          leases.add(pool.acquire(CellId.of("round-" + round + "-" + seen.size()), "main"));
          assertThat(seen.add(leases.get(leases.size() - 1).path()))
              .as("adopted by one pool only")
              .isTrue();
        }
        leases.forEach(WorktreeLease::close);
      }
      assertThat(seen).containsExactlyInAnyOrderElementsOf(parked);
      a.close();
      b.close();
    }
    try (Stream<Path> slots =
        Files.list(root).filter(path -> !path.getFileName().toString().equals(".swarm"))) {
      assertThat(slots).containsExactlyInAnyOrderElementsOf(parked);
    }
  }

  private static void awaitThen(CountDownLatch gate, Runnable action) {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    action.run();
  }
}
