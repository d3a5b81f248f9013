package io.openswarm.infra.testrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.testrun.TestCommandNotRunnableException;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import io.openswarm.infra.sandbox.OutsideTmpDirFactory;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test commands run code the agent wrote: under bubblewrap they pass as usual but cannot escape the
 * cell.
 */
class CommandTestRunnerIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path worktree;
  private Path otherWorktree;
  private Path state;
  private Path otherState;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws Exception {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    otherWorktree = Files.createDirectories(temp.resolve("pool/cell-2"));
    state = temp.resolve("state/cell-1");
    otherState = Files.createDirectories(temp.resolve("state/cell-2"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
  }

  private TestRunner.Result run(CommandTestRunner runner) throws Exception {
    return runner.run(new TestRunner.Request(CellId.of("cell-1"), worktree, state));
  }

  @Test
  void aNormalTestCommandPassesUnchangedInTheSandbox() throws Exception {
    Files.writeString(worktree.resolve("calc.py"), "def add(a, b):\n    return a + b\n");
    Files.writeString(
        worktree.resolve("test_calc.py"),
        "import calc, tempfile, os\n"
            + "assert calc.add(2, 3) == 5\n"
            + "with tempfile.NamedTemporaryFile(dir=os.environ['TMPDIR']) as f:\n"
            + "    f.write(b'scratch')\n"
            + "open('build-output.txt', 'w').write('built')\n"
            + "print('1 passed')\n");

    TestRunner.Result result =
        run(
            CommandTestRunner.newBuilder(supervisor)
                .command(List.of("python3", "-B", "test_calc.py"))
                .build());

    assertThat(result.passed()).isTrue();
    assertThat(result.outputTail()).isEqualTo("1 passed\n");
    assertThat(worktree.resolve("build-output.txt")).hasContent("built");
  }

  @Test
  void aTestCommandThatTriesToEscapeFailsToEscape() throws Exception {
    Path targetWorktree = otherWorktree.resolve("pwned");
    Path targetState = otherState.resolve("pwned");
    Scripts.write(
        worktree,
        "evil-test.sh",
        String.join(
            "\n",
            "echo pwned > " + targetWorktree + " && echo ESCAPED-WORKTREE",
            "python3 -c \"open('" + targetState + "', 'w').write('x')\" && echo ESCAPED-STATE",
            "sh -c 'echo pwned > " + temp.resolve("pwned-root") + "' && echo ESCAPED-ROOT",
            "echo own > own-file && echo WROTE-OWN",
            "exit 0"));

    TestRunner.Result result =
        run(CommandTestRunner.newBuilder(supervisor).command(List.of("./evil-test.sh")).build());

    assertThat(result.outputTail()).contains("WROTE-OWN");
    if (!io.openswarm.infra.sandbox.OutsideTmpDirFactory.insidePrivateTmp(temp)) {
      assertThat(result.outputTail()).doesNotContain("ESCAPED");
    }
    assertThat(targetWorktree).doesNotExist();
    assertThat(targetState).doesNotExist();
    assertThat(temp.resolve("pwned-root")).doesNotExist();
    assertThat(worktree.resolve("own-file")).hasContent("own");
  }

  @Test
  void aTestProgramMissingEverywhereIsNotRunnableAndTheMessageNamesItButNotThePath() {
    assertThatThrownBy(
            () ->
                run(
                    CommandTestRunner.newBuilder(supervisor)
                        .command(List.of("mocha", "--recursive"))
                        .build()))
        .isInstanceOfSatisfying(
            TestCommandNotRunnableException.class, e -> assertThat(e.program()).isEqualTo("mocha"))
        .hasMessageStartingWith(
            "program 'mocha' was not found or is not executable on the tests' PATH (")
        .hasMessageEndingWith("so not inside the cell's sandbox (bubblewrap) either")
        .hasMessageNotContaining(System.getenv("PATH"))
        .hasMessageNotContaining("/usr/bin");
  }

  @Test
  void exitCode127InsideTheSandboxIsNotRunnableWithTheOutputTail() throws Exception {
    Scripts.write(
        worktree, "test.sh", "echo 'running the suite'\nmocha-that-is-not-installed --recursive");

    assertThatThrownBy(
            () ->
                run(CommandTestRunner.newBuilder(supervisor).command(List.of("./test.sh")).build()))
        .isInstanceOf(TestCommandNotRunnableException.class)
        .hasMessageStartingWith(
            "the test command './test.sh' exited with code 127 inside the cell's sandbox "
                + "(bubblewrap), which means a program it runs was not found; output:\nrunning the suite\n")
        .hasMessageContaining("mocha-that-is-not-installed: not found");
  }

  @Test
  void exitCode126InsideTheSandboxIsNotRunnable() throws Exception {
    Scripts.write(worktree, "test.sh", "exit 126");

    assertThatThrownBy(
            () ->
                run(CommandTestRunner.newBuilder(supervisor).command(List.of("./test.sh")).build()))
        .isInstanceOf(TestCommandNotRunnableException.class)
        .hasMessageStartingWith(
            "the test command './test.sh' exited with code 126 inside the cell's sandbox "
                + "(bubblewrap), which means a program it runs was found but could not be executed");
  }

  @Test
  void aTestProgramWhoseInterpreterTheSandboxHidesIsNotRunnableAndTheMessageSaysSandbox()
      throws Exception {
    Path hidden = Files.createDirectories(temp.resolve("toolchain"));
    Path interpreter = Scripts.write(hidden, "interp", "exec /bin/sh \"$@\"");
    Files.writeString(worktree.resolve("test.sh"), "#!" + interpreter + "\necho ran\n");
    Files.setPosixFilePermissions(
        worktree.resolve("test.sh"), PosixFilePermissions.fromString("rwx------"));
    try (ProcessSupervisor hiding =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .hiddenPaths(List.of(hidden))
            .build()) {
      CommandTestRunner runner =
          CommandTestRunner.newBuilder(hiding).command(List.of("./test.sh")).build();

      assertThatThrownBy(
              () -> runner.run(new TestRunner.Request(CellId.of("cell-1"), worktree, state)))
          .isInstanceOfSatisfying(
              TestCommandNotRunnableException.class,
              e -> assertThat(e.outputTail()).startsWith("bwrap: execvp ./test.sh"))
          .hasMessageStartingWith(
              "program './test.sh' could not be executed inside the cell's sandbox "
                  + "(bubblewrap): ./test.sh: No such file or directory; the sandbox hides");
    }
    try (ProcessSupervisor unsandboxed = ProcessSupervisor.newBuilder().build()) {
      assertThat(
              CommandTestRunner.newBuilder(unsandboxed)
                  .command(List.of("./test.sh"))
                  .build()
                  .run(new TestRunner.Request(CellId.of("cell-1"), worktree, state))
                  .outputTail())
          .as("outside the sandbox the same program runs")
          .isEqualTo("ran\n");
    }
  }

  @Test
  void aRedTestThatPrintsOneLineStillIsARedTest() throws Exception {
    Scripts.write(worktree, "test.sh", "echo 'bwrap-like: 1 failing'\nexit 1");

    TestRunner.Result result =
        run(CommandTestRunner.newBuilder(supervisor).command(List.of("./test.sh")).build());

    assertThat(result.passed()).isFalse();
    assertThat(result.exitCode()).isEqualTo(1);
  }

  @Test
  void aTimeoutInsideTheSandboxIsReportedAsKilledByTheLibrary() throws Exception {
    Scripts.write(worktree, "test.sh", "echo started\nexec sleep 1000");

    TestRunner.Result result =
        run(
            CommandTestRunner.newBuilder(supervisor)
                .command(List.of("./test.sh"))
                .timeout(Duration.ofMillis(500))
                .stopGrace(Duration.ofMillis(200))
                .build());

    assertThat(result.timedOut()).isTrue();
    assertThat(result.killedByLibrary()).isTrue();
    assertThat(result.passed()).isFalse();
    assertThat(result.commandNotRunnable()).isFalse();
    assertThat(result.outputTail()).contains("started");
  }

  @Test
  void testsCanRunWithoutNetwork() throws Exception {
    TestRunner.Result offline =
        run(
            CommandTestRunner.newBuilder(supervisor)
                .command(
                    List.of("sh", "-c", "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '"))
                .network(NetworkAccess.NONE)
                .build());

    assertThat(offline.outputTail()).isEqualTo("lo\n");
  }
}
