package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each invariant is really checked: planted leaks are reported, and gone once cleaned up. */
class InvariantCheckTest {

  @TempDir Path temp;

  @Test
  void aLeasedPortIsReportedUntilReleased() {
    PortManager ports =
        PortManager.newBuilder().range(24700, 24702).probe(PortProbe.none()).build();
    PortLease lease = ports.allocate();
    InvariantCheck check = InvariantCheck.create().ports(ports).ignoringChildProcesses();

    assertThat(check.violations()).containsExactly("1 port(s) still leased from 24700-24702");
    lease.close();
    assertThat(check.violations()).isEmpty();
  }

  @Test
  void recordsOfLiveProcessesAndOfDeadOwnersAreReported() {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.PROCESS, "pid-1-1", Map.of("pid", "1")));
    journal.record(
        new LeaseRecord(
            LeaseKind.PORT,
            "port-24700",
            new ProcessIdentity(Integer.MAX_VALUE - 7, Instant.parse("2020-01-01T00:00:00Z")),
            "0".repeat(32),
            Instant.now(),
            Map.of()));
    InvariantCheck check =
        InvariantCheck.create().journal(temp.resolve("journal")).ignoringChildProcesses();

    assertThat(check.violations())
        .hasSize(2)
        .anySatisfy(v -> assertThat(v).startsWith("lease record of a dead owner"))
        .anySatisfy(v -> assertThat(v).startsWith("process still recorded in the journal"));
    journal.remove(LeaseKind.PROCESS, "pid-1-1");
    journal.remove(LeaseKind.PORT, "port-24700");
    assertThat(check.violations()).isEmpty();
  }

  @Test
  void aStaleWorktreeEntryAndABranchHoldingNothingNewAreReported() throws Exception {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve("repo"));
    Path gone = temp.resolve("gone");
    repo.git("worktree", "add", "--quiet", "--detach", gone.toString(), "main");
    TestRepositoriesDelete.deleteTree(gone);
    repo.git("branch", "swarm/stale", "main");
    InvariantCheck check = InvariantCheck.create().repository(repo.path()).ignoringChildProcesses();

    assertThat(check.violations())
        .containsExactlyInAnyOrder(
            "stale git worktree entry (directory gone): " + gone,
            "cell branch holding nothing new: swarm/stale");
    repo.git("worktree", "prune");
    repo.git("branch", "-D", "swarm/stale");
    assertThat(check.violations()).isEmpty();
  }

  @Test
  void aCommitOnTheTargetWhoseTreeNeverPassedIsReported() throws Exception {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve("repo"));
    String base = repo.head();
    repo.write("change.txt", "untested\n").commit("an untested change");
    InvariantCheck.TestLedger ledger = InvariantCheck.TestLedger.create();
    InvariantCheck check =
        InvariantCheck.create()
            .repository(repo.path())
            .ignoringChildProcesses()
            .targetBranch("main", base, ledger, Set.of());

    assertThat(check.violations())
        .singleElement()
        .asString()
        .endsWith("on main has a tree whose tests never passed");
    // The same tree, tested green in a worktree, makes the commit one whose tests passed.
    ledger
        .wrap(request -> new TestRunner.Result(0, false, "", false, 0, Duration.ZERO))
        .run(
            new TestRunner.Request(
                CellId.of("c"), repo.path(), Files.createDirectories(temp.resolve("state"))));
    assertThat(check.violations()).isEmpty();
  }

  @Test
  void aLiveProcessAndALeftStateDirectoryAreReported() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    ProcessIdentity identity = ProcessIdentity.of(sleep.toHandle()).orElseThrow();
    Path cells = Files.createDirectories(temp.resolve("cells/left-behind"));
    InvariantCheck check =
        InvariantCheck.create()
            .processes(() -> Set.of(identity))
            .cellsDirectory(cells.getParent())
            .grace(Duration.ofMillis(200));

    assertThatThrownBy(check::assertHolds)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("live process " + identity)
        .hasMessageContaining("live child process " + sleep.pid())
        .hasMessageContaining("state directory left behind: " + cells);
    sleep.destroyForcibly();
    sleep.waitFor(10, TimeUnit.SECONDS);
    Files.delete(cells);
    check.assertHolds();
  }

  /** Deletes a directory tree (the worktree whose entry goes stale). */
  private static final class TestRepositoriesDelete {
    static void deleteTree(Path root) throws Exception {
      try (var paths = Files.walk(root)) {
        for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }
}
