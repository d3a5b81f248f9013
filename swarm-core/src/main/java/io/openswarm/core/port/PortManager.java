package io.openswarm.core.port;

import io.openswarm.core.port.internal.IntRingQueue;
import io.openswarm.core.port.internal.PortLockFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases TCP ports from an inclusive range to agent servers, one port per cell.
 *
 * <pre>{@code
 * PortManager ports = PortManager.newBuilder().range(8000, 9000).leaseDirectory(stateDir.resolve("ports")).build();
 * try (PortLease lease = ports.allocate(Duration.ofSeconds(5))) {
 *   startAgentServer(lease.port());
 * }
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * Free ports wait in a lock-free FIFO queue ({@link IntRingQueue}). Allocation takes the port at
 * the head of the queue, release appends it at the tail: O(1) each, with no scan of the range and
 * no lock (three compare-and-set operations per allocate + release pair). Because released ports go
 * to the back of the queue, a port is handed out again only after every other free port has had its
 * turn, which gives a just-released port time to leave TIME_WAIT and a dying agent server time to
 * let go of it.
 *
 * <p>Callers of {@link #allocate(Duration)} that find the queue empty line up in a FIFO queue of
 * waiting threads and park. Only the thread at the head of that line takes ports; a release wakes
 * it. So waiters are served in arrival order, and the release path costs one extra read when nobody
 * waits.
 *
 * <p>Before a port is handed out, with a {@linkplain Builder#leaseDirectory(Path) lease directory},
 * an exclusive lock on {@code <dir>/<port>.lock} claims it against other worker JVMs on the host,
 * and the {@link PortProbe} asks the operating system whether it is free. A port that fails either
 * check is <em>quarantined</em>: it leaves the queue and then goes back to the tail. A port another
 * process is bound to stays out for the {@linkplain Builder#quarantine(Duration) quarantine time}
 * (30 s by default): nobody tells this JVM when that process lets go. A port whose lock file a
 * sibling worker holds is looked at again after at most a second ({@link #SIBLING_RECHECK}): the
 * sibling leases it for one cell, and checking its lock costs a file lock attempt, so cells waiting
 * here start soon after the sibling's cell ends rather than up to 30 s later. Nothing runs on a
 * timer: a port whose quarantine has ended goes back to the queue the next time anyone allocates or
 * reads {@link #availableCount()} or {@link #quarantinedCount()}. Admission control that asks for a
 * port only once one is available therefore still sees it, even while nobody calls {@code
 * allocate}.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Every port of the range is in exactly one place: the free queue, the quarantine, or a live
 *       lease (or, for a moment, with the one thread that is moving it between them).
 *   <li>A port is never held by two leases: only the thread that dequeued a port sets its lease
 *       slot, and only the lease that owns the slot clears it, before putting the port back in the
 *       queue.
 *   <li>No lost wake-up: a releasing thread publishes the port and then looks for a waiter; a
 *       waiter joins the line and then looks for a port. One of the two always sees the other.
 * </ul>
 *
 * <p>A probe that also implements {@link PortProbe.ReleaseInterceptor} is consulted around every
 * release.
 *
 * <p>Thread-safe. The counts are exact when no allocation, release or end of a quarantine is in
 * flight, and estimates otherwise.
 */
public final class PortManager {

  private static final Logger log = LoggerFactory.getLogger(PortManager.class);

  /** The default quarantine time of a port found held by another process. */
  public static final Duration DEFAULT_QUARANTINE = Duration.ofSeconds(30);

  /**
   * How soon a port whose lock file another worker holds is looked at again (or the quarantine
   * time, if shorter).
   */
  public static final Duration SIBLING_RECHECK = Duration.ofSeconds(1);

  private final PortRange range;
  private final PortProbe probe;
  private final long quarantineNanos;
  private final long siblingRecheckNanos;
  private final @Nullable PortLockFiles lockFiles;
  private final LongSupplier nanoTicker;
  // Test seam (fault injection): a probe that also intercepts releases; null for every real probe.
  private final PortProbe.@Nullable ReleaseInterceptor releaseInterceptor;

  private final IntRingQueue free;
  private final AtomicReferenceArray<@Nullable PortLease> leases;
  private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();

  // Quarantine is the rare path (another process or worker holds a port), so a lock keeps it
  // simple. Ports are
  // quarantined for two different times, so the queue orders them by expiry; a port's expiry does
  // not change while
  // it is queued.
  private final ReentrantLock quarantineLock = new ReentrantLock();
  private final long[] quarantinedUntil;
  private final PriorityQueue<Integer> quarantine;
  private volatile int quarantinedCount;
  private volatile long nextQuarantineExpiry;

  private PortManager(Builder builder, PortRange range) {
    this.range = range;
    this.probe = builder.probe == null ? PortProbe.bind() : builder.probe;
    this.releaseInterceptor =
        probe instanceof PortProbe.ReleaseInterceptor interceptor ? interceptor : null;
    this.quarantineNanos =
        (builder.quarantine == null ? DEFAULT_QUARANTINE : builder.quarantine).toNanos();
    this.siblingRecheckNanos = Math.min(quarantineNanos, SIBLING_RECHECK.toNanos());
    this.lockFiles =
        builder.leaseDirectory == null ? null : new PortLockFiles(builder.leaseDirectory);
    this.nanoTicker = builder.nanoTicker;
    int size = range.size();
    // Twice the range: a slot is reusable only once its consumer has read it, so the spare half
    // absorbs threads
    // paused mid-dequeue and an offer practically never finds the queue full.
    this.free = new IntRingQueue(2 * size);
    for (int port = range.min(); port <= range.max(); port++) {
      free.offer(port);
    }
    this.leases = new AtomicReferenceArray<>(size);
    this.quarantinedUntil = new long[size];
    // Expiry times are compared by difference, as System.nanoTime values must be.
    this.quarantine =
        new PriorityQueue<>(
            Math.max(1, size),
            (a, b) ->
                Long.signum(quarantinedUntil[a - range.min()] - quarantinedUntil[b - range.min()]));
  }

  /**
   * Returns a builder; {@link Builder#range(int, int)} is required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A manager over {@code min..max} (inclusive) with the default probe and no cross-process lease
   * directory.
   *
   * @param min the lowest port of the range; 1024 to 65535
   * @param max the highest port of the range; {@code min} to 65535
   * @return the manager
   * @throws IllegalArgumentException if the range is invalid or includes privileged ports (below
   *     1024)
   */
  public static PortManager of(int min, int max) {
    return newBuilder().range(min, max).build();
  }

  /**
   * The range this manager leases from.
   *
   * @return the range; never null
   */
  public PortRange range() {
    return range;
  }

  /**
   * Leases a free port at once.
   *
   * <p>Does not wait and does not line up behind callers of {@link #allocate(Duration)}: it takes a
   * free port if there is one.
   *
   * @return the lease of the port; closing it gives the port back
   * @throws PortExhaustedException if no port of the range is free, with a message such as {@code
   *     no available ports in range 8000-9000 (all 1001 ports allocated)}
   */
  public PortLease allocate() {
    PortLease lease = tryAllocate();
    if (lease == null) {
      throw exhausted(-1);
    }
    return lease;
  }

  /**
   * Leases a free port, waiting up to {@code maxWait} for one to be released (or to come out of
   * quarantine). Waiting callers are served in arrival order.
   *
   * @param maxWait how long to wait at most; zero or positive (zero does not wait)
   * @return the lease of the port; closing it gives the port back
   * @throws NullPointerException if {@code maxWait} is null
   * @throws IllegalArgumentException if {@code maxWait} is negative
   * @throws PortExhaustedException if no port became free within {@code maxWait}, or the thread was
   *     interrupted (the interrupt flag is then set again)
   */
  public PortLease allocate(Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait cannot be null");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative but was " + maxWait);
    }
    if (waiters.isEmpty()) {
      PortLease lease = tryAllocate();
      if (lease != null) {
        return lease;
      }
    }
    return awaitPort(saturatedNanos(maxWait));
  }

  /**
   * Releases the lease that holds {@code port}, the same as closing that {@link PortLease}.
   *
   * @param port a port leased from this manager
   * @throws IllegalArgumentException if {@code port} is outside the range or not currently
   *     allocated
   */
  public void release(int port) {
    if (!range.contains(port)) {
      throw new IllegalArgumentException(
          String.format("cannot release port %d: it is outside the range %s", port, range));
    }
    PortLease lease = leases.get(port - range.min());
    if (lease == null) {
      throw new IllegalArgumentException(
          String.format("cannot release port %d: it is not allocated (range %s)", port, range));
    }
    lease.close();
  }

  /**
   * Whether {@code port} is currently leased from this manager; {@code false} for ports outside the
   * range.
   *
   * @param port any port number
   * @return true when the port is leased from this manager
   */
  public boolean isAllocated(int port) {
    return range.contains(port) && leases.get(port - range.min()) != null;
  }

  /**
   * How many ports are currently leased.
   *
   * @return the number of leased ports, 0 to the range's size
   */
  public int allocatedCount() {
    return Math.max(0, range.size() - free.size() - quarantinedCount);
  }

  /**
   * How many ports are quarantined because another process held them when they were probed. Ports
   * whose quarantine has ended are first put back in circulation, so they are not counted.
   *
   * @return the number of quarantined ports, 0 to the range's size
   */
  public int quarantinedCount() {
    releaseExpiredQuarantine();
    return quarantinedCount;
  }

  /**
   * How many ports are neither leased nor quarantined. Ports whose quarantine has ended are first
   * put back in circulation and counted: admission control decides from this count whether to ask
   * for a port at all, so a port that came out of quarantine must show here without waiting for an
   * {@link #allocate()} to notice it.
   *
   * @return the number of free ports, 0 to the range's size
   */
  public int availableCount() {
    releaseExpiredQuarantine();
    return free.size();
  }

  /**
   * The lease directory shared with other worker JVMs, if one was configured.
   *
   * @return the lease directory, or empty when leases are kept in this JVM only
   */
  public Optional<Path> leaseDirectory() {
    return lockFiles == null ? Optional.empty() : Optional.of(lockFiles.directory());
  }

  @Override
  public String toString() {
    releaseExpiredQuarantine();
    return "PortManager[range="
        + range
        + ", allocated="
        + allocatedCount()
        + ", quarantined="
        + quarantinedCount
        + ", available="
        + availableCount()
        + "]";
  }

  /**
   * Takes a free port if there is one; {@code null} when every port is leased or held elsewhere.
   */
  private @Nullable PortLease tryAllocate() {
    releaseExpiredQuarantine();
    // A port that fails its claim is quarantined, so each port fails at most once per pass over the
    // range; the
    // bound stops the loop from spinning when quarantine is short and every port is held elsewhere.
    for (int rejected = 0; rejected < range.size(); rejected++) {
      int port = free.poll();
      if (port == IntRingQueue.EMPTY) {
        return null;
      }
      PortLease lease = claim(port);
      if (lease != null) {
        return lease;
      }
    }
    return null;
  }

  private PortLease awaitPort(long timeoutNanos) {
    Thread me = Thread.currentThread();
    long deadline = nanoTicker.getAsLong() + timeoutNanos;
    waiters.add(me);
    try {
      while (true) {
        if (waiters.peek() == me) {
          PortLease lease = tryAllocate();
          if (lease != null) {
            return lease;
          }
        }
        long now = nanoTicker.getAsLong();
        long remaining = deadline - now;
        if (remaining <= 0 || me.isInterrupted()) {
          throw exhausted(timeoutNanos);
        }
        // The head of the line also wakes up when the next quarantined port comes back; the others
        // wait to be woken.
        long parkNanos =
            waiters.peek() == me ? Math.min(remaining, untilNextQuarantineExpiry(now)) : remaining;
        LockSupport.parkNanos(this, parkNanos);
      }
    } finally {
      waiters.remove(me);
      // The thread behind us may have been passed a wake-up that was meant for whoever was first in
      // line.
      if (!free.isEmpty() || quarantinedCount != 0) {
        wakeFirstWaiter();
      }
    }
  }

  private void wakeFirstWaiter() {
    Thread first = waiters.peek();
    if (first != null) {
      LockSupport.unpark(first);
    }
  }

  private @Nullable PortLease claim(int port) {
    // The lock file first: a port a sibling worker leases is also bound by its agent, and telling
    // the two apart
    // decides how long the port stays out of circulation.
    PortLockFiles.@Nullable Claim fileClaim = null;
    if (lockFiles != null) {
      Optional<PortLockFiles.Claim> held;
      try {
        held = lockFiles.tryClaim(port);
      } catch (RuntimeException e) {
        returnToQueue(port);
        throw e;
      }
      if (held.isEmpty()) {
        quarantine(
            port,
            siblingRecheckNanos,
            "another worker holds its lock file in " + lockFiles.directory());
        return null;
      }
      fileClaim = held.get();
    }
    boolean free;
    try {
      free = probe.isFree(port);
    } catch (RuntimeException | Error e) {
      // A probe that fails must not take the port out of circulation: it would count as leased
      // forever.
      closeQuietly(fileClaim);
      returnToQueue(port);
      throw e;
    }
    if (!free) {
      closeQuietly(fileClaim);
      quarantine(port, quarantineNanos, "another process is bound to it");
      return null;
    }
    PortLease lease = new PortLease(this, port, fileClaim);
    leases.setRelease(port - range.min(), lease);
    return lease;
  }

  private static void closeQuietly(PortLockFiles.@Nullable Claim claim) {
    if (claim != null) {
      claim.close();
    }
  }

  /** Called by {@link PortLease#close()} exactly once per lease. */
  void release(PortLease lease) {
    PortProbe.ReleaseInterceptor interceptor = releaseInterceptor;
    if (interceptor == null) {
      returnPort(lease);
    } else {
      interceptor.aroundRelease(lease.port(), () -> returnPort(lease));
    }
  }

  private void returnPort(PortLease lease) {
    int port = lease.port();
    // Cleared before the port is queued again: the queue's release-store publishes this write to
    // the next holder.
    leases.setRelease(port - range.min(), null);
    lease.dropClaim();
    returnToQueue(port);
  }

  private void returnToQueue(int port) {
    while (!free.offer(port)) {
      // See the constructor: only possible while more threads than ports are paused inside a
      // dequeue.
      Thread.yield();
    }
    wakeFirstWaiter();
  }

  private void quarantine(int port, long nanos, String reason) {
    long until = nanoTicker.getAsLong() + nanos;
    quarantineLock.lock();
    try {
      quarantinedUntil[port - range.min()] = until;
      quarantine.add(port);
      quarantinedCount = quarantine.size();
      nextQuarantineExpiry = quarantinedUntil[quarantine.element() - range.min()];
    } finally {
      quarantineLock.unlock();
    }
    log.debug(
        "port {} quarantined for {} ms: {}", port, TimeUnit.NANOSECONDS.toMillis(nanos), reason);
  }

  private void releaseExpiredQuarantine() {
    // Reads the clock only when something is quarantined: the counts are read many times a second
    // by admission.
    if (quarantinedCount != 0) {
      releaseExpiredQuarantine(nanoTicker.getAsLong());
    }
  }

  private void releaseExpiredQuarantine(long now) {
    if (quarantinedCount == 0 || now - nextQuarantineExpiry < 0) {
      return;
    }
    quarantineLock.lock();
    try {
      Integer head;
      while ((head = quarantine.peek()) != null
          && now - quarantinedUntil[head - range.min()] >= 0) {
        quarantine.remove();
        quarantinedCount = quarantine.size();
        returnToQueue(head);
      }
      if (head != null) {
        nextQuarantineExpiry = quarantinedUntil[head - range.min()];
      }
    } finally {
      quarantineLock.unlock();
    }
  }

  private long untilNextQuarantineExpiry(long now) {
    return quarantinedCount == 0 ? Long.MAX_VALUE : Math.max(1, nextQuarantineExpiry - now);
  }

  private PortExhaustedException exhausted(long waitedNanos) {
    int quarantinedNow = quarantinedCount;
    int allocatedNow = allocatedCount();
    String counts =
        allocatedNow == range.size()
            ? String.format("all %d ports allocated", allocatedNow)
            : String.format(
                "%d of %d ports allocated, %d held by other processes",
                allocatedNow, range.size(), quarantinedNow);
    String waited =
        waitedNanos < 0
            ? ""
            : String.format(" after waiting %d ms", TimeUnit.NANOSECONDS.toMillis(waitedNanos));
    return new PortExhaustedException(
        range,
        allocatedNow,
        quarantinedNow,
        String.format("no available ports in range %s (%s)%s", range, counts, waited));
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /**
   * Configures a {@link PortManager}. Each option may be set once; {@link #build()} validates them
   * all.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private static final int UNSET = Integer.MIN_VALUE;

    private int min = UNSET;
    private int max = UNSET;
    private @Nullable PortProbe probe;
    private @Nullable Duration quarantine;
    private @Nullable Path leaseDirectory;
    private @Nullable Boolean allowPrivilegedPorts;
    private LongSupplier nanoTicker = System::nanoTime;

    private Builder() {}

    /**
     * The inclusive range of ports to lease from, for example {@code range(8000, 9000)} for 1001
     * ports. Required.
     *
     * @param min the lowest port, checked by {@link #build()}: 1 to 65535, at least 1024 unless
     *     privileged ports are allowed
     * @param max the highest port, checked by {@link #build()}: {@code min} to 65535
     * @return this builder
     * @throws IllegalStateException if the range was already set
     */
    public Builder range(int min, int max) {
      requireUnset(this.min == UNSET, "range", this.min + "-" + this.max);
      this.min = min;
      this.max = max;
      return this;
    }

    /**
     * How to check with the operating system that a port is free; {@link PortProbe#bind()} by
     * default, {@link PortProbe#none()} to trust the bookkeeping alone. A probe that also
     * implements {@link PortProbe.ReleaseInterceptor} is consulted around every release too.
     *
     * @param probe the probe; not null
     * @return this builder
     * @throws NullPointerException if {@code probe} is null
     * @throws IllegalStateException if the probe was already set
     */
    public Builder probe(PortProbe probe) {
      Objects.requireNonNull(probe, "probe cannot be null");
      requireUnset(this.probe == null, "probe", this.probe);
      this.probe = probe;
      return this;
    }

    /**
     * How long a port found held by another process stays out of circulation; 30 s by default.
     *
     * @param quarantine how long a port is held back; checked by {@link #build()} to be positive
     * @return this builder
     * @throws NullPointerException if {@code quarantine} is null
     * @throws IllegalStateException if the quarantine was already set
     */
    public Builder quarantine(Duration quarantine) {
      Objects.requireNonNull(quarantine, "quarantine cannot be null");
      requireUnset(this.quarantine == null, "quarantine", this.quarantine);
      this.quarantine = quarantine;
      return this;
    }

    /**
     * A directory shared by every worker JVM on this host. Each lease then also holds an exclusive
     * lock on {@code <directory>/<port>.lock}, so managers in different JVMs with overlapping
     * ranges never lease the same port. The operating system drops the locks of a JVM that dies.
     * Created if missing.
     *
     * @param directory the shared directory; not null
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     * @throws IllegalStateException if the lease directory was already set
     */
    public Builder leaseDirectory(Path directory) {
      Objects.requireNonNull(directory, "leaseDirectory cannot be null");
      requireUnset(this.leaseDirectory == null, "leaseDirectory", this.leaseDirectory);
      this.leaseDirectory = directory;
      return this;
    }

    /**
     * Whether the range may include ports below 1024, which need privileges on most systems; {@code
     * false} by default.
     *
     * @param allow true to allow ports below 1024
     * @return this builder
     * @throws IllegalStateException if this option was already set
     */
    public Builder allowPrivilegedPorts(boolean allow) {
      requireUnset(
          this.allowPrivilegedPorts == null, "allowPrivilegedPorts", this.allowPrivilegedPorts);
      this.allowPrivilegedPorts = allow;
      return this;
    }

    /** The time source for quarantine expiry, in nanoseconds; for tests. */
    Builder nanoTicker(LongSupplier nanoTicker) {
      this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker cannot be null");
      return this;
    }

    /**
     * Validates the options and builds the manager.
     *
     * @return the manager
     * @throws IllegalStateException if no range was set
     * @throws IllegalArgumentException if the range is outside {@code 1..65535}, inverted, or
     *     includes ports below 1024 without {@link #allowPrivilegedPorts(boolean)}, or the
     *     quarantine is not positive
     */
    public PortManager build() {
      if (min == UNSET) {
        throw new IllegalStateException("range(min, max) must be set before build()");
      }
      PortRange range = new PortRange(min, max);
      if (range.min() < PortRange.FIRST_UNPRIVILEGED_PORT
          && !Boolean.TRUE.equals(allowPrivilegedPorts)) {
        throw new IllegalArgumentException(
            String.format(
                "port range %s includes privileged ports (below %d); use a range starting at %d or above, "
                    + "or allowPrivilegedPorts(true)",
                range, PortRange.FIRST_UNPRIVILEGED_PORT, PortRange.FIRST_UNPRIVILEGED_PORT));
      }
      if (quarantine != null && (quarantine.isNegative() || quarantine.isZero())) {
        throw new IllegalArgumentException("quarantine must be positive but was " + quarantine);
      }
      return new PortManager(this, range);
    }

    private static void requireUnset(boolean unset, String option, @Nullable Object current) {
      if (!unset) {
        throw new IllegalStateException(option + " was already set to " + current);
      }
    }
  }
}
