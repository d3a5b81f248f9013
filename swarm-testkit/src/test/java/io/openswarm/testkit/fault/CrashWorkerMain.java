package io.openswarm.testkit.fault;

import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The worker JVM the crash and stop tests kill or stop. Prints what the parent waits for on
 * standard output: {@code WORKFLOW <id>}, {@code FIRED <point> <cell>}, {@code LIVE <n>}. The first
 * line of its standard input is the token of the embedded server at {@code <target>}.
 *
 * <ul>
 *   <li>{@code crash <target> <repo> <state> <firstPort> <lastPort>}: starts a TCR workflow that
 *       hangs after the agent's turn (agent running, worktree dirty, port held by the agent's
 *       process), and a DAG whose task {@code c} hangs after its commit and task {@code i} after
 *       its integration moved the target; then waits to be killed.
 *   <li>{@code stop <target> <repo> <state> <firstPort> <lastPort> <cells> <stopMillis>}: starts
 *       {@code cells} TCR workflows whose agents work until aborted, and waits for SIGTERM.
 *   <li>{@code failover <target> <repo> <state> <firstPort> <lastPort> <hostId>}: a worker that
 *       starts a TCR workflow whose cell {@code failover} hangs after the agent's turn, and waits
 *       to be killed.
 *   <li>{@code share <target> <repo> <state> <firstPort> <lastPort> <audit> <turnMillis> <hostId>}:
 *       a worker that takes its share of the work and writes its agents' use of ports and worktrees
 *       to the audit file.
 * </ul>
 */
public final class CrashWorkerMain {

  private CrashWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String target = args[1];
    Path repo = Path.of(args[2]);
    Path state = Path.of(args[3]);
    int firstPort = Integer.parseInt(args[4]);
    int lastPort = Integer.parseInt(args[5]);
    String token =
        new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
            .readLine();
    FaultInjector faults = FaultInjector.create();
    faults.onFire(fired -> say("FIRED " + fired.point() + " " + fired.cellId()));
    String host = mode.equals("failover") ? args[6] : CrashWorkers.HOST;
    CellTimeouts.Builder timeouts = CellTimeouts.newBuilder();
    if (mode.equals("stop")) {
      timeouts.stop(Duration.ofMillis(Long.parseLong(args[7])));
    }
    SwarmWorkerBuilder builder =
        CrashWorkers.builder(
                target,
                token,
                repo,
                state,
                firstPort,
                lastPort,
                true,
                true,
                Duration.ZERO,
                host,
                timeouts)
            .interceptors(faults);
    if (mode.equals("crash")) {
      faults.arm(
          FaultInjector.Point.PROMPT_SUBMIT,
          FaultInjector.Fault.hangAfter(),
          io.openswarm.core.CellId.of("crash-exec"));
      faults.armWhere(
          FaultInjector.Point.COMMIT,
          FaultInjector.Fault.hangAfter(),
          cell -> cell.value().startsWith("crashdag-c-"),
          1);
      faults.armWhere(
          FaultInjector.Point.INTEGRATE,
          FaultInjector.Fault.hangAfter(),
          cell -> cell.value().startsWith("crashdag-i-"),
          1);
      SwarmWorker worker = builder.start();
      SwarmClient client = worker.client();
      say(
          "WORKFLOW "
              + client.startTcr(TaskSpec.of("crash-exec", "write exec.txt exec\n", "main")));
      say(
          "WORKFLOW "
              + client.startDag(
                  DagRequest.of(
                          "crashdag",
                          TaskGraph.newBuilder()
                              .task(GraphTask.of("c", "write c.txt c\n"))
                              .task(GraphTask.of("i", "write i.txt i\n"))
                              .build(),
                          "main")
                      .withMaxParallel(2)));
    } else if (mode.equals("failover")) {
      faults.arm(
          FaultInjector.Point.PROMPT_SUBMIT,
          FaultInjector.Fault.hangAfter(),
          io.openswarm.core.CellId.of("failover"));
      SwarmWorker worker = builder.start();
      say(
          "WORKFLOW "
              + worker
                  .client()
                  .startTcr(TaskSpec.of("failover", "write failover.txt failover\n", "main")));
    } else if (mode.equals("share")) {
      Path audit = Path.of(args[6]);
      SwarmWorker worker =
          CrashWorkers.builder(
                  target,
                  token,
                  repo,
                  state,
                  firstPort,
                  lastPort,
                  true,
                  false,
                  Duration.ofMillis(Long.parseLong(args[7])),
                  args[8],
                  CellTimeouts.newBuilder())
              .interceptors(
                  new io.openswarm.temporal.CellInterceptor() {
                    @Override
                    public io.openswarm.core.agent.AgentRuntime interceptAgent(
                        io.openswarm.core.agent.AgentRuntime next) {
                      return new AuditedAgent(next, audit);
                    }
                  })
              .start();
      say("READY " + worker.options().hostId());
    } else {
      int cells = Integer.parseInt(args[6]);
      SwarmWorker worker = builder.start();
      SwarmClient client = worker.client();
      java.util.List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < cells; i++) {
        ids.add(client.startTcr(TaskSpec.of("stop-" + i, "hang", "main")));
        say("WORKFLOW " + ids.get(i));
      }
      // Live means at work: every agent in its turn.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .ignoreExceptions()
          .until(() -> ids.stream().allMatch(id -> client.progress(id).step() == CellStep.EXECUTE));
      say("LIVE " + worker.liveCells());
    }
    new CountDownLatch(1).await();
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
