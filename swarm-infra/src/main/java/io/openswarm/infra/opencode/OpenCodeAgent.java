package io.openswarm.infra.opencode;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.opencode.internal.HealthStatus;
import io.openswarm.infra.opencode.internal.OpenCodeClient;
import io.openswarm.infra.opencode.internal.OpenCodeException;
import io.openswarm.infra.opencode.internal.OpenCodeLaunch;
import io.openswarm.infra.opencode.internal.SessionInfo;
import io.openswarm.infra.opencode.internal.TokenUsage;
import io.openswarm.infra.opencode.internal.TurnResult;
import io.openswarm.infra.opencode.internal.TurnStatus;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real OpenCode as a cell's agent: one {@code opencode serve} per cell, on the cell's port, in
 * the cell's worktree, driven over its HTTP API.
 *
 * <pre>{@code
 * AgentRuntime agent = OpenCodeAgent.newBuilder(supervisor)
 *     .options(OpenCodeOptions.newBuilder()
 *         .model("anthropic/claude-sonnet-4-5")
 *         .apiKeyVariable("ANTHROPIC_API_KEY")
 *         .build())
 *     .build();
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * {@link Builder#build()} finds the binary once ({@link OpenCodeBinary}; a missing binary fails
 * there, not in the first cell). {@link #start} plans the launch ({@link OpenCodeLaunch}: argument
 * list, allowlisted environment with a fresh password, private HOME/XDG/TMPDIR folders under {@code
 * <cell state>/opencode}), prepares those folders (plugin seed link or offline {@code .npmrc}) and
 * starts the server through the {@link ProcessSupervisor} with exactly the launch's environment,
 * the cell's {@link SandboxPolicy} (worktree and cell state writable) and its output in {@code
 * <cell state>/logs/opencode.log} — never in the worktree. The supervisor journals the process, so
 * a crashed worker's servers are reaped. {@link AgentSession#awaitReady} polls {@code GET
 * /global/health} with the password and gives up at once, with the end of the server's output, when
 * the process dies. Each {@link AgentSession#prompt} creates a session and runs one turn with
 * {@link OpenCodeClient#runTurn} (which reopens a dropped event stream and asks the server what it
 * missed, so a lost connection does not lose the turn); the turn's status becomes an {@link
 * AgentSession.Turn} or an {@link AgentException} ({@code FAILED} → {@code TURN_FAILED}, {@code
 * TIMED_OUT} → {@code TURN_TIMED_OUT}, {@code ABORTED} → {@code ABORTED}, a server that died →
 * {@code CRASHED}). {@link AgentSession#abort} aborts the running OpenCode session; {@link
 * AgentSession#close} aborts and then stops the server's whole process tree (TERM, grace period,
 * KILL, verified).
 *
 * <p>Plugin dependencies: OpenCode's background npm install never reaches the network. When {@link
 * OpenCodeOptions#pluginSeed()} names a ready seed it is linked into each cell; otherwise the
 * launch's offline {@code .npmrc} makes the install give up (the server does not need the plugin).
 *
 * <p>Thread-safe: one instance serves every cell of a worker.
 */
