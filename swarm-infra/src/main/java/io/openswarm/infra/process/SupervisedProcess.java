package io.openswarm.infra.process;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.internal.CgroupLimiter;
import io.openswarm.infra.process.internal.OutputCollector;
import io.openswarm.infra.process.internal.ProcessTreeTerminator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started by a {@link ProcessSupervisor}, with its whole tree.
 *
 * <p>Design. The process is the leader of its own session and process group. Two tasks on the
 * supervisor's thread pool serve it for its whole life: a drain that copies its output to the log
 * file and the in-memory tail, and a watcher that waits for the started process to exit (the JDK
 * reaps it). When it exits, whether by itself, on {@link #stop} or on timeout, the watcher stops
 * whatever is left of its tree (TERM, grace period, KILL, verification), waits briefly for the
 * output to drain, and only then completes {@link #onExit()} and tells the {@link ProcessListener}.
 * The tree is stopped at most once: a stop, a timeout and the natural exit all join the same
 * termination.
 *
 * <p>The watcher blocks in {@link Process#waitFor()} rather than chaining on {@link
 * Process#onExit()}: that future costs a second JDK waiter thread per process and completes on a
 * new thread whenever the common pool has a single worker (any machine with two cores), before the
 * work could even be handed to the supervisor. Pooled threads for drain and watcher also spare two
 * thread creations per process; short commands (a test run) feel both. The watcher enforces the
 * timeout too, by waiting for the exit until the deadline: no timer task to arm and cancel.
 *
 * <p>Thread-safe.
 */
public final class SupervisedProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SupervisedProcess.class);

  /**
   * How long to wait for the output to drain once the tree is gone; a process outside it may hold
   * the pipe.
   */
  private static final long DRAIN_WAIT_MILLIS = 2_000;

  private final ProcessSupervisor supervisor;
  private final ProcessSpec spec;
  private final Process process;
  private final ProcessIdentity identity;
  private final OutputCollector output;
  private final boolean rootIsLauncher;
  private final long startNanos;
  private final CgroupLimiter.@Nullable Group cgroup;

  /** The worker's side of the sandbox (its network relays), closed once the tree is gone. */
  private final CellSandbox.Bridge bridge;

  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  private final AtomicReference<@Nullable CompletableFuture<ProcessTreeTerminator.Report>>
      termination = new AtomicReference<>();
  private final CompletableFuture<ProcessResult> result = new CompletableFuture<>();
  private volatile boolean timedOut;
  private volatile boolean stopRequested;
  private volatile long exitNanos;

  SupervisedProcess(
      ProcessSupervisor supervisor,
      ProcessSpec spec,
      Process process,
      ProcessIdentity identity,
      OutputCollector output,
      boolean rootIsLauncher,
      long startNanos,
      CgroupLimiter.@Nullable Group cgroup,
      CellSandbox.Bridge bridge) {
    this.supervisor = supervisor;
    this.spec = spec;
    this.process = process;
    this.identity = identity;
    this.output = output;
    this.rootIsLauncher = rootIsLauncher;
    this.startNanos = startNanos;
    this.cgroup = cgroup;
    this.bridge = bridge;
  }

  /** Starts draining, arms the timeout and watches for the exit. Called once by the supervisor. */
  void begin() {
    supervisor.execute(this::drain, "swarm-output-" + process.pid());
    supervisor.execute(this::watch, "swarm-exit-" + process.pid());
  }

  private void drain() {
    try {
      output.drain(process.getInputStream());
    } finally {
      drained.complete(null);
    }
  }

  /**
   * Waits for the started process to exit, stopping its tree if it runs past its timeout (counted
   * from the start), then finishes on the same thread. The timeout needs no timer: this thread
   * waits for the exit anyway.
   */
  private void watch() {
    boolean interrupted = false;
    long deadline = spec.timeout().map(timeout -> startNanos + timeout.toNanos()).orElse(0L);
    boolean timeoutPending = spec.timeout().isPresent();
    while (true) {
      try {
        if (!timeoutPending) {
          process.waitFor();
          break;
        }
        if (process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          break;
        }
        timeoutPending = false;
        onTimeout();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    exitNanos = System.nanoTime();
    try {
      finish();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The identity of the started process (the sandbox launcher when sandboxed): what the reaper
   * needs.
   *
   * @return the identity
   */
  public ProcessIdentity identity() {
    return identity;
  }

  /**
   * The PID of the started process.
   *
   * @return the PID
   */
  public long pid() {
    return process.pid();
  }

  /**
   * What this process is, from its spec.
   *
   * @return the description
   */
  public String description() {
    return spec.description();
  }

  /**
   * The spec it was started with.
   *
   * @return the spec
   */
  public ProcessSpec spec() {
    return spec;
  }

  /**
   * The log file of its output.
   *
   * @return the log file
   */
  public Path logFile() {
    return output.logFile();
  }

  /**
   * Whether the started process is still running (its tree may still be stopping).
   *
   * @return true while the started process runs
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The end of the output so far, decoded as UTF-8 with invalid bytes replaced.
   *
   * @return the end of the output; may be empty
   */
  public String outputTail() {
    return output.tail();
  }

  /**
   * Bytes of output so far.
   *
   * @return the number of bytes written so far
   */
  public long outputBytes() {
    return output.totalBytes();
  }

  /**
   * Completes when the started process has exited, its tree is stopped and verified gone, and its
   * output is drained. Never completes exceptionally. Completing the returned future has no effect
   * on this process.
   *
   * @return a future of the result; a copy, so completing it changes nothing
   */
  public CompletableFuture<ProcessResult> onExit() {
    return result.copy();
  }

  /**
   * Waits until {@link #onExit()} completes.
   *
   * @return the result
   * @throws InterruptedException if interrupted while waiting; the process keeps running
   */
  public ProcessResult waitFor() throws InterruptedException {
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("supervision of " + description() + " failed", e.getCause());
    }
  }

  /**
   * Waits at most {@code timeout} for {@link #onExit()} to complete.
   *
   * @param timeout how long to wait at most
   * @return the result, or empty if the process is still running after {@code timeout}
   * @throws InterruptedException if interrupted while waiting; the process keeps running
   */
  public Optional<ProcessResult> waitFor(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    try {
      return Optional.of(result.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException("supervision of " + description() + " failed", e.getCause());
    }
  }

  /**
   * Stops the tree with the spec's grace period; see {@link #stop(Duration)}.
   *
   * @return the result, once the tree is stopped
   */
  public ProcessResult stop() {
    return stop(spec.stopGrace());
  }

  /**
   * Stops the whole tree: TERM to every process of it, up to {@code grace} for them to exit, KILL
   * to whatever is left, then a check that nothing survived (survivors are logged at ERROR and
   * listed in the result). Returns when the result is complete. Safe to call any number of times
   * and after the process has exited. Stopping finishes even if the calling thread is interrupted;
   * the interrupt status is kept.
   *
   * @param grace how long to wait between TERM and KILL; not negative
   * @return the result, once the tree is stopped
   * @throws NullPointerException if {@code grace} is null
   * @throws IllegalArgumentException if {@code grace} is negative
   */
  public ProcessResult stop(Duration grace) {
    Objects.requireNonNull(grace, "grace cannot be null");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative but was " + grace);
    }
    if (!result.isDone()) {
      stopRequested = process.isAlive() || stopRequested;
      terminate(grace);
    }
    return awaitResult();
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  private void onTimeout() {
    if (process.isAlive() && termination.get() == null) {
      timedOut = true;
      log.warn(
          "{} (pid {}) ran past its timeout of {}; stopping its process tree",
          description(),
          pid(),
          spec.timeout().orElseThrow());
      try {
        terminate(spec.stopGrace());
      } catch (RuntimeException e) {
        // finish() joins the same termination and reports the failure; the exit is still awaited.
        log.debug("stopping {} (pid {}) on timeout failed", description(), pid(), e);
      }
    }
  }

  private ProcessTreeTerminator.Report terminate(Duration grace) {
    CompletableFuture<ProcessTreeTerminator.Report> mine = new CompletableFuture<>();
    if (!termination.compareAndSet(null, mine)) {
      return joinUninterruptibly(Objects.requireNonNull(termination.get()));
    }
    try {
      ProcessTreeTerminator.Report report =
          supervisor
              .terminator()
              .terminate(process.toHandle(), true, rootIsLauncher, grace, supervisor.killWait());
      mine.complete(report);
      return report;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * Runs once the started process has exited: clean up what is left of the tree, then publish the
   * result.
   */
  private void finish() {
    ProcessTreeTerminator.Report report;
    try {
      report = terminate(spec.stopGrace());
    } catch (RuntimeException e) {
      log.error(
          "could not stop what was left of the process tree of {} (pid {})",
          description(),
          pid(),
          e);
      report = new ProcessTreeTerminator.Report(0, false, java.util.List.of());
    }
    ProcessTreeTerminator.reportSurvivors(description() + " (pid " + pid() + ")", report);
    bridge.close();
    if (cgroup != null) {
      // What left the tree (a double-forked daemon) is still in the tree's cgroups: nothing
      // outlives the process.
      int stragglers = cgroup.killAll(supervisor.killWait().toMillis());
      if (stragglers > 0) {
        log.warn(
            "{} (pid {}) left {} process(es) outside its tree; killed them through its cgroup",
            description(),
            pid(),
            stragglers);
      }
    }
    awaitDrain();
    Duration duration = Duration.ofNanos(exitNanos - startNanos);
    ProcessResult processResult =
        new ProcessResult(
            process.exitValue(),
            timedOut,
            stopRequested && !timedOut,
            report.forced(),
            duration,
            output.totalBytes(),
            output.logTruncated(),
            output.tail(),
            output.tailTruncated(),
            output.logFile(),
            report.survivors());
    supervisor.finished(this);
    try {
      supervisor.listener().onStopped(identity);
    } catch (RuntimeException e) {
      log.warn("process listener failed for the stop of {} ({})", description(), identity, e);
    }
    log.info(
        "{} (pid {}) exited with code {} after {} ms{}{}; {} bytes of output",
        description(),
        pid(),
        processResult.exitCode(),
        duration.toMillis(),
        timedOut ? " (timed out)" : "",
        report.forced() ? " (needed SIGKILL)" : "",
        processResult.outputBytes());
    result.complete(processResult);
    if (cgroup != null) {
      // Emptied above; removing the folders may wait for the kernel to let go of the last member,
      // which no caller
      // needs to wait for.
      cgroup.remove(supervisor.killWait().toMillis());
    }
  }

  private void awaitDrain() {
    try {
      drained.get(DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Still draining: reported below.
    }
    if (!drained.isDone()) {
      log.warn(
          "output of {} (pid {}) is still held open by a process outside its tree after it was stopped; "
              + "the result holds the output read so far",
          description(),
          pid());
    }
  }

  private ProcessResult awaitResult() {
    return joinUninterruptibly(result);
  }

  private static <T> T joinUninterruptibly(CompletableFuture<T> future) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "SupervisedProcess{"
        + description()
        + ", "
        + identity
        + (isAlive() ? ", alive" : ", exited")
        + "}";
  }
}
