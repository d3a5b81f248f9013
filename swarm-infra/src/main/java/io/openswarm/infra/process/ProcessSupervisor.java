package io.openswarm.infra.process;

import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.internal.CgroupLimiter;
import io.openswarm.infra.process.internal.Executables;
import io.openswarm.infra.process.internal.GroupSignaller;
import io.openswarm.infra.process.internal.OutputCollector;
import io.openswarm.infra.process.internal.ProcessTable;
import io.openswarm.infra.process.internal.ProcessTreeTerminator;
import io.openswarm.infra.process.internal.Subreaper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, watches and stops the processes of cells (agent servers, test commands) so that none
 * outlives its cell.
 *
 * <p>Design. Every process is started from an argument list (never a shell) through {@code setsid},
 * so it leads a new session and process group: the whole group can be signalled even after
 * intermediate parents died, and the reaper can find it by its recorded {@link ProcessIdentity}
 * after a worker crash. The supervisor's {@link CellSandbox} wraps the command first; with
 * bubblewrap the started process is the sandbox launcher, which dies with this JVM. The environment
 * is exactly the spec's {@link ProcessEnvironment}, never the worker's own. Output goes to a capped
 * log file and a bounded in-memory tail. Stopping sends TERM to the whole tree, waits the grace
 * period, sends KILL, and verifies that nothing survived. Each started process is reaped by the
 * JDK; the supervisor waits for it and then cleans up whatever its tree left behind, even when it
 * exited by itself.
 *
 * <p>Every process is spawned from one launcher thread that lives as long as the supervisor. Linux
 * delivers a child's parent-death signal when the <em>thread</em> that created it ends, and
 * bubblewrap's {@code --die-with-parent} relies on that signal: a sandboxed agent started on a
 * pooled thread (a Temporal activity thread, say) was killed with SIGKILL as soon as the pool
 * retired that thread. Spawning from the launcher ties every process's life to the supervisor's
 * instead; {@link #close()} stops them before the thread ends.
 *
 * <pre>{@code
 * try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().sandbox(sandbox).listener(journal).build()) {
 *   SupervisedProcess tests = supervisor.start(ProcessSpec.newBuilder()
 *       .command("mvn", "-q", "test")
 *       .workingDirectory(worktree)
 *       .logFile(cellState.resolve("logs/tests.log"))
 *       .timeout(Duration.ofMinutes(10))
 *       .sandboxPolicy(SandboxPolicy.forCell(worktree, cellState))
 *       .build());
 *   ProcessResult result = tests.waitFor();
 * }
 * }</pre>
 *
 * <p>Requires Linux tools: {@code setsid} (util-linux) and {@code kill}; {@link Builder#build()}
 * fails without them. Thread-safe; one supervisor normally serves a whole worker.
 */
public final class ProcessSupervisor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProcessSupervisor.class);

  /** Default time to wait after KILL before declaring survivors: 5 seconds. */
  public static final Duration DEFAULT_KILL_WAIT = Duration.ofSeconds(5);

  private enum State {
    RUNNING,
    CLOSED
  }

  private final CellSandbox sandbox;
  private final List<Path> hiddenPaths;
  private final @Nullable CellLimits limits;
  private final CgroupLimiter limiter;
  private final ProcessListener listener;
  private final Duration killWait;
  private final Path setsid;

  /**
   * Keeps daemons that leave an unsandboxed tree without a cgroup in the tree; null with an
   * isolating sandbox.
   */
  private final @Nullable Subreaper subreaper;

  private final ProcessTreeTerminator terminator;
  private final ExecutorService workers;
  private final ExecutorService launcher;
  private final ThreadFactory ownThreads;
  private final Set<SupervisedProcess> live = ConcurrentHashMap.newKeySet();
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

  private ProcessSupervisor(Builder builder, Path setsid, Path kill) {
    this.sandbox = builder.sandbox;
    this.hiddenPaths = List.copyOf(builder.hiddenPaths);
    this.limits = builder.limits;
    this.limiter =
        builder.limits == null
            ? CgroupLimiter.disabled()
            : CgroupLimiter.detect(
                Long.toHexString(ProcessHandle.current().pid())
                    + "-"
                    + Long.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffL));
    if (limits != null) {
      log.info("cell limits {}: {}", limits, limiter.description());
    }
    this.listener = builder.listener;
    this.killWait = builder.killWait;
    this.setsid = setsid;
    // A sandbox's PID namespace takes everything with it; without one, a cgroup (when there is one)
    // or the
    // subreaper keeps what double-forks out of the tree findable.
    this.subreaper = sandbox.isolating() ? null : Subreaper.find().orElse(null);
    if (!sandbox.isolating() && subreaper == null) {
      log.warn(
          "perl was not found: without a sandbox or a cgroup, a process that leaves its tree (a double-forked "
              + "daemon) outlives its cell");
    }
    this.terminator = new ProcessTreeTerminator(new GroupSignaller(kill));
    this.workers = Executors.newCachedThreadPool(daemonThreads("swarm-process-"));
    this.launcher = Executors.newSingleThreadExecutor(daemonThreads("swarm-process-launcher-"));
    this.ownThreads = daemonThreads("swarm-process-own-");
  }

  /**
   * A new builder: no sandbox, no listener.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Starts a process as described by {@code spec}. The log file's directory is created if needed.
   *
   * @param spec what to start
   * @return the running process; stop it (or let it exit) to release it
   * @throws NullPointerException if {@code spec} is null
   * @throws IOException if the program is not found or not executable (named in the message with
   *     the PATH searched), the working directory does not exist, the log file cannot be created,
   *     the process cannot be started, or the {@link ProcessListener} failed to record it (the
   *     process is then stopped)
   * @throws IllegalArgumentException if the sandbox cannot apply the spec's policy (say, a writable
   *     path that does not exist)
   * @throws IllegalStateException if this supervisor is closed
   */
  public SupervisedProcess start(ProcessSpec spec) throws IOException {
    Objects.requireNonNull(spec, "spec cannot be null");
    checkRunning("start " + spec.description());
    Path workingDirectory = spec.workingDirectory();
    if (!Files.isDirectory(workingDirectory)) {
      throw new IOException(
          "cannot start "
              + spec.description()
              + ": working directory "
              + workingDirectory
              + " does not exist");
    }
    String program = spec.command().get(0);
    String path = spec.environment().get("PATH").orElse(null);
    if (Executables.resolve(program, path, workingDirectory).isEmpty()) {
      throw new IOException(
          "cannot start "
              + spec.description()
              + ": program '"
              + program
              + "' was not found or "
              + "is not executable "
              + Executables.whereSought(program, path, workingDirectory));
    }
    CellSandbox.Command sandboxed;
    try {
      sandboxed =
          sandbox.wrap(
              new CellSandbox.Request(
                  spec.command(),
                  workingDirectory,
                  spec.environment().asMap(),
                  withConfinement(spec.sandboxPolicy())));
    } catch (UncheckedIOException e) {
      throw new IOException(
          "cannot start " + spec.description() + ": " + e.getMessage(), e.getCause());
    }
    CellSandbox.Bridge bridge = sandboxed.bridge();
    CgroupLimiter.@Nullable Group cgroup;
    OutputCollector output;
    Process process;
    long startNanos;
    try {
      cgroup = limits == null ? null : limiter.create(limits).orElse(null);
      List<String> argv = new ArrayList<>(sandboxed.command().size() + 8);
      argv.add(setsid.toString());
      if (cgroup != null) {
        argv.addAll(cgroup.enter(sandboxed.command()));
      } else if (subreaper != null) {
        argv.addAll(subreaper.wrap(sandboxed.command()));
      } else {
        argv.addAll(sandboxed.command());
      }

      Files.createDirectories(spec.logFile().getParent());
      output = new OutputCollector(spec.logFile(), spec.logCapBytes(), spec.tailBytes());
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .directory(workingDirectory.toFile())
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().clear();
      builder.environment().putAll(sandboxed.environment());
      startNanos = System.nanoTime();
      try {
        process = launch(builder);
      } catch (IOException e) {
        output.abandon();
        if (cgroup != null) {
          cgroup.remove(killWait.toMillis());
        }
        throw new IOException("cannot start " + spec.description() + ": " + e.getMessage(), e);
      }
    } catch (IOException | RuntimeException | Error e) {
      bridge.close();
      throw e;
    }
    bridge.attach(process.toHandle());
    // The start time is read right away; if the process is already gone, it can never match a live
    // process.
    ProcessIdentity identity =
        ProcessIdentity.of(process.toHandle())
            .orElseGet(() -> new ProcessIdentity(process.pid(), Instant.now()));
    SupervisedProcess supervised =
        new SupervisedProcess(
            this,
            spec,
            process,
            identity,
            output,
            sandboxed.rootIsLauncher(),
            startNanos,
            cgroup,
            bridge);
    live.add(supervised);
    // The listener hears of the start before anything can report the exit, so onStopped never
    // precedes onStarted.
    // Until begin() the output is not drained; a process that fills its pipe meanwhile just waits.
    try {
      listener.onStarted(identity, spec.description());
    } catch (RuntimeException e) {
      supervised.begin();
      supervised.stop(Duration.ZERO);
      throw new IOException(
          "stopped "
              + spec.description()
              + " (pid "
              + process.pid()
              + ") because the process listener could not record it: "
              + e.getMessage(),
          e);
    }
    supervised.begin();
    if (state.get() != State.RUNNING) {
      supervised.stop(Duration.ZERO);
      throw new IllegalStateException(
          String.format(
              "attempted to start %s while in %s state", spec.description(), state.get()));
    }
    log.info(
        "started {} (pid {}) in {} with sandbox {}; output to {}",
        spec.description(),
        process.pid(),
        workingDirectory,
        sandbox.name(),
        spec.logFile());
    return supervised;
  }

  /**
   * Spawns the process on the launcher thread (see the class comment) and waits for it,
   * uninterruptibly: once the spawn is under way its process must be supervised, so an interrupt is
   * only passed on afterwards.
   */
  private Process launch(ProcessBuilder builder) throws IOException {
    Future<Process> spawned;
    try {
      spawned = launcher.submit(builder::start);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException(
          String.format("attempted to start a process while in %s state", state.get()), e);
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return spawned.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException) {
            throw (IOException) cause;
          }
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          if (cause instanceof Error) {
            throw (Error) cause;
          }
          throw new IOException(String.valueOf(cause), cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Kills a process this or an earlier worker started and recorded, with its whole tree, but only
   * if the live process with that PID is the very one recorded (same start time). For the reaper
   * after a crash.
   *
   * @param process the recorded identity, as given to {@link ProcessListener#onStarted}
   * @param grace how long to wait between TERM and KILL
   * @return what was found and done
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code grace} is negative
   */
  public OrphanKill killOrphan(ProcessIdentity process, Duration grace) {
    Objects.requireNonNull(process, "process cannot be null");
    Objects.requireNonNull(grace, "grace cannot be null");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative but was " + grace);
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(process.pid()).filter(ProcessHandle::isAlive);
    Optional<ProcessTable.Entry> entry = ProcessTable.read(process.pid());
    if (handle.isEmpty() || entry.map(ProcessTable.Entry::zombie).orElse(false)) {
      return OrphanKill.NOT_RUNNING;
    }
    if (!process.matches(handle.get())) {
      log.info(
          "left pid {} alone: it is not the recorded process ({}), the PID was reused",
          process.pid(),
          process);
      return OrphanKill.PID_REUSED;
    }
    boolean leadsSession = entry.map(e -> e.session() == process.pid()).orElse(false);
    ProcessTreeTerminator.Report report =
        terminator.terminate(handle.get(), leadsSession, false, grace, killWait);
    ProcessTreeTerminator.reportSurvivors("orphan " + process, report);
    if (!report.survivors().isEmpty()) {
      return OrphanKill.SURVIVED;
    }
    log.info(
        "killed orphaned process {} and its tree ({} processes)",
        process,
        report.processesSignalled());
    return OrphanKill.KILLED;
  }

  /**
   * The sandbox applied to every started process.
   *
   * @return the sandbox
   */
  public CellSandbox sandbox() {
    return sandbox;
  }

  /**
   * The processes started and not yet finished.
   *
   * @return a snapshot of the live processes; empty when none runs
   */
  public List<SupervisedProcess> liveProcesses() {
    return List.copyOf(live);
  }

  /**
   * Stops every live process (in parallel, each with its own grace period) and releases the
   * supervisor's threads. Later calls do nothing.
   */
  @Override
  public void close() {
    if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
      return;
    }
    List<CompletableFuture<ProcessResult>> stops = new ArrayList<>();
    for (SupervisedProcess process : live) {
      stops.add(CompletableFuture.supplyAsync(process::stop, workers));
    }
    boolean interrupted = false;
    for (CompletableFuture<ProcessResult> stop : stops) {
      while (true) {
        try {
          stop.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (java.util.concurrent.ExecutionException e) {
          log.error("could not stop a process while closing the supervisor", e.getCause());
          break;
        }
      }
    }
    workers.shutdown();
    launcher.shutdown();
    limiter.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ProcessSupervisor{sandbox="
        + sandbox.name()
        + ", live="
        + live.size()
        + ", state="
        + state.get()
        + "}";
  }

  private void checkRunning(String action) {
    State current = state.get();
    if (current != State.RUNNING) {
      throw new IllegalStateException(
          String.format("attempted to %s while in %s state", action, current));
    }
  }

  ProcessTreeTerminator terminator() {
    return terminator;
  }

  Duration killWait() {
    return killWait;
  }

  ProcessListener listener() {
    return listener;
  }

  /**
   * Runs {@code task} on a pooled thread that carries {@code name} while it runs (thread dumps then
   * show which process a thread serves). A started process must be drained and watched even when a
   * concurrent {@link #close()} has shut the pool down, so a rejected task gets a thread of its
   * own.
   */
  void execute(Runnable task, String name) {
    Runnable named =
        () -> {
          Thread thread = Thread.currentThread();
          String poolName = thread.getName();
          thread.setName(name);
          try {
            task.run();
          } finally {
            thread.setName(poolName);
          }
        };
    try {
      workers.execute(named);
    } catch (RejectedExecutionException e) {
      Thread thread = ownThreads.newThread(task);
      thread.setName(name);
      thread.start();
    }
  }

  void finished(SupervisedProcess process) {
    live.remove(process);
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * The spec's policy with this supervisor's hidden paths added (except those the policy already
   * gives a role) and its {@code /tmp} size, unless the policy sets one.
   */
  private SandboxPolicy withConfinement(SandboxPolicy policy) {
    long tmpSizeBytes = limits == null ? 0 : limits.tmpSizeBytes();
    boolean sizeTmp = tmpSizeBytes > 0 && policy.tmpSizeBytes() == 0;
    if (hiddenPaths.isEmpty() && !sizeTmp) {
      return policy;
    }
    SandboxPolicy.Builder merged = policy.toBuilder();
    if (sizeTmp) {
      merged.tmpSizeBytes(tmpSizeBytes);
    }
    for (Path path : hiddenPaths) {
      if (!policy.writablePaths().contains(path)
          && !policy.readOnlyPaths().contains(path)
          && !policy.hiddenPaths().contains(path)) {
        merged.hidden(path);
      }
    }
    return merged.build();
  }

  /**
   * The paths hidden from every sandboxed process on top of its own policy, in the order given.
   *
   * @return the paths, unmodifiable; may be empty
   */
  public List<Path> hiddenPaths() {
    return hiddenPaths;
  }

  /** Builds a {@link ProcessSupervisor}. Not thread-safe. */
  public static final class Builder {

    private CellSandbox sandbox = CellSandbox.none();
    private ProcessListener listener = ProcessListener.NONE;
    private Duration killWait = DEFAULT_KILL_WAIT;
    private final List<Path> hiddenPaths = new ArrayList<>();
    private @Nullable CellLimits limits;

    private Builder() {}

    /**
     * Limits every process tree this supervisor starts: processes, memory and CPU through cgroups
     * where the machine lets the worker create them (said in one INFO line at build), the size of a
     * sandboxed {@code /tmp}. Each tree also gets cgroups of its own where possible, so that when
     * it ends, everything it started is killed, even a process that left the tree. Default: no
     * limits and no cgroups.
     *
     * @param limits the limits
     * @return this builder
     * @throws NullPointerException if {@code limits} is null
     */
    public Builder limits(CellLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits cannot be null");
      return this;
    }

    /**
     * Hides {@code paths} (folders appear empty, files empty) from every sandboxed process, on top
     * of each process's own {@link SandboxPolicy}: what the worker holds that no cell may read,
     * such as the state root with the other cells' folders and the lease journal, the worktree
     * root, the user's checkout and credential files. A cell's own paths inside a hidden folder
     * stay visible, since the innermost rule applies. A sandbox that does not isolate ({@link
     * CellSandbox#none()}) cannot hide anything.
     *
     * @param paths the paths to hide
     * @return this builder
     * @throws NullPointerException if {@code paths} is or holds null
     * @throws IllegalArgumentException if a path is not absolute or is the filesystem root
     */
    public Builder hiddenPaths(java.util.Collection<Path> paths) {
      Objects.requireNonNull(paths, "paths cannot be null");
      for (Path path : paths) {
        Objects.requireNonNull(path, "hidden path cannot be null");
        if (!path.isAbsolute() || path.normalize().getParent() == null) {
          throw new IllegalArgumentException(
              "a hidden path must be absolute and not the filesystem root but was " + path);
        }
        Path normalized = path.normalize();
        if (!hiddenPaths.contains(normalized)) {
          hiddenPaths.add(normalized);
        }
      }
      return this;
    }

    /**
     * Sets the sandbox applied to every process; default {@link CellSandbox#none()}.
     *
     * @param sandbox the sandbox
     * @return this builder
     * @throws NullPointerException if {@code sandbox} is null
     */
    public Builder sandbox(CellSandbox sandbox) {
      this.sandbox = Objects.requireNonNull(sandbox, "sandbox cannot be null");
      return this;
    }

    /**
     * Sets the listener told about every start and stop; default none.
     *
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder listener(ProcessListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener cannot be null");
      return this;
    }

    /**
     * Sets how long to wait after KILL before declaring survivors; default {@link
     * #DEFAULT_KILL_WAIT}.
     *
     * @param killWait the wait; positive
     * @return this builder
     * @throws NullPointerException if {@code killWait} is null
     * @throws IllegalArgumentException if {@code killWait} is not positive
     */
    public Builder killWait(Duration killWait) {
      Objects.requireNonNull(killWait, "killWait cannot be null");
      if (killWait.isZero() || killWait.isNegative()) {
        throw new IllegalArgumentException("killWait must be positive but was " + killWait);
      }
      this.killWait = killWait;
      return this;
    }

    /**
     * Builds the supervisor.
     *
     * @return the supervisor
     * @throws IllegalStateException if {@code setsid} (util-linux) or {@code kill} is not installed
     */
    public ProcessSupervisor build() {
      Path setsid =
          Executables.resolveSystemTool("setsid")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the process supervisor needs 'setsid' from util-linux to give each process its own process group, but "
                              + "it was not found on PATH or in "
                              + Executables.SYSTEM_PATH));
      Path kill =
          Executables.resolveSystemTool("kill")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the process supervisor needs 'kill' (procps or util-linux) to signal process groups, but it was not "
                              + "found on PATH or in "
                              + Executables.SYSTEM_PATH));
      return new ProcessSupervisor(this, setsid, kill);
    }
  }
}