public final class OpenCodeAgent implements AgentRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(OpenCodeAgent.class);

  /** How much of the server's output an error message quotes. */
  static final int TAIL_CHARS = 2_000;

  /**
   * The limit on the abort request sent while closing: the server is stopped right after anyway.
   */
  private static final Duration CONTROL_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final ProcessSupervisor supervisor;
  private final OpenCodeOptions options;
  private final Path binary;
  private final Map<String, String> workerEnvironment;
  private final Duration stopGrace;

  /** The open session of each cell, so that {@link #dropEventStreams} finds a cell's turn. */
  private final ConcurrentHashMap<CellId, Session> sessions = new ConcurrentHashMap<>();

  private OpenCodeAgent(Builder builder, OpenCodeOptions options, Path binary) {
    this.supervisor = builder.supervisor;
    this.options = options;
    this.binary = binary;
    this.workerEnvironment = builder.workerEnvironment;
    this.stopGrace = builder.stopGrace;
  }

  /**
   * Returns a builder of an agent whose servers the given supervisor starts and stops.
   *
   * @param supervisor the supervisor that starts and stops the servers
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(supervisor);
  }

  /**
   * An agent with the given options and otherwise the defaults.
   *
   * @param supervisor the supervisor that starts and stops the servers
   * @param options how servers are launched and driven
   * @return the agent
   * @throws NullPointerException if an argument is null
   * @throws OpenCodeBinaryNotFoundException if no {@code opencode} binary is found
   * @throws IllegalStateException if the variable named by {@link OpenCodeOptions#apiKeyVariable()}
   *     is not set
   */
  public static OpenCodeAgent create(ProcessSupervisor supervisor, OpenCodeOptions options) {
    return newBuilder(supervisor).options(options).build();
  }

  @Override
  public String name() {
    return "opencode";
  }

  /**
   * The options every server is launched with.
   *
   * @return the options
   */
  public OpenCodeOptions options() {
    return options;
  }

  /**
   * The binary every server is started from, found once when this agent was built.
   *
   * @return the absolute path of the binary
   */
  public Path binary() {
    return binary;
  }

  /**
   * Starts the cell's OpenCode server. Returns once the process runs; {@link
   * AgentSession#awaitReady} waits until it answers.
   *
   * @throws NullPointerException if {@code context} is null
   * @throws AgentException with {@link AgentException.Reason#START_FAILED} if the launch cannot be
   *     planned (say, the API key variable was unset meanwhile), the state folders cannot be
   *     created, or the process cannot be started (the binary was removed, the supervisor is
   *     closed)
   */
  @Override
  public AgentSession start(AgentRuntime.Context context) {
    Objects.requireNonNull(context, "context cannot be null");
    long startNanos = System.nanoTime();
    Path cellState = context.stateDirectory().toAbsolutePath().normalize();
    OpenCodeLaunch launch;
    try {
      launch =
          OpenCodeLaunch.newBuilder()
              .options(options)
              .binary(binary)
              .worktree(context.worktree())
              .port(context.port())
              .stateDirectory(cellState.resolve("opencode"))
              .workerEnvironment(workerEnvironment)
              .build();
      launch.prepareFileSystem();
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      // IllegalStateException includes OpenCodeBinaryNotFoundException: no binary to start.
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "cannot launch OpenCode for cell " + context.cellId() + ": " + e.getMessage(),
          e);
    }
    ProcessEnvironment.Builder environment = ProcessEnvironment.newBuilder(Map.of());
    launch.environment().forEach(environment::put);
    SandboxPolicy.Builder policy =
        SandboxPolicy.forCell(launch.workingDirectory(), cellState).toBuilder()
            .network(options.network());
    if (options.network() == NetworkAccess.NONE) {
      // The worker reaches the server's port through the sandbox's relay; the server reaches its
      // model only.
      policy.exposePort(launch.port()).allowEndpoints(options.allowedEndpoints());
    }
    launch.writablePaths().forEach(policy::writable);
    ProcessSpec spec =
        ProcessSpec.newBuilder()
            .command(launch.command())
            .workingDirectory(launch.workingDirectory())
            .environment(environment.build())
            .logFile(cellState.resolve("logs").resolve("opencode.log"))
            .stopGrace(stopGrace)
            .sandboxPolicy(policy.build())
            .description("opencode " + context.cellId())
            .build();
    SupervisedProcess process;
    try {
      process = supervisor.start(spec);
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "cannot start OpenCode for cell " + context.cellId() + ": " + e.getMessage(),
          e);
    }
    LOG.info(
        "OpenCode agent of cell {} started on port {} (pid {}) in {} ms; model {}",
        context.cellId(),
        launch.port(),
        process.pid(),
        Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
        options.model());
    Session session = new Session(context, launch, process);
    sessions.put(context.cellId(), session);
    return session;
  }

  /**
   * Cuts the event streams that {@code cell}'s running turn follows, as a failed connection would,
   * while its server keeps working. The turn does what it does after a real network failure: it
   * reopens the stream and asks the server what it missed, so no event and no change is lost. It
   * exists to prove exactly that, on demand: the testkit's {@code EVENT_STREAM_DROP} fault uses it,
   * and so can a check of a deployment whose connections to the servers may break (a sidecar or a
   * relay between the worker and the cells).
   *
   * @param cell the cell whose streams to cut
   * @return how many streams were cut: zero when the cell has no open session or no turn is being
   *     followed
   * @throws NullPointerException if {@code cell} is null
   */
  public int dropEventStreams(CellId cell) {
    Objects.requireNonNull(cell, "cell cannot be null");
    Session session = sessions.get(cell);
    return session == null ? 0 : session.dropEventStreams();
  }

  /** The {@code opencode} binary. */
  @Override
  public List<String> programs() {
    return List.of(binary.toString());
  }

  @Override
  public String toString() {
    return "OpenCodeAgent{binary=" + binary + ", model=" + options.model() + "}";
  }

  /**
   * Maps a completed turn to an {@link AgentSession.Turn}, token counts -1 when OpenCode reported
   * none.
   */
  static AgentSession.Turn toAgentTurn(TurnResult result) {
    long input = result.tokens().map(TokenUsage::input).orElse(-1L);
    long output = result.tokens().map(TokenUsage::output).orElse(-1L);
    return new AgentSession.Turn(result.summary(), input, output);
  }

  /** The reason for a turn that did not complete while the server still runs. */
  static AgentException.Reason reasonOf(TurnStatus status) {
    return switch (status) {
      case FAILED -> AgentException.Reason.TURN_FAILED;
      case TIMED_OUT -> AgentException.Reason.TURN_TIMED_OUT;
      case ABORTED -> AgentException.Reason.ABORTED;
      case COMPLETED -> throw new IllegalArgumentException("a completed turn is not a failure");
    };
  }

  /** The end of a process's output, at most {@link #TAIL_CHARS} characters, for error messages. */
  static String tail(String output) {
    String trimmed = output.strip();
    if (trimmed.isEmpty()) {
      return "(no output)";
    }
    return trimmed.length() <= TAIL_CHARS
        ? trimmed
        : "..." + trimmed.substring(trimmed.length() - TAIL_CHARS);
  }

  /**
   * Thrown from the turn listener to end a turn whose abort was requested before the prompt reached
   * OpenCode.
   */
  private static final class AbortRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbortRequested() {
      super("abort requested", null, false, false);
    }

    @Override
    public String toString() {
      return "an abort requested by the cell";
    }
  }

  /**
   * The turn in progress: its OpenCode session once created, and whether an abort was asked for.
   */
  private static final class RunningTurn {
    volatile @Nullable String sessionId;
    volatile boolean abortRequested;
  }

  /**
   * One cell's server. State: open until {@link #close()}; at most one turn at a time. Its event
   * streams can be cut on purpose through {@link OpenCodeAgent#dropEventStreams}.
   */
  private final class Session implements AgentSession {
    private final AgentRuntime.Context context;
    private final OpenCodeLaunch launch;
    private final SupervisedProcess process;
    private final OpenCodeClient client;
    private final OpenCodeClient control;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<@Nullable RunningTurn> turn = new AtomicReference<>();

    Session(AgentRuntime.Context context, OpenCodeLaunch launch, SupervisedProcess process) {
      this.context = context;
      this.launch = launch;
      this.process = process;
      this.client = launch.newClient();
      this.control =
          OpenCodeClient.newBuilder(launch.baseUri(), launch.password())
              .requestTimeout(CONTROL_REQUEST_TIMEOUT)
              .build();
    }

    @Override
    public void awaitReady(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout cannot be null");
      checkOpen("await readiness");
      long startNanos = System.nanoTime();
      try {
        HealthStatus health = client.awaitReady(timeout, process::isAlive);
        LOG.info(
            "OpenCode {} of cell {} ready on port {} in {} ms",
            health.version(),
            context.cellId(),
            launch.port(),
            Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
      } catch (OpenCodeException e) {
        if (!process.isAlive()) {
          throw new AgentException(
              AgentException.Reason.START_FAILED,
              "OpenCode server of cell "
                  + context.cellId()
                  + " "
                  + exitDescription()
                  + " before it became healthy; last output:\n"
                  + tail(finalOutput()),
              e);
        }
        if (e.statusCode().orElse(0) == 401) {
          throw new AgentException(
              AgentException.Reason.START_FAILED,
              "OpenCode server of cell "
                  + context.cellId()
                  + " refused its own password on port "
                  + launch.port()
                  + " (another server holds the port?)",
              e);
        }
        throw new AgentException(
            AgentException.Reason.NOT_READY,
            "OpenCode server of cell "
                + context.cellId()
                + " (pid "
                + process.pid()
                + ", port "
                + launch.port()
                + ") not healthy within "
                + timeout
                + ": "
                + e.getMessage()
                + "; last output:\n"
                + tail(process.outputTail()),
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentException(
            AgentException.Reason.ABORTED,
            "interrupted while waiting for the OpenCode server "
                + "of cell "
                + context.cellId()
                + " to become healthy",
            e);
      }
    }

    @Override
    public AgentSession.Turn prompt(
        String prompt, Duration timeout, AgentSession.Progress progress) {
      Objects.requireNonNull(prompt, "prompt cannot be null");
      Objects.requireNonNull(timeout, "timeout cannot be null");
      Objects.requireNonNull(progress, "progress cannot be null");
      checkOpen("prompt");
      RunningTurn running = new RunningTurn();
      if (!turn.compareAndSet(null, running)) {
        throw new IllegalStateException("attempted to prompt while in PROMPTING state");
      }
      try {
        SessionInfo session = client.createSession("open swarm " + context.cellId());
        running.sessionId = session.id();
        if (running.abortRequested || closed.get()) {
          throw aborted(null);
        }
        TurnResult result =
            client.runTurn(
                session.id(),
                prompt,
                options.turnIdleTimeout(),
                timeout,
                p -> {
                  if (running.abortRequested) {
                    throw new AbortRequested();
                  }
                  progress.onProgress(p.describe());
                });
        if (result.isCompleted()) {
          return toAgentTurn(result);
        }
        String error = result.error().orElse("turn ended with status " + result.status());
        if (!process.isAlive()) {
          throw crashed(error, null);
        }
        if (result.status() == TurnStatus.ABORTED && (running.abortRequested || closed.get())) {
          throw aborted(null);
        }
        throw new AgentException(
            reasonOf(result.status()),
            "OpenCode turn of cell "
                + context.cellId()
                + " "
                + describe(result.status())
                + " after "
                + result.duration().toMillis()
                + " ms: "
                + error);
      } catch (AbortRequested e) {
        throw aborted(null);
      } catch (OpenCodeException e) {
        if (running.abortRequested || closed.get()) {
          throw aborted(e);
        }
        if (!process.isAlive()) {
          throw crashed(e.getMessage(), e);
        }
        throw new AgentException(
            AgentException.Reason.TURN_FAILED,
            "OpenCode turn of cell " + context.cellId() + " failed: " + e.getMessage(),
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentException(
            AgentException.Reason.ABORTED,
            "OpenCode turn of cell " + context.cellId() + " was interrupted",
            e);
      } finally {
        turn.compareAndSet(running, null);
      }
    }

    @Override
    public void abort() {
      RunningTurn running = turn.get();
      if (running == null) {
        return;
      }
      running.abortRequested = true;
      abortSession(running);
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      sessions.remove(context.cellId(), this);
      RunningTurn running = turn.get();
      if (running != null) {
        running.abortRequested = true;
        abortSession(running);
      }
      client.close();
      control.close();
      ProcessResult result = process.stop();
      if (!result.survivors().isEmpty()) {
        throw new IllegalStateException(
            "could not stop the OpenCode server of cell "
                + context.cellId()
                + ": processes "
                + result.survivors()
                + " survived KILL");
      }
      LOG.info(
          "OpenCode agent of cell {} stopped (pid {}, exit code {}{})",
          context.cellId(),
          process.pid(),
          result.exitCode(),
          result.forced() ? ", needed SIGKILL" : "");
    }

    int dropEventStreams() {
      return client.dropEventStreams();
    }

    private void abortSession(RunningTurn running) {
      String sessionId = running.sessionId;
      if (sessionId == null || !process.isAlive()) {
        return; // the turn's listener or the session creation sees the flag
      }
      try {
        control.abort(sessionId);
        LOG.info("OpenCode session {} of cell {} aborted on request", sessionId, context.cellId());
      } catch (OpenCodeException e) {
        LOG.warn(
            "could not abort OpenCode session {} of cell {}: {}",
            sessionId,
            context.cellId(),
            e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private AgentException aborted(@Nullable Throwable cause) {
      String message = "OpenCode turn of cell " + context.cellId() + " was aborted";
      return cause == null
          ? new AgentException(AgentException.Reason.ABORTED, message)
          : new AgentException(AgentException.Reason.ABORTED, message, cause);
    }

    private AgentException crashed(@Nullable String error, @Nullable Throwable cause) {
      String message =
          "OpenCode server of cell "
              + context.cellId()
              + " "
              + exitDescription()
              + " during the turn"
              + (error == null ? "" : " (" + error + ")")
              + "; last output:\n"
              + tail(finalOutput());
      return cause == null
          ? new AgentException(AgentException.Reason.CRASHED, message)
          : new AgentException(AgentException.Reason.CRASHED, message, cause);
    }

    /** Describes how the server process ended, waiting briefly for the supervisor's result. */
    private String exitDescription() {
      Optional<ProcessResult> result = awaitExit();
      return result
          .map(r -> "(pid " + process.pid() + ") exited with code " + r.exitCode())
          .orElse("(pid " + process.pid() + ") exited");
    }

    /** The output once the process is gone, so nothing still in the pipe is missed. */
    private String finalOutput() {
      return awaitExit().map(ProcessResult::outputTail).orElseGet(process::outputTail);
    }

    private Optional<ProcessResult> awaitExit() {
      try {
        return process.waitFor(Duration.ofSeconds(3));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    private void checkOpen(String action) {
      if (closed.get()) {
        throw new IllegalStateException("attempted to " + action + " while in CLOSED state");
      }
    }

    @Override
    public String toString() {
      return "OpenCodeAgent.Session{cell="
          + context.cellId()
          + ", port="
          + launch.port()
          + ", pid="
          + process.pid()
          + (closed.get() ? ", closed" : "")
          + "}";
    }
  }

  private static String describe(TurnStatus status) {
    return switch (status) {
      case FAILED -> "failed";
      case TIMED_OUT -> "timed out";
      case ABORTED -> "was aborted by someone else";
      case COMPLETED -> "completed";
    };
  }

  /**
   * Builds an {@link OpenCodeAgent}. Setters check for null; {@link #build()} checks the rest.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final ProcessSupervisor supervisor;
    private @Nullable OpenCodeOptions options;
    private Map<String, String> workerEnvironment = System.getenv();
    private @Nullable Path binarySearchDirectory;
    private Duration stopGrace = ProcessSpec.DEFAULT_STOP_GRACE;

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = Objects.requireNonNull(supervisor, "supervisor cannot be null");
    }

    /**
     * Sets how servers are launched and driven. Required.
     *
     * @param options the options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     */
    public Builder options(OpenCodeOptions options) {
      this.options = Objects.requireNonNull(options, "options cannot be null");
      return this;
    }

    /**
     * Sets the worker environment the agent's allowlist picks from; default {@link
     * System#getenv()}. Only the variables the options name reach a server.
     *
     * @param environment the worker's environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder workerEnvironment(Map<String, String> environment) {
      this.workerEnvironment =
          Map.copyOf(Objects.requireNonNull(environment, "environment cannot be null"));
      return this;
    }

    /**
     * Sets where the search for a project-local binary starts; default the JVM's working directory.
     *
     * @param directory where the search starts
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder binarySearchDirectory(Path directory) {
      this.binarySearchDirectory = Objects.requireNonNull(directory, "directory cannot be null");
      return this;
    }

    /**
     * Sets how long a stopping server gets between TERM and KILL; default {@link
     * ProcessSpec#DEFAULT_STOP_GRACE}.
     *
     * @param grace the time between TERM and KILL; not negative
     * @return this builder
     * @throws NullPointerException if {@code grace} is null
     */
    public Builder stopGrace(Duration grace) {
      this.stopGrace = Objects.requireNonNull(grace, "grace cannot be null");
      return this;
    }

    /**
     * Validates the settings and finds the binary.
     *
     * @return the agent
     * @throws IllegalStateException if no options were set, or the variable named by {@link
     *     OpenCodeOptions#apiKeyVariable()} is not set in the worker environment
     * @throws IllegalArgumentException if the stop grace is negative
     * @throws OpenCodeBinaryNotFoundException if no {@code opencode} binary is found; the message
     *     names every place searched
     */
    public OpenCodeAgent build() {
      OpenCodeOptions opts = options;
      if (opts == null) {
        throw new IllegalStateException("options are required but were not set");
      }
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("stopGrace must not be negative but was " + stopGrace);
      }
      opts.apiKeyVariable()
          .ifPresent(
              name -> {
                String value = workerEnvironment.get(name);
                if (value == null || value.isEmpty()) {
                  throw new IllegalStateException(
                      "environment variable "
                          + name
                          + " (named by OpenCodeOptions"
                          + ".apiKeyVariable) is not set in the worker's environment; the agent could not reach its model");
                }
              });
      Path start =
          binarySearchDirectory != null
              ? binarySearchDirectory
              : Path.of(System.getProperty("user.dir"));
      Path found = OpenCodeBinary.locate(opts.binary().orElse(null), workerEnvironment, start);
      LOG.info("OpenCode agent uses {} with model {}", found, opts.model());
      return new OpenCodeAgent(this, opts, found);
    }
  }
}
