package io.openswarm.testkit.fault;

import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.temporal.SwarmWorker;
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

  /** A repository at {@code dir} with a test that stays green while {@code status.txt} says green. */
  static TemporaryRepository project(Path dir) {
    return TemporaryRepository.create(dir)
        .write("status.txt", "green\n")
        .write("test.sh", LocalCells.TEST_SCRIPT)
        .executable("test.sh")
        .commit("a project with a test");
  }

  /**
   * A worker on the embedded server at {@code target} whose token is {@code token}, with an agent that writes what
   * its prompt says ({@code write PATH CONTENT}) or hangs ({@code hang}) and whose process, when {@code holdPort}, is
   * a real server on the cell's port.
   */
  static SwarmWorker.Builder builder(String target, String token, Path repo, Path state, int firstPort, int lastPort,
      boolean holdPort) {
    return builder(target, token, repo, state, firstPort, lastPort, holdPort, true, Duration.ZERO);
  }

  /**
   * The same, choosing whether the prompt {@code hang} really hangs (or is a turn that changes nothing) and how long
   * each turn works.
   */
  static SwarmWorker.Builder builder(String target, String token, Path repo, Path state, int firstPort, int lastPort,
      boolean holdPort, boolean hangs, Duration turnDelay) {
    return SwarmWorker.newBuilder()
        .target(target)
        .embeddedServerToken(token)
        .repository(repo)
        .stateDirectory(state)
        .testCommand(List.of("sh", "test.sh"))
        .agent(supervisor -> ChildProcessAgent.newBuilder(supervisor)
            .command(context -> holdPort ? javaCommand(PortHolderMain.class, Integer.toString(context.port()))
                : ChildProcessAgent.SLEEP)
            .awaitPort(holdPort)
            .promptCommands()
            .turns(prompt -> hangs && prompt.equals("hang") ? ScriptedAgent.Turn.HANG : ScriptedAgent.Turn.NORMAL)
            .turnDelay(turnDelay)
            .stopGrace(Duration.ofSeconds(1))
            .build())
        .ports(firstPort, lastPort)
        .hostId(HOST)
        .sandbox(SandboxMode.NONE)
        .worktreePool(0, 4, 12)
        .startToCloseTimeout(Duration.ofSeconds(60))
        .executeTimeout(Duration.ofSeconds(45))
        .heartbeatTimeout(Duration.ofSeconds(3))
        .hostScheduleToStartTimeout(Duration.ofSeconds(10))
        .teardownTimeout(Duration.ofSeconds(10))
        .readyTimeout(Duration.ofSeconds(20))
        .testTimeout(Duration.ofSeconds(30));
  }

  /** {@code java -cp <this JVM's class path> <main> <args>}. */
  static List<String> javaCommand(Class<?> main, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(Arrays.asList(args));
    return command;
  }
}
