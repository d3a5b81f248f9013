package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.port.PortProbe;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two live workers with different host ids on one embedded server; the one running a cell dies
 * abruptly (SIGKILL of its JVM) in the middle of the agent's turn, and the cell completes on the
 * other.
 *
 * <p>The dying worker runs in a child JVM with sticky workflow execution left at its default, so
 * this also proves that a worker joining an embedded (Java test) server turns stickiness off by
 * itself: that server never moves a workflow task off a departed worker's sticky queue, and the
 * workflow would otherwise wait forever.
 *
 * <p>The surviving worker notices the loss through Temporal alone: the execute step stops
 * heartbeating, teardown on the dead host's queue is never picked up within the host
 * schedule-to-start timeout, and the workflow retries the cell on the shared queue, where only the
 * survivor polls. What the dead worker left (its agent's process tree, the port it holds, the dirty
 * worktree) is reclaimed when a worker starts again on the dead host's state directory.
 */
class HostFailoverIT {

  private static final Logger log = LoggerFactory.getLogger(HostFailoverIT.class);

  @TempDir Path temp;

  @Test
  void aCellWhoseHostDiesMidTurnCompletesOnTheOtherHost() throws Exception {
    TemporaryRepository repo = CrashWorkers.project(temp.resolve("repo"));
    Path stateA = temp.resolve("state-a");
    Path stateB = temp.resolve("state-b");
    int firstA = 24600;
    int lastA = 24609;
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        ChildJvm hostA =
            ChildJvm.start(
                    temp.resolve("host-a.log"),
                    server.token(),
                    CrashWorkerMain.class,
                    "failover",
                    server.target(),
                    repo.path().toString(),
                    stateA.toString(),
                    Integer.toString(firstA),
                    Integer.toString(lastA),
                    "host-a")
                .reapOnClose(stateA)) {
      String workflowId =
          hostA
              .await(line -> line.startsWith("WORKFLOW "), 1, Duration.ofSeconds(120))
              .get(0)
              .substring("WORKFLOW ".length());
      hostA.await(line -> line.startsWith("FIRED "), 1, Duration.ofSeconds(120));
      assertThat(hostA.log())
          .as("the child detected the test server")
          .contains("is a Java test server this worker joined: sticky workflow execution off");

      List<ProcessHandle> orphans =
          LeaseJournal.open(stateA.resolve("journal")).records().stream()
              .filter(r -> r.kind() == LeaseKind.PROCESS)
              .map(
                  r ->
                      new ProcessIdentity(
                          Long.parseLong(r.attribute("pid")),
                          Instant.parse(r.attribute("startTime"))))
              .flatMap(
                  agent ->
                      agent.handle().stream()
                          .flatMap(h -> Stream.concat(Stream.of(h), h.descendants())))
              .toList();
      assertThat(orphans)
          .as("host-a's agent is at work")
          .isNotEmpty()
          .allMatch(InvariantCheck::running);

      // Closed by hand in the middle of the checks below, and in the finally block when a check
      // fails first.
      SwarmWorker hostB =
          CrashWorkers.builder(
                  server.target(),
                  server.token(),
                  repo.path(),
                  stateB,
                  24620,
                  24629,
                  true,
                  "host-b")
              .start();
      try {
        hostA.kill();
        Instant killed = Instant.now();

        SwarmClient client = hostB.client();
        CellOutcome outcome = client.result(workflowId);
        log.info(
            "host failover: {} ms from the kill to the outcome",
            Duration.between(killed, Instant.now()).toMillis());

        assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
        assertThat(outcome.host()).as("completed on the surviving host").isEqualTo("host-b");
        assertThat(outcome.cellId().value()).as("retried in a new cell").isEqualTo("failover-r2");
        assertThat(repo.show(outcome.commit(), "failover.txt")).isEqualTo("failover\n");

        // host-a's leftovers (visible to both workers in the shared repository) wait for a worker
        // on its state
        // directory.
        assertThat(heldPorts(firstA, lastA))
            .as("the orphaned agent still holds its port")
            .hasSize(1);
        try (SwarmWorker restartedA =
            CrashWorkers.builder(
                    server.target(),
                    server.token(),
                    repo.path(),
                    stateA,
                    firstA,
                    lastA,
                    true,
                    "host-a")
                .start()) {
          assertThat(orphans)
              .as("the reaper killed host-a's orphaned agent tree")
              .noneMatch(InvariantCheck::running);
          assertThat(heldPorts(firstA, lastA)).as("host-a's ports free again").isEmpty();
          assertThat(repo.hasBranch("swarm/failover"))
              .as("the dead cell's branch held nothing")
              .isFalse();
          InvariantCheck.of(hostB).ignoringChildProcesses().assertHolds();
          // Each check wants every worktree of the repository to be its worker's: host-b's pool
          // goes first.
          hostB.close();
          InvariantCheck.of(restartedA).ignoringChildProcesses().assertHolds();
        }
      } finally {
        hostB.close();
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
