package io.openswarm.testkit.fault;

import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CellInterceptor;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A real worker (embedded Temporal server, real git, pool, ports, test runner, integrator) whose
 * cells are built from parts decorated by one {@link FaultInjector}, with the agent a real child
 * process and the green trees of its tests recorded in a {@link InvariantCheck.TestLedger}. Prompts
 * as for {@link LocalCells}: {@code write PATH CONTENT}, {@code hang}, {@code fail}, anything else
 * edits nothing.
 */
final class FaultyWorker implements AutoCloseable {

  final TemporaryRepository repo;
  final FaultInjector faults = FaultInjector.create();
  final InvariantCheck.TestLedger ledger = InvariantCheck.TestLedger.create();
  final SwarmWorker worker;
  final SwarmClient client;
  final String base;

  /** The DAG target branches that must only have received green commits since {@link #base}. */
  final Set<String> targets = ConcurrentHashMap.newKeySet();

  private final AtomicReference<ChildProcessAgent> agent = new AtomicReference<>();

  FaultyWorker(Path dir, int firstPort, int lastPort, Consumer<SwarmWorkerBuilder> configure) {
    this(dir, firstPort, lastPort, 1, 4, 12, configure);
  }

  /**
   * A worker whose pool keeps {@code minIdle} to {@code maxIdle} warm worktrees of at most {@code
   * maxTotal}.
   */
  FaultyWorker(
      Path dir,
      int firstPort,
      int lastPort,
      int minIdle,
      int maxIdle,
      int maxTotal,
      Consumer<SwarmWorkerBuilder> configure) {
    repo =
        TemporaryRepository.create(dir.resolve("repo"))
            .write("status.txt", "green\n")
            .write("test.sh", LocalCells.TEST_SCRIPT)
            .executable("test.sh")
            .commit("a project with a test");
    base = repo.head();
    SwarmWorkerBuilder builder =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(dir.resolve("state"))
            .connection(ConnectionOptions.newBuilder().hostId("faults-host").build())
            .tests(
                TestOptions.newBuilder()
                    .command(List.of("sh", "test.sh"))
                    .timeout(Duration.ofSeconds(30))
                    .build())
            .timeouts(
                CellTimeouts.newBuilder()
                    .startToClose(Duration.ofSeconds(60))
                    .execute(Duration.ofSeconds(30))
                    .heartbeat(Duration.ofSeconds(3))
                    .hostScheduleToStart(Duration.ofSeconds(10))
                    .teardown(Duration.ofSeconds(3))
                    .bootstrap(Duration.ofSeconds(4))
                    .build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root(dir.resolve("state").resolve("worktrees"))
                    .minIdle(minIdle)
                    .maxIdle(maxIdle)
                    .maxTotal(maxTotal)
                    .build())
            .agent(
                supervisor -> {
                  agent.set(
                      ChildProcessAgent.newBuilder(supervisor)
                          .promptCommands()
                          .stopGrace(Duration.ofSeconds(1))
                          .build());
                  return agent.get();
                })
            .ports(new PortRange(firstPort, lastPort))
            .sandbox(CellSandbox.Mode.NONE)
            // The ledger sees every real test run; the faults, outermost, decide whether it happens
            // at all.
            .interceptors(
                new CellInterceptor() {
                  @Override
                  public TestRunner interceptTests(TestRunner next) {
                    return ledger.wrap(next);
                  }
                },
                faults);
    configure.accept(builder);
    worker = builder.start();
    client = worker.client();
  }

  ChildProcessAgent agent() {
    return agent.get();
  }

  /** Every invariant of the worker, the DAG targets included. */
  InvariantCheck invariants() {
    InvariantCheck check =
        InvariantCheck.of(worker)
            .processes(() -> agent.get().startedProcesses())
            .ignoringChildProcesses();
    for (String target : targets) {
      check = check.targetBranch(target, base, ledger, faults.injectedCommits());
    }
    return check;
  }

  @Override
  public void close() {
    faults.releaseHangs();
    faults.releaseHeldBack();
    worker.close();
  }
}
