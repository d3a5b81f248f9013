package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import io.openswarm.infra.process.SupervisedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's guarantees hold under the real bubblewrap, whose launcher stands between us and
 * the command.
 */
class SandboxedSupervisionIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path worktree;
  private Path state;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws Exception {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    state = Files.createDirectories(temp.resolve("state/cell-1"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
    assertThat(Scripts.unreapedChildren()).isEmpty();
  }

  private ProcessSpec.Builder spec(String... command) {
    return ProcessSpec.newBuilder()
        .command(command)
        .workingDirectory(worktree)
        .logFile(state.resolve("logs/out.log"))
        .sandboxPolicy(SandboxPolicy.forCell(worktree, state));
  }

  @Test
  void argumentsAndExitCodesPassThroughTheSandboxUnchanged() throws Exception {
    List<String> tricky =
        List.of("\"q\" 'q'", "$(touch " + worktree.resolve("pwned") + ")", "`id`", "a\nb", "*");
    List<String> command =
        new ArrayList<>(List.of("sh", "-c", "printf '[%s]\\n' \"$@\"; exit 4", "sh"));
    command.addAll(tricky);

    ProcessResult result = supervisor.start(spec().command(command).build()).waitFor();

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.outputTail())
        .isEqualTo(tricky.stream().map(a -> "[" + a + "]\n").collect(Collectors.joining()));
    assertThat(worktree.resolve("pwned")).doesNotExist();
  }

  @Test
  void theCommandSeesOnlyItsOwnProcesses() throws Exception {
    ProcessResult result =
        supervisor
            .start(spec("sh", "-c", "ls /proc | grep -c '^[0-9]'; echo $$").build())
            .waitFor();

    String[] lines = result.outputTail().split("\n");
    assertThat(Integer.parseInt(lines[0])).isLessThan(6);
    assertThat(Long.parseLong(lines[1])).isLessThan(10);
  }

  @Test
  void stopGivesTheCommandInsideItsGracePeriod() throws Exception {
    Path script =
        Scripts.write(
            worktree,
            "polite.sh",
            "trap 'echo bye; exit 7' TERM\necho ready\nwhile :; do sleep 0.1; done");
    SupervisedProcess process = supervisor.start(spec(script.toString()).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("ready"));

    ProcessResult result = process.stop();

    assertThat(result.forced()).isFalse();
    assertThat(result.outputTail()).endsWith("bye\n");
    assertThat(result.exitCode()).isEqualTo(7);
  }

  @Test
  void stopKillsASandboxedTreeThatIgnoresTerm() throws Exception {
    Scripts.write(
        worktree, "stubborn.sh", "trap '' TERM\necho stubborn\nwhile :; do sleep 1; done");
    Path parent = Scripts.write(worktree, "parent.sh", "trap '' TERM\nsh ./stubborn.sh &\nwait");
    SupervisedProcess process =
        supervisor.start(spec(parent.toString()).stopGrace(Duration.ofMillis(300)).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("stubborn"));
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(ProcessHandle.of(process.pid()).orElseThrow());
    ProcessHandle.of(process.pid()).orElseThrow().descendants().forEach(tree::add);
    assertThat(tree).hasSizeGreaterThanOrEqualTo(4);

    ProcessResult result = process.stop();

    assertThat(result.forced()).isTrue();
    assertThat(result.survivors()).isEmpty();
    assertThat(tree).noneMatch(Scripts::running);
  }

  @Test
  void whenTheCommandDiesOfTermTheKernelKillsTheRestOfTheSandbox() throws Exception {
    Scripts.write(
        worktree, "stubborn.sh", "trap '' TERM\necho stubborn\nwhile :; do sleep 1; done");
    Path parent = Scripts.write(worktree, "parent.sh", "sh ./stubborn.sh &\nwait");
    SupervisedProcess process =
        supervisor.start(spec(parent.toString()).stopGrace(Duration.ofSeconds(30)).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("stubborn"));
    List<ProcessHandle> tree = new ArrayList<>();
    ProcessHandle.of(process.pid()).orElseThrow().descendants().forEach(tree::add);

    ProcessResult result = process.stop();

    assertThat(result.forced()).isFalse();
    assertThat(result.duration()).isLessThan(Duration.ofSeconds(10));
    assertThat(tree).noneMatch(Scripts::running);
  }

  @Test
  void whatTheCommandLeavesRunningInsideDiesWithIt() throws Exception {
    Path script =
        Scripts.write(
            worktree,
            "leaver.sh",
            "sh -c \"trap '' TERM; exec sleep 1000\" &\necho started\nexit 0");
    SupervisedProcess process = supervisor.start(spec(script.toString()).build());

    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("started"));
    List<ProcessHandle> inside = new ArrayList<>();
    ProcessHandle.of(process.pid()).ifPresent(h -> h.descendants().forEach(inside::add));
    ProcessResult result = process.waitFor();

    assertThat(result.exitCode()).isZero();
    assertThat(result.duration()).isLessThan(Duration.ofSeconds(5));
    assertThat(inside).noneMatch(Scripts::running);
  }

  @Test
  void aTimeoutStopsTheSandbox() throws Exception {
    ProcessResult result =
        supervisor.start(spec("sleep", "30").timeout(Duration.ofMillis(300)).build()).waitFor();

    assertThat(result.timedOut()).isTrue();
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.duration()).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void hiddenDirectoriesLookEmptyExceptForTheCellsOwnPaths() throws Exception {
    Path pool = worktree.getParent();
    Path otherCell = Files.createDirectories(pool.resolve("cell-2"));
    Files.writeString(otherCell.resolve("secret.txt"), "other cell's work");
    Files.writeString(worktree.resolve("mine.txt"), "own work");

    ProcessResult result =
        supervisor
            .start(
                spec(
                        "sh",
                        "-c",
                        "ls -A "
                            + pool
                            + "; cat "
                            + worktree.resolve("mine.txt")
                            + "; cat "
                            + otherCell.resolve("secret.txt")
                            + " || echo hidden")
                    .sandboxPolicy(
                        SandboxPolicy.forCell(worktree, state).toBuilder().hidden(pool).build())
                    .build())
            .waitFor();

    assertThat(result.outputTail())
        .startsWith("cell-1\nown work")
        .endsWith("hidden\n")
        .doesNotContain("other cell's work");
  }

  @Test
  void theNetworkIsSharedByDefaultAndCanBeUnshared() throws Exception {
    ProcessResult shared = supervisor.start(spec("cat", "/proc/net/dev").build()).waitFor();
    ProcessResult unshared =
        supervisor
            .start(
                spec("cat", "/proc/net/dev")
                    .sandboxPolicy(
                        SandboxPolicy.forCell(worktree, state).toBuilder()
                            .network(NetworkAccess.NONE)
                            .build())
                    .build())
            .waitFor();

    assertThat(interfaces(unshared.outputTail())).containsExactly("lo");
    assertThat(interfaces(shared.outputTail()))
        .isEqualTo(interfaces(Files.readString(Path.of("/proc/net/dev"))));
  }

  private static List<String> interfaces(String procNetDev) {
    Matcher matcher = Pattern.compile("^\\s*([^\\s:]+):", Pattern.MULTILINE).matcher(procNetDev);
    List<String> names = new ArrayList<>();
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    names.sort(null);
    return names;
  }
}
