package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.journal.LeaseJournal;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM that holds three leases is killed with SIGKILL; a new pool on the same root must
 * reclaim everything it left: directories, git's worktree entries, journal records and branches
 * without commits, while keeping the branch that holds a commit.
 */
class WorktreePoolCrashIT {

  @TempDir Path temp;

  @Test
  void aNewPoolReclaimsTheLeasesOfAKilledWorkerJvm() throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    Path root = temp.resolve("pool");
    Path childLog = temp.resolve("child.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CrashingPoolMain.class.getName(),
                repo.path().toString(),
                root.toString())
            .redirectError(childLog.toFile())
            .start();
    List<Path> paths;
    try {
      CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> readReadyLine(child));
      String line = ready.get(120, TimeUnit.SECONDS);
      assertThat(line)
          .as("child output; its log:\n%s", Files.readString(childLog))
          .startsWith("READY ");
      paths =
          Arrays.stream(line.substring("READY ".length()).split(File.pathSeparator))
              .map(Path::of)
              .collect(Collectors.toList());
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    String committed = repo.resolve("swarm/crash-2");
    assertThat(paths).hasSize(3).allSatisfy(path -> assertThat(path).isDirectory());
    assertThat(repo.worktrees()).hasSize(4);
    assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).orphans()).hasSize(3);

    WorktreePool pool = WorktreePool.newBuilder().repository(repo.path()).root(root).build();
    pool.start();
    try {
      assertThat(paths).allSatisfy(path -> assertThat(path).doesNotExist());
      assertThat(repo.worktrees()).containsExactly(repo.path());
      assertThat(repo.git("worktree", "list", "--porcelain")).doesNotContain("prunable");
      assertThat(repo.hasBranch("swarm/crash-1")).isFalse();
      assertThat(repo.hasBranch("swarm/crash-3")).isFalse();
      assertThat(repo.resolve("swarm/crash-2"))
          .as("the committed branch is kept")
          .isEqualTo(committed);
      assertThat(LeaseJournal.open(root.resolve(".swarm/leases")).records()).isEmpty();
      try (Stream<Path> entries = Files.list(root)) {
        assertThat(entries.map(p -> p.getFileName().toString())).containsExactly(".swarm");
      }
      assertThat(pool.totalCount()).isZero();

      try (WorktreeLease lease = pool.acquire(CellId.of("crash-1"), "main")) {
        assertThat(TestRepositories.files(lease.path())).isEqualTo(repo.tree("main"));
      }
    } finally {
      pool.close();
    }
  }

  private static String readReadyLine(Process child) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("READY ")) {
          return line;
        }
      }
      return "<the child exited before it was ready>";
    } catch (java.io.IOException e) {
      return "<could not read the child's output: " + e + ">";
    }
  }
}
