package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.journal.LeaseJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cold path (a new worktree for each lease) does no work a fresh checkout does not need, and
 * cold acquires write their files in parallel. Git runs through a wrapper that logs each command,
 * so the tests look at what ran.
 */
class WorktreePoolColdPathTest {

  @TempDir Path temp;
  private TestRepository repo;
  private Path log;
  private final List<WorktreePool> pools = new ArrayList<>();

  @BeforeEach
  void createRepository() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write("src/Main.java", "class Main {}\n").write("README.md", "readme\n").commit("files");
    log = temp.resolve("git.log");
  }

  @AfterEach
  void closePools() {
    pools.forEach(WorktreePool::close);
  }

  private WorktreePool start(GitRunner git, int maxIdle, int maxTotal) {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .git(git)
            .minIdle(0)
            .maxIdle(maxIdle)
            .maxTotal(maxTotal)
            .acquireTimeout(Duration.ofSeconds(60))
            .build();
    pools.add(pool);
    pool.start();
    return pool;
  }

  /**
   * A git that appends {@code <pid> <arguments>} to the log before it runs, and {@code <pid> done}
   * after.
   */
  private GitRunner loggingGit(String extraScript) throws Exception {
    Path wrapper = temp.resolve("git-logging");
    Files.writeString(
        wrapper,
        "#!/bin/sh\n"
            + "printf '%s %s\\n' \"$$\" \"$*\" >> '"
            + log
            + "'\n"
            + extraScript
            + "git \"$@\"\nstatus=$?\nprintf '%s done\\n' \"$$\" >> '"
            + log
            + "'\nexit $status\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    return GitRunner.newBuilder().executable(wrapper.toString()).build();
  }

  private List<String> commands() throws Exception {
    return Files.readAllLines(log).stream()
        .filter(line -> !line.endsWith(" done"))
        .map(line -> line.substring(line.indexOf(' ') + 1))
        .collect(Collectors.toList());
  }

  @Test
  void aReleasedWorktreeAboveTheIdleLimitIsRemovedWithoutBeingRestoredFirst() throws Exception {
    WorktreePool pool = start(loggingGit(""), 0, 1);
    WorktreeLease lease = pool.acquire(CellId.of("cold"), "main");
    TestRepositories.writeFile(lease.path(), "scratch.txt", "work in progress\n");
    Files.deleteIfExists(log);

    lease.close();

    assertThat(lease.path()).doesNotExist();
    assertThat(pool.totalCount()).isZero();
    assertThat(repo.worktrees()).containsExactly(repo.path());
    assertThat(repo.hasBranch("swarm/cold")).isFalse();
    assertThat(LeaseJournal.open(temp.resolve("pool/.swarm/leases")).records()).isEmpty();
    assertThat(commands())
        .as("no checkout, clean or status of a worktree about to be deleted")
        .noneMatch(
            command ->
                command.startsWith("checkout")
                    || command.startsWith("clean")
                    || command.startsWith("status"))
        .anyMatch(command -> command.startsWith("worktree remove"));
  }

  @Test
  void aReleasedWorktreeIsStillRestoredWhenItIsKeptIdle() throws Exception {
    WorktreePool pool = start(loggingGit(""), 1, 1);
    WorktreeLease lease = pool.acquire(CellId.of("kept"), "main");
    TestRepositories.writeFile(lease.path(), "scratch.txt", "work in progress\n");

    lease.close();

    assertThat(pool.idleCount()).isEqualTo(1);
    assertThat(lease.path().resolve("scratch.txt")).doesNotExist();
    assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored")).isEmpty();
  }

  @Test
  void concurrentColdAcquiresWriteTheirFilesAtTheSameTime() throws Exception {
    int cells = 3;
    // Each checkout of a new worktree's files (`reset --hard`) waits until all three have begun,
    // for at most 30 s,
    // and logs how many it saw. Serialized checkouts would each see only themselves.
    Path started = Files.createDirectories(temp.resolve("started"));
    String gate =
        "case \"$*\" in reset*) touch '"
            + started
            + "'/$$;"
            + " i=0; while [ \"$(ls '"
            + started
            + "' | wc -l)\" -lt "
            + cells
            + " ] && [ $i -lt 3000 ]; do"
            + " sleep 0.01; i=$((i+1)); done;"
            + " printf '%s saw %s\\n' \"$$\" \"$(ls '"
            + started
            + "' | wc -l)\" >> '"
            + log
            + "';; esac\n";
    WorktreePool pool = start(loggingGit(gate), 0, cells);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<WorktreeLease>> acquires = new ArrayList<>();
    for (int i = 0; i < cells; i++) {
      CellId cell = CellId.of("parallel-" + i);
      acquires.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new AssertionError(e);
                }
                return pool.acquire(cell, "main");
              }));
    }
    go.countDown();
    List<WorktreeLease> leases = new ArrayList<>();
    for (CompletableFuture<WorktreeLease> acquire : acquires) {
      leases.add(acquire.get(120, TimeUnit.SECONDS));
    }

    List<String> seen =
        Files.readAllLines(log).stream()
            .filter(line -> line.contains(" saw "))
            .collect(Collectors.toList());
    assertThat(seen).hasSize(cells).allSatisfy(line -> assertThat(line).endsWith(" saw " + cells));
    for (WorktreeLease lease : leases) {
      assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree("main"));
      lease.close();
    }
  }
}
