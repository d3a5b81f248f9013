package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A successful run logs no ERROR and no stack trace, and an expected failure logs one line: checked
 * on what a real worker on the embedded server prints (its log is captured from the tests' SLF4J
 * backend).
 *
 * <p>Every agent turn lasts longer than the host queue's schedule-to-start timeout, here cut from
 * 30 s to 1 s: that is what made the embedded server log {@code ERROR ... Not in INITIATED} on
 * every step longer than 30 s, here in seconds instead of minutes.
 */
class QuietLogsIT {

  @TempDir Path temp;

  /**
   * Prompts are "write PATH CONTENT" ({@link
   * io.openswarm.testkit.agent.ScriptedAgent.Builder#promptCommands()}).
   */
  private static final ScriptedAgent AGENT =
      ScriptedAgent.newBuilder().promptCommands().turnDelay(Duration.ofMillis(2_500)).build();

  @Test
  void aSuccessfulRunLogsNoErrorAndNoStackTraceAndAnExpectedFailureOneLine() {
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("status.txt", "green\n")
            .write(
                "test.sh",
                "#!/bin/sh\n# Green while status.txt says green.\ntest \"$(cat status.txt)\" = green\n")
            .executable("test.sh")
            .commit("a project with a test");
    try (LogCapture log = LogCapture.start()) {
      try (SwarmWorker worker =
          SwarmWorker.newBuilder()
              .repository(repo.path())
              .stateDirectory(temp.resolve("state"))
              .testCommand(List.of("sh", "test.sh"))
              .connection(ConnectionOptions.newBuilder().hostId("quiet-host").build())
              .timeouts(
                  CellTimeouts.newBuilder().hostScheduleToStart(Duration.ofSeconds(1)).build())
              .agent(AGENT)
              .ports(new PortRange(21300, 21330))
              .start()) {
        CellOutcome committed =
            worker.client().runTcr(TaskSpec.of("quiet-tcr", "write a.txt a", "main"));
        DagResult dag =
            worker
                .client()
                .runDag(
                    DagRequest.of(
                        "quiet-dag",
                        TaskGraph.newBuilder()
                            .task(GraphTask.of("first", "write b.txt b"))
                            .task(GraphTask.of("second", "write c.txt c", "first"))
                            .build(),
                        "main"));

        assertThat(committed.status()).as("%s", committed).isEqualTo(CellStatus.COMMITTED);
        assertThat(dag.succeeded()).as(dag.toTable()).isTrue();
        assertThat(log.errors()).as("ERROR lines of a successful run").isEmpty();
        assertThat(log.stackFrames()).as("stack traces of a successful run").isEmpty();
        assertThat(log.lines())
            .as("the server has no worker heartbeats; they are not tried")
            .noneSatisfy(line -> assertThat(line).contains("HeartbeatManager"));
        int before = log.lines().size();

        CellOutcome reverted =
            worker.client().runTcr(TaskSpec.of("quiet-red", "write status.txt red", "main"));
        CellOutcome failed =
            worker
                .client()
                .runTcr(
                    TaskSpec.of("quiet-failed", "write d.txt d", "main")
                        .withTestCommand(List.of("no-such-test-program-7c2a")));

        assertThat(reverted.status()).as("%s", reverted).isEqualTo(CellStatus.REVERTED);
        assertThat(failed.status()).as("%s", failed).isEqualTo(CellStatus.FAILED);
        assertThat(failed.failedStep()).isEqualTo(CellStep.TEST);
        List<String> after = log.lines().subList(before, log.lines().size());
        assertThat(after)
            .filteredOn(line -> line.contains("] WARN ") || line.contains("] ERROR "))
            .as("a red verdict is no warning; a test program that is not found is one line")
            .singleElement()
            .asString()
            .contains(
                "WARN",
                "quiet-failed",
                "TEST",
                "TestCommandNotRunnable",
                "no-such-test-program-7c2a");
        assertThat(log.stackFrames()).isEmpty();
        assertThat(log.lines()).noneSatisfy(line -> assertThat(line).startsWith("Caused by"));
      }
      assertThat(log.errors()).as("ERROR lines while stopping").isEmpty();
      assertThat(log.stackFrames()).as("stack traces while stopping").isEmpty();
    }
  }
}
