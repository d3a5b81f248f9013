package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.ResultLimits;
import io.openswarm.core.TaskSpec;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change of 50,000 files goes through TCR like any other: the step results carry the first
 * {@value ResultLimits#MAX_LISTED_FILES} paths and the count, so they fit in Temporal's messages.
 * Before, the execute step's result exceeded Temporal's 4 MiB message limit: it never arrived, and
 * the workflow took the step for a lost host, ran the agent's turn again twice and failed after
 * minutes with a heartbeat time-out.
 */
class HugeChangeIT {

  /** Paths of about 100 characters: 50,000 of them are 5 MB of JSON. */
  private static final int FILES = 50_000;

  /** The agent's one turn: 50,000 new files. */
  private static final List<ScriptedAgent.FileEdit> EDITS =
      IntStream.range(0, FILES)
          .mapToObj(
              i ->
                  ScriptedAgent.FileEdit.write(
                      String.format("generated/%s-%05d.txt", "x".repeat(80), i), "1\n"))
          .toList();

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo ->
                  repo.write("test.sh", "#!/bin/sh\ntrue\n")
                      .executable("test.sh")
                      .commit("a project"))
          .testCommand("sh", "test.sh")
          .connection(ConnectionOptions.newBuilder().hostId("huge-change-host").build())
          .agent(ScriptedAgent.newBuilder().edits(prompt -> EDITS).build())
          .build();

  @Test
  void aChangeOfFiftyThousandFilesIsCommittedAndReportedAsCountsAndTheFirstThousand(
      SwarmClient client, TemporaryRepository repo) throws Exception {
    // Minutes on a healthy machine would already be a failure: one agent turn, one test run, one
    // commit.
    CellOutcome outcome =
        client
            .resultAsync(client.startTcr(TaskSpec.of("huge", "generate", "main")))
            .get(3, TimeUnit.MINUTES);

    assertThat(outcome.status()).as("%s", outcome.error()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.changedFileCount()).isEqualTo(FILES);
    assertThat(outcome.changedFiles())
        .hasSize(ResultLimits.MAX_LISTED_FILES)
        .allSatisfy(path -> assertThat(path).startsWith("generated/"));
    assertThat(repo.git("rev-list", "--count", "main.." + outcome.commit()).strip()).isEqualTo("1");
    assertThat(
            repo.git("ls-tree", "-r", "--name-only", outcome.commit(), "generated/")
                .lines()
                .count())
        .isEqualTo(FILES);
    assertThat(
            outcome.timings().stream().map(t -> t.step().name()).filter("EXECUTE"::equals).count())
        .as("the agent's turn ran once")
        .isEqualTo(1);
    assertThat(outcome.totalDuration()).isLessThan(Duration.ofMinutes(3));
  }
}
