package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import io.openswarm.infra.process.SupervisedProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cell A, sandboxed by bubblewrap, tries to reach cell B, the main repository and the worker; every
 * attempt fails and no target file appears. Each attack vector is first shown to work inside the
 * sandbox on cell A's own files, so a failure against the target is the sandbox's doing, not a
 * broken command.
 */
class SandboxEscapeIT {

  private static final String SECRET = "cell-b-password-" + UUID.randomUUID();

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path repo;
  private Path worktreeA;
  private Path worktreeB;
  private Path stateA;
  private Path stateB;
  private ProcessSupervisor supervisor;
  private SupervisedProcess agentB;
  private ProcessHandle agentBInside;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(temp.resolve("repo"));
    Git.run(repo, "init", "-q");
    Files.writeString(repo.resolve("README.md"), "hello\n");
    Git.run(repo, "add", "README.md");
    Git.run(repo, "commit", "-q", "-m", "initial");
    worktreeA = temp.resolve("pool/cell-a");
    worktreeB = temp.resolve("pool/cell-b");
    Git.run(repo, "worktree", "add", "-q", "-b", "swarm/cell-a", worktreeA.toString());
    Git.run(repo, "worktree", "add", "-q", "-b", "swarm/cell-b", worktreeB.toString());
    stateA = Files.createDirectories(temp.resolve("state/cell-a"));
    stateB = Files.createDirectories(temp.resolve("state/cell-b"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();

    agentB =
        supervisor.start(
            ProcessSpec.newBuilder()
                .command("sleep", "1000")
                .workingDirectory(worktreeB)
                .environment(
                    ProcessEnvironment.newBuilder()
                        .inheritDefaults()
                        .put("OPENCODE_SERVER_PASSWORD", SECRET)
                        .build())
                .logFile(stateB.resolve("logs/agent.log"))
                .sandboxPolicy(SandboxPolicy.forCell(worktreeB, stateB))
                .description("agent cell-b")
                .build());
    agentBInside =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(this::sleeperOfB, Optional::isPresent)
            .orElseThrow();
  }

  private Optional<ProcessHandle> sleeperOfB() {
    return ProcessHandle.of(agentB.pid()).stream()
        .flatMap(
            root ->
                java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(root), root.descendants()))
        .filter(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false))
        .findFirst();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
  }

  private ProcessResult inCellA(String... command) throws Exception {
    return supervisor
        .start(
            ProcessSpec.newBuilder()
                .command(command)
                .workingDirectory(worktreeA)
                .logFile(stateA.resolve("logs/attempt.log"))
                .sandboxPolicy(SandboxPolicy.forCell(worktreeA, stateA))
                .timeout(Duration.ofSeconds(30))
                .description("attempt in cell-a")
                .build())
        .waitFor();
  }

  @Test
  void writingIntoAnotherCellsWorktreeFailsByEveryRoute() throws Exception {
    String python = "import sys; open(sys.argv[1], 'w').write('pwned')";
    assertThat(inCellA("touch", worktreeA.resolve("own-touch").toString()).exitCode()).isZero();
    assertThat(inCellA("sh", "-c", "echo ok > " + worktreeA.resolve("own-sh")).exitCode()).isZero();
    assertThat(inCellA("python3", "-c", python, worktreeA.resolve("own-py").toString()).exitCode())
        .isZero();
    assertThat(worktreeA.resolve("own-touch")).exists();
    assertThat(worktreeA.resolve("own-sh")).hasContent("ok");
    assertThat(worktreeA.resolve("own-py")).hasContent("pwned");

    ProcessResult touch = inCellA("touch", worktreeB.resolve("pwned-touch").toString());
    ProcessResult shell = inCellA("sh", "-c", "echo pwned > " + worktreeB.resolve("pwned-sh"));
    ProcessResult py = inCellA("python3", "-c", python, worktreeB.resolve("pwned-py").toString());
    ProcessResult append = inCellA("sh", "-c", "echo pwned >> " + worktreeB.resolve("README.md"));
    ProcessResult remove = inCellA("rm", "-f", worktreeB.resolve("README.md").toString());

    if (!OutsideTmpDirFactory.insidePrivateTmp(temp)) {
      assertThat(List.of(touch, shell, py, append, remove))
          .allSatisfy(
              r -> {
                assertThat(r.exitCode()).isNotZero();
                assertThat(r.outputTail()).containsIgnoringCase("read-only file system");
              });
    }
    assertThat(worktreeB.resolve("pwned-touch")).doesNotExist();
    assertThat(worktreeB.resolve("pwned-sh")).doesNotExist();
    assertThat(worktreeB.resolve("pwned-py")).doesNotExist();
    assertThat(worktreeB.resolve("README.md")).hasContent("hello");
  }

  @Test
  void writingIntoTheMainRepositoryAndItsGitDirectoryFails() throws Exception {
    Path gitDirA = repo.resolve(".git/worktrees/cell-a");
    String configBefore = Files.readString(repo.resolve(".git/config"));
    String headBefore = Files.readString(gitDirA.resolve("HEAD"));
    String dotGitBefore = Files.readString(worktreeA.resolve(".git"));

    List<ProcessResult> attempts =
        List.of(
            inCellA("touch", repo.resolve("pwned").toString()),
            inCellA("sh", "-c", "echo pwned > " + repo.resolve(".git/pwned")),
            inCellA(
                "sh",
                "-c",
                "printf '[core]\\n\\tfsmonitor = touch /pwned\\n' >> "
                    + repo.resolve(".git/config")),
            inCellA("sh", "-c", "echo ref: refs/heads/evil > " + gitDirA.resolve("HEAD")),
            inCellA("sh", "-c", "echo gitdir: /somewhere/else > .git"),
            inCellA("git", "commit", "--allow-empty", "-m", "from inside"));

    if (!OutsideTmpDirFactory.insidePrivateTmp(temp)) {
      assertThat(attempts).allSatisfy(r -> assertThat(r.exitCode()).isNotZero());
    }
    assertThat(repo.resolve("pwned")).doesNotExist();
    assertThat(repo.resolve(".git/pwned")).doesNotExist();
    assertThat(repo.resolve(".git/config")).hasContent(configBefore);
    assertThat(gitDirA.resolve("HEAD")).hasContent(headBefore);
    assertThat(worktreeA.resolve(".git")).hasContent(dotGitBefore);
    assertThat(Git.run(repo, "rev-list", "--count", "swarm/cell-a").trim()).isEqualTo("1");
  }

  @Test
  void readOnlyGitCommandsWorkInsideTheSandbox() throws Exception {
    Files.writeString(worktreeA.resolve("new.txt"), "change\n");

    ProcessResult status = inCellA("git", "status", "--porcelain");
    ProcessResult log = inCellA("git", "log", "--oneline");

    assertThat(status.exitCode()).isZero();
    assertThat(status.outputTail()).contains("?? new.txt");
    assertThat(log.exitCode()).isZero();
    assertThat(log.outputTail()).contains("initial");
  }

  @Test
  void writingIntoAnotherCellsStateFolderFails() throws Exception {
    assertThat(inCellA("touch", stateA.resolve("own").toString()).exitCode()).isZero();
    assertThat(stateA.resolve("own")).exists();

    ProcessResult attempt = inCellA("sh", "-c", "echo pwned > " + stateB.resolve("pwned"));
    ProcessResult log = inCellA("sh", "-c", "echo pwned >> " + stateB.resolve("logs/agent.log"));

    assertThat(attempt.exitCode()).isNotZero();
    assertThat(log.exitCode()).isNotZero();
    assertThat(stateB.resolve("pwned")).doesNotExist();
    assertThat(Files.readString(stateB.resolve("logs/agent.log"))).doesNotContain("pwned");
  }

  @Test
  void anotherCellsEnvironmentCannotBeReadThroughProc() throws Exception {
    byte[] environ =
        Files.readAllBytes(Path.of("/proc", Long.toString(agentBInside.pid()), "environ"));
    assertThat(new String(environ, StandardCharsets.UTF_8))
        .as("outside the sandbox it is readable")
        .contains(SECRET);

    ProcessResult direct = inCellA("cat", "/proc/" + agentBInside.pid() + "/environ");
    ProcessResult scan = inCellA("sh", "-c", "cat /proc/[0-9]*/environ | tr '\\0' '\\n'");

    assertThat(direct.exitCode()).isNotZero();
    assertThat(direct.outputTail()).doesNotContain(SECRET);
    assertThat(scan.outputTail()).contains("PATH=").doesNotContain(SECRET);
  }

  @Test
  void anotherCellsProcessCannotBeKilled() throws Exception {
    ProcessResult kill =
        inCellA("kill", "-KILL", Long.toString(agentBInside.pid()), Long.toString(agentB.pid()));
    ProcessResult group = inCellA("kill", "-KILL", "--", "-" + agentB.pid());

    assertThat(kill.exitCode()).isNotZero();
    assertThat(group.exitCode()).isNotZero();
    assertThat(Scripts.running(agentBInside)).isTrue();
    assertThat(agentB.isAlive()).isTrue();
  }

  @Test
  void remountingTheFilesystemReadWriteFailsEvenAsRoot() throws Exception {
    ProcessResult attempt =
        inCellA(
            "sh",
            "-c",
            "mount -o remount,rw / ; mount -o remount,rw,bind "
                + worktreeB
                + " ; touch "
                + worktreeB.resolve("pwned"));

    assertThat(attempt.exitCode()).isNotZero();
    assertThat(worktreeB.resolve("pwned")).doesNotExist();
  }

  @Test
  void theCellHasAPrivateTmp() throws Exception {
    Path hostTmp = Path.of("/tmp", "openswarm-escape-" + UUID.randomUUID());

    ProcessResult attempt = inCellA("sh", "-c", "echo pwned > " + hostTmp + " && cat " + hostTmp);

    assertThat(attempt.exitCode()).as("writing to the private /tmp works").isZero();
    assertThat(hostTmp).doesNotExist();
  }
}
