package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeProvider;
import io.openswarm.temporal.CellInterceptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Makes cells fail, hang or die at named {@link Point}s, by decorating the service-provider
 * implementations the cell steps consult: a {@link CellInterceptor}, given to a worker like any
 * other, or applied by hand to the parts of locally driven cells. The library's own code (the
 * steps, the saga, the activities, the workflows) runs unchanged around the faults.
 *
 * <pre>{@code
 * FaultInjector faults = FaultInjector.create();
 * faults.arm(FaultInjector.Point.COMMIT, FaultInjector.Fault.fail(), CellId.of("t1")); // the next commit of cell t1 is rejected
 * SwarmWorker worker = SwarmWorker.newBuilder()...interceptors(faults).start();
 * // or, for cells driven locally:
 * CellSteps steps = CellSteps.newBuilder()
 *     .ports(PortManager.newBuilder().range(20000, 20010).probe(faults.interceptPortProbe(PortProbe.bind())).build())
 *     .worktrees(faults.interceptWorktrees(pool)).changes(faults.interceptChanges(GitWorktreeChanges.create()))
 *     .agent(faults.interceptAgent(agent)).tests(faults.interceptTests(tests))
 *     .integration(faults.interceptIntegration(GitBranchIntegration.create()))
 *     ...
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * Each decorator asks the injector, at its point and for its cell, whether a fault is armed; an
 * armed fault is used up as it fires (a fault armed {@code n} times fires {@code n} times). A fault
 * fires either instead of the real operation or, if {@linkplain Fault#after() after}, once the real
 * operation succeeded. A port probe does not know its cell; it takes the cell from the logging
 * context the steps set during bootstrap ({@code cellId} in the MDC), so only faults armed for any
 * cell reach it when the logging backend keeps no MDC.
 *
 * <p>Faults that hang block until the thread is interrupted (a Temporal cancellation interrupts
 * tests and integrations), the agent's turn is aborted (for points inside the turn), or {@link
 * #releaseHangs()} is called, in which case the operation goes on as if it had just been slow.
 * Teardown faults hold the real operation back: the session, lease or port stays open, exactly as
 * when stopping really fails, until {@link #releaseHeldBack()} runs it.
 *
 * <p>Thread-safe.
 */
public final class FaultInjector implements CellInterceptor {

  private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);
  private static final Duration HANG_POLL = Duration.ofMillis(20);

  private final List<Rule> rules = new ArrayList<>();
  private final List<Fired> fired = new CopyOnWriteArrayList<>();
  private final Set<Fired> hanging = ConcurrentHashMap.newKeySet();
  private final List<HeldBack> heldBack = new CopyOnWriteArrayList<>();
  private final Set<String> injectedCommits = ConcurrentHashMap.newKeySet();

  /** The cell each port was given to, learnt at agent start, so a port's release knows its cell. */
  private final ConcurrentHashMap<Integer, CellId> portOwners = new ConcurrentHashMap<>();

  private final AtomicInteger eventStreamsCut = new AtomicInteger();
  private final List<Consumer<Fired>> listeners = new CopyOnWriteArrayList<>();
  private final Object hangMonitor = new Object();
  private long hangGeneration;

  private FaultInjector() {}

  /**
   * An injector with no fault armed.
   *
   * @return a new injector
   */
  public static FaultInjector create() {
    return new FaultInjector();
  }

  /** A fault armed for a point: for some cells or any, a number of times. */
  private static final class Rule {
    final Point point;
    final Fault fault;
    final @Nullable CellId cell;
    final @Nullable Predicate<CellId> cells;
    int remaining;

    Rule(
        Point point,
        Fault fault,
        @Nullable CellId cell,
        @Nullable Predicate<CellId> cells,
        int times) {
      this.point = point;
      this.fault = fault;
      this.cell = cell;
      this.cells = cells;
      this.remaining = times;
    }

    boolean matches(@Nullable CellId candidate) {
      if (cells != null) {
        return candidate != null && cells.test(candidate);
      }
      return cell == null || cell.equals(candidate);
    }
  }

  /** A real close a teardown fault held back. */
  private record HeldBack(String description, AutoCloseable resource) {}

  /**
   * Arms {@code fault} at {@code point} once, for whichever cell gets there first.
   *
   * @param point where the fault fires
   * @param fault what goes wrong there
   * @return this injector
   * @throws NullPointerException if an argument is null
   */
  public FaultInjector arm(Point point, Fault fault) {
    return arm(point, fault, null, 1);
  }

  /**
   * Arms {@code fault} at {@code point} once, for {@code cell} only.
   *
   * @param point where the fault fires
   * @param fault what goes wrong there
   * @param cell the only cell it fires for
   * @return this injector
   * @throws NullPointerException if an argument is null
   */
  public FaultInjector arm(Point point, Fault fault, CellId cell) {
    return arm(point, fault, Objects.requireNonNull(cell, "cell cannot be null"), 1);
  }

  /**
   * Arms {@code fault} at {@code point} {@code times} times, for {@code cell} only or, if it is
   * null, for any cell.
   *
   * @param point where the fault fires
   * @param fault what goes wrong there
   * @param cell the only cell it fires for, or null for any cell
   * @param times how many times it fires; at least 1
   * @return this injector
   * @throws NullPointerException if {@code point} or {@code fault} is null
   * @throws IllegalArgumentException if {@code times} is not positive
   */
  public FaultInjector arm(Point point, Fault fault, @Nullable CellId cell, int times) {
    Objects.requireNonNull(point, "point cannot be null");
    Objects.requireNonNull(fault, "fault cannot be null");
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1 but was " + times);
    }
    synchronized (rules) {
      rules.add(new Rule(point, fault, cell, null, times));
    }
    return this;
  }

  /**
   * Arms {@code fault} at {@code point} {@code times} times, for the cells {@code cells} accepts
   * (for example the cells of one DAG task, whose ids the workflow makes up as it goes). Never
   * fires where the cell is unknown.
   *
   * @param point where the fault fires
   * @param fault what goes wrong there
   * @param cells accepts the cells it fires for
   * @param times how many times it fires; at least 1
   * @return this injector
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code times} is not positive
   */
  public FaultInjector armWhere(Point point, Fault fault, Predicate<CellId> cells, int times) {
    Objects.requireNonNull(point, "point cannot be null");
    Objects.requireNonNull(fault, "fault cannot be null");
    Objects.requireNonNull(cells, "cells cannot be null");
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1 but was " + times);
    }
    synchronized (rules) {
      rules.add(new Rule(point, fault, null, cells, times));
    }
    return this;
  }

  /** Removes every armed fault that has not fired yet. */
  public void disarm() {
    synchronized (rules) {
      rules.clear();
    }
  }

  /**
   * Removes the faults armed for {@code cell} that have not fired yet.
   *
   * @param cell the cell
   */
  public void disarm(CellId cell) {
    Objects.requireNonNull(cell, "cell cannot be null");
    synchronized (rules) {
      rules.removeIf(rule -> cell.equals(rule.cell));
    }
  }

  /**
   * How many firings are still armed.
   *
   * @return the number of firings left
   */
  public int armedCount() {
    synchronized (rules) {
      return rules.stream().mapToInt(rule -> rule.remaining).sum();
    }
  }

  /**
   * Every fault that fired so far, in order.
   *
   * @return the fired faults, a snapshot
   */
  public List<Fired> fired() {
    return List.copyOf(fired);
  }

  /**
   * The faults that fired for {@code cell}.
   *
   * @param cell the cell; not null
   * @return its fired faults, in order; empty when none fired for it
   */
  public List<Fired> firedFor(CellId cell) {
    Objects.requireNonNull(cell, "cell cannot be null");
    return fired.stream().filter(f -> cell.equals(f.cellId())).toList();
  }

  /**
   * Calls {@code listener} for every fault as it fires, on the thread that hit it (before a KILL
   * kills).
   *
   * @param listener told about every fault as it fires
   * @return this injector
   */
  public FaultInjector onFire(Consumer<Fired> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * The faults hanging right now.
   *
   * @return the hanging faults, a snapshot
   */
  public Set<Fired> hanging() {
    return Set.copyOf(hanging);
  }

  /**
   * Waits until a fault hangs at {@code point} (for {@code cell}, or any cell if null).
   *
   * @param point the point
   * @param cell the cell, or null for any
   * @param timeout the longest wait
   * @return the fault that hangs there
   * @throws AssertionError if none hangs there within {@code timeout}
   */
  public Fired awaitHanging(Point point, @Nullable CellId cell, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (Fired f : hanging) {
        if (f.point() == point && (cell == null || cell.equals(f.cellId()))) {
          return f;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no fault hung at "
                + point
                + (cell == null ? "" : " for " + cell)
                + " within "
                + timeout.toMillis()
                + " ms; fired: "
                + fired);
      }
      pause();
    }
  }

  /** Lets every fault that hangs now go on, as if its operation had only been slow. */
  public void releaseHangs() {
    synchronized (hangMonitor) {
      hangGeneration++;
      hangMonitor.notifyAll();
    }
  }

  /**
   * Runs the real stops and returns that teardown faults held back.
   *
   * @return what could not be closed, one line each; empty when all went well
   */
  public List<String> releaseHeldBack() {
    List<String> errors = new ArrayList<>();
    for (HeldBack held : heldBack) {
      heldBack.remove(held);
      try {
        held.resource().close();
      } catch (Exception e) {
        errors.add(held.description() + ": " + e);
      }
    }
    return errors;
  }

  /**
   * How many real stops or returns are held back by teardown faults.
   *
   * @return the number held back
   */
  public int heldBackCount() {
    return heldBack.size();
  }

  /**
   * How many agent event streams {@link Point#EVENT_STREAM_DROP} faults cut so far (a fault that
   * found no open stream cut none, so tests can tell a real cut from a vacuous one).
   *
   * @return the number of streams cut
   */
  public int eventStreamsCut() {
    return eventStreamsCut.get();
  }

  /**
   * The commits the injector put on target branches itself (the conflicting changes of INTEGRATE
   * faults).
   *
   * @return the commits' SHAs, a snapshot
   */
  public Set<String> injectedCommits() {
    return Set.copyOf(injectedCommits);
  }

  /**
   * Decorates a port probe with {@link Point#PORT_PROBE} and, for the manager it is given to,
   * {@link Point#PORT_RELEASE}.
   *
   * @param next the probe to decorate
   * @return the decorated probe
   */
  @Override
  public PortProbe interceptPortProbe(PortProbe next) {
    return new FaultyPortProbe(this, next);
  }

  /**
   * Decorates a worktree provider with {@link Point#WORKTREE_ADD}, {@link Point#WORKTREE_RESET} and
   * {@link Point#WORKTREE_RETURN}.
   *
   * @param next the provider to decorate
   * @return the decorated provider
   */
  @Override
  public WorktreeProvider interceptWorktrees(WorktreeProvider next) {
    return new FaultyWorktreeProvider(this, next);
  }

  /**
   * Decorates worktree changes with {@link Point#COMMIT}.
   *
   * @param next the changes to decorate
   * @return the decorated changes
   */
  @Override
  public WorktreeChanges interceptChanges(WorktreeChanges next) {
    return new FaultyWorktreeChanges(this, next);
  }

  /**
   * Decorates an agent with {@link Point#AGENT_START}, {@link Point#AGENT_HEALTH}, {@link
   * Point#PROMPT_SUBMIT}, {@link Point#EVENT_STREAM_DROP}, {@link Point#AGENT_CRASH} and {@link
   * Point#AGENT_STOP}.
   *
   * @param next the agent to decorate
   * @return the decorated agent
   */
  @Override
  public AgentRuntime interceptAgent(AgentRuntime next) {
    return new FaultyAgentRuntime(this, next);
  }

  /**
   * Decorates a test runner with {@link Point#TEST_START} and {@link Point#TEST_HANG}.
   *
   * @param next the test runner to decorate
   * @return the decorated runner
   */
  @Override
  public TestRunner interceptTests(TestRunner next) {
    return new FaultyTestRunner(this, next);
  }

  /**
   * Decorates a branch integration with {@link Point#INTEGRATE}.
   *
   * @param next the integration to decorate
   * @return the decorated integration
   */
  @Override
  public BranchIntegration interceptIntegration(BranchIntegration next) {
    return new FaultyBranchIntegration(this, next);
  }

  @Override
  public String toString() {
    return "FaultInjector[armed="
        + armedCount()
        + ", fired="
        + fired.size()
        + ", hanging="
        + hanging.size()
        + "]";
  }

  // ---- used by the decorators
  // ---------------------------------------------------------------------------------

  /**
   * Whether a fault (before or after) is armed at {@code point} for {@code cell}, without using it
   * up.
   */
  boolean isArmed(Point point, @Nullable CellId cell) {
    synchronized (rules) {
      return rules.stream().anyMatch(rule -> rule.point == point && rule.matches(cell));
    }
  }

  void recordEventStreamsCut(int streams) {
    eventStreamsCut.addAndGet(streams);
  }

  /** Records that {@code cell}'s agent was started on {@code port}. */
  void portGiven(int port, CellId cell) {
    portOwners.put(port, cell);
  }

  /**
   * Forgets and returns the cell {@code port} was given to, or null if no agent was started on it.
   */
  @Nullable CellId portReleased(int port) {
    return portOwners.remove(port);
  }

  /**
   * Takes the fault armed at {@code point} for {@code cell} at this moment (before or after), or
   * null.
   */
  @Nullable Fired take(Point point, @Nullable CellId cell, boolean after) {
    Fault fault = null;
    synchronized (rules) {
      for (int i = 0; i < rules.size(); i++) {
        Rule rule = rules.get(i);
        if (rule.point == point && rule.fault.after() == after && rule.matches(cell)) {
          fault = rule.fault;
          if (--rule.remaining == 0) {
            rules.remove(i);
          }
          break;
        }
      }
    }
    if (fault == null) {
      return null;
    }
    Fired firing = new Fired(point, cell, fault);
    fired.add(firing);
    log.info("fault injected: {}", firing);
    for (Consumer<Fired> listener : listeners) {
      listener.accept(firing);
    }
    return firing;
  }

  /** How a hang ended. */
  enum HangEnd {
    /** {@link #releaseHangs()} was called: go on with the real operation. */
    RELEASED,
    /** The thread was interrupted; the interrupt flag is set again. */
    INTERRUPTED,
    /** The turn was aborted. */
    ABORTED
  }

  /** Blocks until released, interrupted or (if {@code aborted} is given) aborted. */
  HangEnd hang(Fired firing, @Nullable CountDownLatch aborted) {
    long generation;
    synchronized (hangMonitor) {
      generation = hangGeneration;
    }
    hanging.add(firing);
    try {
      while (true) {
        if (aborted != null && aborted.getCount() == 0) {
          return HangEnd.ABORTED;
        }
        synchronized (hangMonitor) {
          if (hangGeneration != generation) {
            return HangEnd.RELEASED;
          }
          hangMonitor.wait(HANG_POLL.toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HangEnd.INTERRUPTED;
    } finally {
      hanging.remove(firing);
    }
  }

  /** Holds back the real close of {@code resource}, to be run by {@link #releaseHeldBack()}. */
  void holdBack(String description, AutoCloseable resource) {
    heldBack.add(new HeldBack(description, resource));
  }

  void recordInjectedCommit(String sha) {
    injectedCommits.add(sha);
  }

  /** The cell whose bootstrap runs on this thread, from the steps' logging context, or null. */
  static @Nullable CellId cellFromLoggingContext() {
    String value = MDC.get("cellId");
    if (value == null) {
      return null;
    }
    try {
      return CellId.of(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Kills this JVM with SIGKILL: no shutdown hook, no finally block, no flush runs, exactly as when
   * the operating system kills it. Falls back to {@link Runtime#halt} if {@code kill} cannot be
   * run.
   */
  static void killThisJvm(Fired firing) {
    log.warn(
        "fault injected: killing this JVM (pid {}) with SIGKILL at {}",
        ProcessHandle.current().pid(),
        firing);
    try {
      Process kill =
          new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid()))
              .redirectErrorStream(true)
              .start();
      kill.waitFor(10, TimeUnit.SECONDS);
      // The signal is on its way; wait for it rather than run on.
      TimeUnit.SECONDS.sleep(10);
    } catch (IOException e) {
      log.error("could not run kill; halting instead", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(137);
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(HANG_POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a fault", e);
    }
  }

  /**
   * A place in a cell's life where a {@link FaultInjector} can make things go wrong. Each point
   * sits at a service-provider boundary the cell steps consult, so the library's own code runs
   * unchanged around it.
   *
   * <p>What {@link Fault.Action#FAIL} means differs per point and is the failure a real
   * implementation would produce there; {@link Fault.Action#HANG} blocks at the point until the
   * thread is interrupted, the agent's turn is aborted, or {@link FaultInjector#releaseHangs()};
   * {@link Fault.Action#KILL} kills the whole JVM with SIGKILL.
   */
  public enum Point {

    /**
     * Probing whether a port is free. FAIL: the probe throws an {@link
     * java.io.UncheckedIOException}.
     */
    PORT_PROBE(Stage.BOOTSTRAP),

    /**
     * Leasing a worktree on the cold path: the pool added a new one with {@code git worktree add}.
     * FAIL: a {@link io.openswarm.core.worktree.WorktreeException} as for a git failure.
     *
     * <p>Only the pool knows which path a lease takes ({@link
     * io.openswarm.core.worktree.WorktreeLease#reused()}), so this point and {@link
     * #WORKTREE_RESET} fire once the lease exists (a fault armed before or after fires then); a
     * failure gives the worktree back first.
     */
    WORKTREE_ADD(Stage.BOOTSTRAP),

    /**
     * Leasing a worktree on the warm path: the pool reused an idle worktree, resetting it to the
     * base on the cell's branch. FAIL: a {@link io.openswarm.core.worktree.WorktreeException} as
     * for a git failure. See {@link #WORKTREE_ADD} for when it fires.
     */
    WORKTREE_RESET(Stage.BOOTSTRAP),

    /**
     * Starting the agent. FAIL: an {@link io.openswarm.core.agent.AgentException} {@code
     * START_FAILED}.
     */
    AGENT_START(Stage.BOOTSTRAP),

    /** Waiting for the agent to become healthy. FAIL: an agent exception {@code NOT_READY}. */
    AGENT_HEALTH(Stage.BOOTSTRAP),

    /**
     * Submitting the prompt. FAIL: an agent exception {@code TURN_FAILED}, as for a model error.
     */
    PROMPT_SUBMIT(Stage.EXECUTE),

    /**
     * The agent's process dies mid-turn. FAIL: the agent's real process is killed with SIGKILL
     * while the turn runs (the session must be a {@link
     * io.openswarm.testkit.agent.ChildProcessAgent.CrashableSession}; any other session reports a
     * crash without a process to kill).
     */
    AGENT_CRASH(Stage.EXECUTE),

    /**
     * The agent's event stream drops mid-turn while its server keeps running. FAIL: the streams of
     * the session are cut at the turn's first progress report, the way a failed connection cuts
     * them (the agent must be the real {@link io.openswarm.infra.opencode.OpenCodeAgent}, whose
     * {@code dropEventStreams} does it); the turn is expected to finish anyway. Any other agent,
     * having no event stream, fails its turn with an agent exception {@code TURN_FAILED} instead,
     * the outcome of a stream that could not be recovered. HANG: the turn blocks at its start, as
     * for {@link #PROMPT_SUBMIT}.
     */
    EVENT_STREAM_DROP(Stage.EXECUTE),

    /**
     * Starting the test command. FAIL: an {@link java.io.IOException}, as for a missing program.
     */
    TEST_START(Stage.TEST),

    /**
     * The test process hangs. FAIL: a real process that never ends runs instead of the tests, with
     * a one-second limit, so the runner's own timeout stops it (the cell fails at TEST with {@code
     * TestsTimedOut}); HANG: the same process with the run's own limit.
     */
    TEST_HANG(Stage.TEST),

    /**
     * Committing. FAIL: a {@link io.openswarm.core.worktree.WorktreeException} {@code
     * COMMIT_REJECTED}.
     */
    COMMIT(Stage.COMMIT),

    /**
     * Integrating into the target branch. FAIL: a conflicting commit lands on the target first (a
     * real one, made with git), so the integration meets a real conflict.
     */
    INTEGRATE(Stage.INTEGRATE),

    /**
     * Stopping the agent at teardown. FAIL: closing the session throws; the real stop is held back.
     */
    AGENT_STOP(Stage.TEARDOWN),

    /**
     * Returning the worktree at teardown. FAIL: closing the lease throws; the real return is held
     * back.
     */
    WORKTREE_RETURN(Stage.TEARDOWN),

    /**
     * Releasing the port at teardown. FAIL: closing the lease throws an {@link
     * java.io.UncheckedIOException} (as a lock file that cannot be let go would); the real release
     * is held back, so the port stays allocated until {@link FaultInjector#releaseHeldBack()}. A
     * fault after the release throws once the port is really free. Works through the port probe
     * (see {@link FaultInjector#interceptPortProbe}); the cell is known from its agent's start, so
     * faults armed for a cell reach cells whose agent started, and faults armed for any cell reach
     * every release.
     */
    PORT_RELEASE(Stage.TEARDOWN);

    /** The part of a cell's life a point belongs to. */
    public enum Stage {
      /** Port, worktree, agent start and readiness. */
      BOOTSTRAP,
      /** The agent's turn. */
      EXECUTE,
      /** The test run. */
      TEST,
      /** The commit of green changes. */
      COMMIT,
      /** Moving a commit onto a target branch. */
      INTEGRATE,
      /** Stopping and returning what the cell held. */
      TEARDOWN
    }

    private final Stage stage;

    Point(Stage stage) {
      this.stage = stage;
    }

    /**
     * The part of a cell's life this point belongs to.
     *
     * @return the stage
     */
    public Stage stage() {
      return stage;
    }
  }

  /**
   * What happens when a {@link Point} fires: an {@link Action}, before or after the real operation.
   *
   * <p>Immutable and thread-safe.
   *
   * @param action what goes wrong
   * @param after whether it happens after the real operation succeeded (for example, SIGKILL once
   *     the commit landed) rather than instead of it
   */
  public record Fault(Action action, boolean after) {

    /** What goes wrong. */
    public enum Action {
      /** The point fails the way a real implementation fails there; see {@link Point}. */
      FAIL,
      /**
       * The point blocks until the thread is interrupted, the turn is aborted or the hangs are
       * released.
       */
      HANG,
      /**
       * The JVM is killed with SIGKILL, as by the out-of-memory killer or a power cut of the
       * process.
       */
      KILL
    }

    /**
     * Checks the action.
     *
     * @param action what goes wrong; not null
     * @param after whether it happens after the real operation succeeded rather than instead of it
     * @throws NullPointerException if {@code action} is null
     */
    public Fault {
      Objects.requireNonNull(action, "action cannot be null");
    }

    /**
     * Fails instead of the real operation.
     *
     * @return the fault
     */
    public static Fault fail() {
      return new Fault(Action.FAIL, false);
    }

    /**
     * Blocks before the real operation until interrupted, aborted or released.
     *
     * @return the fault
     */
    public static Fault hang() {
      return new Fault(Action.HANG, false);
    }

    /**
     * Blocks after the real operation succeeded, before its result is returned.
     *
     * @return the fault
     */
    public static Fault hangAfter() {
      return new Fault(Action.HANG, true);
    }

    /**
     * Kills the JVM instead of the real operation.
     *
     * @return the fault
     */
    public static Fault kill() {
      return new Fault(Action.KILL, false);
    }

    /**
     * Kills the JVM after the real operation succeeded, before its result is returned.
     *
     * @return the fault
     */
    public static Fault killAfter() {
      return new Fault(Action.KILL, true);
    }

    @Override
    public String toString() {
      return action.name().toLowerCase(java.util.Locale.ROOT) + (after ? " after" : "");
    }
  }

  /**
   * A fault that fired.
   *
   * <p>Immutable and thread-safe.
   *
   * @param point where
   * @param cellId the cell it hit, or null when the point could not tell (a port probe outside any
   *     cell's bootstrap)
   * @param fault what happened
   */
  public record Fired(Point point, @Nullable CellId cellId, Fault fault) {

    /**
     * Checks the components.
     *
     * @param point where; not null
     * @param cellId the cell it hit, or null when the point could not tell
     * @param fault what happened; not null
     * @throws NullPointerException if {@code point} or {@code fault} is null
     */
    public Fired {
      Objects.requireNonNull(point, "point cannot be null");
      Objects.requireNonNull(fault, "fault cannot be null");
    }

    @Override
    public String toString() {
      return point + " " + fault + (cellId == null ? "" : " in " + cellId);
    }
  }
}
