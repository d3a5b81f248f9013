package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At start, a sandboxed worker checks that cells will see what they need. A test script whose
 * interpreter lives in the home folder (a virtualenv's python, say), which the sandbox hides, fails
 * the start with a message that names the interpreter and the sandbox, instead of failing every
 * task later; the same script with a visible interpreter starts and commits.
 */
class SandboxProbeIT {

  @TempDir Path temp;
  private Path inHome;

  @BeforeEach
  void setUp() throws Exception {
    inHome =
        Files.createDirectories(
            Path.of(System.getProperty("user.home"), ".openswarm-probe-" + UUID.randomUUID()));
  }

  @AfterEach
  void tearDown() throws Exception {
    try (Stream<Path> walk = Files.walk(inHome)) {
      walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void aTestScriptWhoseInterpreterTheSandboxHidesFailsTheStartAndSaysWhy() throws Exception {
    Path interpreter = Files.createDirectories(inHome.resolve("venv/bin")).resolve("python-like");
    Files.createSymbolicLink(interpreter, Path.of("/bin/sh"));
    Path tests = script("run-tests", "#!" + interpreter + "\nexit 0\n");

    assertThatThrownBy(() -> worker(tests, "probe-hidden"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bubblewrap")
        .hasMessageContaining(interpreter.toString())
        .hasMessageNotContaining(tests + ",");
  }

  @Test
  void theSameScriptWithAVisibleInterpreterStartsAndCommits() throws Exception {
    Path tests = script("run-tests", "#!/bin/sh\nexit 0\n");

    try (SwarmWorker worker = worker(tests, "probe-visible")) {
      CellOutcome outcome = worker.client().runTcr(TaskSpec.of("probe", "write a file", "main"));

      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    }
  }

  private Path script(String name, String content) throws Exception {
    Path file = Files.createDirectories(inHome.resolve("tools")).resolve(name);
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private SwarmWorker worker(Path testProgram, String host) {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve(host + "-repo"));
    return SwarmWorker.newBuilder()
        .repository(repo.path())
        .stateDirectory(temp.resolve(host + "-state"))
        .testCommand(List.of(testProgram.toString()))
        .connection(ConnectionOptions.newBuilder().hostId(host).build())
        .agent(
            ScriptedAgent.newBuilder()
                .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("work.txt", prompt)))
                .build())
        .sandbox(CellSandbox.Mode.BUBBLEWRAP)
        .ports(new PortRange(24850, 24859))
        .start();
  }
}
