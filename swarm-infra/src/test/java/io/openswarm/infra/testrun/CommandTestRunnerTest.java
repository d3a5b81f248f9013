package io.openswarm.infra.testrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.testrun.TestCommandNotRunnableException;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's own contract, with real processes and no sandbox; {@code CommandTestRunnerIT} adds
 * bubblewrap.
 */
class CommandTestRunnerTest {

  @TempDir Path temp;
  private Path worktree;
  private Path state;
  private TestRunner.Request request;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws IOException {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    state = temp.resolve("state/cell-1");
    request = new TestRunner.Request(CellId.of("cell-1"), worktree, state);
    supervisor = ProcessSupervisor.newBuilder().build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
    assertThat(Scripts.unreapedChildren()).isEmpty();
  }

  private CommandTestRunner runner(String... command) {
    return CommandTestRunner.newBuilder(supervisor).command(List.of(command)).build();
  }

  @Test
  void exitCodeZeroPasses() throws Exception {
    Scripts.write(worktree, "test.sh", "echo 'all 3 tests passed'\nexit 0");

    TestRunner.Result result = runner("./test.sh").run(request);

    assertThat(result.passed()).isTrue();
    assertThat(result.exitCode()).isZero();
    assertThat(result.outputTail()).isEqualTo("all 3 tests passed\n");
    assertThat(result.outputTruncated()).isFalse();
    assertThat(result.duration()).isPositive();
    assertThat(state.resolve("logs/tests.log")).hasContent("all 3 tests passed");
  }

