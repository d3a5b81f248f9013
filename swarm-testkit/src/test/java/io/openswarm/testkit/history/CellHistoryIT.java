package io.openswarm.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.agent.CommandAgent;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cell did outlives it: on a real worker with a real command agent, real test processes and
 * real git, a reverted cell's logs and its rejected change survive teardown, a hostile test run's
 * links are never followed into the history, retention removes the oldest runs with their refs, and
 * every line logged on the threads that run a cell's steps names the cell, the task and the step.
 */
class CellHistoryIT {

  /** The agent: says what it does on its output (its log) and breaks a file. */
  private static final String AGENT =
      "echo \"agent at work on: $1\"; printf 'broken by the agent\\n' > feature.txt";

  /**
   * A line about the cell {@code logged}: its id as a word (the worker's own lines name no cell).
   */
  private static final Pattern CELL_NAMED = Pattern.compile("\\blogged\\b");

  @TempDir Path temp;

  private TemporaryRepository repo;
  private Path hostSecrets;

  @BeforeEach
  void repository() throws IOException {
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write(".gitignore", "target/\n")
            .write("feature.txt", "works\n")
            .commit("a feature");
    hostSecrets = temp.resolve("host-home/.ssh");
    Files.createDirectories(hostSecrets);
    Files.writeString(hostSecrets.resolve("id_ed25519"), "HOST PRIVATE KEY never to be copied\n");
  }

  @Test
  void aRevertedCellsLogsAndRejectedChangeSurviveTeardownAndItsDiffShowsTheAgentsChange() {
    try (SwarmWorker worker = worker(HistoryOptions.getDefaultInstance(), 25400)) {
      SwarmClient client = worker.client();
      String base = repo.resolveRevision("main");

      CellOutcome outcome =
          client.runTcr(
              TaskSpec.of("break-it", "break the feature", "main")
                  .withTestCommand(
                      List.of(
                          "sh", "-c", "echo 'FeatureTest: 1 failure: expected works'; exit 1")));

      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
      assertThat(outcome.historyPath()).isNotNull();
      Path kept = Path.of(outcome.historyPath());
      assertThat(kept).startsWith(temp.resolve("state/history"));
      assertThat(read(kept.resolve("logs/agent-1.log")))
          .contains("agent at work on: break the feature");
      assertThat(read(kept.resolve("logs/tests.log"))).contains("FeatureTest: 1 failure");
      assertThat(client.logs(CellId.of("break-it")))
          .contains(kept.resolve("logs/agent-1.log"), kept.resolve("logs/tests.log"));

      assertThat(outcome.rejectedRef()).isEqualTo("refs/swarm/rejected/break-it");
      assertThat(repo.git("rev-parse", "refs/swarm/rejected/break-it^").strip()).isEqualTo(base);
      assertThat(repo.git("diff", base, "refs/swarm/rejected/break-it"))
          .contains("-works")
          .contains("+broken by the agent");
      assertThat(client.diff(CellId.of("break-it")))
          .hasValueSatisfying(
              diff -> assertThat(diff).contains("feature.txt").contains("+broken by the agent"));
      assertThat(repo.show("main", "feature.txt")).isEqualTo("works\n");
    }
  }

