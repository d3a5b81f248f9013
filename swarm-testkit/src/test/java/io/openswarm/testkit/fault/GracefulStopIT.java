package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.port.PortProbe;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a worker JVM with five live cells, each with an agent at work (a real server process
 * holding the cell's port): the worker stops within its stop timeout, and tears every cell down on
 * the way out - no process, port, worktree, journal record or cell directory is left. The workflows
 * are not lost: a worker started later on the same state directory finishes them.
 */
class GracefulStopIT {

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(3);

  @TempDir Path temp;

  @Test
  void sigtermTearsDownFiveLiveCellsWithinTheStopTimeoutAndTheWorkflowsFinishLater()
      throws Exception {
    TemporaryRepository repo = CrashWorkers.project(temp.resolve("repo"));
    Path state = temp.resolve("state");
    int firstPort = 24540;
    int lastPort = 24559;
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        ChildJvm child =
            ChildJvm.start(
                    temp.resolve("child.log"),
                    server.token(),
                    CrashWorkerMain.class,
                    "stop",
                    server.target(),
                    repo.path().toString(),
                    state.toString(),
                    Integer.toString(firstPort),
                    Integer.toString(lastPort),
                    "5",
                    Long.toString(STOP_TIMEOUT.toMillis()))
                .reapOnClose(state)) {
      List<String> workflows =
          child.await(line -> line.startsWith("WORKFLOW "), 5, Duration.ofSeconds(120)).stream()
              .map(line -> line.substring("WORKFLOW ".length()))
              .toList();
      child.await(line -> line.startsWith("LIVE "), 1, Duration.ofSeconds(120));
      List<ProcessIdentity> agents =
          LeaseJournal.open(state.resolve("journal")).records().stream()
              .filter(r -> r.kind() == LeaseKind.PROCESS)
              .map(
                  r ->
                      new ProcessIdentity(
                          Long.parseLong(r.attribute("pid")),
                          Instant.parse(r.attribute("startTime"))))
              .toList();
      assertThat(agents).hasSize(5);
      assertThat(heldPorts(firstPort, lastPort)).hasSize(5);

      long start = System.nanoTime();
      boolean exited = child.terminate(STOP_TIMEOUT.plusSeconds(20));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(exited).as("the worker exited; its log:\n%s", child.logTail()).isTrue();
      assertThat(child.log())
          .contains("5 cell(s) still live after " + STOP_TIMEOUT.toMillis() + " ms")
          .doesNotContain("teardown at stop could not clean up");
      assertThat(agents)
          .noneMatch(agent -> agent.handle().filter(InvariantCheck::running).isPresent());
      assertThat(heldPorts(firstPort, lastPort)).isEmpty();
      assertThat(LeaseJournal.open(state.resolve("journal")).records()).isEmpty();
      // The worktrees were returned, then parked clean for the next start, which adopts them.
      List<LeaseRecord> parked =
          LeaseJournal.open(state.resolve("worktrees/.swarm/leases")).records();
      assertThat(parked)
          .allSatisfy(record -> assertThat(record.attribute("state")).isEqualTo("parked"));
      assertThat(repo.worktrees()).hasSize(1 + parked.size()).startsWith(repo.path().toString());
      for (String worktree : repo.worktrees().subList(1, repo.worktrees().size())) {
        assertThat(repo.git("-C", worktree, "status", "--porcelain", "--ignored")).isEmpty();
      }
      try (Stream<Path> cells = Files.list(state.resolve("cells"))) {
        assertThat(cells).isEmpty();
      }
      System.out.printf(
          "graceful stop of 5 live cells: JVM gone %d ms after SIGTERM (stop timeout %d ms)%n",
          took.toMillis(), STOP_TIMEOUT.toMillis());

      try (SwarmWorker worker =
          CrashWorkers.builder(
                  server.target(),
                  server.token(),
                  repo.path(),
                  state,
                  firstPort,
                  lastPort,
                  false,
                  false,
                  Duration.ZERO)
              .start()) {
        for (String workflowId : workflows) {
          CellOutcome outcome = worker.client().result(workflowId);
          assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.NO_CHANGES);
          assertThat(outcome.cellId().value()).endsWith("-r2");
        }
        InvariantCheck.of(worker).repository(repo.path()).ignoringChildProcesses().assertHolds();
      }
    }
  }

  private static List<Integer> heldPorts(int first, int last) {
    return IntStream.rangeClosed(first, last)
        .filter(port -> !PortProbe.bind().isFree(port))
        .boxed()
        .toList();
  }
}