  @Test
  void anyOtherExitCodeFailsWhateverTheOutputSays() throws Exception {
    Scripts.write(worktree, "test.sh", "echo 'PASS PASS PASS'\nexit 1");

    TestRunner.Result result = runner("./test.sh").run(request);

    assertThat(result.passed()).isFalse();
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.outputTail()).contains("PASS");
  }

  @Test
  void aTimeoutKillsTheWholeTreeAndIsReportedAsSuch() throws Exception {
    Scripts.write(
        worktree,
        "test.sh",
        "trap '' TERM\nsh -c \"trap '' TERM; echo child \\$\\$; sleep 1000\" &\nwait");
    CommandTestRunner runner =
        CommandTestRunner.newBuilder(supervisor)
            .command(List.of("./test.sh"))
            .timeout(Duration.ofMillis(500))
            .stopGrace(Duration.ofMillis(200))
            .build();

    TestRunner.Result result = runner.run(request);

    assertThat(result.timedOut()).isTrue();
    assertThat(result.passed()).isFalse();
    assertThat(result.exitCode()).isEqualTo(128 + 9);
    assertThat(result.duration()).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
    long child = Long.parseLong(result.outputTail().replaceAll("(?s).*child (\\d+).*", "$1"));
    assertThat(Scripts.running(child)).isFalse();
  }

  @Test
  void fiftyAndAHundredMegabytesOfOutputStayBounded() throws Exception {
    for (int megabytes : new int[] {50, 100}) {
      CommandTestRunner runner =
          CommandTestRunner.newBuilder(supervisor)
              .command(
                  List.of(
                      "sh",
                      "-c",
                      "head -c "
                          + megabytes * 1_000_000
                          + " /dev/zero | tr '\\0' y; echo; "
                          + "echo FAILED: 1 test; exit 1"))
              .logCapBytes(1_000_000)
              .build();

      TestRunner.Result result = runner.run(request);

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.outputBytes()).isEqualTo(megabytes * 1_000_000L + 16);
      assertThat(result.outputTruncated()).isTrue();
      assertThat(result.outputTail()).hasSize(64 * 1024).endsWith("yyy\nFAILED: 1 test\n");
      assertThat(Files.size(state.resolve("logs/tests.log"))).isBetween(1_000_000L, 1_000_200L);
    }
  }

  @Test
  void invalidUtf8IsDecodedWithReplacementCharacters() throws Exception {
    TestRunner.Result result =
        runner("printf", "caf\\303\\251 \\377\\300 \\355\\240\\200 ok").run(request);

    assertThat(result.outputTail()).startsWith("caf\u00e9 ").endsWith(" ok").contains("\uFFFD");
    assertThat(result.outputTail().substring(5, result.outputTail().length() - 3))
        .matches("[\uFFFD ]+");
  }

  @Test
  void argumentsWithShellSyntaxPassUnchangedAndUnexecuted() throws Exception {
    List<String> tricky =
        List.of(
            "it's \"quoted\"",
            "$(touch " + worktree.resolve("pwned1") + ")",
            "`touch " + worktree.resolve("pwned2") + "`",
            "two\nlines",
            "a;touch " + worktree.resolve("pwned3"),
            "${HOME}",
            "*",
            "");
    List<String> command = new ArrayList<>(List.of("printf", "<%s>\\n"));
    command.addAll(tricky);

    TestRunner.Result result =
        CommandTestRunner.newBuilder(supervisor).command(command).build().run(request);

    assertThat(result.outputTail())
        .isEqualTo(tricky.stream().map(a -> "<" + a + ">\n").collect(Collectors.joining()));
    assertThat(worktree.resolve("pwned1")).doesNotExist();
    assertThat(worktree.resolve("pwned2")).doesNotExist();
    assertThat(worktree.resolve("pwned3")).doesNotExist();
  }

  @Test
  void homeAndTmpdirLiveInTheCellsStateFolder() throws Exception {
    TestRunner.Result result =
        CommandTestRunner.newBuilder(supervisor)
            .command(
                List.of(
                    "sh",
                    "-c",
                    "echo \"$HOME|$TMPDIR|${MY_SECRET:-unset}\"; touch \"$TMPDIR/x\" \"$HOME/y\""))
            .environment(ProcessEnvironment.newBuilder().inheritDefaults().build())
            .build()
            .run(request);

    assertThat(result.outputTail())
        .isEqualTo(state.resolve("home") + "|" + state.resolve("tmp") + "|unset\n");
    assertThat(state.resolve("tmp/x")).exists();
    assertThat(state.resolve("home/y")).exists();
  }

  @Test
  void aMissingTestCommandIsAnErrorNotARedTest() {
    assertThatThrownBy(() -> runner("./gradlew", "test").run(request))
        .isInstanceOf(TestCommandNotRunnableException.class)
        .hasMessage(
            "program './gradlew' was not found or is not executable in the worktree of cell cell-1");
  }

  @Test
  void aMissingProgramGivenByItsAbsolutePathIsNotRunnable() {
    Path missing = temp.resolve("toolchain/bin/pytest");

    assertThatThrownBy(() -> runner(missing.toString()).run(request))
        .isInstanceOf(TestCommandNotRunnableException.class)
        .hasMessage("program '" + missing + "' was not found or is not executable at that path");
  }

  @Test
  void aProgramMissingFromThePathIsNamedWithoutListingThePath() {
    String path = "/opt/secret-toolchain/bin:/usr/bin:/bin";

    assertThatThrownBy(
            () ->
                CommandTestRunner.newBuilder(supervisor)
                    .command(List.of("mocha", "--recursive"))
                    .environment(ProcessEnvironment.newBuilder().put("PATH", path).build())
                    .build()
                    .run(request))
        .isInstanceOfSatisfying(
            TestCommandNotRunnableException.class, e -> assertThat(e.program()).isEqualTo("mocha"))
        .hasMessage(
            "program 'mocha' was not found or is not executable on the tests' PATH (3 folder(s) searched "
                + "on the host)")
        .hasMessageNotContaining("/opt/secret-toolchain");
    assertThat(state.resolve("logs/tests.log")).as("nothing was started").doesNotExist();
  }

  @Test
  void exitCode127FromAProgramTheCommandRunsIsNotARedTest() throws Exception {
    Scripts.write(
        worktree, "test.sh", "echo 'running the suite'\nmocha-that-is-not-installed --recursive");

    assertThatThrownBy(() -> runner("./test.sh").run(request))
        .isInstanceOfSatisfying(
            TestCommandNotRunnableException.class,
            e -> {
              assertThat(e.program()).isEqualTo("./test.sh");
              assertThat(e.outputTail())
                  .contains("running the suite", "mocha-that-is-not-installed: not found");
            })
        .hasMessageStartingWith(
            "the test command './test.sh' exited with code 127, which means a program it runs "
                + "was not found; output:\nrunning the suite\n")
        .hasMessageContaining("mocha-that-is-not-installed: not found");
  }

  @Test
  void exitCode126FromAProgramThatCannotBeExecutedIsNotARedTest() throws Exception {
    Files.writeString(worktree.resolve("run-suite.sh"), "#!/bin/sh\necho never\n");
    Scripts.write(worktree, "test.sh", "./run-suite.sh");

    assertThatThrownBy(() -> runner("./test.sh").run(request))
        .isInstanceOf(TestCommandNotRunnableException.class)
        .hasMessageStartingWith(
            "the test command './test.sh' exited with code 126, which means a program it runs "
                + "was found but could not be executed; output:\n")
        .hasMessageContaining("Permission denied");
  }

  @Test
  void aRunStoppedBecauseTheSupervisorClosesIsReportedAsStoppedNotAsRed() throws Exception {
    Scripts.write(worktree, "test.sh", "echo running\nexec sleep 1000");
    CommandTestRunner runner = runner("./test.sh");
    CompletableFuture<TestRunner.Result> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return runner.run(request);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Files.exists(state.resolve("logs/tests.log"))
                    && Files.readString(state.resolve("logs/tests.log")).contains("running"));

    supervisor.close();

    TestRunner.Result result = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(result.stopped()).isTrue();
    assertThat(result.timedOut()).isFalse();
    assertThat(result.passed()).isFalse();
    assertThat(result.killedByLibrary()).isTrue();
  }

  @Test
  void interruptingTheCallerStopsTheTests() throws Exception {
    Scripts.write(worktree, "test.sh", "echo running $$\nexec sleep 1000");
    CommandTestRunner runner = runner("./test.sh");
    AtomicReference<Thread> caller = new AtomicReference<>();
    CompletableFuture<TestRunner.Result> run =
        CompletableFuture.supplyAsync(
            () -> {
              caller.set(Thread.currentThread());
              try {
                return runner.run(request);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Files.exists(state.resolve("logs/tests.log"))
                    && Files.readString(state.resolve("logs/tests.log")).contains("running"));
    long pid =
        Long.parseLong(Files.readString(state.resolve("logs/tests.log")).trim().split(" ")[1]);

    caller.get().interrupt();

    assertThatThrownBy(run::get)
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(InterruptedException.class);
    assertThat(Scripts.running(pid)).isFalse();
    assertThat(supervisor.liveProcesses()).isEmpty();
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> CommandTestRunner.newBuilder(supervisor).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command is required but was not set");
    assertThatThrownBy(() -> CommandTestRunner.newBuilder(supervisor).command(List.of()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command must start with a program name but was []");
    assertThatThrownBy(
            () ->
                CommandTestRunner.newBuilder(supervisor)
                    .command(List.of("t"))
                    .timeout(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive but was PT-1S");
    assertThatThrownBy(
            () ->
                CommandTestRunner.newBuilder(supervisor).command(List.of("t")).tailBytes(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tailBytes must be between 1 and 16777216 but was 0");
    assertThatThrownBy(() -> CommandTestRunner.newBuilder(supervisor).writablePath(Path.of("/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("writable path must be absolute and not the filesystem root but was /");
    assertThatThrownBy(() -> CommandTestRunner.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("supervisor cannot be null");
    assertThat(runner("mvn", "test").toString()).contains("mvn", "sandbox=none");
  }
}
