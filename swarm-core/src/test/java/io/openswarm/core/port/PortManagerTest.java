package io.openswarm.core.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortManagerTest {

  private static PortManager unprobed(int min, int max) {
    return PortManager.newBuilder().range(min, max).probe(PortProbe.none()).build();
  }

  // ---- builder validation
  // -------------------------------------------------------------------------------------

  @Test
  void buildRequiresARange() {
    assertThatThrownBy(() -> PortManager.newBuilder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("range(min, max) must be set before build()");
  }

  @Test
  void buildRejectsInvalidRanges() {
    assertThatThrownBy(() -> PortManager.of(0, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range min must be between 1 and 65535 but was 0");
    assertThatThrownBy(() -> PortManager.of(8000, 70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range max must be between 1 and 65535 but was 70000");
    assertThatThrownBy(() -> PortManager.of(9000, 8000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port range min must not exceed max but was 9000-8000");
  }

  @Test
  void privilegedPortsNeedExplicitPermission() {
    assertThatThrownBy(() -> PortManager.of(80, 90))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "port range 80-90 includes privileged ports (below 1024); use a range starting at 1024 "
                + "or above, or allowPrivilegedPorts(true)");
    assertThatThrownBy(() -> PortManager.of(1000, 2000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("port range 1000-2000 includes privileged ports");

    PortManager privileged =
        PortManager.newBuilder()
            .range(80, 90)
            .allowPrivilegedPorts(true)
            .probe(PortProbe.none())
            .build();
    assertThat(privileged.range()).isEqualTo(new PortRange(80, 90));
    assertThat(PortManager.of(1024, 1024).range().size()).isEqualTo(1);
  }

  @Test
  void nullArgumentsAreNamed() {
    assertThatThrownBy(() -> PortManager.newBuilder().probe(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("probe cannot be null");
    assertThatThrownBy(() -> PortManager.newBuilder().quarantine(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("quarantine cannot be null");
    assertThatThrownBy(() -> PortManager.newBuilder().leaseDirectory(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("leaseDirectory cannot be null");
    assertThatThrownBy(() -> unprobed(8000, 8001).allocate(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("maxWait cannot be null");
  }

  @Test
  void quarantineMustBePositive() {
    assertThatThrownBy(
            () -> PortManager.newBuilder().range(8000, 8001).quarantine(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("quarantine must be positive but was PT0S");
    assertThatThrownBy(
            () ->
                PortManager.newBuilder()
                    .range(8000, 8001)
                    .quarantine(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("quarantine must be positive but was PT-1S");
  }

  @Test
  void optionsAreSetOnce() {
    assertThatThrownBy(() -> PortManager.newBuilder().range(8000, 8100).range(9000, 9100))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("range was already set to 8000-8100");
    assertThatThrownBy(
            () -> PortManager.newBuilder().probe(PortProbe.none()).probe(PortProbe.bind()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("probe was already set to PortProbe.none()");
    assertThatThrownBy(
            () -> PortManager.newBuilder().allowPrivilegedPorts(true).allowPrivilegedPorts(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("allowPrivilegedPorts was already set to true");
  }

  @Test
  void negativeWaitIsRejected() {
    assertThatThrownBy(() -> unprobed(8000, 8001).allocate(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxWait must not be negative but was PT-0.001S");
  }

  // ---- allocation and release
  // ---------------------------------------------------------------------------------

  @Test
  void exhaustionNamesTheRangeAndTheCounts() {
    PortManager ports = unprobed(8000, 9000);
    List<PortLease> leases = new ArrayList<>();
    for (int i = 0; i < 1001; i++) {
      leases.add(ports.allocate());
    }

    assertThat(leases)
        .extracting(PortLease::port)
        .doesNotHaveDuplicates()
        .allMatch(p -> p >= 8000 && p <= 9000);
    assertThat(ports.allocatedCount()).isEqualTo(1001);
    assertThat(ports.availableCount()).isZero();
    assertThatThrownBy(ports::allocate)
        .isInstanceOf(PortExhaustedException.class)
        .hasMessage("no available ports in range 8000-9000 (all 1001 ports allocated)")
        .satisfies(
            e -> {
              PortExhaustedException exhausted = (PortExhaustedException) e;
              assertThat(exhausted.range()).isEqualTo(new PortRange(8000, 9000));
              assertThat(exhausted.allocatedCount()).isEqualTo(1001);
              assertThat(exhausted.quarantinedCount()).isZero();
            });

    leases.forEach(PortLease::close);
    assertThat(ports.allocatedCount()).isZero();
    assertThat(ports.availableCount()).isEqualTo(1001);
  }

  @Test
  void closeIsIdempotentAndReleaseByPortClosesTheLease() {
    PortManager ports = unprobed(8000, 8002);
    PortLease first = ports.allocate();
    PortLease second = ports.allocate();

    first.close();
    first.close();
    assertThat(first.isReleased()).isTrue();
    assertThat(ports.isAllocated(first.port())).isFalse();
    assertThat(ports.allocatedCount()).isEqualTo(1);

    ports.release(second.port());
    assertThat(second.isReleased()).isTrue();
    assertThat(ports.allocatedCount()).isZero();
    second.close();
    assertThat(ports.availableCount()).isEqualTo(3);
  }

  @Test
  void aStaleLeaseCannotReleaseTheNextHolderOfItsPort() {
    PortManager ports = unprobed(8000, 8000);
    PortLease stale = ports.allocate();
    stale.close();
    PortLease current = ports.allocate();
    assertThat(current.port()).isEqualTo(stale.port());

    stale.close();

    assertThat(current.isReleased()).isFalse();
    assertThat(ports.isAllocated(current.port())).isTrue();
  }

  @Test
  void releaseRejectsPortsOutsideTheRangeOrNotAllocated() {
    PortManager ports = unprobed(8000, 9000);
    assertThatThrownBy(() -> ports.release(7999))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot release port 7999: it is outside the range 8000-9000");
    assertThatThrownBy(() -> ports.release(8500))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot release port 8500: it is not allocated (range 8000-9000)");
    assertThat(ports.isAllocated(7999)).isFalse();
  }

  @Test
  void recentlyReleasedPortsGoToTheBackOfTheLine() {
    PortManager ports = unprobed(8000, 8003);
    PortLease lease = ports.allocate();
    assertThat(lease.port()).isEqualTo(8000);
    lease.close();

    List<Integer> next = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      next.add(ports.allocate().port());
    }

    assertThat(next).containsExactly(8001, 8002, 8003, 8000);
  }

  // ---- waiting
  // ------------------------------------------------------------------------------------------------

  @Test
  void waitingAllocationWakesUpWhenAPortIsReleased() throws Exception {
    PortManager ports = unprobed(8000, 8000);
    PortLease held = ports.allocate();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      AtomicReferenceHolder waiter = new AtomicReferenceHolder();
      Future<PortLease> waiting =
          executor.submit(
              () -> {
                waiter.thread = Thread.currentThread();
                return ports.allocate(Duration.ofSeconds(30));
              });
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  waiter.thread != null && waiter.thread.getState() == Thread.State.TIMED_WAITING);
      assertThat(waiting).isNotDone();

      held.close();

      PortLease handedOver = waiting.get(10, TimeUnit.SECONDS);
      assertThat(handedOver.port()).isEqualTo(8000);
      handedOver.close();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void waitersAreServedInArrivalOrder() throws Exception {
    PortManager ports = unprobed(8000, 8000);
    PortLease held = ports.allocate();
    ExecutorService executor = Executors.newFixedThreadPool(3);
    List<Integer> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      List<Future<?>> waiters = new ArrayList<>();
      List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (int i = 0; i < 3; i++) {
        int id = i;
        waiters.add(
            executor.submit(
                () -> {
                  threads.add(Thread.currentThread());
                  try (PortLease lease = ports.allocate(Duration.ofSeconds(30))) {
                    order.add(id);
                    assertThat(lease.port()).isEqualTo(8000);
                  }
                  return null;
                }));
        // Start the next waiter only once this one is parked in the semaphore's queue.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    threads.size() == id + 1
                        && threads.get(id).getState() == Thread.State.TIMED_WAITING);
      }

      held.close();

      for (Future<?> waiter : waiters) {
        waiter.get(10, TimeUnit.SECONDS);
      }
      assertThat(order).containsExactly(0, 1, 2);
      assertThat(ports.allocatedCount()).isZero();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void waitingAllocationGivesUpAfterTheDeadline() {
    PortManager ports = unprobed(8000, 8001);
    ports.allocate();
    ports.allocate();

    assertThatThrownBy(() -> ports.allocate(Duration.ofMillis(50)))
        .isInstanceOf(PortExhaustedException.class)
        .hasMessage(
            "no available ports in range 8000-8001 (all 2 ports allocated) after waiting 50 ms");
  }

  @Test
  void interruptedWaiterGivesUpAndKeepsTheInterruptFlag() {
    PortManager ports = unprobed(8000, 8000);
    ports.allocate();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> ports.allocate(Duration.ofSeconds(30)))
          .isInstanceOf(PortExhaustedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  // ---- probing and quarantine
  // ---------------------------------------------------------------------------------

  @Test
  void theBindProbeSkipsAPortAnotherProcessHoldsAndQuarantinesIt() throws IOException {
    try (AdjacentPorts adjacent = AdjacentPorts.find()) {
      AtomicLong clock = new AtomicLong();
      PortManager ports =
          PortManager.newBuilder()
              .range(adjacent.first, adjacent.first + 1)
              .quarantine(Duration.ofSeconds(30))
              .nanoTicker(clock::get)
              .build();

      PortLease lease = ports.allocate();

      assertThat(lease.port()).isEqualTo(adjacent.first + 1);
      assertThat(ports.quarantinedCount()).isEqualTo(1);
      assertThat(ports.availableCount()).isZero();
      assertThatThrownBy(ports::allocate)
          .isInstanceOf(PortExhaustedException.class)
          .hasMessage(
              "no available ports in range %d-%d (1 of 2 ports allocated, 1 held by other processes)",
              adjacent.first, adjacent.first + 1);

      // Still held when the quarantine ends: probed again, quarantined again.
      clock.addAndGet(Duration.ofSeconds(31).toNanos());
      assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);
      assertThat(ports.quarantinedCount()).isEqualTo(1);

      // Let go of it: after the quarantine it is handed out again.
      adjacent.holder.close();
      assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);
      clock.addAndGet(Duration.ofSeconds(31).toNanos());
      PortLease freed = ports.allocate();
      assertThat(freed.port()).isEqualTo(adjacent.first);
      assertThat(ports.quarantinedCount()).isZero();
      freed.close();
      lease.close();
    }
  }

  @Test
  void waitersNoticeAPortComingOutOfQuarantine() throws Exception {
    AtomicInteger busyUntilCall = new AtomicInteger(1);
    PortProbe busyOnce = port -> busyUntilCall.getAndDecrement() <= 0;
    PortManager ports =
        PortManager.newBuilder()
            .range(8000, 8000)
            .probe(busyOnce)
            .quarantine(Duration.ofMillis(100))
            .build();

    PortLease lease = ports.allocate(Duration.ofSeconds(10));

    assertThat(lease.port()).isEqualTo(8000);
    assertThat(ports.quarantinedCount()).isZero();
  }

  @Test
  void portsComeOutOfQuarantineInTheCountsWithoutAnAllocation() {
    // Admission control asks for a port only once availableCount() says one is free: if only
    // allocate() ended a
    // quarantine, a range that was once wholly held elsewhere would stay "full" forever.
    AtomicLong clock = new AtomicLong();
    AtomicInteger heldElsewhere = new AtomicInteger(1);
    PortManager ports =
        PortManager.newBuilder()
            .range(8000, 8002)
            .probe(port -> heldElsewhere.get() == 0)
            .quarantine(Duration.ofSeconds(15))
            .nanoTicker(clock::get)
            .build();
    assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);
    heldElsewhere.set(0);

    clock.addAndGet(Duration.ofSeconds(15).minusNanos(1).toNanos());
    assertThat(ports.availableCount()).as("still quarantined").isZero();
    assertThat(ports.quarantinedCount()).isEqualTo(3);

    clock.addAndGet(1);
    assertThat(ports.availableCount()).isEqualTo(3);
    assertThat(ports.quarantinedCount()).isZero();
    assertThat(ports.allocatedCount()).isZero();
    assertThat(ports)
        .hasToString("PortManager[range=8000-8002, allocated=0, quarantined=0, available=3]");
    try (PortLease lease = ports.allocate()) {
      assertThat(lease.port()).isBetween(8000, 8002);
    }
  }

  @Test
  void theQuarantineCountDropsWhenItsTimeIsUpEvenBeforeTheAvailableCountIsRead() {
    AtomicLong clock = new AtomicLong();
    PortManager ports =
        PortManager.newBuilder()
            .range(8000, 8001)
            .probe(port -> clock.get() > 0)
            .quarantine(Duration.ofSeconds(30))
            .nanoTicker(clock::get)
            .build();
    assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);
    assertThat(ports.quarantinedCount()).isEqualTo(2);

    clock.addAndGet(Duration.ofSeconds(30).toNanos());

    assertThat(ports.quarantinedCount()).isZero();
    assertThat(ports.availableCount()).isEqualTo(2);
  }

  @Test
  void anUnwaitedAllocationDoesNotSpinWhenEveryPortIsHeldElsewhere() {
    PortManager ports =
        PortManager.newBuilder()
            .range(8000, 8009)
            .probe(port -> false)
            .quarantine(Duration.ofNanos(1))
            .build();

    assertThatThrownBy(ports::allocate)
        .isInstanceOf(PortExhaustedException.class)
        .hasMessageStartingWith("no available ports in range 8000-8009 (0 of 10 ports allocated");
  }

  // ---- cross-process lock files
  // ------------------------------------------------------------------------------

  @Test
  void aProbeThatThrowsLeavesThePortFreeForTheNextAllocation() {
    AtomicInteger calls = new AtomicInteger();
    PortManager ports =
        PortManager.newBuilder()
            .range(20_000, 20_000)
            .probe(
                port -> {
                  if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("probe broke");
                  }
                  return true;
                })
            .build();

    assertThatThrownBy(ports::allocate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("probe broke");

    assertThat(ports.allocatedCount()).isZero();
    assertThat(ports.availableCount()).isEqualTo(1);
    try (PortLease lease = ports.allocate()) {
      assertThat(lease.port()).isEqualTo(20_000);
    }
  }

  @Test
  void managersSharingALeaseDirectoryNeverLeaseTheSamePort(@TempDir Path leases) {
    PortManager first =
        PortManager.newBuilder()
            .range(8000, 8009)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .build();
    PortManager second =
        PortManager.newBuilder()
            .range(8005, 8014)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .build();

    Set<Integer> taken = new HashSet<>();
    List<PortLease> held = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      PortLease a = first.allocate();
      assertThat(taken.add(a.port())).as("port %d leased twice", a.port()).isTrue();
      held.add(a);
    }
    for (int i = 0; i < 5; i++) {
      PortLease b = second.allocate();
      assertThat(taken.add(b.port())).as("port %d leased twice", b.port()).isTrue();
      held.add(b);
    }
    assertThat(second.quarantinedCount()).isEqualTo(5);
    assertThatThrownBy(second::allocate).isInstanceOf(PortExhaustedException.class);

    held.forEach(PortLease::close);
    assertThat(first.leaseDirectory()).contains(leases);
    assertThat(leases.resolve("8000.lock")).exists();
  }

  @Test
  void aPortASiblingWorkerLeasesIsLookedAtAgainWithinASecondNotAfterTheQuarantine(
      @TempDir Path leases) {
    AtomicLong clock = new AtomicLong();
    PortManager sibling =
        PortManager.newBuilder()
            .range(8000, 8000)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .build();
    PortManager here =
        PortManager.newBuilder()
            .range(8000, 8000)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .quarantine(Duration.ofSeconds(30))
            .nanoTicker(clock::get)
            .build();

    PortLease theirs = sibling.allocate();
    assertThatThrownBy(here::allocate).isInstanceOf(PortExhaustedException.class);
    assertThat(here.quarantinedCount()).isEqualTo(1);

    theirs.close();
    clock.addAndGet(PortManager.SIBLING_RECHECK.toNanos());
    try (PortLease ours = here.allocate()) {
      assertThat(ours.port()).isEqualTo(8000);
      assertThat(here.quarantinedCount()).isZero();
    }
  }

  @Test
  void aPortBoundElsewhereKeepsItsLockFileFreeAndStaysOutForTheWholeQuarantine(
      @TempDir Path leases) {
    AtomicLong clock = new AtomicLong();
    AtomicInteger bound = new AtomicInteger(1);
    PortManager here =
        PortManager.newBuilder()
            .range(8000, 8000)
            .probe(port -> bound.get() == 0)
            .leaseDirectory(leases)
            .quarantine(Duration.ofSeconds(30))
            .nanoTicker(clock::get)
            .build();
    PortManager sibling =
        PortManager.newBuilder()
            .range(8000, 8000)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .build();

    assertThatThrownBy(here::allocate).isInstanceOf(PortExhaustedException.class);
    // The claim on the lock file was dropped with the port: a sibling that trusts its own probe can
    // lease it.
    sibling.allocate().close();

    bound.set(0);
    clock.addAndGet(PortManager.SIBLING_RECHECK.toNanos());
    assertThatThrownBy(here::allocate)
        .as("a foreign process's port waits out the quarantine")
        .isInstanceOf(PortExhaustedException.class);
    clock.addAndGet(Duration.ofSeconds(30).toNanos());
    here.allocate().close();
  }

  @Test
  void quarantinedPortsComeBackInOrderOfExpiryWhateverOrderTheyWentIn(@TempDir Path leases) {
    AtomicLong clock = new AtomicLong();
    // 8000 is bound by a foreign process (30 s); 8001 is a sibling's lease (1 s).
    PortManager sibling =
        PortManager.newBuilder()
            .range(8001, 8001)
            .probe(PortProbe.none())
            .leaseDirectory(leases)
            .build();
    PortLease theirs = sibling.allocate();
    PortManager here =
        PortManager.newBuilder()
            .range(8000, 8001)
            .probe(port -> port != 8000)
            .leaseDirectory(leases)
            .quarantine(Duration.ofSeconds(30))
            .nanoTicker(clock::get)
            .build();

    assertThatThrownBy(here::allocate).isInstanceOf(PortExhaustedException.class);
    assertThat(here.quarantinedCount()).isEqualTo(2);
    theirs.close();

    clock.addAndGet(PortManager.SIBLING_RECHECK.toNanos());
    try (PortLease ours = here.allocate()) {
      assertThat(ours.port()).isEqualTo(8001);
      assertThat(here.quarantinedCount()).as("8000 is still out").isEqualTo(1);
    }
  }

  // ---- concurrency
  // --------------------------------------------------------------------------------------------

  @Test
  void eightThreadsNeverShareAPortAndCountsReturnToZero() throws Exception {
    int threads = 8;
    int iterations = 100_000;
    PortManager ports = unprobed(20000, 20005);
    AtomicIntegerArray holders = new AtomicIntegerArray(ports.range().size());
    CountDownLatch startGate = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        runs.add(
            CompletableFuture.runAsync(
                () -> {
                  awaitUninterruptibly(startGate);
                  for (int i = 0; i < iterations; i++) {
                    PortLease lease = ports.allocate(Duration.ofSeconds(30));
                    int index = lease.port() - 20000;
                    if (!holders.compareAndSet(index, 0, 1)) {
                      throw new AssertionError(
                          "port " + lease.port() + " handed to two leases at once");
                    }
                    holders.set(index, 0);
                    lease.close();
                  }
                },
                executor));
      }
      startGate.countDown();
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    } finally {
      executor.shutdownNow();
    }
    assertThat(ports.allocatedCount()).isZero();
    assertThat(ports.quarantinedCount()).isZero();
    assertThat(ports.availableCount()).isEqualTo(6);
    for (int port = 20000; port <= 20005; port++) {
      assertThat(ports.isAllocated(port)).isFalse();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final class AtomicReferenceHolder {
    volatile Thread thread;
  }

  /** Two adjacent free loopback ports, the first held bound by this test. */
  private static final class AdjacentPorts implements AutoCloseable {
    final ServerSocket holder;
    final int first;

    private AdjacentPorts(ServerSocket holder) {
      this.holder = holder;
      this.first = holder.getLocalPort();
    }

    static AdjacentPorts find() throws IOException {
      InetAddress loopback = InetAddress.getLoopbackAddress();
      for (int attempt = 0; attempt < 50; attempt++) {
        ServerSocket candidate = new ServerSocket();
        candidate.bind(new InetSocketAddress(loopback, 0));
        int port = candidate.getLocalPort();
        if (port < 65535 && PortProbe.bind().isFree(port + 1)) {
          return new AdjacentPorts(candidate);
        }
        candidate.close();
      }
      throw new IllegalStateException("found no two adjacent free loopback ports in 50 attempts");
    }

    @Override
    public void close() throws IOException {
      holder.close();
    }
  }

  /** A probe that also intercepts releases, as the testkit's fault injection does. */
  private static final class HoldingProbe implements PortProbe, PortProbe.ReleaseInterceptor {
    final List<Runnable> held = new ArrayList<>();

    @Override
    public boolean isFree(int port) {
      return true;
    }

    @Override
    public void aroundRelease(int port, Runnable release) {
      held.add(release);
      throw new IllegalStateException("release of port " + port + " held back");
    }
  }

  @Test
  void aReleaseInterceptorThatHoldsTheReleaseBackKeepsThePortAllocatedUntilItRunsIt() {
    HoldingProbe probe = new HoldingProbe();
    PortManager ports = PortManager.newBuilder().range(20000, 20000).probe(probe).build();
    PortLease lease = ports.allocate();

    assertThatThrownBy(lease::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("release of port 20000 held back");
    lease.close();

    assertThat(probe.held).hasSize(1);
    assertThat(ports.isAllocated(20000)).isTrue();
    assertThatThrownBy(ports::allocate).isInstanceOf(PortExhaustedException.class);
    probe.held.get(0).run();
    assertThat(ports.isAllocated(20000)).isFalse();
    PortLease again = ports.allocate();
    assertThatThrownBy(again::close).isInstanceOf(IllegalStateException.class);
    assertThat(probe.held).as("each lease is intercepted once").hasSize(2);
    probe.held.get(1).run();
    assertThat(ports.allocatedCount()).isZero();
  }
}
