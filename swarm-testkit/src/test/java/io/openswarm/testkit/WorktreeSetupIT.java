package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A generated npm project tested with {@code npx mocha}, mocha installed from the npm registry by
 * the worktree's set-up ({@code npm ci}) inside bubblewrap: the first cell sets its worktree up and
 * commits; the next one on the warm worktree does not run {@code npm ci} again (a counter file that
 * the set-up appends to, ignored like node_modules, says how often it ran), nor does the one after
 * a red cell's revert; a change of {@code package-lock.json} runs it again; a set-up that fails
 * fails the cell at WORKTREE with npm's output, never as red tests, and its log is kept.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorktreeSetupIT {

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(WorktreeSetupIT::npmProject)
          .testCommand("npx", "mocha")
          .connection(ConnectionOptions.newBuilder().hostId("setup-host").build())
          .worktrees(pool -> pool.minIdle(0).maxIdle(1).maxTotal(1))
          .agent(
              ScriptedAgent.newBuilder()
                  .edits(
                      prompt ->
                          List.of(
                              ScriptedAgent.FileEdit.write(
                                  "index.js",
                                  prompt.contains("break")
                                      ? "module.exports = (a, b) => a * b;\n"
                                      : "module.exports = (a, b) => a + b;\n")))
                  .build())
          .configure(
              worker ->
                  worker
                      .setup(
                          WorktreeSetupOptions.newBuilder()
                              .command(
                                  "sh",
                                  "-c",
                                  "echo run >> .setup-runs && npm ci --no-audit --no-fund")
                              .inputs("package.json", "package-lock.json")
                              .build())
                      .sandbox(CellSandbox.Mode.BUBBLEWRAP))
          .build();

  private static void npmProject(TemporaryRepository repo) {
    repo.write(".gitignore", "node_modules/\n.setup-runs\n")
        .write("package.json", packageJson("adder", ""))
        .write("index.js", "module.exports = (a, b) => a - b;\n")
        .write(
            "test/add.test.js",
            "const assert = require('assert');\nconst add = require('../index.js');\n"
                + "describe('add', () => it('adds', () => assert.strictEqual(add(2, 3), 5)));\n");
    npm(repo.path(), "install", "--package-lock-only", "--no-audit", "--no-fund");
    repo.commit("an npm project tested with mocha");
    // A branch whose package.json asks for a dependency its lock file lacks: npm ci refuses it.
    repo.git("checkout", "--quiet", "-b", "out-of-sync");
    repo.write("package.json", packageJson("adder", ", \"left-pad\": \"1.3.0\""))
        .commit("a dependency, no lock");
    repo.git("checkout", "--quiet", "main");
  }

  @Test
  @Order(1)
  void aCellCommitsAfterTheSetUpAndTheWarmWorktreeIsNotSetUpAgainUntilTheLockFileChanges(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) throws Exception {
    CellOutcome first = client.runTcr(TaskSpec.of("first", "make add add", "main"));
    assertThat(first.status()).as("%s", first).isEqualTo(CellStatus.COMMITTED);
    assertThat(setupRuns(worker)).as("npm ci ran in the new worktree").isEqualTo(1);

    CellOutcome second = client.runTcr(TaskSpec.of("second", "make add add", "main"));
    assertThat(second.status()).as("%s", second).isEqualTo(CellStatus.COMMITTED);
    assertThat(setupRuns(worker))
        .as("the warm worktree kept node_modules; npm ci did not run")
        .isEqualTo(1);

    CellOutcome red = client.runTcr(TaskSpec.of("red", "break add", "main"));
    assertThat(red.status()).as("%s", red).isEqualTo(CellStatus.REVERTED);
    assertThat(red.testOutputTail()).contains("AssertionError");
    CellOutcome afterRed = client.runTcr(TaskSpec.of("after-red", "make add add", "main"));
    assertThat(afterRed.status())
        .as("the revert kept node_modules: %s", afterRed)
        .isEqualTo(CellStatus.COMMITTED);
    assertThat(setupRuns(worker)).isEqualTo(1);

    // Same dependencies, another lock file: the package's name is in both files.
    repo.write("package.json", packageJson("adder-renamed", ""));
    String lock = Files.readString(repo.path().resolve("package-lock.json"));
    repo.write(
            "package-lock.json", lock.replace("\"name\": \"adder\"", "\"name\": \"adder-renamed\""))
        .commit("rename the package");
    CellOutcome third = client.runTcr(TaskSpec.of("third", "make add add", "main"));
    assertThat(third.status()).as("%s", third).isEqualTo(CellStatus.COMMITTED);
    assertThat(setupRuns(worker)).as("package-lock.json changed: npm ci ran again").isEqualTo(2);
    InvariantCheck.of(worker).assertHolds();
  }

  @Test
  @Order(2)
  void aSetUpThatFailsFailsTheCellAtWorktreeWithNpmsOutput(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome = client.runTcr(TaskSpec.of("broken", "make add add", "out-of-sync"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(outcome.error())
        .startsWith("SetupFailed: ")
        .contains(
            "the set-up command 'sh' exited with code 1 inside the cell's sandbox (bubblewrap)")
        .contains("npm ci", "in sync");
    assertThat(outcome.timing(CellStep.TEST)).as("no test ran").isEmpty();
    assertThat(repo.hasBranch("swarm/broken")).isFalse();
    assertThat(client.logs(CellId.of("broken")))
        .as("the set-up's log is kept with the cell's record")
        .filteredOn(log -> log.getFileName().toString().equals("setup.log"))
        .singleElement()
        .satisfies(log -> assertThat(log).content().contains("npm ci", "in sync"));
    InvariantCheck.of(worker).assertHolds();
  }

  /** How often the set-up ran in the pool's one worktree, from the counter it appends to. */
  private static int setupRuns(SwarmWorker worker) throws IOException {
    try (Stream<Path> slots = Files.list(worker.options().worktrees().root())) {
      List<Path> counters =
          slots.map(slot -> slot.resolve(".setup-runs")).filter(Files::exists).toList();
      assertThat(counters).as("the pool has one worktree").hasSize(1);
      return Files.readAllLines(counters.get(0)).size();
    }
  }

  private static String packageJson(String name, String extraDependency) {
    return "{\n  \"name\": \""
        + name
        + "\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n"
        + "  \"scripts\": {\"test\": \"mocha\"},\n"
        + "  \"devDependencies\": {\"mocha\": \"10.8.2\""
        + extraDependency
        + "}\n}\n";
  }

  /**
   * Runs npm on the host with a cache of its own (beside the repository, in the swarm's folder), to
   * write the lock file the project commits.
   */
  private static void npm(Path directory, String... args) {
    List<String> command = Stream.concat(Stream.of("npm"), Stream.of(args)).toList();
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().put("npm_config_cache", directory.resolveSibling("npm-cache").toString());
    try {
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "npm " + String.join(" ", args) + " did not finish in 3 minutes");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("npm " + String.join(" ", args) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run npm " + String.join(" ", args), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while npm ran", e);
    }
  }
}
