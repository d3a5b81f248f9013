package io.openswarm.infra.process.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a process tree: TERM, a grace period, KILL, then verification that nothing survived.
 *
 * <p>Design. Which processes belong to the tree is asked again at every step, because the tree
 * changes while it dies (children fork, parents exit and their children are re-parented away).
 * Three sources are combined:
 *
 * <ul>
 *   <li>the root and its {@linkplain ProcessHandle#descendants() descendants}, which inside a PID
 *       namespace (bubblewrap) is the whole sandbox, since orphans there are re-parented to the
 *       namespace's init;
 *   <li>when the root leads its own session (the supervisor starts every process through {@code
 *       setsid}), every process of that session or of the root's process group, which catches
 *       orphans re-parented outside the tree; Linux does not reuse a PID while it still names a
 *       group or session, so this cannot hit a stranger, and a live stranger holding the root's PID
 *       disables the scan;
 *   <li>every process already seen, until it is gone.
 * </ul>
 *
 * Signals go to the process groups of these processes (atomic for the whole group) and to each
 * process through its {@link ProcessHandle}, which re-checks the start time so a reused PID is
 * never signalled. The group of this JVM is never signalled. When the root is a launcher that holds
 * a sandbox, the TERM goes to the processes inside only: terminating the launcher would tear the
 * sandbox down at once, without the grace period. Zombies count as gone.
 *
 * <p>Thread-safe; one instance serves all processes of a supervisor.
 */
public final class ProcessTreeTerminator {

  private static final Logger log = LoggerFactory.getLogger(ProcessTreeTerminator.class);

  private static final long FIRST_POLL_MILLIS = 2;
  private static final long MAX_POLL_MILLIS = 50;
  private static final boolean PROC_AVAILABLE = ProcessTable.available();

  private final GroupSignaller signaller;
  private final long ownGroup;

  /**
   * A terminator that signals groups through {@code signaller}; it remembers this JVM's group to
   * spare it.
   */
  public ProcessTreeTerminator(GroupSignaller signaller) {
    this.signaller = signaller;
    this.ownGroup = ProcessTable.ownProcessGroup();
  }

  /** What a termination did. */
  public record Report(int processesSignalled, boolean forced, List<Long> survivors) {}

  /**
   * Terminates the tree of {@code root} (which may already have exited, leaving orphans behind).
   *
   * @param root the process that was started
   * @param rootLeadsSession whether {@code root} was started as leader of its own session and
   *     process group
   * @param rootIsLauncher whether {@code root} holds a sandbox and exits by itself once the
   *     processes inside exit
   * @param grace how long to wait after TERM before KILL
   * @param killWait how long to wait after KILL before declaring survivors
   * @return whether KILL was needed, and the PIDs that were still alive at the end (normally none)
   */
  public Report terminate(
      ProcessHandle root,
      boolean rootLeadsSession,
      boolean rootIsLauncher,
      Duration grace,
      Duration killWait) {
    Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
    Waiter waiter = new Waiter();
    waiter.interrupted = Thread.interrupted();
    try {
      return terminate(root, rootLeadsSession, rootIsLauncher, grace, killWait, seen, waiter);
    } finally {
      if (waiter.interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Report terminate(
      ProcessHandle root,
      boolean rootLeadsSession,
      boolean rootIsLauncher,
      Duration grace,
      Duration killWait,
      Map<Long, ProcessHandle> seen,
      Waiter waiter) {
    Collection<ProcessHandle> alive = discover(root, rootLeadsSession, seen);
    if (alive.isEmpty()) {
      return new Report(0, false, List.of());
    }
    int signalled = alive.size();
    boolean spareLauncher = rootIsLauncher && alive.stream().anyMatch(h -> h.pid() != root.pid());
    List<ProcessHandle> termTargets =
        alive.stream()
            .filter(h -> !(spareLauncher && h.pid() == root.pid()))
            .collect(Collectors.toList());
    send("TERM", termTargets, spareLauncher ? root.pid() : -1);
    if (awaitGone(root, rootLeadsSession, seen, grace, null, waiter)) {
      return new Report(signalled, false, List.of());
    }
    alive = discover(root, rootLeadsSession, seen);
    signalled = Math.max(signalled, alive.size());
    send("KILL", alive, -1);
    awaitGone(root, rootLeadsSession, seen, killWait, "KILL", waiter);
    List<Long> survivors =
        discover(root, rootLeadsSession, seen).stream()
            .map(ProcessHandle::pid)
            .collect(Collectors.toList());
    return new Report(signalled, true, survivors);
  }

  private void send(String signal, Collection<ProcessHandle> targets, long sparedGroup) {
    Set<Long> groups = new LinkedHashSet<>();
    for (ProcessHandle target : targets) {
      ProcessTable.read(target.pid())
          .map(ProcessTable.Entry::processGroup)
          .filter(group -> group > 1 && group != ownGroup && group != sparedGroup)
          .ifPresent(groups::add);
    }
    signaller.signal(signal, groups);
    for (ProcessHandle target : targets) {
      if ("KILL".equals(signal)) {
        target.destroyForcibly();
      } else {
        target.destroy();
      }
    }
  }

  /**
   * Waits until the tree is gone or {@code timeout} passes. With {@code resendSignal}, processes
   * that appear while waiting (forked after the last signal) get that signal too.
   */
  private boolean awaitGone(
      ProcessHandle root,
      boolean rootLeadsSession,
      Map<Long, ProcessHandle> seen,
      Duration timeout,
      @Nullable String resendSignal,
      Waiter waiter) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_POLL_MILLIS;
    while (true) {
      if (seen.values().stream().allMatch(ProcessTreeTerminator::isGone)) {
        Collection<ProcessHandle> alive = discover(root, rootLeadsSession, seen);
        if (alive.isEmpty()) {
          return true;
        }
        if (resendSignal != null) {
          send(resendSignal, alive, -1);
        }
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      waiter.pause(Math.min(pause, Math.max(1, remaining / 1_000_000)));
      pause = Math.min(MAX_POLL_MILLIS, pause * 2);
    }
  }

  /** The live processes of the tree right now; adds newly found ones to {@code seen}. */
  private Collection<ProcessHandle> discover(
      ProcessHandle root, boolean rootLeadsSession, Map<Long, ProcessHandle> seen) {
    if (root.isAlive()) {
      seen.putIfAbsent(root.pid(), root);
      root.descendants().forEach(h -> seen.putIfAbsent(h.pid(), h));
    }
    if (rootLeadsSession && PROC_AVAILABLE) {
      List<ProcessTable.Entry> table = ProcessTable.snapshot();
      boolean pidReused =
          !root.isAlive() && table.stream().anyMatch(e -> e.pid() == root.pid() && !e.zombie());
      if (!pidReused) {
        for (ProcessTable.Entry entry : table) {
          if ((entry.session() == root.pid() || entry.processGroup() == root.pid())
              && !entry.zombie()
              && entry.pid() != ProcessHandle.current().pid()) {
            Optional<ProcessHandle> handle = ProcessHandle.of(entry.pid());
            handle.ifPresent(h -> seen.putIfAbsent(h.pid(), h));
          }
        }
      }
    }
    List<ProcessHandle> alive = new ArrayList<>();
    for (ProcessHandle handle : seen.values()) {
      if (!isGone(handle)) {
        alive.add(handle);
      }
    }
    return alive;
  }

  /**
   * Sleeps without giving up: stopping is cleanup that must finish even when the stopping thread is
   * interrupted (a cancelled activity). The interrupt is remembered and restored when the
   * termination is over.
   */
  private static final class Waiter {
    boolean interrupted;

    void pause(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private static boolean isGone(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return true;
    }
    // A zombie has exited and only waits for its parent; an entry that vanished since isAlive() has
    // exited too.
    return PROC_AVAILABLE
        && ProcessTable.read(handle.pid()).map(ProcessTable.Entry::zombie).orElse(true);
  }

  /**
   * Logs survivors loudly: a process that outlives SIGKILL is stuck in the kernel or escaped
   * supervision.
   */
  public static void reportSurvivors(String what, Report report) {
    if (!report.survivors().isEmpty()) {
      log.error(
          "{}: {} process(es) still alive after SIGKILL: {}; they escaped supervision or are stuck in the "
              + "kernel and must be killed by hand",
          what,
          report.survivors().size(),
          report.survivors());
    }
  }
}
