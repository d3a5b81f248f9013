package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.port.PortProbe;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM is killed with SIGKILL while its cells are mid-step; a new worker on the same state
 * directory takes over. The workflow histories live on the embedded Temporal server of this (the
 * parent) JVM, which the child worker joined as a remote target.
 *
 * <p>At the kill, three cells are caught: a TCR cell in execute (its agent - a real server process
 * with a child of its own - running and holding the cell's port, its worktree dirty), a DAG task
 * right after its commit, and a DAG task right after its integration moved the target branch.
 * Sticky workflow execution is left to the worker, which turns it off when it joins an embedded
 * (Java test) server: that server never moves a workflow task off the sticky queue of a departed
 * worker, so with it the workflows would wait for the dead JVM forever.
 */
class SwarmWorkerCrashIT {

  @TempDir Path temp;

  @Test
  void aNewWorkerReapsWhatAKilledOneLeftAndItsWorkflowsFinishWithoutDuplicates() throws Exception {
    TemporaryRepository repo = CrashWorkers.project(temp.resolve("repo"));
    String base = repo.head();
    Path state = temp.resolve("state");
    int firstPort = 24500;
    int lastPort = 24519;
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        ChildJvm child =
            ChildJvm.start(
                    temp.resolve("child.log"),
                    server.token(),
                    CrashWorkerMain.class,
                    "crash",
                    server.target(),
                    repo.path().toString(),
                    state.toString(),
                    Integer.toString(firstPort),
                    Integer.toString(lastPort))
                .reapOnClose(state)) {
      List<String> workflows =
          child.await(line -> line.startsWith("WORKFLOW "), 2, Duration.ofSeconds(120)).stream()
              .map(line -> line.substring("WORKFLOW ".length()))
              .toList();
      child.await(line -> line.startsWith("FIRED "), 3, Duration.ofSeconds(120));

      // What the child holds when it dies: three agents (each a server with a child), their ports,
      // three worktrees.
      LeaseJournal journal = LeaseJournal.open(state.resolve("journal"));
      List<ProcessIdentity> agents =
          journal.records().stream()
              .filter(r -> r.kind() == LeaseKind.PROCESS)
              .map(SwarmWorkerCrashIT::identity)
              .toList();
      assertThat(agents).hasSize(3).allMatch(ProcessIdentity::isAlive);
      List<ProcessHandle> agentTrees =
          agents.stream()
              .flatMap(
                  agent ->
                      agent.handle().stream()
                          .flatMap(
                              h ->
                                  java.util.stream.Stream.concat(
                                      java.util.stream.Stream.of(h), h.descendants())))
              .toList();
      assertThat(agentTrees).hasSizeGreaterThanOrEqualTo(6);
      assertThat(heldPorts(firstPort, lastPort)).hasSize(3);
      Path dirty =
          LeaseJournal.open(state.resolve("worktrees/.swarm/leases")).records().stream()
              .filter(r -> "crash-exec".equals(r.attribute("cellId")))
              .map(r -> Path.of(r.attribute("path")))
              .findFirst()
              .orElseThrow();
      assertThat(repo.git("-C", dirty.toString(), "status", "--porcelain")).contains("exec.txt");

      child.kill();

      assertThat(agentTrees)
          .as("orphans outlive their worker without a sandbox")
          .allMatch(InvariantCheck::running);
      assertThat(heldPorts(firstPort, lastPort))
          .as("the orphans still hold their ports")
          .hasSize(3);
      Instant restarted = Instant.now();
      try (SwarmWorker worker =
          CrashWorkers.builder(
                  server.target(), server.token(), repo.path(), state, firstPort, lastPort, false)
              .start()) {
        assertThat(agentTrees)
            .as("the reaper killed every orphaned agent process tree")
            .noneMatch(InvariantCheck::running);
        assertThat(heldPorts(firstPort, lastPort)).as("ports free again").isEmpty();
        assertThat(LeaseJournal.open(worker.worktrees().options().journalDirectory()).records())
            .as("the dead worker's worktrees reclaimed")
            .allMatch(r -> r.owner().equals(ProcessIdentity.current()));
        assertThat(dirty).as("the dirty worktree is gone").doesNotExist();

        SwarmClient client = worker.client();
        CellOutcome tcr = client.result(workflows.get(0));
        DagResult dag = client.dagResult(workflows.get(1));

        assertThat(tcr.status()).as("%s", tcr).isEqualTo(CellStatus.COMMITTED);
        assertThat(tcr.cellId().value()).as("retried in a new cell").isEqualTo("crash-exec-r2");
        assertThat(repo.show(tcr.commit(), "exec.txt")).isEqualTo("exec\n");
        assertThat(repo.hasBranch("swarm/crash-exec"))
            .as("the dead cell's branch held nothing")
            .isFalse();

        assertThat(dag.task("c").orElseThrow().status())
            .as(dag.toTable())
            .isEqualTo(DagResult.TaskStatus.INTEGRATED);
        assertThat(dag.task("i").orElseThrow().status())
            .as(dag.toTable())
            .isIn(DagResult.TaskStatus.INTEGRATED, DagResult.TaskStatus.NO_CHANGES);
        String target = dag.targetBranch();
        List<String> targetCommits =
            lines(repo.git("rev-list", "--first-parent", base + ".." + target));
        assertThat(targetCommits).as("each change landed exactly once").hasSize(2);
        assertThat(lines(repo.git("log", "--format=%H", base + ".." + target, "--", "c.txt")))
            .hasSize(1);
        assertThat(lines(repo.git("log", "--format=%H", base + ".." + target, "--", "i.txt")))
            .hasSize(1);
        for (String commit : targetCommits) {
          assertThat(repo.git("rev-list", "--parents", "-n", "1", commit).trim().split(" "))
              .hasSize(2);
          assertThat(repo.show(commit, "status.txt")).isEqualTo("green\n");
        }
        repo.git("fsck", "--no-dangling");
        assertThat(repo.show(target, "c.txt")).isEqualTo("c\n");
        assertThat(repo.show(target, "i.txt")).isEqualTo("i\n");

        InvariantCheck.of(worker).processes(() -> agents).ignoringChildProcesses().assertHolds();
        System.out.printf(
            "crash recovery: %d ms from restart to both workflows done%n",
            Duration.between(restarted, Instant.now()).toMillis());
      }
    }
  }

  private static ProcessIdentity identity(LeaseRecord record) {
    return new ProcessIdentity(
        Long.parseLong(record.attribute("pid")), Instant.parse(record.attribute("startTime")));
  }

  private static List<Integer> heldPorts(int first, int last) {
    return IntStream.rangeClosed(first, last)
        .filter(port -> !PortProbe.bind().isFree(port))
        .boxed()
        .toList();
  }

  private static List<String> lines(String text) {
    return Arrays.stream(text.split("\n")).filter(line -> !line.isBlank()).toList();
  }
}
