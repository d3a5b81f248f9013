package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmHealth;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators' view end to end on the embedded server: Micrometer metrics after a known sequence
 * of cells, Temporal's SDK metrics in the same registry, health warnings that fire and clear, and
 * backpressure that leaves cells waiting in Temporal instead of failing them when ports run out.
 */
class OperatorsViewIT {

  @TempDir Path temp;

  private SwarmWorker worker;
  private TemporaryRepository repo;

  /** Prompts: "write PATH CONTENT" edits a file; "fail" makes the turn fail. */
  private static final ScriptedAgent AGENT =
      ScriptedAgent.newBuilder()
          .promptCommands()
          .turns(
              prompt -> prompt.equals("fail") ? ScriptedAgent.Turn.FAIL : ScriptedAgent.Turn.NORMAL)
          .build();

  @AfterEach
  void stop() {
    if (worker != null) {
      try {
        LeakCheck.of(worker).repository(repo).assertClean();
      } finally {
        worker.close();
      }
    }
  }

  private TemporaryRepository repository() {
    return TemporaryRepository.create(temp.resolve("repo"))
        .write("status.txt", "green\n")
        .write("test.sh", "#!/bin/sh\ntest \"$(cat status.txt)\" = green\n")
        .executable("test.sh")
        .commit("a project with a test");
  }

  @Test
  void metricsCountAKnownSequenceOfCellsAndTheErrorRateWarningClearsWhenItsWindowPasses() {
    repo = repository();
    MeterRegistry registry = new SimpleMeterRegistry();
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("metrics-host").build())
            .capacity(
                CapacityOptions.newBuilder()
                    .healthThresholds(
                        SwarmHealth.Thresholds.newBuilder()
                            .errorRateWindow(Duration.ofSeconds(6))
                            .build())
                    .build())
            .agent(AGENT)
            .ports(new PortRange(23410, 23421))
            .meterRegistry(registry)
            .start();
    SwarmClient client = worker.client();

    assertThat(worker.health().healthy()).as("%s", worker.health()).isTrue();

    CellOutcome committed =
        client.runTcr(TaskSpec.of("m-commit", "write feature.txt hello", "main"));
    CellOutcome reverted = client.runTcr(TaskSpec.of("m-revert", "write status.txt red", "main"));
    CellOutcome failed = client.runTcr(TaskSpec.of("m-fail", "fail", "main"));
    assertThat(committed.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(reverted.status()).isEqualTo(CellStatus.REVERTED);
    assertThat(failed.status()).as("%s", failed).isEqualTo(CellStatus.FAILED);

    assertThat(finished(registry, "committed", "none")).isEqualTo(1);
    assertThat(finished(registry, "reverted", "none")).isEqualTo(1);
    assertThat(finished(registry, "failed", "AgentTurnFailed")).isEqualTo(1);
    assertThat(registry.find(MicrometerSwarmMetrics.CELLS_FINISHED).counters()).hasSize(3);

    assertThat(steps(registry, "port", "success")).isEqualTo(3);
    assertThat(steps(registry, "agent_ready", "success")).isEqualTo(3);
    assertThat(steps(registry, "execute", "success")).isEqualTo(2);
    assertThat(steps(registry, "execute", "failure")).isEqualTo(1);
    assertThat(steps(registry, "test", "success")).isEqualTo(2);
    assertThat(steps(registry, "commit", "success")).isEqualTo(1);
    assertThat(steps(registry, "revert", "success")).isEqualTo(1);
    assertThat(steps(registry, "teardown", "success")).isEqualTo(3);
    Timer teardown = timer(registry, "teardown", "success");
    assertThat(teardown.takeSnapshot().percentileValues())
        .extracting(ValueAtPercentile::percentile)
        .containsExactly(0.5, 0.95, 0.99);
    assertThat(teardown.max(TimeUnit.NANOSECONDS)).isPositive();

    assertThat(gauge(registry, MicrometerSwarmMetrics.PORTS, "state", "available")).isEqualTo(12);
    assertThat(gauge(registry, MicrometerSwarmMetrics.PORTS, "state", "allocated")).isZero();
    assertThat(gauge(registry, MicrometerSwarmMetrics.WORKTREES, "state", "leased")).isZero();
    assertThat(gauge(registry, MicrometerSwarmMetrics.CELLS_LIVE, null, null)).isZero();
    assertThat(gauge(registry, SwarmWorker.CELLS_CAPACITY, null, null))
        .isEqualTo(worker.capacity().maxCells());
    assertThat(registry.find(MicrometerSwarmMetrics.SANDBOX_ISOLATING).gauge()).isNotNull();
    assertThat(registry.find(MicrometerSwarmMetrics.PROCESSES_LIVE).gauge()).isNotNull();
    // Temporal's own SDK metrics land in the same registry (reported every second).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                registry.getMeters().stream()
                    .map(meter -> meter.getId().getName())
                    .anyMatch(name -> name.startsWith("temporal_workflow_completed")));

    SwarmHealth afterFailure = worker.health();
    assertThat(afterFailure.readings().outcomes()).isEqualTo(3);
    assertThat(afterFailure.readings().failures()).isEqualTo(1);
    assertThat(afterFailure.warning(SwarmHealth.Check.ERROR_RATE))
        .as("%s", afterFailure)
        .isPresent();
    // The failure leaves the 6 s window; the warning clears without anything else happening.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> worker.health().warning(SwarmHealth.Check.ERROR_RATE).isEmpty());
    assertThat(worker.health().readings().outcomes()).isZero();