  @Test
  void aCommittedCellsDiffIsItsCommittedChangeAndStaysReadableAfterTheWorkerClosed() {
    SwarmClient client;
    CellOutcome outcome;
    try (SwarmWorker worker = worker(HistoryOptions.getDefaultInstance(), 25405)) {
      client = worker.client();
      outcome =
          client.runTcr(
              TaskSpec.of("keep-it", "change the feature", "main")
                  .withTestCommand(List.of("true")));
    }

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.rejectedRef()).isNull();
    assertThat(outcome.historyPath()).isNotNull();
    assertThat(client.diff(CellId.of("keep-it")))
        .hasValueSatisfying(diff -> assertThat(diff).contains("+broken by the agent"));
    assertThat(client.logs(CellId.of("keep-it")))
        .contains(Path.of(outcome.historyPath(), "logs", "agent-1.log"));
  }

  @Test
  void aDagTaskWhoseTestsAreRedNamesItsKeptLogsAndRejectedChange() {
    try (SwarmWorker worker = worker(HistoryOptions.getDefaultInstance(), 25425)) {
      DagResult result =
          worker
              .client()
              .runDag(
                  DagRequest.of(
                      "red",
                      TaskGraph.of(
                          GraphTask.of("breaks", "break the feature")
                              .withTestCommand(List.of("false"))),
                      "main"));

      DagAttempt first = result.task("breaks").orElseThrow().history().get(0);
      assertThat(first.status()).as("%s", first).isEqualTo(DagResult.TaskStatus.REVERTED);
      assertThat(first.rejectedRef()).isEqualTo("refs/swarm/rejected/" + first.cellId());
      assertThat(repo.git("diff", first.baseCommit(), first.rejectedRef()))
          .contains("+broken by the agent");
      assertThat(Path.of(first.historyPath()).resolve("logs/agent-1.log")).exists();
    }
  }

  @Test
  void aHostileTestRunsLinksToHostFilesAreNeverCopiedIntoTheHistory() throws IOException {
    HistoryOptions options =
        HistoryOptions.newBuilder()
            .keepReports("target/surefire-reports", "build/test-results")
            .build();
    try (SwarmWorker worker = worker(options, 25410)) {
      // One report folder that is itself a link to the host's ~/.ssh; one real folder with a link
      // inside it.
      String hostile =
          String.join(
              "; ",
              "mkdir -p target build/test-results",
              "ln -s '" + hostSecrets + "' target/surefire-reports",
              "echo '<testsuite failures=\"1\"/>' > build/test-results/TEST-FeatureTest.xml",
              "ln -s '" + hostSecrets.resolve("id_ed25519") + "' build/test-results/TEST-leak.xml",
              "ln -s '" + hostSecrets + "' build/test-results/leak-dir",
              "exit 1");

      CellOutcome outcome =
          worker
              .client()
              .runTcr(
                  TaskSpec.of("hostile", "break the feature", "main")
                      .withTestCommand(List.of("sh", "-c", hostile)));

      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
      Path kept = Path.of(outcome.historyPath());
      assertThat(read(kept.resolve("reports/build/test-results/TEST-FeatureTest.xml")))
          .contains("failures=\"1\"");
      assertThat(kept.resolve("reports/build/test-results/TEST-leak.xml")).doesNotExist();
      assertThat(kept.resolve("reports/build/test-results/leak-dir")).doesNotExist();
      assertThat(kept.resolve("reports/target/surefire-reports")).doesNotExist();
      assertThat(textsBelow(temp.resolve("state/history")))
          .noneMatch(text -> text.contains("HOST PRIVATE KEY"));
      assertThat(linksBelow(temp.resolve("state/history"))).isEmpty();
    }
  }

  @Test
  void retentionRemovesTheOldestRunsAndTheirRejectedRefs() throws IOException {
    try (SwarmWorker worker = worker(HistoryOptions.newBuilder().maxRuns(2).build(), 25415)) {
      for (String task : List.of("first", "second", "third")) {
        CellOutcome outcome =
            worker
                .client()
                .runTcr(
                    TaskSpec.of(task, "break the feature", "main")
                        .withTestCommand(List.of("false")));
        assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
      }

      try (Stream<Path> runs = Files.list(temp.resolve("state/history"))) {
        assertThat(runs.map(run -> run.getFileName().toString()))
            .hasSize(2)
            .anyMatch(name -> name.endsWith("-second"))
            .anyMatch(name -> name.endsWith("-third"));
      }
      assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/swarm/rejected/"))
          .isEqualTo("refs/swarm/rejected/second\nrefs/swarm/rejected/third\n");
      assertThat(worker.client().logs(CellId.of("first"))).isEmpty();
      assertThat(worker.client().diff(CellId.of("first"))).isEmpty();
    }
  }

  @Test
  void everyLineACellsStepsLogCarriesTheCellTheTaskAndTheStep() {
    try (SwarmWorker worker = worker(HistoryOptions.getDefaultInstance(), 25420);
        RecordingLogProvider.Capture capture = RecordingLogProvider.capture()) {
      CellOutcome outcome =
          worker
              .client()
              .runTcr(
                  TaskSpec.of("logged", "break the feature", "main")
                      .withTestCommand(List.of("false")));
      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);

      List<RecordingLogProvider.Event> cellLines =
          capture.events().stream()
              .filter(event -> event.logger().startsWith("io.openswarm."))
              .filter(event -> CELL_NAMED.matcher(event.message()).find())
              // The threads that run the steps; a process's exit watcher, for one, is not one of
              // them.
              .filter(event -> event.thread().startsWith("Activity Executor"))
              .toList();
      assertThat(cellLines)
          .extracting(RecordingLogProvider.Event::message)
          .anyMatch(message -> message.contains("up on port"))
          .anyMatch(message -> message.contains("started tests of logged"))
          .anyMatch(message -> message.contains("tests failed"))
          .anyMatch(message -> message.contains("reverted"))
          .anyMatch(message -> message.contains("torn down"));
      assertThat(cellLines)
          .allSatisfy(
              event ->
                  assertThat(event.mdc())
                      .as("%s", event)
                      .containsEntry("cellId", "logged")
                      .containsEntry("taskId", "logged")
                      .containsKey("step"));
      assertThat(cellLines)
          .filteredOn(event -> event.message().contains("tests failed"))
          .allSatisfy(event -> assertThat(event.mdc()).containsEntry("step", "TEST"));
      assertThat(cellLines)
          .filteredOn(event -> event.message().contains("torn down"))
          .allSatisfy(event -> assertThat(event.mdc()).containsEntry("step", "TEARDOWN"));
    }
  }

  private SwarmWorker worker(HistoryOptions history, int firstPort) {
    return SwarmWorker.newBuilder()
        .repository(repo.path())
        .stateDirectory(temp.resolve("state"))
        .testCommand(List.of("true"))
        .connection(ConnectionOptions.newBuilder().hostId("history-host").build())
        .agent(
            supervisor ->
                CommandAgent.newBuilder(supervisor)
                    .command("sh", "-c", AGENT, "sh", "{prompt}")
                    .build())
        .history(history)
        .ports(new PortRange(firstPort, firstPort + 4))
        .start();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> textsBelow(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
          .map(CellHistoryIT::read)
          .toList();
    }
  }

  private static List<Path> linksBelow(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isSymbolicLink).toList();
    }
  }
}
