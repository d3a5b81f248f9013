package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.ResultLimits;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.history.CellHistory;
import io.openswarm.core.history.CellHistory.CellRecord;
import io.openswarm.core.lifecycle.internal.BaseVerdicts;
import io.openswarm.core.lifecycle.internal.CompensationStack;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortExhaustedException;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.testrun.TestCommandNotRunnableException;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.core.worktree.WorktreeSetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The steps of a cell's life, each implemented once: {@linkplain #bootstrap bootstrap}, {@linkplain
 * #verifyBase verifyBase} (optional), {@linkplain #execute execute}, {@linkplain #test test},
 * {@linkplain #commit commit}, {@linkplain #revert revert} and {@linkplain #teardown teardown}, and
 * {@linkplain #integrate integrate} for workflows that move committed changes onto a shared branch.
 * {@link CellLifecycle} runs them in one call; the Temporal activities run them one activity at a
 * time, so only the cell id travels between steps and this class keeps the live cells of its host
 * in a registry.
 *
 * <h2>How it works</h2>
 *
 * Bootstrap registers the cell, then acquires its parts in order — the cell's state directory, a
 * port, a worktree (prepared by the {@linkplain Builder#setup set-up}), an agent — and registers
 * each part's compensation on the cell's {@link CompensationStack} <em>before</em> acquiring it. If
 * bootstrap fails, it unwinds the stack at once and the cell is gone. Otherwise the cell stays live
 * until {@link #teardown}, which aborts any running turn and unwinds the stack: stop the agent,
 * return the worktree, release the port, keep the cell's record, delete the state directory.
 * Teardown is idempotent and never throws; what it could not clean up it reports.
 *
 * <p>What the cell did outlives it through its {@link CellHistory} record: red tests keep their
 * report folders before anything reverts them, a revert first keeps the change as a ref, and
 * teardown keeps the logs before the state directory goes; {@link Teardown} names the folder and
 * the ref.
 *
 * <p>Every line logged during a step carries the MDC keys {@value #MDC_CELL_ID}, {@value
 * #MDC_TASK_ID} (when the task is known) and {@value #MDC_STEP}.
 *
 * <p>Every failure of a step is a {@link CellStepException} naming the step and a stable failure
 * type.
 *
 * <p>Thread-safe. Steps of one cell are expected one at a time, except {@link #abort} and {@link
 * #teardown}, which may come from any thread while another step runs (that is how cancellation
 * reaches a working agent).
 */
// "try": the MdcScope resources are never read in their blocks; they exist for what their close()
// restores.
@SuppressWarnings("try")
public final class CellSteps {

  /**
   * How long a teardown waits for another one of the same cell before it releases what that one has
   * not reached.
   */
  public static final Duration CONCURRENT_TEARDOWN_GRACE = Duration.ofSeconds(1);

  /** The MDC key of the cell's id on every line logged during its steps. */
  public static final String MDC_CELL_ID = "cellId";

  /**
   * The MDC key of the cell's task id on every line logged during its steps, when the task is
   * known.
   */
  public static final String MDC_TASK_ID = "taskId";

  /**
   * The MDC key of the running step ({@link CellStep} name) on every line logged during a cell's
   * steps.
   */
  public static final String MDC_STEP = "step";

  /** How many base-check verdicts the steps keep (see {@link #verifyBase}). */
  public static final int BASE_VERDICTS = 256;

  /** How much of a red base's output its failure message quotes, from the end. */
  private static final int BASE_MESSAGE_TAIL_CHARS = 16 * 1024;

  private static final Logger log = LoggerFactory.getLogger(CellSteps.class);

  private final PortManager ports;
  private final WorktreeProvider worktrees;
  private final WorktreeSetup setup;
  private final WorktreeChanges changes;
  private final AgentRuntime agent;
  private final TestRunner tests;
  private final @Nullable BranchIntegration integration;
  private final CellHistory history;
  private final Path cellsDirectory;
  private final CommitAuthor author;
  private final Duration portWait;
  private final Duration readyTimeout;
  private final Duration executeTimeout;
  private final SwarmMetrics metrics;
  private final String host;
  private final boolean verifyBase;
  private final BaseVerdicts baseVerdicts = new BaseVerdicts(BASE_VERDICTS);
  private final ConcurrentHashMap<CellId, LiveCell> live = new ConcurrentHashMap<>();

  private CellSteps(Builder builder) {
    this.ports = require(builder.ports, "ports");
    this.worktrees = require(builder.worktrees, "worktrees");
    this.setup = builder.setup;
    this.changes = require(builder.changes, "changes");
    this.agent = require(builder.agent, "agent");
    this.tests = require(builder.tests, "tests");
    this.integration = builder.integration;
    this.history = builder.history;
    this.cellsDirectory =
        require(builder.cellsDirectory, "cellsDirectory").toAbsolutePath().normalize();
    this.author = builder.author;
    this.portWait = builder.portWait;
    this.readyTimeout = builder.readyTimeout;
    this.executeTimeout = builder.executeTimeout;
    this.metrics = builder.metrics;
    this.host = builder.host;
    this.verifyBase = builder.verifyBase;
  }

  /**
   * Returns a builder. Ports, worktrees, changes, agent, tests and the cells directory are
   * required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The host these steps run on, as reported in {@link Bootstrap#host()}.
   *
   * @return the host's name; never blank
   */
  public String host() {
    return host;
  }

  /**
   * The cells bootstrapped on this host and not yet torn down.
   *
   * @return a snapshot of the live cells; empty when none is live
   */
  public Set<CellId> liveCells() {
    return Set.copyOf(live.keySet());
  }

  /**
   * The bootstrap of {@code cellId} if it is live on this host.
   *
   * @param cellId the cell; not null
   * @return its bootstrap, or empty when it is not live on this host
   */
  public Optional<Bootstrap> find(CellId cellId) {
    LiveCell cell = live.get(Objects.requireNonNull(cellId, "cellId cannot be null"));
    return cell == null ? Optional.empty() : Optional.ofNullable(cell.bootstrap);
  }

  /**
   * The agent every cell runs.
   *
   * @return the agent runtime
   */
  public AgentRuntime agent() {
    return agent;
  }

  /**
   * The default limit on an agent's turn.
   *
   * @return the limit; positive
   */
  public Duration defaultExecuteTimeout() {
    return executeTimeout;
  }

  /**
   * Brings a cell up with no task named in its logs: see {@link #bootstrap(CellId, String,
   * String)}.
   *
   * @param cellId the cell to bring up; not live on this host
   * @param baseRef the git revision the worktree starts from
   * @return the cell that is up
   * @throws IllegalStateException if the cell is already live on this host
   * @throws CellStepException if a step fails; nothing of the cell is left. Its {@link
   *     CellStepException#timings()} say how long each step took, the failed one included
   */
  public Bootstrap bootstrap(CellId cellId, String baseRef) {
    return bootstrap(cellId, baseRef, null);
  }

  /**
   * Brings a cell up: leases a port and a worktree at {@code baseRef} on the cell branch, starts
   * the agent and waits until it is ready. On failure everything acquired so far is released before
   * this throws (what the cell logged is kept in its record all the same).
   *
   * @param cellId the cell to bring up; not live on this host
   * @param baseRef the git revision the worktree starts from
   * @param taskId the task the cell works on, for the logging context and the cell's record; null
   *     when unknown
   * @return the cell that is up
   * @throws IllegalStateException if the cell is already live on this host
   * @throws CellStepException if a step fails; nothing of the cell is left
   */
  public Bootstrap bootstrap(CellId cellId, String baseRef, @Nullable String taskId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
    LiveCell cell = new LiveCell(cellId, taskId, cellsDirectory.resolve(cellId.value()));
    if (live.putIfAbsent(cellId, cell) != null) {
      throw new IllegalStateException("cell " + cellId + " is already live on host " + host);
    }
    metrics.liveCellsChanged(live.size());
    List<CellStep.Timing> timings = new ArrayList<>();
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.PORT)) {
      cell.compensations.push(
          "delete state directory " + cell.stateDirectory,
          () -> TreeDeleter.deleteRecursively(cell.stateDirectory));
      // Runs after the agent stopped (its logs are complete) and before the state directory is
      // deleted.
      cell.record = history.open(cellId, taskId, cell.stateDirectory);
      cell.compensations.push(
          "keep the record of cell " + cellId,
          () -> cell.historyPath = Objects.requireNonNull(cell.record).close().orElse(null));
      cell.compensations.push("release port", () -> close(cell.port));
      timed(
          cellId,
          CellStep.PORT,
          timings,
          () -> {
            cell.port = portWait.isZero() ? ports.allocate() : ports.allocate(portWait);
            return null;
          });

      cell.compensations.push("return worktree", () -> close(cell.worktree));
      timed(
          cellId,
          CellStep.WORKTREE,
          timings,
          () -> {
            cell.worktree = worktrees.acquire(cellId, baseRef);
            prepare(cell, Objects.requireNonNull(cell.worktree));
            return null;
          });
      cell.record().leased(Objects.requireNonNull(cell.worktree));

      cell.compensations.push("stop agent", () -> close(cell.agent));
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      PortLease port = Objects.requireNonNull(cell.port);
      timed(
          cellId,
          CellStep.AGENT_START,
          timings,
          () -> {
            createStateDirectory(cell, CellStep.AGENT_START);
            cell.agent =
                agent.start(
                    new AgentRuntime.Context(
                        cellId, worktree.path(), port.port(), cell.stateDirectory));
            return null;
          });
      AgentSession session = Objects.requireNonNull(cell.agent);
      timed(
          cellId,
          CellStep.AGENT_READY,
          timings,
          () -> {
            session.awaitReady(readyTimeout);
            return null;
          });
      log.info(
          "cell {} up on port {} in {} (branch {} at {}) in {} ms",
          cellId,
          port.port(),
          worktree.path(),
          worktree.branch(),
          abbreviate(worktree.baseCommit()),
          totalMillis(timings));
      Bootstrap up =
          new Bootstrap(
              cellId,
              host,
              port.port(),
              worktree.path().toString(),
              worktree.branch(),
              worktree.baseCommit(),
              timings);
      cell.bootstrap = up;
      return up;
    } catch (RuntimeException e) {
      List<CompensationStack.Failure> leaks = cell.compensations.unwind();
      live.remove(cellId, cell);
      metrics.liveCellsChanged(live.size());
      leaks.forEach(leak -> e.addSuppressed(leak.error()));
      leaks.forEach(
          leak -> log.error("cell {}: bootstrap cleanup failed: {}", cellId, leak.describe()));
      if (e instanceof CellStepException stepFailure) {
        stepFailure.recordTimings(timings);
      }
      throw e;
    }
  }

  /**
   * Prompts the cell's agent and waits for its turn to end, then asks git what changed.
   *
   * @param cellId the cell, live on this host
   * @param prompt the task, passed to the agent unchanged
   * @param timeout how long the turn may take, or null for the default
   * @param progress told about every sign of life of the agent, for heartbeats
   * @return the agent's summary and the files it changed
   * @throws CellStepException if the cell is not live here, or the turn failed, timed out or was
   *     aborted
   */
  public Execution execute(
      CellId cellId, String prompt, @Nullable Duration timeout, AgentSession.Progress progress) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    Objects.requireNonNull(progress, "progress cannot be null");
    LiveCell cell = requireLive(cellId, CellStep.EXECUTE);
    Duration limit = timeout == null ? executeTimeout : timeout;
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.EXECUTE)) {
      AgentSession session = Objects.requireNonNull(cell.agent);
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      Measured<Execution> measured =
          measure(
              cellId,
              CellStep.EXECUTE,
              () -> {
                AgentSession.Turn turn = session.prompt(prompt, limit, progress);
                List<String> changed =
                    changes.changedFiles(worktree).stream()
                        .map(WorktreeChanges.ChangedFile::path)
                        .toList();
                return new Execution(turn.summary(), changed, Duration.ZERO);
              });
      Execution result = Objects.requireNonNull(measured.value());
      log.info(
          "cell {} agent turn done in {} ms: {} file(s) changed",
          cellId,
          measured.duration().toMillis(),
          result.changedFileCount());
      return new Execution(
          result.summary(), result.changedFiles(), result.changedFileCount(), measured.duration());
    }
  }

  /**
   * Stops the cell's running turn, if any. Does nothing for a cell that is not live.
   *
   * @param cellId the cell; not null
   */
  public void abort(CellId cellId) {
    LiveCell cell = live.get(Objects.requireNonNull(cellId, "cellId cannot be null"));
    AgentSession session = cell == null ? null : cell.agent;
    if (session != null) {
      session.abort();
    }
  }

  /**
   * Runs the repository's tests in the cell's worktree. A red run is a result, not a failure.
   *
   * <p>A run that is no verdict on the change is a failure instead, so that no driver reverts a
   * correct change for it: a command that could not run ({@value
   * CellStepException#TEST_COMMAND_NOT_RUNNABLE}: its program, or one it runs, was not found or not
   * executable, on the host or inside the sandbox, or it exited with 126 or 127), a run killed at
   * its time limit ({@value CellStepException#TESTS_TIMED_OUT}) and a run the library stopped
   * ({@value CellStepException#TEST_RUN_KILLED}). The message carries the end of the output.
   *
   * @param cellId the cell, live on this host
   * @return the run's verdict (green or red) and the end of its output
   * @throws CellStepException if the cell is not live here, or the tests could not be started or
   *     could not run, or were killed by the library, or the thread was interrupted (the tests are
   *     stopped first)
   */
  public TestRunner.Result test(CellId cellId) {
    return test(cellId, null, null);
  }

  /**
   * Runs the tests with a task's own command and limit.
   *
   * @param cellId the cell, live on this host
   * @param command the test command instead of the runner's, or null
   * @param timeout the limit instead of the runner's, or null
   * @return the run's verdict (green or red) and the end of its output
   * @throws CellStepException as {@link #test(CellId)}
   */
  public TestRunner.Result test(
      CellId cellId, @Nullable List<String> command, @Nullable Duration timeout) {
    LiveCell cell = requireLive(cellId, CellStep.TEST);
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.TEST)) {
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      long start = System.nanoTime();
      TestRunner.Result result = runTests(cell, CellStep.TEST, "", command, timeout);
      CellStepException noVerdict = noVerdict(cellId, CellStep.TEST, "", result);
      metrics.stepFinished(
          CellStep.TEST, Duration.ofNanos(System.nanoTime() - start), noVerdict == null);
      if (noVerdict != null) {
        log.info(
            "cell {} tests gave no verdict ({}, exit {}) in {} ms",
            cellId,
            noVerdict.failureType(),
            result.exitCode(),
            result.duration().toMillis());
        throw noVerdict;
      }
      log.info(
          "cell {} tests {} (exit {}) in {} ms",
          cellId,
          result.passed() ? "passed" : "failed",
          result.exitCode(),
          result.duration().toMillis());
      if (!result.passed()) {
        // Now: a revert (or the pool's restore) removes ignored folders such as target/ with the
        // change.
        cell.record().keepReports(worktree);
      }
      return result;
    }
  }

  /**
   * Whether a task that names no base check of its own, and whose DAG names none, gets one: the
   * worker's default ({@link Builder#verifyBase(boolean)}).
   *
   * @return the worker's default for the base check
   */
  public boolean verifyBaseByDefault() {
    return verifyBase;
  }

  /**
   * Runs the test command on the cell's base commit, before its agent is prompted: the cell's
   * worktree is a checkout of that commit, set up, until the agent works in it. The run is the test
   * step's own (the same runner, sandbox, environment and limits), so that the base is judged
   * exactly as the agent's change will be.
   *
   * <p>The verdict is kept per base commit, command and limit, for the life of these steps (at most
   * {@value #BASE_VERDICTS} of them): cells on a base already checked reuse it, and cells that ask
   * while another one runs the same check wait for its verdict instead of running the tests again.
   * A run that gave no verdict is not kept.
   *
   * <p>Why: an agent whose change is tested on a broken base is reverted for a failure it did not
   * cause, and its work is lost; a red base is the user's to fix, and says so once, before any
   * agent works.
   *
   * @param cellId the cell, live on this host
   * @param command the task's test command instead of the runner's, or null
   * @param timeout the task's limit instead of the runner's, or null
   * @return the green verdict, and whether it was reused
   * @throws CellStepException at {@link CellStep#VERIFY_BASE}: {@value
   *     CellStepException#BASE_IS_RED} if the tests fail on the base (the message names the base
   *     commit and the command, and ends with the output); the types of {@link #test(CellId, List,
   *     Duration)} if they could not run or were killed (nothing is kept then); {@code CellNotLive}
   *     if the cell is not live here. None is retryable
   */
  public BaseCheck verifyBase(
      CellId cellId, @Nullable List<String> command, @Nullable Duration timeout) {
    LiveCell cell = requireLive(cellId, CellStep.VERIFY_BASE);
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.VERIFY_BASE)) {
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      String base = worktree.baseCommit();
      String where = " on its base commit " + base;
      long start = System.nanoTime();
      BaseVerdicts.Verdict verdict;
      try {
        verdict =
            baseVerdicts.verdict(
                new BaseVerdicts.Key(base, command, timeout),
                () -> runTests(cell, CellStep.VERIFY_BASE, where, command, timeout));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        metrics.stepFinished(
            CellStep.VERIFY_BASE, Duration.ofNanos(System.nanoTime() - start), false);
        throw new CellStepException(
            cellId,
            CellStep.VERIFY_BASE,
            "Cancelled",
            false,
            "the base check of cell " + cellId + " was cancelled",
            e);
      }
      TestRunner.Result result = verdict.result();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      CellStepException failure = noVerdict(cellId, CellStep.VERIFY_BASE, where, result);
      if (failure == null && !result.passed()) {
        failure = baseIsRed(cellId, base, command, result, verdict.reused());
      }
      metrics.stepFinished(CellStep.VERIFY_BASE, took, failure == null);
      if (failure != null) {
        log.info(
            "cell {} base {} {} ({}, exit {}){} in {} ms",
            cellId,
            abbreviate(base),
            failure.failureType().equals(CellStepException.BASE_IS_RED)
                ? "is red"
                : "gave no verdict",
            failure.failureType(),
            result.exitCode(),
            verdict.reused() ? ", verdict reused" : "",
            took.toMillis());
        throw failure;
      }
      log.info(
          "cell {} base {} is green{} in {} ms",
          cellId,
          abbreviate(base),
          verdict.reused() ? " (verdict reused)" : " (exit 0)",
          took.toMillis());
      return new BaseCheck(base, verdict.reused(), took);
    }
  }

  private CellStepException baseIsRed(
      CellId cellId,
      String base,
      @Nullable List<String> command,
      TestRunner.Result result,
      boolean reused) {
    List<String> shown = command != null ? command : tests.command();
    String message =
        "the tests fail on the base commit "
            + base
            + " of cell "
            + cellId
            + ", before its agent was "
            + "prompted"
            + (shown.isEmpty() ? "" : ": " + shown)
            + " exited with "
            + result.exitCode()
            + (reused
                ? " (a verdict this worker reached earlier for the same base and command)"
                : "")
            + "; fix the base or turn the base check off (verifyBase). Output:\n"
            + endOf(result.outputTail());
    return new CellStepException(
        cellId,
        CellStep.VERIFY_BASE,
        CellStepException.BASE_IS_RED,
        false,
        message,
        new IllegalStateException(
            CellStepException.BASE_IS_RED + " (exit code " + result.exitCode() + ")"));
  }

  /**
   * The last {@value #BASE_MESSAGE_TAIL_CHARS} characters of {@code output}: a failure's message is
   * kept from its start (see {@link io.openswarm.core.ResultLimits}), and the end of a test log is
   * where its failures are.
   */
  private static String endOf(String output) {
    if (output.length() <= BASE_MESSAGE_TAIL_CHARS) {
      return output;
    }
    int start = output.length() - BASE_MESSAGE_TAIL_CHARS;
    if (Character.isLowSurrogate(output.charAt(start))) {
      start++;
    }
    return "[... " + start + " characters before]\n" + output.substring(start);
  }

  /**
   * Runs the test command in the cell's worktree for {@code step} and maps what kept it from
   * running to that step's typed failures; {@code where} ("" or " on its base commit ...")
   * completes their messages. Records no metrics for a result: the caller judges it.
   */
  private TestRunner.Result runTests(
      LiveCell cell,
      CellStep step,
      String where,
      @Nullable List<String> command,
      @Nullable Duration timeout) {
    CellId cellId = cell.id;
    WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
    long start = System.nanoTime();
    try {
      return tests.run(
          new TestRunner.Request(
              cellId, worktree.path().toAbsolutePath(), cell.stateDirectory, command, timeout));
    } catch (TestCommandNotRunnableException e) {
      metrics.stepFinished(step, Duration.ofNanos(System.nanoTime() - start), false);
      throw new CellStepException(
          cellId,
          step,
          CellStepException.TEST_COMMAND_NOT_RUNNABLE,
          false,
          "the test command of cell " + cellId + " could not run" + where + ": " + e.getMessage(),
          e);
    } catch (IOException e) {
      metrics.stepFinished(step, Duration.ofNanos(System.nanoTime() - start), false);
      throw new CellStepException(
          cellId,
          step,
          "TestsFailedToStart",
          false,
          "the test command of cell "
              + cellId
              + " could not be started"
              + where
              + ": "
              + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      metrics.stepFinished(step, Duration.ofNanos(System.nanoTime() - start), false);
      throw new CellStepException(
          cellId,
          step,
          "Cancelled",
          false,
          "the tests of cell " + cellId + where + " were cancelled",
          e);
    } catch (RuntimeException e) {
      metrics.stepFinished(step, Duration.ofNanos(System.nanoTime() - start), false);
      throw classify(cellId, step, e);
    }
  }

  /**
   * The failure for a run that is no verdict on the change, or null for a green or red run. Why: a
   * red verdict reverts the agent's work, and correct work must not be thrown away because the
   * tests could not run or were cut short; the user has to fix the environment (or the limit), not
   * the change.
   */
  private static @Nullable CellStepException noVerdict(
      CellId cellId, CellStep step, String where, TestRunner.Result result) {
    String type;
    String message;
    if (result.timedOut()) {
      type = CellStepException.TESTS_TIMED_OUT;
      message =
          "the tests of cell "
              + cellId
              + where
              + " ran past their time limit and were killed by the library "
              + "(raise the test timeout if they need longer): "
              + result.report();
    } else if (result.stopped()) {
      type = CellStepException.TEST_RUN_KILLED;
      message =
          "the tests of cell "
              + cellId
              + where
              + " were stopped by the library before they ended: "
              + result.report();
    } else if (result.commandNotRunnable()) {
      type = CellStepException.TEST_COMMAND_NOT_RUNNABLE;
      message =
          "the test command of cell "
              + cellId
              + " could not run"
              + where
              + ": it exited with "
              + result.exitCode()
              + ", a shell's code for a program that "
              + (result.exitCode() == TestRunner.Result.EXIT_NOT_FOUND
                  ? "was not found"
                  : "could not be executed")
              + "; output:\n"
              + result.outputTail();
    } else {
      return null;
    }
    return new CellStepException(
        cellId,
        step,
        type,
        false,
        message,
        new IllegalStateException(type + " (exit code " + result.exitCode() + ")"));
  }

  /**
   * Commits the worktree on the cell branch.
   *
   * @param cellId the cell, live on this host
   * @param message the commit message, passed to git as an argument
   * @return the commit made, or none when there was nothing to commit
   * @throws CellStepException if the cell is not live here or git refused the commit
   */
  public Commit commit(CellId cellId, String message) {
    Objects.requireNonNull(message, "message cannot be null");
    LiveCell cell = requireLive(cellId, CellStep.COMMIT);
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.COMMIT)) {
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      Measured<Optional<String>> measured =
          measure(cellId, CellStep.COMMIT, () -> changes.commit(worktree, message, author));
      Optional<String> sha = Objects.requireNonNull(measured.value());
      sha.ifPresent(commit -> cell.record().committed(worktree, commit));
      log.info(
          "cell {} {} on {} in {} ms",
          cellId,
          sha.map(s -> "committed " + abbreviate(s)).orElse("had nothing to commit"),
          worktree.branch(),
          measured.duration().toMillis());
      return new Commit(sha.orElse(null), measured.duration());
    }
  }

  /**
   * Restores the cell's worktree to the base commit exactly. The change is kept first, as a commit
   * on top of the base under the ref the cell's record names (see {@link Teardown#rejectedRef()}).
   *
   * @param cellId the cell, live on this host
   * @return how long it took
   * @throws CellStepException if the cell is not live here or the worktree could not be restored
   */
  public Duration revert(CellId cellId) {
    LiveCell cell = requireLive(cellId, CellStep.REVERT);
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.REVERT)) {
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      Duration took =
          measure(
                  cellId,
                  CellStep.REVERT,
                  () -> {
                    cell.record().keepRejected(worktree).ifPresent(ref -> cell.rejectedRef = ref);
                    changes.revert(worktree);
                    return null;
                  })
              .duration();
      log.info(
          "cell {} reverted to {} in {} ms",
          cellId,
          abbreviate(worktree.baseCommit()),
          took.toMillis());
      return took;
    }
  }

  /**
   * Moves the cell's committed change onto {@code targetBranch}: rebases it onto the target's head
   * in the cell's worktree, runs the tests again (with the task's command and limit) when the head
   * is not where the cell's tests ran, and moves the target with a compare-and-swap, repeating when
   * another cell moved it meanwhile. A conflict or red tests are results, after which the cell's
   * branch holds its commit on its base again.
   *
   * @param cellId the cell, live on this host
   * @param targetBranch the branch to integrate into, without {@code refs/heads/}
   * @param testCommand the test command instead of the runner's, or null
   * @param testTimeout the limit instead of the runner's, or null
   * @return how the integration ended: integrated (with the commit on the target), conflict or red
   *     tests
   * @throws CellStepException if the cell is not live here, no {@link BranchIntegration} was
   *     configured ({@code IntegrationUnavailable}), the target does not exist ({@code UnknownRef})
   *     or is checked out somewhere ({@code WorktreeConflict}), git failed or the target kept
   *     moving ({@code WorktreeFailed}, retryable), or the tests could not run again
   */
  public BranchIntegration.Result integrate(
      CellId cellId,
      String targetBranch,
      @Nullable List<String> testCommand,
      @Nullable Duration testTimeout) {
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    LiveCell cell = requireLive(cellId, CellStep.INTEGRATE);
    BranchIntegration integrator = integration;
    if (integrator == null) {
      throw new CellStepException(
          cellId,
          CellStep.INTEGRATE,
          "IntegrationUnavailable",
          false,
          "cell "
              + cellId
              + " cannot be integrated: the steps on host "
              + host
              + " have no BranchIntegration",
          new IllegalStateException("no BranchIntegration configured"));
    }
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.INTEGRATE)) {
      WorktreeLease worktree = Objects.requireNonNull(cell.worktree);
      Measured<BranchIntegration.Result> measured =
          measure(
              cellId,
              CellStep.INTEGRATE,
              () ->
                  integrator.integrate(
                      worktree,
                      targetBranch,
                      author,
                      () -> test(cellId, testCommand, testTimeout)));
      BranchIntegration.Result result =
          Objects.requireNonNull(measured.value()).withDuration(measured.duration());
      log.info(
          "cell {} integration into {}: {} (onto {}, {} round(s), {} retest(s)) in {} ms",
          cellId,
          targetBranch,
          switch (result.status()) {
            case INTEGRATED ->
                "INTEGRATED as " + abbreviate(Objects.requireNonNull(result.commit()));
            case CONFLICT -> "CONFLICT in " + result.conflictingFiles();
            case REVERTED -> "REVERTED, tests red on top of the target";
          },
          abbreviate(result.onto()),
          result.rounds(),
          result.retests(),
          result.duration().toMillis());
      return result;
    }
  }

  /**
   * Takes the cell down: aborts a running turn, stops the agent, returns the worktree, releases the
   * port, keeps the cell's record (its logs) and deletes the cell's state directory, in that order,
   * each even if an earlier one failed. Idempotent; never throws. The result names the folder and
   * the ref that keep what the cell did.
   *
   * <p>Callers may race (the workflow's teardown activity, the worker's sweep of cells whose
   * workflow closed, the worker's stop): one of them tears the cell down and reports {@link
   * Teardown#wasLive()}; the others wait until it is done, so that none returns while the cell
   * still holds its parts, and report it as not live. A wait is bounded by {@link
   * #CONCURRENT_TEARDOWN_GRACE}: past it (a stop that hangs), the waiting caller releases the parts
   * the first one has not reached, so a hanging step never holds the others.
   *
   * @param cellId the cell; not null
   * @return whether this call tore the cell down, what could not be cleaned up, and what was kept
   */
  public Teardown teardown(CellId cellId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    long start = System.nanoTime();
    LiveCell cell = live.get(cellId);
    if (cell == null) {
      return new Teardown(List.of(), Duration.ofNanos(System.nanoTime() - start), false);
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = cell.tornDown.compareAndExchange(null, mine);
    if (running != null) {
      // Without the wait, both callers would unwind the same stack at once: the worktree could be
      // returned to the
      // pool while the other caller is still stopping the agent that works in it. Without a bound,
      // a stop that hangs
      // would hold the worktree and the port for good; after the grace the rest is released (each
      // compensation
      // still runs once), and the stop, when it ends, releases nothing twice.
      try {
        running.get(
            CONCURRENT_TEARDOWN_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return new Teardown(List.of(), Duration.ofNanos(System.nanoTime() - start), false);
      } catch (java.util.concurrent.TimeoutException e) {
        log.warn(
            "cell {}: another teardown has been at work for more than {} ms (a stop that hangs?); releasing "
                + "what it has not reached yet",
            cellId,
            CONCURRENT_TEARDOWN_GRACE.toMillis());
        return tearDown(cell, start);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return tearDown(cell, start);
      } catch (java.util.concurrent.ExecutionException e) {
        return tearDown(cell, start);
      }
    }
    try {
      return tearDown(cell, start);
    } finally {
      mine.complete(null);
    }
  }

  private Teardown tearDown(LiveCell cell, long start) {
    CellId cellId = cell.id;
    try (MdcScope ignored = MdcScope.cell(cell, CellStep.TEARDOWN)) {
      AgentSession session = cell.agent;
      if (session != null) {
        session.abort();
      }
      List<String> errors =
          cell.compensations.unwind().stream().map(CompensationStack.Failure::describe).toList();
      live.remove(cellId, cell);
      metrics.liveCellsChanged(live.size());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      metrics.stepFinished(CellStep.TEARDOWN, took, errors.isEmpty());
      if (errors.isEmpty()) {
        log.info("cell {} torn down in {} ms", cellId, took.toMillis());
      } else {
        errors.forEach(
            error -> log.error("cell {} teardown could not clean up: {}", cellId, error));
      }
      return new Teardown(errors, took, true, cell.historyPath, cell.rejectedRef);
    }
  }

  private LiveCell requireLive(CellId cellId, CellStep step) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    LiveCell cell = live.get(cellId);
    if (cell == null) {
      throw new CellStepException(
          cellId,
          step,
          "CellNotLive",
          false,
          "cell "
              + cellId
              + " is not live on host "
              + host
              + " (it was torn down, or this worker restarted)",
          new IllegalStateException("cell " + cellId + " is not live"));
    }
    return cell;
  }

  /**
   * Runs the worktree's set-up (part of the WORKTREE step: a worktree that is not set up is not
   * ready for a cell). Its failure is no verdict on any change, so it is typed and never retried:
   * the same set-up would fail again.
   */
  private void prepare(LiveCell cell, WorktreeLease worktree) {
    createStateDirectory(cell, CellStep.WORKTREE);
    WorktreeSetup.Result result;
    try {
      result = setup.prepare(new WorktreeSetup.Request(cell.id, worktree, cell.stateDirectory));
    } catch (WorktreeSetupException e) {
      throw new CellStepException(
          cell.id,
          CellStep.WORKTREE,
          CellStepException.SETUP_FAILED,
          false,
          "the set-up of the worktree of cell " + cell.id + " failed: " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CellStepException(
          cell.id,
          CellStep.WORKTREE,
          "Cancelled",
          false,
          "the set-up of the worktree of cell " + cell.id + " was cancelled",
          e);
    }
    if (result.ran()) {
      log.info(
          "cell {} worktree {} set up ({}) in {} ms",
          cell.id,
          worktree.path(),
          result.reason(),
          result.duration().toMillis());
    } else {
      log.debug(
          "cell {} worktree {} set-up skipped: {}", cell.id, worktree.path(), result.reason());
    }
  }

  private static void createStateDirectory(LiveCell cell, CellStep step) {
    try {
      Files.createDirectories(cell.stateDirectory);
    } catch (IOException e) {
      throw new CellStepException(
          cell.id,
          step,
          "StateDirectoryFailed",
          false,
          "cannot create the state directory of cell " + cell.id + ": " + cell.stateDirectory,
          e);
    }
  }

  /**
   * A step body; may throw any runtime exception, which is classified into a {@link
   * CellStepException}.
   */
  @FunctionalInterface
  private interface StepBody<T> {
    @Nullable T run();
  }

  /** Runs a bootstrap step and adds its timing to {@code timings}, also when it fails. */
  private void timed(
      CellId cellId, CellStep step, List<CellStep.Timing> timings, StepBody<?> body) {
    long start = System.nanoTime();
    try {
      timings.add(new CellStep.Timing(step, measure(cellId, step, body).duration()));
    } catch (RuntimeException e) {
      timings.add(new CellStep.Timing(step, Duration.ofNanos(System.nanoTime() - start)));
      throw e;
    }
  }

  /** A step's value and how long the step took. */
  private record Measured<T>(@Nullable T value, Duration duration) {}

  /**
   * Runs a step body, records its duration and success in the metrics, and classifies its failure.
   */
  private <T> Measured<T> measure(CellId cellId, CellStep step, StepBody<T> body) {
    long start = System.nanoTime();
    MDC.put(MDC_STEP, step.name());
    try {
      @Nullable T value = run(cellId, step, body);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      metrics.stepFinished(step, took, true);
      return new Measured<>(value, took);
    } catch (RuntimeException e) {
      metrics.stepFinished(step, Duration.ofNanos(System.nanoTime() - start), false);
      throw e;
    }
  }

  private <T> @Nullable T run(CellId cellId, CellStep step, StepBody<T> body) {
    try {
      return body.run();
    } catch (CellStepException e) {
      throw e;
    } catch (RuntimeException e) {
      throw classify(cellId, step, e);
    }
  }

  /** Maps a failure of {@code step} to its stable failure type. */
  static CellStepException classify(CellId cellId, CellStep step, RuntimeException e) {
    if (e instanceof CellStepException stepException) {
      return stepException;
    }
    String type;
    boolean retryable;
    if (e instanceof PortExhaustedException) {
      type = "PortExhausted";
      retryable = true;
    } else if (e instanceof WorktreeException worktree) {
      type =
          switch (worktree.reason()) {
            case BRANCH_CONFLICT -> "WorktreeConflict";
            case UNKNOWN_REF -> "UnknownRef";
            case POOL_EXHAUSTED -> "WorktreePoolExhausted";
            case COMMIT_REJECTED -> "CommitRejected";
            case UNSAFE_CHANGE -> "UnsafeChange";
            case COMMIT_TOO_LARGE -> "CommitTooLarge";
            // A warm checkout restores a pooled worktree too: only the revert step's restore is a
            // failed revert.
            case RESTORE_FAILED -> step == CellStep.REVERT ? "RevertFailed" : "WorktreeFailed";
            case NOT_A_REPOSITORY, INVALID_ROOT -> "InvalidRepository";
            default -> "WorktreeFailed";
          };
      retryable =
          switch (worktree.reason()) {
            case POOL_EXHAUSTED, TIMED_OUT, IO_FAILED, GIT_FAILED -> true;
            default -> false;
          };
    } else if (e instanceof AgentException agentException) {
      type =
          switch (agentException.reason()) {
            case START_FAILED -> "AgentStartFailed";
            case NOT_READY -> "AgentNotReady";
            case TURN_FAILED -> "AgentTurnFailed";
            case TURN_TIMED_OUT -> "AgentTimedOut";
            case ABORTED -> "Cancelled";
            case CRASHED -> "AgentCrashed";
          };
      retryable = agentException.reason() != AgentException.Reason.ABORTED;
    } else {
      type = CellStepException.unclassifiedType(step);
      retryable = false;
    }
    return new CellStepException(
        cellId,
        step,
        type,
        retryable,
        step + " of cell " + cellId + " failed: " + e.getMessage(),
        e);
  }

  private static void close(@Nullable AutoCloseable resource) throws Exception {
    if (resource != null) {
      resource.close();
    }
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
  }

  private static long totalMillis(List<CellStep.Timing> timings) {
    return timings.stream()
        .map(CellStep.Timing::duration)
        .reduce(Duration.ZERO, Duration::plus)
        .toMillis();
  }

  private static <T> T require(@Nullable T value, String name) {
    if (value == null) {
      throw new IllegalStateException(name + " must be set before build()");
    }
    return value;
  }

  /** A cell that is up on this host: what it holds and how to give it back. */
  private static final class LiveCell {
    final CellId id;
    final @Nullable String taskId;
    final Path stateDirectory;
    final CompensationStack compensations = new CompensationStack();
    volatile @Nullable PortLease port;
    volatile @Nullable WorktreeLease worktree;
    volatile @Nullable AgentSession agent;
    volatile @Nullable Bootstrap bootstrap;
    volatile @Nullable CellRecord record;

    /** The ref that keeps the change the revert step threw away. */
    volatile @Nullable String rejectedRef;

    /** Where the record was kept, once teardown closed it. */
    volatile @Nullable String historyPath;

    /** Set by the one teardown that takes the cell down; completed when it is done. */
    final AtomicReference<@Nullable CompletableFuture<Void>> tornDown = new AtomicReference<>();

    LiveCell(CellId id, @Nullable String taskId, Path stateDirectory) {
      this.id = id;
      this.taskId = taskId;
      this.stateDirectory = stateDirectory;
    }

    CellRecord record() {
      CellRecord current = record;
      return current == null ? CellRecord.NONE : current;
    }
  }

  /**
   * Puts the cell's id, its task's id and the step into the logging context for the duration of a
   * step, and puts back what was there before (a driver may have set keys of its own).
   */
  private static final class MdcScope implements AutoCloseable {
    private static final String[] KEYS = {MDC_CELL_ID, MDC_TASK_ID, MDC_STEP};
    private final @Nullable String[] previous = new String[KEYS.length];

    private MdcScope() {
      for (int i = 0; i < KEYS.length; i++) {
        previous[i] = MDC.get(KEYS[i]);
      }
    }

    static MdcScope cell(LiveCell cell, CellStep step) {
      MdcScope scope = new MdcScope();
      MDC.put(MDC_CELL_ID, cell.id.value());
      if (cell.taskId == null) {
        MDC.remove(MDC_TASK_ID);
      } else {
        MDC.put(MDC_TASK_ID, cell.taskId);
      }
      MDC.put(MDC_STEP, step.name());
      return scope;
    }

    @Override
    public void close() {
      for (int i = 0; i < KEYS.length; i++) {
        String value = previous[i];
        if (value == null) {
          MDC.remove(KEYS[i]);
        } else {
          MDC.put(KEYS[i], value);
        }
      }
    }
  }

  /** Configures {@link CellSteps}. Not thread-safe. */
  public static final class Builder {
    private @Nullable PortManager ports;
    private @Nullable WorktreeProvider worktrees;
    private WorktreeSetup setup = WorktreeSetup.none();
    private @Nullable WorktreeChanges changes;
    private @Nullable AgentRuntime agent;
    private @Nullable TestRunner tests;
    private @Nullable BranchIntegration integration;
    private CellHistory history = CellHistory.none();
    private @Nullable Path cellsDirectory;
    private CommitAuthor author = CommitAuthor.of("Open Swarm", "swarm@openswarm.invalid");
    private Duration portWait = Duration.ZERO;
    private Duration readyTimeout = Duration.ofSeconds(30);
    private Duration executeTimeout = Duration.ofMinutes(10);
    private SwarmMetrics metrics = SwarmMetrics.noop();
    private String host = "local";
    private boolean verifyBase;

    private Builder() {}

    /**
     * Where cells lease ports. Required.
     *
     * @param portManager the port manager; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder ports(PortManager portManager) {
      this.ports = Objects.requireNonNull(portManager, "ports cannot be null");
      return this;
    }

    /**
     * Where cells lease worktrees. Required.
     *
     * @param provider the worktree provider; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder worktrees(WorktreeProvider provider) {
      this.worktrees = Objects.requireNonNull(provider, "worktrees cannot be null");
      return this;
    }

    /**
     * How a leased worktree is prepared before the agent starts (dependencies installed, files
     * copied), as part of the WORKTREE step; {@link WorktreeSetup#none()} by default.
     *
     * @param worktreeSetup the set-up; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder setup(WorktreeSetup worktreeSetup) {
      this.setup = Objects.requireNonNull(worktreeSetup, "setup cannot be null");
      return this;
    }

    /**
     * How changes are listed, committed and reverted. Required.
     *
     * @param worktreeChanges how changes are handled; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder changes(WorktreeChanges worktreeChanges) {
      this.changes = Objects.requireNonNull(worktreeChanges, "changes cannot be null");
      return this;
    }

    /**
     * The agent every cell runs. Required.
     *
     * @param runtime the agent runtime; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder agent(AgentRuntime runtime) {
      this.agent = Objects.requireNonNull(runtime, "agent cannot be null");
      return this;
    }

    /**
     * How tests are run. Required.
     *
     * @param runner the test runner; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder tests(TestRunner runner) {
      this.tests = Objects.requireNonNull(runner, "tests cannot be null");
      return this;
    }

    /**
     * How committed changes are moved onto a shared branch by {@link CellSteps#integrate}.
     * Optional.
     *
     * @param branchIntegration how changes are integrated; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder integration(BranchIntegration branchIntegration) {
      this.integration = Objects.requireNonNull(branchIntegration, "integration cannot be null");
      return this;
    }

    /**
     * What is kept of each cell after it is gone (logs, reports of red tests, reverted changes);
     * {@link CellHistory#none()} by default.
     *
     * @param cellHistory the history; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder history(CellHistory cellHistory) {
      this.history = Objects.requireNonNull(cellHistory, "history cannot be null");
      return this;
    }

    /**
     * The directory under which each cell gets its private state directory ({@code <dir>/<cellId>}:
     * agent home, caches, temporary files, logs). Must not be inside the repository's worktrees.
     * Required.
     *
     * @param directory the parent of the cells' state directories; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder cellsDirectory(Path directory) {
      this.cellsDirectory = Objects.requireNonNull(directory, "cellsDirectory cannot be null");
      return this;
    }

    /**
     * Who commits are by; {@code Open Swarm <swarm@openswarm.invalid>} by default.
     *
     * @param commitAuthor the author and committer of cell commits; not null
     * @return this builder
     * @throws NullPointerException if the argument is null
     */
    public Builder author(CommitAuthor commitAuthor) {
      this.author = Objects.requireNonNull(commitAuthor, "author cannot be null");
      return this;
    }

    /**
     * How long bootstrap waits for a free port; zero (the default) fails at once when none is free.
     *
     * @param wait how long to wait; not null, zero or positive
     * @return this builder
     * @throws NullPointerException if {@code wait} is null
     * @throws IllegalArgumentException if {@code wait} is negative
     */
    public Builder portWait(Duration wait) {
      this.portWait = nonNegative("portWait", wait);
      return this;
    }

    /**
     * How long an agent may take to become ready; 30 s by default.
     *
     * @param timeout the limit; not null, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = positive("readyTimeout", timeout);
      return this;
    }

    /**
     * The default limit on an agent's turn; 10 min by default.
     *
     * @param timeout the limit; not null, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder executeTimeout(Duration timeout) {
      this.executeTimeout = positive("executeTimeout", timeout);
      return this;
    }

    /**
     * Where step timings and cell counts go; {@link SwarmMetrics#noop()} by default.
     *
     * @param swarmMetrics the metrics; not null
     * @return this builder
     * @throws NullPointerException if {@code swarmMetrics} is null
     */
    public Builder metrics(SwarmMetrics swarmMetrics) {
      this.metrics = Objects.requireNonNull(swarmMetrics, "metrics cannot be null");
      return this;
    }

    /**
     * The name of this host in outcomes and logs; {@code local} by default.
     *
     * @param hostId the host's name; not blank
     * @return this builder
     * @throws NullPointerException if {@code hostId} is null
     * @throws IllegalArgumentException if {@code hostId} is blank
     */
    public Builder host(String hostId) {
      Objects.requireNonNull(hostId, "host cannot be null");
      if (hostId.isBlank()) {
        throw new IllegalArgumentException("host must not be blank");
      }
      this.host = hostId;
      return this;
    }

    /**
     * Whether a cell checks its base ({@link CellSteps#verifyBase}) when its task names no choice
     * of its own (see {@link io.openswarm.core.TaskSpec#verifyBase()}); false by default.
     *
     * @param verify true to check the base by default
     * @return this builder
     */
    public Builder verifyBase(boolean verify) {
      this.verifyBase = verify;
      return this;
    }

    /**
     * Builds the steps.
     *
     * @return the steps, ready for cells
     * @throws IllegalStateException if a required collaborator is missing
     */
    public CellSteps build() {
      return new CellSteps(this);
    }

    private static Duration nonNegative(String name, Duration value) {
      Objects.requireNonNull(value, name + " cannot be null");
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative but was " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name + " cannot be null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }

  /**
   * A cell that is up: its port, its worktree on the cell branch, and an agent that answered its
   * health check.
   *
   * @param cellId the cell
   * @param host the worker host it lives on; every later step of the cell must run there
   * @param port the agent server's port on 127.0.0.1
   * @param worktree the absolute path of the cell's worktree
   * @param branch the cell branch checked out in the worktree
   * @param baseCommit the SHA the branch started from
   * @param timings how long each bootstrap step took
   */
  public record Bootstrap(
      CellId cellId,
      String host,
      int port,
      String worktree,
      String branch,
      String baseCommit,
      List<CellStep.Timing> timings) {

    /**
     * Checks the components.
     *
     * @param cellId the cell; not null
     * @param host the worker host it lives on; not null
     * @param port the agent server's port on 127.0.0.1
     * @param worktree the absolute path of the cell's worktree; not null
     * @param branch the cell branch; not null
     * @param baseCommit the SHA the branch started from; not null
     * @param timings how long each bootstrap step took; not null (copied)
     * @throws NullPointerException if a component other than {@code port} is null
     */
    public Bootstrap {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(host, "host cannot be null");
      Objects.requireNonNull(worktree, "worktree cannot be null");
      Objects.requireNonNull(branch, "branch cannot be null");
      Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
      timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
    }
  }

  /**
   * What the agent's turn produced. Bounded so that it always fits in one Temporal message (see
   * {@link ResultLimits}): the summary is cut to {@link ResultLimits#MAX_TEXT_CHARS} characters and
   * the changed files are listed up to {@link ResultLimits#MAX_LISTED_FILES}, beside their total
   * count.
   *
   * @param summary the agent's own final message, cut to {@link ResultLimits#MAX_TEXT_CHARS}
   *     characters
   * @param changedFiles the first of the paths that now differ from the base commit, as git reports
   *     them (not as the agent claims); all of them when there are at most {@link
   *     ResultLimits#MAX_LISTED_FILES}
   * @param changedFileCount how many paths differ in all; never less than the size of {@code
   *     changedFiles} (a payload written before this component existed reads as the size of the
   *     list)
   * @param duration how long the turn took
   */
  public record Execution(
      String summary, List<String> changedFiles, int changedFileCount, Duration duration) {

    /**
     * Bounds the summary and the list; the count is at least the size of the list given.
     *
     * @param summary the agent's final message; not null, cut to {@link
     *     ResultLimits#MAX_TEXT_CHARS} characters
     * @param changedFiles the paths that differ from the base commit; not null, only the first
     *     {@link ResultLimits#MAX_LISTED_FILES} kept
     * @param changedFileCount how many paths differ in all; raised to the size of {@code
     *     changedFiles} when smaller
     * @param duration how long the turn took; not null
     * @throws NullPointerException if a component is null
     */
    public Execution {
      summary = ResultLimits.truncate(Objects.requireNonNull(summary, "summary cannot be null"));
      Objects.requireNonNull(changedFiles, "changedFiles cannot be null");
      changedFileCount = Math.max(changedFileCount, changedFiles.size());
      changedFiles = ResultLimits.firstFiles(changedFiles);
      Objects.requireNonNull(duration, "duration cannot be null");
    }

    /**
     * A result listing all of {@code changedFiles} (their first ones, when there are more than the
     * bound).
     *
     * @param summary the agent's final message; not null, cut to {@link
     *     ResultLimits#MAX_TEXT_CHARS} characters
     * @param changedFiles the paths that differ from the base commit; not null, only the first
     *     {@link ResultLimits#MAX_LISTED_FILES} kept
     * @param duration how long the turn took; not null
     * @throws NullPointerException if an argument is null
     */
    public Execution(String summary, List<String> changedFiles, Duration duration) {
      this(
          summary,
          changedFiles,
          Objects.requireNonNull(changedFiles, "changedFiles cannot be null").size(),
          duration);
    }

    /**
     * Whether {@link #changedFiles()} lists fewer paths than changed.
     *
     * @return true when the list holds only the first of the changed paths
     */
    public boolean changedFilesTruncated() {
      return changedFiles.size() < changedFileCount;
    }
  }

  /**
   * A base check that found the base green: the test command passed on the base commit before the
   * agent was prompted. (A red base is no result but the failure {@value
   * CellStepException#BASE_IS_RED}.)
   *
   * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry
   * it.
   *
   * @param baseCommit the base commit that was checked, a full SHA
   * @param reused whether the verdict was one the worker already had (or another cell reached
   *     meanwhile) for the same base commit, command and limit, so that this cell ran no tests
   * @param duration how long the step took in this cell: the run, or the wait for another cell's
   *     run
   */
  public record BaseCheck(String baseCommit, boolean reused, Duration duration) {

    /**
     * Checks the components.
     *
     * @param baseCommit the base commit that was checked; not null
     * @param reused whether the verdict was reused rather than run by this cell
     * @param duration how long the step took in this cell; not null, not negative
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public BaseCheck {
      Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
      Objects.requireNonNull(duration, "duration cannot be null");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was " + duration);
      }
    }
  }

  /**
   * The result of the commit step.
   *
   * <p>Commit ids are named {@code commit} (or {@code <what>Commit}) throughout the API and are
   * full SHAs; that name is also the field Temporal's converter writes into workflow histories,
   * which must keep reading.
   *
   * @param commit the SHA of the commit on the cell branch, or null when there was nothing to
   *     commit
   * @param duration how long the step took
   */
  public record Commit(@Nullable String commit, Duration duration) {

    /**
     * Checks the duration.
     *
     * @param commit the SHA of the commit, or null when there was nothing to commit
     * @param duration how long the step took; not null
     * @throws NullPointerException if {@code duration} is null
     */
    public Commit {
      Objects.requireNonNull(duration, "duration cannot be null");
    }
  }

  /**
   * The result of teardown.
   *
   * @param errors one line per compensation that failed (what could not be stopped, returned or
   *     released); empty when the cell left nothing behind
   * @param duration how long teardown took
   * @param wasLive false when the cell was not live on this host (never bootstrapped here, or
   *     already torn down)
   * @param historyPath the folder that keeps the cell's logs and reports, when they were kept
   * @param rejectedRef the ref that keeps the cell's reverted change, when one was kept
   */
  public record Teardown(
      List<String> errors,
      Duration duration,
      boolean wasLive,
      @Nullable String historyPath,
      @Nullable String rejectedRef) {

    /**
     * Checks the components.
     *
     * @param errors one line per failed compensation; not null (copied), empty when teardown was
     *     clean
     * @param duration how long teardown took; not null
     * @param wasLive false when the cell was not live on this host
     * @param historyPath the folder that keeps the cell's logs and reports, or null
     * @param rejectedRef the ref that keeps the reverted change, or null
     * @throws NullPointerException if {@code errors} or {@code duration} is null
     */
    public Teardown {
      errors = List.copyOf(Objects.requireNonNull(errors, "errors cannot be null"));
      Objects.requireNonNull(duration, "duration cannot be null");
    }

    /**
     * A result with nothing kept after the cell.
     *
     * @param errors one line per failed compensation; not null, empty when teardown was clean
     * @param duration how long teardown took; not null
     * @param wasLive false when the cell was not live on this host
     * @throws NullPointerException if {@code errors} or {@code duration} is null
     */
    public Teardown(List<String> errors, Duration duration, boolean wasLive) {
      this(errors, duration, wasLive, null, null);
    }
  }
}
