package io.openswarm.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM killed with SIGKILL gets no chance to stop its processes. Under bubblewrap the
 * kernel kills the cell anyway (die-with-parent); without a sandbox the processes survive, and the
 * reaper's {@code killOrphan} removes them by their recorded identity.
 */
class WorkerCrashIT {

  private static final String TREE_SCRIPT =
      "trap '' TERM\nsh -c \"trap '' TERM; sleep 1000\" &\nsleep 1000 &\n" + "echo started\nwait";

  @TempDir Path temp;
  private Path worktree;
  private Path state;
  private Process worker;
  private final List<ProcessHandle> tree = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    state = Files.createDirectories(temp.resolve("state/cell-1"));
    Scripts.write(worktree, "tree.sh", TREE_SCRIPT);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (worker != null) {
      worker.destroyForcibly();
      worker.waitFor();
    }
    tree.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void sigkillOfTheWorkerLeavesNoSandboxedProcess() throws Exception {
    startWorker("tree", "bubblewrap", worktree.toString(), state.toString(), "4");
    collectTree();
    assertThat(tree).hasSizeGreaterThanOrEqualTo(5).allMatch(Scripts::running);

    worker.destroyForcibly();
    worker.waitFor();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(tree).noneMatch(Scripts::running));
  }

  @Test
  void withoutASandboxTheReaperKillsTheOrphansByTheirRecordedIdentity() throws Exception {
    startWorker("tree", "none", worktree.toString(), state.toString(), "3");
    collectTree();
    ProcessIdentity recorded = identity();
    assertThat(tree).hasSizeGreaterThanOrEqualTo(4);

    worker.destroyForcibly();
    worker.waitFor();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> tree.get(0).parent().map(p -> p.pid() != worker.pid()).orElse(true));
    assertThat(tree).as("orphans outlive a worker without sandbox").allMatch(Scripts::running);

    try (ProcessSupervisor reaper = ProcessSupervisor.newBuilder().build()) {
      assertThat(reaper.killOrphan(recorded, Duration.ofMillis(500))).isEqualTo(OrphanKill.KILLED);
    }

    assertThat(tree).noneMatch(Scripts::running);
  }

  @Test
  void secretsInTheWorkersEnvironmentDoNotReachItsChildren() throws Exception {
    startWorker("env", worktree.toString(), state.toString());
    Path output = temp.resolve("worker.out");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(output).contains("DONE"));

    List<String> lines = Files.readAllLines(output);
    assertThat(lines).contains("JVM_HAS_SECRETS true");
    List<String> childNames =
        lines.stream()
            .filter(l -> l.startsWith("CHILD_ENV "))
            .map(l -> l.substring("CHILD_ENV ".length(), l.indexOf('=')))
            .collect(Collectors.toList());
    assertThat(childNames).contains("PATH");
    assertThat(ProcessEnvironment.DEFAULT_INHERITED).containsAll(childNames);
    assertThat(Files.readString(output)).doesNotContain("tmprl-api-key-value", "hunter2-value");
  }

  private void startWorker(String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SupervisorChild.class.getName()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("worker.out").toFile());
    builder.environment().put("TEMPORAL_API_KEY", "tmprl-api-key-value");
    builder.environment().put("MY_SECRET", "hunter2-value");
    worker = builder.start();
  }

  private void collectTree() throws Exception {
    Path output = temp.resolve("worker.out");
    String line =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> treeLine(output), Optional::isPresent)
            .orElseThrow();
    for (String pid : line.substring("TREE ".length()).trim().split(" ")) {
      ProcessHandle.of(Long.parseLong(pid)).ifPresent(tree::add);
    }
  }

  private ProcessIdentity identity() throws IOException {
    String line =
        Files.readAllLines(temp.resolve("worker.out")).stream()
            .filter(l -> l.startsWith("IDENTITY "))
            .findFirst()
            .orElseThrow();
    String[] parts = line.split(" ");
    return new ProcessIdentity(
        Long.parseLong(parts[1]), Instant.ofEpochMilli(Long.parseLong(parts[2])));
  }

  private static Optional<String> treeLine(Path output) throws IOException {
    return Files.readAllLines(output).stream().filter(l -> l.startsWith("TREE ")).findFirst();
  }
}
