package io.openswarm.infra.process;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The "worker" JVM of {@code WorkerCrashIT}: a separate JVM that supervises processes and is then
 * killed, or that shows which environment its children see.
 *
 * <p>{@code tree <none|bubblewrap> <worktree> <state> <minDescendants>}: starts {@code
 * <worktree>/tree.sh}, prints {@code IDENTITY <pid> <startMillis>} and {@code TREE <pid>...}, then
 * waits forever to be killed. {@code env <worktree> <state>}: runs {@code env} with the default
 * environment and prints what it saw.
 */
public final class SupervisorChild {

  private SupervisorChild() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("env")) {
      printEnvironment(Path.of(args[1]), Path.of(args[2]));
    } else {
      startTreeAndWait(args[1], Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]));
    }
  }

  private static void printEnvironment(Path worktree, Path state) throws Exception {
    try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().build()) {
      ProcessResult result =
          supervisor
              .start(
                  ProcessSpec.newBuilder()
                      .command("env")
                      .workingDirectory(worktree)
                      .logFile(state.resolve("env.log"))
                      .build())
              .waitFor();
      System.out.println(
          "JVM_HAS_SECRETS "
              + (System.getenv("MY_SECRET") != null && System.getenv("TEMPORAL_API_KEY") != null));
      for (String line : result.outputTail().split("\n")) {
        System.out.println("CHILD_ENV " + line);
      }
      System.out.println("DONE");
    }
  }

  private static void startTreeAndWait(
      String sandboxName, Path worktree, Path state, int minDescendants) throws Exception {
    CellSandbox sandbox =
        SandboxDetector.system()
            .select(
                sandboxName.equals("bubblewrap")
                    ? CellSandbox.Mode.BUBBLEWRAP
                    : CellSandbox.Mode.NONE);
    ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().sandbox(sandbox).build();
    SupervisedProcess process =
        supervisor.start(
            ProcessSpec.newBuilder()
                .command(worktree.resolve("tree.sh").toString())
                .workingDirectory(worktree)
                .logFile(state.resolve("tree.log"))
                .sandboxPolicy(SandboxPolicy.forCell(worktree, state))
                .build());
    ProcessHandle root = ProcessHandle.of(process.pid()).orElseThrow();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (root.descendants().count() < minDescendants
        || !process.outputTail().contains("started")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("tree did not start: " + process.outputTail());
      }
      Thread.onSpinWait();
    }
    List<Long> tree = new ArrayList<>();
    tree.add(root.pid());
    root.descendants().forEach(h -> tree.add(h.pid()));
    System.out.println(
        "IDENTITY "
            + process.identity().pid()
            + " "
            + process.identity().startTime().toEpochMilli());
    System.out.println(
        "TREE " + tree.stream().map(String::valueOf).collect(Collectors.joining(" ")));
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
