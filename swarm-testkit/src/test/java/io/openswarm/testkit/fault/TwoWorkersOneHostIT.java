package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.temporal.CellInterceptor;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two worker JVMs on one host, sharing one port range, one repository and one state directory (so
 * one lease directory, one journal and one worktree root), take turns on more cells than there are
 * ports. No port, worktree or branch is ever used by both at once: every agent is a real server
 * that must bind its port (the kernel refuses a second listener), and an audit both JVMs append to
 * under a file lock shows that no port, worktree or branch was in use by two cells at once, while
 * both leased from the one range into the one worktree root.
 */
class TwoWorkersOneHostIT {

  private static final int TASKS = 12;

  @TempDir Path temp;

  @Test
  void twoJvmsSharingRangesAndARepositoryNeverUseTheSamePortWorktreeOrBranch() throws Exception {
    TemporaryRepository repo = CrashWorkers.project(temp.resolve("repo"));
    Path state = temp.resolve("state");
    Path audit = temp.resolve("audit.log");
    int firstPort = 24580;
    int lastPort = 24591;
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        ChildJvm child =
            ChildJvm.start(
                    temp.resolve("child.log"),
                    server.token(),
                    CrashWorkerMain.class,
                    "share",
                    server.target(),
                    repo.path().toString(),
                    state.toString(),
                    Integer.toString(firstPort),
                    Integer.toString(lastPort),
                    audit.toString(),
                    "300",
                    "host-b")
                .reapOnClose(state)) {
      child.await(line -> line.startsWith("READY "), 1, Duration.ofSeconds(120));
      List<CellOutcome> outcomes = new ArrayList<>();
      try (SwarmWorker worker =
          CrashWorkers.builder(
                  server.target(),
                  server.token(),
                  repo.path(),
                  state,
                  firstPort,
                  lastPort,
                  true,
                  false,
                  Duration.ofMillis(300),
                  "host-a",
                  CellTimeouts.newBuilder())
              .interceptors(
                  new CellInterceptor() {
                    @Override
                    public AgentRuntime interceptAgent(AgentRuntime next) {
                      return new AuditedAgent(next, audit);
                    }
                  })
              .start()) {
        SwarmClient client = worker.client();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
          ids.add(
              client.startTcr(
                  TaskSpec.of("shared-" + i, "write shared-" + i + ".txt " + i + "\n", "main")));
        }
        outcomes.addAll(
            ids.stream().map(client::resultAsync).map(CompletableFuture::join).toList());
        assertThat(child.terminate(Duration.ofSeconds(60))).as("host-b stops cleanly").isTrue();
        InvariantCheck.of(worker).repository(repo.path()).ignoringChildProcesses().assertHolds();
      }

      assertThat(outcomes)
          .allSatisfy(o -> assertThat(o.status()).as("%s", o).isEqualTo(CellStatus.COMMITTED));
      assertThat(outcomes)
          .extracting(CellOutcome::host)
          .as("both JVMs took cells")
          .contains("host-a", "host-b");
      Audit result = Audit.read(audit);
      assertThat(result.violations()).isEmpty();
      assertThat(result.cells()).isEqualTo(TASKS);
      assertThat(result.portsPerJvm()).as("both JVMs leased from the one range").hasSize(2);
      System.out.printf(
          "two JVMs: %d cells, ports used per JVM %s, ports used by both (at different times) %s%n",
          result.cells(), result.portsPerJvm(), result.portsUsedByBothJvms());
      assertThat(result.worktreeRoots()).as("one worktree root for both").hasSize(1);
      assertThat(outcomes)
          .extracting(o -> repo.resolveRevision("swarm/" + o.cellId()))
          .doesNotHaveDuplicates();
    }
  }

  /** What the audit file shows. */
  record Audit(
      List<String> violations,
      int cells,
      Set<Integer> portsUsedByBothJvms,
      Set<Path> worktreeRoots,
      Map<String, Set<Integer>> portsPerJvm) {

    static Audit read(Path file) throws Exception {
      Map<Integer, String> portHolder = new HashMap<>();
      Map<String, String> worktreeHolder = new HashMap<>();
      Map<String, String[]> running = new HashMap<>();
      Map<Integer, Set<String>> jvmsPerPort = new HashMap<>();
      Set<Path> roots = new HashSet<>();
      Map<String, Set<Integer>> portsPerJvm = new HashMap<>();
      List<String> violations = new ArrayList<>();
      int cells = 0;
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split(" ");
        if (f[0].equals("START")) {
          cells++;
          String cell = f[2];
          int port = Integer.parseInt(f[3]);
          String worktree = f[4];
          if (portHolder.containsKey(port)) {
            violations.add(
                cell + " got port " + port + " while " + portHolder.get(port) + " used it");
          }
          if (worktreeHolder.containsKey(worktree)) {
            violations.add(
                cell
                    + " got worktree "
                    + worktree
                    + " while "
                    + worktreeHolder.get(worktree)
                    + " used it");
          }
          if (running.containsKey(cell)) {
            violations.add("cell " + cell + " (branch swarm/" + cell + ") started twice at once");
          }
          portHolder.put(port, cell);
          worktreeHolder.put(worktree, cell);
          running.put(cell, f);
          jvmsPerPort.computeIfAbsent(port, p -> new HashSet<>()).add(f[1]);
          portsPerJvm.computeIfAbsent(f[1], jvm -> new java.util.TreeSet<>()).add(port);
          roots.add(Path.of(worktree).getParent());
        } else {
          String[] start = running.remove(f[2]);
          if (start == null) {
            violations.add("cell " + f[2] + " stopped without having started");
            continue;
          }
          portHolder.remove(Integer.parseInt(start[3]));
          worktreeHolder.remove(start[4]);
        }
      }
      Set<Integer> shared = new HashSet<>();
      jvmsPerPort.forEach(
          (port, jvms) -> {
            if (jvms.size() > 1) {
              shared.add(port);
            }
          });
      return new Audit(violations, cells, shared, roots, portsPerJvm);
    }
  }
}
