package io.openswarm.testkit.fault;

/**
 * A place in a cell's life where a {@link FaultInjector} can make things go wrong. Each point sits
 * at a service-provider boundary the cell steps consult, so the library's own code runs unchanged
 * around it.
 *
 * <p>What {@link Fault.Action#FAIL} means differs per point and is the failure a real
 * implementation would produce there; {@link Fault.Action#HANG} blocks at the point until the
 * thread is interrupted, the agent's turn is aborted, or {@link FaultInjector#releaseHangs()};
 * {@link Fault.Action#KILL} kills the whole JVM with SIGKILL.
 */
public enum FaultPoint {

  /**
   * Probing whether a port is free. FAIL: the probe throws an {@link java.io.UncheckedIOException}.
   */
  PORT_PROBE(Stage.BOOTSTRAP),

  /**
   * Leasing a worktree on the cold path: the pool added a new one with {@code git worktree add}.
   * FAIL: a {@link io.openswarm.core.worktree.WorktreeException} as for a git failure.
   *
   * <p>Only the pool knows which path a lease takes ({@link
   * io.openswarm.core.worktree.WorktreeLease#reused()}), so this point and {@link #WORKTREE_RESET}
   * fire once the lease exists (a fault armed before or after fires then); a failure gives the
   * worktree back first.
   */
  WORKTREE_ADD(Stage.BOOTSTRAP),

  /**
   * Leasing a worktree on the warm path: the pool reused an idle worktree, resetting it to the base
   * on the cell's branch. FAIL: a {@link io.openswarm.core.worktree.WorktreeException} as for a git
   * failure. See {@link #WORKTREE_ADD} for when it fires.
   */
  WORKTREE_RESET(Stage.BOOTSTRAP),

  /**
   * Starting the agent. FAIL: an {@link io.openswarm.core.agent.AgentException} {@code
   * START_FAILED}.
   */
  AGENT_START(Stage.BOOTSTRAP),

  /** Waiting for the agent to become healthy. FAIL: an agent exception {@code NOT_READY}. */
  AGENT_HEALTH(Stage.BOOTSTRAP),

  /** Submitting the prompt. FAIL: an agent exception {@code TURN_FAILED}, as for a model error. */
  PROMPT_SUBMIT(Stage.EXECUTE),

  /**
   * The agent's process dies mid-turn. FAIL: the agent's real process is killed with SIGKILL while
   * the turn runs (the session must be a {@link io.openswarm.testkit.agent.CrashableSession}; any
   * other session reports a crash without a process to kill).
   */
  AGENT_CRASH(Stage.EXECUTE),

  /**
   * The agent's event stream drops mid-turn while its server keeps running. FAIL: the streams of
   * the session are cut at the turn's first progress report, the way a failed connection cuts them
   * (the agent must be the real {@link io.openswarm.infra.opencode.OpenCodeAgent}, whose {@code
   * dropEventStreams} does it); the turn is expected to finish anyway. Any other agent, having no
   * event stream, fails its turn with an agent exception {@code TURN_FAILED} instead, the outcome
   * of a stream that could not be recovered. HANG: the turn blocks at its start, as for {@link
   * #PROMPT_SUBMIT}.
   */
  EVENT_STREAM_DROP(Stage.EXECUTE),

  /** Starting the test command. FAIL: an {@link java.io.IOException}, as for a missing program. */
  TEST_START(Stage.TEST),

  /**
   * The test process hangs. FAIL: a real process that never ends runs instead of the tests, with a
   * one-second limit, so the runner's own timeout stops it (the cell fails at TEST with {@code
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
   * java.io.UncheckedIOException} (as a lock file that cannot be let go would); the real release is
   * held back, so the port stays allocated until {@link FaultInjector#releaseHeldBack()}. A fault
   * after the release throws once the port is really free. Works through the port probe (see {@link
   * FaultInjector#interceptPortProbe}); the cell is known from its agent's start, so faults armed
   * for a cell reach cells whose agent started, and faults armed for any cell reach every release.
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

  FaultPoint(Stage stage) {
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
