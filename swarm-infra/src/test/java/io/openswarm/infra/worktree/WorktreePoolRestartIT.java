package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseRecord;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM that closed normally leaves its idle worktrees to the next one, which outlives it
 * and adopts them.
 */
class WorktreePoolRestartIT {

  @TempDir Path temp;

  @Test
  void aPoolInANewJvmAdoptsTheWorktreesAClosedJvmParkedWithTheirSetupStamps() throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "node_modules/\n").write("package.json", "{}\n").commit("a project");
    Path root = temp.resolve("pool");
    Path childLog = temp.resolve("child.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ParkingPoolMain.class.getName(),
                repo.path().toString(),
                root.toString())
            .redirectError(childLog.toFile())
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as("the child's log:\n%s", Files.readString(childLog)).isZero();
    String line = output.lines().filter(l -> l.startsWith("PARKED ")).findFirst().orElseThrow();
    List<Path> parked =
        Arrays.stream(line.substring("PARKED ".length()).split(File.pathSeparator))
            .map(Path::of)
            .collect(Collectors.toList());
    List<LeaseRecord> records = LeaseJournal.open(root.resolve(".swarm/leases")).records();
    assertThat(records)
        .hasSize(2)
        .allSatisfy(
            record -> {
              assertThat(record.attribute("state")).isEqualTo("parked");
              assertThat(record.owner().isAlive())
                  .as("the JVM that parked them has exited")
                  .isFalse();
            });

    WorktreePool pool =
        WorktreePool.newBuilder().repository(repo.path()).root(root).preserveIgnored(true).build();
    pool.start();
    try {
      assertThat(parked).allSatisfy(path -> assertThat(path).isDirectory());
      assertThat(pool.idleCount()).as("adopted, not reclaimed as a dead owner's").isEqualTo(2);
      try (WorktreeLease a = pool.acquire(CellId.of("next-1"), "main");
          WorktreeLease b = pool.acquire(CellId.of("next-2"), "main")) {
        assertThat(List.of(a.path(), b.path())).containsExactlyInAnyOrderElementsOf(parked);
        WorktreeLease stamped = a.path().equals(parked.get(0)) ? a : b;
        WorktreeLease other = stamped == a ? b : a;
        assertThat(stamped.setupStamp()).contains("stamp-of-the-first");
        assertThat(other.setupStamp()).isEmpty();
        assertThat(TestRepositories.files(a.path())).isEqualTo(repo.tree("main"));
      }
    } finally {
      pool.close();
    }
  }
}
