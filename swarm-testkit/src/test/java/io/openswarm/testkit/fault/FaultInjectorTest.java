package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The injector's own contract: who a fault hits, how often, before or after, and how hangs and
 * kills end.
 */
class FaultInjectorTest {

  private static final CellId A = CellId.of("cell-a");
  private static final CellId B = CellId.of("cell-b");

  /** A provider whose leases count how often they were closed. */
  private static final class CountingProvider implements WorktreeProvider {
    final AtomicInteger acquired = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public WorktreeLease acquire(CellId cellId, String baseRef) {
      acquired.incrementAndGet();
      return new WorktreeLease() {
        @Override
        public CellId cellId() {
          return cellId;
        }

        @Override
        public Path path() {
          return Path.of("/nowhere", cellId.value());
        }

        @Override
        public String branch() {
          return "swarm/" + cellId;
        }

        @Override
        public String baseCommit() {
          return "0".repeat(40);
        }

        @Override
        public void close() {
          closed.incrementAndGet();
        }
      };
    }

    @Override
    public Optional<WorktreeLease> find(CellId cellId) {
      return Optional.empty();
    }
  }

  @Test
  void aFaultArmedForACellHitsThatCellOnlyAndOnlyAsOftenAsArmed() {
    FaultInjector faults = FaultInjector.create();
    CountingProvider real = new CountingProvider();
    WorktreeProvider provider = faults.interceptWorktrees(real);
    faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), A, 2);

    provider.acquire(B, "main").close();
    assertThatThrownBy(() -> provider.acquire(A, "main"))
        .isInstanceOf(WorktreeException.class)
        .hasMessageContaining("injected fault: WORKTREE_ADD fail in cell-a");
    assertThatThrownBy(() -> provider.acquire(A, "main")).isInstanceOf(WorktreeException.class);
    provider.acquire(A, "main").close();

    assertThat(real.acquired).hasValue(4);
    assertThat(real.closed).as("what each failed acquisition got was given back").hasValue(4);
    assertThat(faults.firedFor(A)).hasSize(2);
    assertThat(faults.firedFor(B)).isEmpty();
    assertThat(faults.armedCount()).isZero();
  }

  @Test
  void aWorktreeFaultFiresOnThePathTheAcquisitionTookAndGivesBackWhatItAcquired() {
    FaultInjector faults = FaultInjector.create();
    CountingProvider real = new CountingProvider();
    faults.arm(FaultInjector.Point.WORKTREE_RESET, FaultInjector.Fault.fail(), A);
    faults.arm(
        FaultInjector.Point.WORKTREE_ADD,
        new FaultInjector.Fault(FaultInjector.Fault.Action.FAIL, true),
        A);
    faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), B);

    assertThatThrownBy(() -> faults.interceptWorktrees(real).acquire(A, "main"))
        .isInstanceOf(WorktreeException.class)
        .hasMessageContaining("WORKTREE_ADD");

    assertThat(real.acquired).hasValue(1);
    assertThat(real.closed).as("the lease acquired before the fault was returned").hasValue(1);
    assertThat(faults.armedCount())
        .as("a directory that is not a reused git worktree was added, not reset")
        .isEqualTo(2);
    faults.disarm(A);
    faults.disarm(B);
    assertThat(faults.armedCount()).isZero();
  }

  @Test
  void aFailedReturnHoldsTheRealReturnBackUntilReleased() {
    FaultInjector faults = FaultInjector.create();
    CountingProvider real = new CountingProvider();
    faults.arm(FaultInjector.Point.WORKTREE_RETURN, FaultInjector.Fault.fail(), A);
    WorktreeLease lease = faults.interceptWorktrees(real).acquire(A, "main");

    assertThatThrownBy(lease::close).isInstanceOf(WorktreeException.class);
    assertThat(real.closed).hasValue(0);
    assertThat(faults.heldBackCount()).isOne();

    assertThat(faults.releaseHeldBack()).isEmpty();
    assertThat(real.closed).hasValue(1);
    assertThat(faults.heldBackCount()).isZero();
  }

  @Test
  void aHangGoesOnWhenReleasedAndFailsWhenInterrupted() throws Exception {
    FaultInjector faults = FaultInjector.create();
    AtomicInteger probes = new AtomicInteger();
    PortProbe probe = faults.interceptPortProbe(port -> probes.incrementAndGet() > 0);
    faults.arm(FaultInjector.Point.PORT_PROBE, FaultInjector.Fault.hang(), null, 2);

    CompletableFuture<Boolean> released = CompletableFuture.supplyAsync(() -> probe.isFree(20_000));
    faults.awaitHanging(FaultInjector.Point.PORT_PROBE, null, Duration.ofSeconds(10));
    faults.releaseHangs();
    assertThat(released.get(10, TimeUnit.SECONDS)).isTrue();

    AtomicReference<Thread> thread = new AtomicReference<>();
    AtomicReference<Boolean> flagAfter = new AtomicReference<>();
    CompletableFuture<Throwable> interrupted =
        CompletableFuture.supplyAsync(
            () -> {
              thread.set(Thread.currentThread());
              try {
                probe.isFree(20_000);
                return null;
              } catch (RuntimeException e) {
                flagAfter.set(Thread.interrupted());
                return e;
              }
            });
    faults.awaitHanging(FaultInjector.Point.PORT_PROBE, null, Duration.ofSeconds(10));
    thread.get().interrupt();

    assertThat(interrupted.get(10, TimeUnit.SECONDS))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("interrupted while hanging");
    assertThat(flagAfter.get()).as("the interrupt flag is set again").isTrue();
    assertThat(probes).hasValue(1);
    assertThat(faults.hanging()).isEmpty();
  }

  @Test
  void aKillKillsTheJvmWithSigkillBeforeAnythingElseRuns() throws Exception {
    Process child =
        new ProcessBuilder(CrashWorkers.javaCommand(KillMain.class))
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output).isEqualTo(128 + 9);
    assertThat(output)
        .contains("probing")
        .doesNotContain("survived")
        .doesNotContain("shutdown hook ran");
  }

  /** Arms a KILL at the port probe and probes. */
  public static final class KillMain {
    public static void main(String[] args) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
      FaultInjector faults =
          FaultInjector.create().arm(FaultInjector.Point.PORT_PROBE, FaultInjector.Fault.kill());
      System.out.println("probing");
      System.out.flush();
      faults.interceptPortProbe(PortProbe.none()).isFree(20_000);
      System.out.println("survived");
    }
  }
}
