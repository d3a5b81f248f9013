package io.openswarm.testkit.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.lifecycle.CellLifecycle;
import io.openswarm.core.lifecycle.CellStepException;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeBinary;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.testkit.LeakCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cells with the real OpenCode ({@value OpenCodeBinary#PINNED_VERSION}; a missing binary fails the
 * class, it never skips), driven by the {@link FakeModelServer}, over the real parts: ports, a
 * worktree pool of a real repository, git changes, the command test runner, and the process
 * supervisor under the real bubblewrap sandbox. Each test ends with a {@link LeakCheck}: no live
 * cell, no leased port or worktree, no child process.
 *
 * <p>Real OpenCode starts are few (each costs ~3-6 s and ~300 MB): one cell commits (and shows what
 * the agent can and cannot see or touch), one cell reverts (and runs a hanging and a flooding test
 * command on the way), one cell's turn hangs. The start-up failures use stand-in binaries. Failsafe
 * puts {@value #SECRET_VARIABLE} into this JVM's environment; the agent must never see it.
 */
class OpenCodeCellIT {

  static final String SECRET_VARIABLE = "OPENSWARM_TEST_SECRET";

  private static final Logger LOG = LoggerFactory.getLogger(OpenCodeCellIT.class);
  private static final Duration TURN_LIMIT = Duration.ofMinutes(2);

  @TempDir(factory = OutsideTmpDirFactory.class)
  static Path temp;

  static FakeModelServer model;
  static TemporaryRepository repo;
  static ProcessSupervisor supervisor;
  static PortManager ports;
  static WorktreePool pool;
  static CommandTestRunner tests;
  static OpenCodeOptions options;
  static CellSteps steps;

  @BeforeAll
  static void setUp() {
    assertThat(System.getenv(SECRET_VARIABLE))
        .as("Failsafe must set %s for this test", SECRET_VARIABLE)
        .isNotBlank();
    model = FakeModelServer.start();
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write(
                "check.sh",
                "#!/bin/sh\n# Green once greeting.txt says hello.\n"
                    + "test \"$(cat greeting.txt 2>/dev/null)\" = hello\n")
            .executable("check.sh")
            .commit("a project whose test wants a greeting");
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
    ports =
        PortManager.newBuilder()
            .range(21300, 21330)
            .leaseDirectory(temp.resolve("state/ports"))
            .build();
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("worktrees"))
            .minIdle(0)
            .maxIdle(2)
            .maxTotal(4)
            .build();
    pool.start();
    tests =
        CommandTestRunner.newBuilder(supervisor)
            .command(List.of("sh", "check.sh"))
            .timeout(Duration.ofMinutes(1))
            .stopGrace(Duration.ofSeconds(2))
            .build();
    options =
        OpenCodeOptions.newBuilder()
            .model(model.openCodeModel())
            .providerConfigJson(model.openCodeProviderConfig())
            .build();
    steps = steps(OpenCodeAgent.create(supervisor, options), Duration.ofSeconds(60));
  }

  @AfterAll
  static void tearDown() {
    if (pool != null) {
      pool.close();
    }
    if (supervisor != null) {
      supervisor.close();
    }
    if (model != null) {
      model.close();
    }
  }

  @BeforeEach
  void freshModel() {
    model.reset();
  }

  @AfterEach
  void nothingLeaks() {
    LeakCheck.of(ports, pool, steps).repository(repo).grace(Duration.ofSeconds(10)).assertClean();
    assertThat(supervisor.liveProcesses()).isEmpty();
  }

  static CellSteps steps(AgentRuntime agent, Duration readyTimeout) {
    return CellSteps.newBuilder()
        .ports(ports)
        .worktrees(pool)
        .changes(GitWorktreeChanges.create())
        .agent(agent)
        .tests(tests)
        .cellsDirectory(temp.resolve("state/cells"))
        .readyTimeout(readyTimeout)
        .build();
  }

  @Test
  void
      aScriptedWriteThatTurnsTheTestsGreenIsCommittedAloneWhileTheAgentSeesNoSecretAndCannotEscape()
          throws Exception {
    CellId cell = CellId.of("greet");
    String prompt = "Create greeting.txt saying hello";
    Path outside = Files.createDirectories(temp.resolve("outside"));
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .write("greeting.txt", "hello\n")
            .bash(
                "env > \"$TMPDIR/agent-env.txt\"; echo escaped > "
                    + outside.resolve("escaped.txt")
                    + "; echo escaped > "
                    + repo.path().resolve("escaped.txt"))
            .thenText("Created greeting.txt."));
    Path cellState = temp.resolve("state/cells/greet");
    String secret = System.getenv(SECRET_VARIABLE);
    String sha;

    CellSteps.Bootstrap up = steps.bootstrap(cell, "main");
    try {
      for (long pid : agentProcesses()) {
        byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        assertThat(new String(environ, StandardCharsets.UTF_8))
            .as("environment of agent process %d", pid)
            .doesNotContain(SECRET_VARIABLE)
            .doesNotContain(secret);
      }
      List<String> progress = new CopyOnWriteArrayList<>();

      CellSteps.Execution executed = steps.execute(cell, prompt, TURN_LIMIT, progress::add);

      assertThat(executed.summary()).isEqualTo("Created greeting.txt.");
      assertThat(executed.changedFiles()).containsExactly("greeting.txt");
      assertThat(progress).anySatisfy(line -> assertThat(line).startsWith("tool write completed"));
      assertThat(model.chatRequests()).hasSize(3);
      assertThat(model.unscriptedRequests()).isZero();
      String agentEnvironment = Files.readString(cellState.resolve("opencode/tmp/agent-env.txt"));
      assertThat(agentEnvironment)
          .contains("HOME=" + cellState.resolve("opencode/home"))
          .doesNotContain(SECRET_VARIABLE)
          .doesNotContain(secret);
      FakeModelServer.Request afterBash = model.chatRequests().get(2);
      assertThat(afterBash.body())
          .as("the bash tool ran and the sandbox refused both writes")
          .contains(
              OutsideTmpDirFactory.insidePrivateTmp(temp)
                  ? "escaped.txt: No such file or directory"
                  : "escaped.txt: Read-only file system");
      assertThat(outside.resolve("escaped.txt")).doesNotExist();
      assertThat(repo.path().resolve("escaped.txt")).doesNotExist();
      assertThat(Path.of(up.worktree()).resolve("greeting.txt")).hasContent("hello");
      assertThat(cellState.resolve("logs/opencode.log")).isNotEmptyFile();

      TestRunner.Result tested = steps.test(cell);
      assertThat(tested.passed()).as(tested.report()).isTrue();
      sha =
          Objects.requireNonNull(
              steps.commit(cell, "Greet the world").commit(), "nothing was committed");
    } finally {
      assertThat(steps.teardown(cell).errors()).isEmpty();
    }

    assertThat(repo.changedIn(sha))
        .as("the agent's file and nothing else (no logs, no config)")
        .containsExactly("greeting.txt");
    assertThat(repo.show(sha, "greeting.txt")).isEqualTo("hello\n");
    assertThat(cellState).doesNotExist();
  }

  @Test
  void aChangeThatBreaksTheTestsIsRevertedToTheExactBaseAfterAHangingAndAFloodingTestRun()
      throws Exception {
    CellId cell = CellId.of("break");
    String prompt = "Rewrite the README and greet differently";
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .write("README.md", "# rewritten\n")
            .write("greeting.txt", "goodbye\n")
            .write("notes/idea.txt", "an untracked file in a new folder\n")
            .thenText("Done."));

    CellSteps.Bootstrap up = steps.bootstrap(cell, "main");
    Path worktree = Path.of(up.worktree());
    try {
      CellSteps.Execution executed = steps.execute(cell, prompt, TURN_LIMIT, what -> {});
      assertThat(executed.changedFiles())
          .containsExactlyInAnyOrder("README.md", "greeting.txt", "notes/idea.txt");

      long start = System.nanoTime();
      // A run killed at its limit is no verdict: a typed failure, so no driver reverts the change
      // for it.
      assertThatThrownBy(
              () ->
                  steps.test(
                      cell,
                      List.of("sh", "-c", "echo 'tests started'; sleep 300"),
                      Duration.ofSeconds(2)))
          .isInstanceOfSatisfying(
              CellStepException.class,
              e -> assertThat(e.failureType()).isEqualTo(CellStepException.TESTS_TIMED_OUT))
          .hasMessageContaining("tests timed out after")
          .hasMessageContaining("tests started");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));

      TestRunner.Result flood =
          steps.test(
              cell,
              List.of(
                  "sh",
                  "-c",
                  "yes 'all work and no play makes jack a dull boy' | head -c 52428800; echo; echo 'FAILED: 1 test'; exit 1"),
              Duration.ofMinutes(2));
      assertThat(flood.exitCode()).isEqualTo(1);
      assertThat(flood.outputBytes()).isGreaterThan(50L * 1024 * 1024);
      assertThat(flood.outputTruncated()).isTrue();
      assertThat(flood.outputTail().length())
          .isLessThanOrEqualTo(CommandTestRunner.DEFAULT_TAIL_BYTES);
      assertThat(flood.outputTail()).endsWith("FAILED: 1 test\n");
      Path testLog = temp.resolve("state/cells/break/logs/tests.log");
      assertThat(Files.size(testLog))
          .as("the cap plus one marker line")
          .isBetween(
              CommandTestRunner.DEFAULT_LOG_CAP_BYTES,
              CommandTestRunner.DEFAULT_LOG_CAP_BYTES + 200);
      LOG.info("a 50 MB test run took {} ms", flood.duration().toMillis());

      TestRunner.Result red = steps.test(cell);
      assertThat(red.passed()).isFalse();
      assertThat(red.report()).startsWith("tests failed with exit code 1");

      steps.revert(cell);

      assertThat(git(worktree, "status", "--porcelain", "--untracked-files=all", "--ignored"))
          .isEmpty();
      assertThat(git(worktree, "rev-parse", "HEAD").strip()).isEqualTo(up.baseCommit());
      assertThat(worktree.resolve("README.md")).hasContent(repo.show("main", "README.md").strip());
      assertThat(worktree.resolve("greeting.txt")).doesNotExist();
      assertThat(worktree.resolve("notes")).doesNotExist();
    } finally {
      assertThat(steps.teardown(cell).errors()).isEmpty();
    }
    assertThat(repo.hasBranch("swarm/break")).isFalse();
  }

  @Test
  void aTurnThatHangsFailsTheCellAtTheExecuteStepAndTheServerIsStopped() {
    String prompt = "Think forever";
    model.enqueue(prompt, FakeModelServer.script().hang());

    // The limit leaves a loaded machine's OpenCode time to reach the model before it strikes.
    CellOutcome outcome =
        new CellLifecycle(steps)
            .run(TaskSpec.of("think", prompt, "main").withExecuteTimeout(Duration.ofSeconds(15)));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.EXECUTE);
    assertThat(outcome.error())
        .startsWith("AgentTimedOut")
        .contains("turn exceeded its limit of PT15S");
    assertThat(outcome.timing(CellStep.EXECUTE))
        .as("the turn is timed up to the limit")
        .hasValueSatisfying(
            took -> assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(15)));
    assertThat(outcome.cleanTeardown()).isTrue();
    assertThat(model.chatRequests())
        .as("OpenCode was asking the model when the limit struck")
        .hasSize(1);
  }

  @Test
  void aMissingBinaryFailsTheCellAtAgentStart() throws Exception {
    Path binary = standIn("gone", "exec sleep 300");
    CellSteps failing =
        steps(
            OpenCodeAgent.create(
                supervisor, OpenCodeOptions.newBuilder(options).binary(binary).build()),
            Duration.ofSeconds(30));
    Files.delete(binary);

    CellOutcome outcome =
        new CellLifecycle(failing).run(TaskSpec.of("no-binary", "anything", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.AGENT_START);
    assertThat(outcome.error())
        .startsWith("AgentStartFailed")
        .contains("OpenCode binary not found")
        .contains(binary + " (does not exist)");
    LeakCheck.of(ports, pool, failing).repository(repo).assertClean();
  }

  @Test
  void anAgentThatExitsAtStartFailsTheCellAtOnceWithItsOutput() throws Exception {
    Path binary =
        standIn("crashing", "echo 'Error: Failed to start server on port' \"$5\" >&2\nexit 1");
    CellSteps failing =
        steps(
            OpenCodeAgent.create(
                supervisor, OpenCodeOptions.newBuilder(options).binary(binary).build()),
            Duration.ofSeconds(30));
    long start = System.nanoTime();

    CellOutcome outcome =
        new CellLifecycle(failing).run(TaskSpec.of("crashing", "anything", "main"));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.AGENT_READY);
    assertThat(outcome.error())
        .startsWith("AgentStartFailed")
        .contains("exited with code 1 before it became healthy")
        .contains("Error: Failed to start server on port 213");
    assertThat(outcome.cleanTeardown()).isTrue();
    LeakCheck.of(ports, pool, failing).repository(repo).assertClean();
  }

  @Test
  void anAgentThatNeverBecomesHealthyFailsTheCellAtTheReadyDeadline() throws Exception {
    Path binary = standIn("silent", "echo 'starting...'\nexec sleep 300");
    CellSteps failing =
        steps(
            OpenCodeAgent.create(
                supervisor, OpenCodeOptions.newBuilder(options).binary(binary).build()),
            Duration.ofSeconds(3));

    CellOutcome outcome = new CellLifecycle(failing).run(TaskSpec.of("silent", "anything", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.AGENT_READY);
    assertThat(outcome.error())
        .startsWith("AgentNotReady")
        .contains("not healthy within PT3S")
        .contains("starting...");
    assertThat(outcome.cleanTeardown()).isTrue();
    LeakCheck.of(ports, pool, failing).repository(repo).assertClean();
  }

  /** The agent's processes: the sandbox launcher the supervisor started and everything below it. */
  private static List<Long> agentProcesses() {
    List<Long> pids = new ArrayList<>();
    for (SupervisedProcess process : supervisor.liveProcesses()) {
      ProcessHandle.of(process.pid())
          .ifPresent(
              root ->
                  Stream.concat(Stream.of(root), root.descendants())
                      .forEach(handle -> pids.add(handle.pid())));
    }
    assertThat(pids).as("the agent runs").isNotEmpty();
    return pids;
  }

  private static Path standIn(String name, String body) throws IOException {
    Path dir = Files.createDirectories(temp.resolve("stand-ins/" + name));
    Path script = dir.resolve("opencode");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private static String git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("git %s: %s", command, out).isZero();
    return out;
  }
}
