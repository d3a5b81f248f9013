package io.openswarm.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.sandbox.CellSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a sandbox and without cgroups (no limits), a daemon that double-forks out of a command's
 * tree still ends with it: the subreaper in front of the command keeps it in the tree, and stops
 * what is left when the command exits.
 */
class SubreaperIT {

  @TempDir Path temp;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() {
    supervisor = ProcessSupervisor.newBuilder().sandbox(CellSandbox.none()).build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
  }

  @Test
  void aDaemonThatDoubleForkedIsStoppedWhenItsCommandExits() throws Exception {
    Path pidFile = temp.resolve("daemon.pid");

    ProcessResult parent = run(spawnDaemon(pidFile) + "; echo spawned").waitFor();

    assertThat(parent.exitCode()).isZero();
    assertThat(parent.outputTail()).contains("spawned");
    long daemon = Long.parseLong(Files.readString(pidFile).strip());
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(daemon));
  }

  @Test
  void aDaemonThatDoubleForkedIsStoppedWithItsCommand() throws Exception {
    Path pidFile = temp.resolve("daemon.pid");
    SupervisedProcess parent = run(spawnDaemon(pidFile) + "; echo spawned; exec sleep 300");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
    long daemon = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(alive(daemon)).isTrue();

    parent.stop(Duration.ofSeconds(2));

    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(daemon));
  }

  @Test
  void theCommandsExitCodeAndOutputPassThrough() throws Exception {
    assertThat(run("echo out; echo err >&2; exit 7").waitFor())
        .satisfies(r -> assertThat(r.exitCode()).isEqualTo(7))
        .satisfies(r -> assertThat(r.outputTail()).contains("out").contains("err"));
    assertThat(run("kill -9 $$").waitFor().exitCode()).isEqualTo(137);
  }

  /**
   * A shell snippet that starts {@code sleep 300} in a new session, detached from the tree, and
   * waits for its PID.
   */
  private static String spawnDaemon(Path pidFile) {
    return "(setsid sh -c 'echo $$ > "
        + pidFile
        + "; exec sleep 300' > /dev/null 2>&1 &); "
        + "while [ ! -s "
        + pidFile
        + " ]; do sleep 0.05; done";
  }

  private SupervisedProcess run(String script) throws Exception {
    return supervisor.start(
        ProcessSpec.newBuilder()
            .command("sh", "-c", script)
            .workingDirectory(Files.createDirectories(temp.resolve("work")))
            .environment(ProcessEnvironment.newBuilder().inheritDefaults().build())
            .logFile(temp.resolve("logs/run.log"))
            .timeout(Duration.ofSeconds(60))
            .description("unsandboxed command")
            .build());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
