package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slow original of {@link QuietLogsIT}: a worker with every default, whose agent turn lasts 35
 * s, longer than the host queue's 30 s schedule-to-start timeout. Before the embedded server
 * ignored that timeout for a started activity, this logged {@code ERROR ... INTERNAL: Not in
 * INITIATED} with a stack trace. In the soak profile only (it takes about 40 s): {@code mvn -B -pl
 * swarm-testkit -am verify -Psoak -DskipTests -Dit.test=QuietLogsSoak}.
 */
class QuietLogsSoak {

  @TempDir Path temp;

  @Test
  void aStepLongerThanTheDefaultScheduleToStartTimeoutLogsNoErrorAndNoStackTrace() {
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\ntest -f slow.txt\n")
            .executable("test.sh")
            .commit("a project with a test");
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("slow.txt", prompt)))
            .turnDelay(Duration.ofSeconds(35))
            .build();
    try (LogCapture log = LogCapture.start()) {
      try (SwarmWorker worker =
          SwarmWorker.newBuilder()
              .repository(repo.path())
              .stateDirectory(temp.resolve("state"))
              .testCommand(List.of("sh", "test.sh"))
              .connection(ConnectionOptions.newBuilder().hostId("quiet-soak-host").build())
              .agent(agent)
              .ports(new PortRange(21340, 21350))
              .start()) {
        CellOutcome outcome =
            worker.client().runTcr(TaskSpec.of("slow-step", "a slow change", "main"));

        assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
      }
      assertThat(log.errors()).isEmpty();
      assertThat(log.stackFrames()).isEmpty();
    }
  }
}