    worker.close();
    assertThat(registry.find(MicrometerSwarmMetrics.PORTS).gauges())
        .as("gauges of a stopped worker")
        .isEmpty();
    assertThat(registry.getMeters())
        .as("Temporal's meters of a stopped worker")
        .noneMatch(meter -> meter.getId().getName().startsWith("temporal_"));
    worker = null;
  }

  @Test
  void twoPortsAndTenCellsNoneFailsTheyWaitInTemporalAndAllComplete() {
    repo = repository();
    GatedAgent agent = new GatedAgent(AGENT);
    MeterRegistry registry = new SimpleMeterRegistry();
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("pressure-host").build())
            .timeouts(CellTimeouts.newBuilder().portWait(Duration.ZERO).build())
            .capacity(
                CapacityOptions.newBuilder()
                    .maxConcurrentActivities(10)
                    .healthThresholds(
                        SwarmHealth.Thresholds.newBuilder()
                            .minAvailablePorts(1)
                            .maxBacklog(5)
                            .build())
                    .build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root(temp.resolve("state").resolve("worktrees"))
                    .minIdle(0)
                    .maxIdle(4)
                    .maxTotal(12)
                    .build())
            .agent(agent)
            .ports(new PortRange(23430, 23431))
            // Without admission a third bootstrap would fail at once with PortExhausted (and again
            // on each retry).
            .meterRegistry(registry)
            .start();
    SwarmClient client = worker.client();
    assertThat(worker.health().healthy()).as("%s", worker.health()).isTrue();

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(
          client.startTcr(TaskSpec.of("pressure-" + i, "write file-" + i + ".txt " + i, "main")));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> agent.waiting.get() == 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> worker.health().readings().backlog() == 8L);
    SwarmHealth full = worker.health();
    assertThat(full.readings().backpressure()).isTrue();
    assertThat(full.readings().limitedBy()).isEqualTo("ports");
    assertThat(full.readings().liveCells()).isEqualTo(2);
    assertThat(full.warning(SwarmHealth.Check.AVAILABLE_PORTS)).as("%s", full).isPresent();
    assertThat(full.warning(SwarmHealth.Check.BACKLOG)).as("%s", full).isPresent();
    assertThat(gauge(registry, SwarmWorker.BACKPRESSURE, null, null)).isEqualTo(1);

    agent.gate.countDown();
    List<CellOutcome> outcomes =
        ids.stream().map(client::resultAsync).map(CompletableFuture::join).toList();

    assertThat(outcomes)
        .allSatisfy(o -> assertThat(o.status()).as("%s", o).isEqualTo(CellStatus.COMMITTED));
    assertThat(agent.maxLive.get()).isEqualTo(2);
    assertThat(agent.started.get()).isEqualTo(10);
    assertThat(
            registry
                .find(MicrometerSwarmMetrics.STEP_DURATION)
                .tag("step", "port")
                .tag("result", "failure")
                .timer()
                .count())
        .as("failed port leases")
        .isZero();
    SwarmHealth after = worker.health();
    assertThat(after.readings().backlog()).isZero();
    assertThat(after.readings().backpressure()).isFalse();
    assertThat(after.healthy()).as("%s", after).isTrue();
    assertThat(gauge(registry, SwarmWorker.BACKPRESSURE, null, null)).isZero();
  }

  private static double finished(MeterRegistry registry, String status, String failureType) {
    return registry
        .get(MicrometerSwarmMetrics.CELLS_FINISHED)
        .tag("host", "metrics-host")
        .tag("status", status)
        .tag("failure_type", failureType)
        .counter()
        .count();
  }

  private static Timer timer(MeterRegistry registry, String step, String result) {
    return registry
        .get(MicrometerSwarmMetrics.STEP_DURATION)
        .tag("step", step)
        .tag("result", result)
        .timer();
  }

  private static long steps(MeterRegistry registry, String step, String result) {
    return timer(registry, step, result).count();
  }

  private static double gauge(MeterRegistry registry, String name, String tag, String value) {
    var search = registry.get(name);
    if (tag != null) {
      search = search.tag(tag, value);
    }
    return search.gauge().value();
  }

  /** An agent whose turns wait at a gate, counting how many sessions are alive at once. */
  private static final class GatedAgent implements AgentRuntime {
    final AgentRuntime delegate;
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger maxLive = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger();

    GatedAgent(AgentRuntime delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public AgentSession start(AgentRuntime.Context context) {
      AgentSession session = delegate.start(context);
      started.incrementAndGet();
      maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
      return new AgentSession() {
        @Override
        public void awaitReady(Duration timeout) {
          session.awaitReady(timeout);
        }

        @Override
        public AgentSession.Turn prompt(
            String prompt, Duration timeout, AgentSession.Progress progress) {
          waiting.incrementAndGet();
          try {
            if (!gate.await(2, TimeUnit.MINUTES)) {
              throw new IllegalStateException("the gate was never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the gate", e);
          } finally {
            waiting.decrementAndGet();
          }
          return session.prompt(prompt, timeout, progress);
        }

        @Override
        public void abort() {
          session.abort();
        }

        @Override
        public void close() {
          session.close();
          live.decrementAndGet();
        }
      };
    }
  }
}
