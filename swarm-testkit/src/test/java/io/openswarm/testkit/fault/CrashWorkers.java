package io.openswarm.testkit.fault;

import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The worker of the crash, stop and two-JVM tests, the same in the child JVM and in the parent. */
final class CrashWorkers {

  static final String HOST = "crash-host";

  private CrashWorkers() {}

  /**
   * A repository at {@code dir} with a test that stays green while {@code status.txt} says green.
   */
  static TemporaryRepository project(Path dir) {
    return TemporaryRepository.create(dir)
        .write("status.txt", "green\n")
        .write("test.sh", LocalCells.TEST_SCRIPT)
        .executable("test.sh")
        .commit("a project with a test");
  }

  /**
   * A worker on the embedded server at {@code target} whose token is {@code token}, with an agent
   * that writes what its prompt says ({@code write PATH CONTENT}) or hangs ({@code hang}) and whose
   * process, when {@code holdPort}, is a real server on the cell's port.
   */
  static SwarmWorkerBuilder builder(
      String target,
      String token,
      Path repo,
      Path state,
      int firstPort,
      int lastPort,
      boolean holdPort) {
    return builder(target, token, repo, state, firstPort, lastPort, holdPort, HOST);
  }

  /** The same, on host {@code host}. */
  static SwarmWorkerBuilder builder(
      String target,
      String token,
      Path repo,
      Path state,
      int firstPort,
      int lastPort,
      boolean holdPort,
      String host) {
    return builder(
        target,
        token,
        repo,
        state,
        firstPort,
        lastPort,
        holdPort,
        true,
        Duration.ZERO,
        host,
        CellTimeouts.newBuilder());
  }

  /**
   * The same, choosing whether the prompt {@code hang} really hangs (or is a turn that changes
   * nothing) and how long each turn works.
   */
  static SwarmWorkerBuilder builder(
      String target,
      String token,
      Path repo,
      Path state,
      int firstPort,
      int lastPort,
      boolean holdPort,
      boolean hangs,
      Duration turnDelay) {
    return builder(
        target,
        token,
        repo,
        state,
        firstPort,
        lastPort,
        holdPort,
        hangs,
        turnDelay,
        HOST,
        CellTimeouts.newBuilder());
  }

  /**
   * The same, on host {@code host}, with the timeouts of these tests added to {@code timeouts}
   * (which may hold the stop timeout).
   */
  static SwarmWorkerBuilder builder(
      String target,
      String token,
      Path repo,
      Path state,
      int firstPort,
      int lastPort,
      boolean holdPort,
      boolean hangs,
      Duration turnDelay,
      String host,
      CellTimeouts.Builder timeouts) {
    return SwarmWorker.newBuilder()
        .connection(
            ConnectionOptions.newBuilder()
                .target(target)
                .embeddedServerToken(token)
                .hostId(host)
                .build())
        .tests(
            TestOptions.newBuilder()
                .command(List.of("sh", "test.sh"))
                .timeout(Duration.ofSeconds(30))
                .build())
        .timeouts(
            timeouts
                .startToClose(Duration.ofSeconds(60))
                .execute(Duration.ofSeconds(45))
                .heartbeat(Duration.ofSeconds(3))
                .hostScheduleToStart(Duration.ofSeconds(10))
                .teardown(Duration.ofSeconds(10))
                .ready(Duration.ofSeconds(20))
                .build())
        .worktrees(
            WorktreePoolOptions.newBuilder()
                .repository(repo)
                .root(state.resolve("worktrees"))
                .minIdle(0)
                .maxIdle(4)
                .maxTotal(12)
                .build())
        .repository(repo)
        .stateDirectory(state)
        .agent(
            supervisor ->
                ChildProcessAgent.newBuilder(supervisor)
                    .command(
                        context ->
                            holdPort
                                ? javaCommand(
                                    PortHolderMain.class, Integer.toString(context.port()))
                                : ChildProcessAgent.SLEEP)
                    .awaitPort(holdPort)
                    .promptCommands()
                    .turns(
                        prompt ->
                            hangs && prompt.equals("hang")
                                ? ScriptedAgent.Turn.HANG
                                : ScriptedAgent.Turn.NORMAL)
                    .turnDelay(turnDelay)
                    .stopGrace(Duration.ofSeconds(1))
                    .build())
        .ports(new PortRange(firstPort, lastPort))
        .sandbox(CellSandbox.Mode.NONE);
  }

  /** {@code java -cp <this JVM's class path> <main> <args>}. */
  static List<String> javaCommand(Class<?> main, String... args) {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    command.addAll(Arrays.asList(args));
    return command;
  }
}
