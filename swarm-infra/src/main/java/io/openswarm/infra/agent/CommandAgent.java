package io.openswarm.infra.agent;

import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import io.openswarm.infra.process.internal.Executables;
import io.openswarm.infra.process.internal.NoFollowFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Any command-line coding agent as a cell's agent: one process per prompt, started from a {@link
 * CommandTemplate} in the cell's worktree.
 *
 * <pre>{@code
 * AgentRuntime aider = CommandAgent.newBuilder(supervisor)
 *     .command("aider", "--yes", "--no-auto-commits", "--message", "{prompt}")
 *     .environment(ProcessEnvironment.newBuilder().inheritDefaults().inherit("OPENAI_API_KEY").build())
 *     .build();
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * {@link #start} only checks that the program can be found and prepares the cell's folders; there
 * is no server, so {@link AgentSession#awaitReady} returns at once. Each {@link
 * AgentSession#prompt} renders the template (the prompt, worktree and port as whole arguments — see
 * {@link CommandTemplate} for the rule), and starts the command through the {@link
 * ProcessSupervisor}: no shell, the worktree as working directory, the configured environment (an
 * allowlist; by default only {@code PATH}, locale and {@code TZ}) with {@code HOME} and {@code
 * TMPDIR} in the cell's state folder unless set explicitly, the cell's sandbox policy, stdin from
 * {@code /dev/null}, and its output in {@code <cell state>/logs/agent-<n>.log} with a bounded tail
 * in memory. Exit code 0 ends the turn, with the end of the output as the summary; any other exit
 * is {@link AgentException.Reason#TURN_FAILED} with the output's end; the prompt's timeout stops
 * the process tree ({@link AgentException.Reason#TURN_TIMED_OUT}); {@link AgentSession#abort} and
 * {@link AgentSession#close} stop it ({@link AgentException.Reason#ABORTED}). The tests and the
 * commit are not the agent's business: the library runs them afterwards. A prompt the template
 * cannot hand over unchanged (past the limit of one argument, or with a character the worker's
 * locale cannot put on a command line) is refused before anything starts: see {@link
 * CommandTemplate#checkPrompt(String)}.
 *
 * <p>Thread-safe: one instance serves every cell of a worker.
 */
public final class CommandAgent implements AgentRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(CommandAgent.class);

  /** How many characters of the output end up in a summary or an error message. */
  static final int SUMMARY_CHARS = 2_000;

  private final ProcessSupervisor supervisor;
  private final CommandTemplate template;
  private final String name;
  private final ProcessEnvironment environment;
  private final NetworkAccess network;
  private final List<SandboxPolicy.Endpoint> allowedEndpoints;
  private final Duration stopGrace;
  private final long logCapBytes;
  private final int tailBytes;

  private CommandAgent(Builder builder, CommandTemplate template, String name) {
    this.supervisor = builder.supervisor;
    this.template = template;
    this.name = name;
    this.environment = builder.environment;
    this.network = builder.network;
    this.allowedEndpoints = List.copyOf(builder.allowedEndpoints);
    this.stopGrace = builder.stopGrace;
    this.logCapBytes = builder.logCapBytes;
    this.tailBytes = builder.tailBytes;
  }

  /**
   * Returns a builder of an agent whose processes the given supervisor runs.
   *
   * @param supervisor the supervisor that starts and stops the agent's processes
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(supervisor);
  }

  /** The command's program, as the template names it. */
  @Override
  public List<String> programs() {
    return List.of(template.program());
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The command template.
   *
   * @return the command template
   */
  public CommandTemplate template() {
    return template;
  }

  /**
   * Prepares a cell: checks that the program can be found on the environment's {@code PATH} (or,
   * for a path, in the worktree) and creates the cell's home, temporary and log folders.
   *
   * @throws NullPointerException if {@code context} is null
   * @throws AgentException with {@link AgentException.Reason#START_FAILED} if the program is
   *     missing or the folders cannot be created
   */
  @Override
  public AgentSession start(AgentRuntime.Context context) {
    Objects.requireNonNull(context, "context cannot be null");
    Path worktree = context.worktree().toAbsolutePath().normalize();
    String path = environment.get("PATH").orElse(null);
    if (Executables.resolve(template.program(), path, worktree).isEmpty()) {
      // The message reaches workflow history: it names the program, never the value of the worker's
      // PATH.
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "agent "
              + name
              + " of cell "
              + context.cellId()
              + " cannot start: program '"
              + template.program()
              + "' was not found or is not executable"
              + " "
              + Executables.whereSought(template.program(), path, worktree));
    }
    Path state = context.stateDirectory().toAbsolutePath().normalize();
    Path agentState = state.resolve("agent");
    try {
      Files.createDirectories(agentState.resolve("home"));
      Files.createDirectories(agentState.resolve("tmp"));
      Files.createDirectories(agentState.resolve("prompts"));
      Files.createDirectories(state.resolve("logs"));
    } catch (IOException e) {
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "agent "
              + name
              + " of cell "
              + context.cellId()
              + " cannot create its folders under "
              + state
              + ": "
              + e.getMessage(),
          e);
    }
    LOG.info("command agent {} ready for cell {} in {}", name, context.cellId(), worktree);
    return new Session(context, worktree, state, agentState);
  }

  @Override
  public String toString() {
    return "CommandAgent{" + name + ": " + template + "}";
  }

  /** The end of an output, at most {@link #SUMMARY_CHARS} characters. */
  static String lastChars(String output) {
    String trimmed = output.strip();
    return trimmed.length() <= SUMMARY_CHARS
        ? trimmed
        : "..." + trimmed.substring(trimmed.length() - SUMMARY_CHARS);
  }

  /** One cell's agent: runs one process per prompt; at most one at a time. */
  private final class Session implements AgentSession {
    private final AgentRuntime.Context context;
    private final Path worktree;
    private final Path state;
    private final Path agentState;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger turns = new AtomicInteger();
    private final AtomicReference<@Nullable RunningTurn> running = new AtomicReference<>();

    Session(AgentRuntime.Context context, Path worktree, Path state, Path agentState) {
      this.context = context;
      this.worktree = worktree;
      this.state = state;
      this.agentState = agentState;
    }

    @Override
    public void awaitReady(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout cannot be null");
      checkOpen("await readiness");
    }

    /**
     * Runs the agent command once.
     *
     * @throws IllegalArgumentException if the template cannot hand the prompt to the agent
     *     unchanged (see {@link CommandTemplate#checkPrompt(String)}: a NUL character; with {@value
     *     CommandTemplate#PROMPT}, more than {@value CommandTemplate#MAX_ARGUMENT_BYTES} bytes or a
     *     character the worker's locale cannot put on a command line); nothing is started then
     */
    @Override
    public AgentSession.Turn prompt(
        String prompt, Duration timeout, AgentSession.Progress progress) {
      Objects.requireNonNull(prompt, "prompt cannot be null");
      Objects.requireNonNull(timeout, "timeout cannot be null");
      Objects.requireNonNull(progress, "progress cannot be null");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      // Refused here, before any process, rather than by the kernel (E2BIG) or silently by the
      // JVM's encoder ('?').
      template.checkPrompt(prompt);
      checkOpen("prompt");
      RunningTurn turn = new RunningTurn();
      if (!running.compareAndSet(null, turn)) {
        throw new IllegalStateException("attempted to prompt while in PROMPTING state");
      }
      try {
        return run(turn, prompt, timeout, progress);
      } finally {
        running.compareAndSet(turn, null);
      }
    }

    private AgentSession.Turn run(
        RunningTurn turn, String prompt, Duration timeout, AgentSession.Progress progress) {
      int number = turns.incrementAndGet();
      Path promptFile = agentState.resolve("prompts").resolve("prompt-" + number + ".txt");
      SupervisedProcess process;
      try {
        if (template.usesPromptFile()) {
          // The cell can write its state folder: never follow a link it may have planted on the
          // way.
          NoFollowFiles.writeNew(state, promptFile, prompt);
        }
        ProcessSpec spec =
            ProcessSpec.newBuilder()
                .command(template.render(prompt, promptFile, worktree, context.port()))
                .workingDirectory(worktree)
                .environment(
                    environment.toBuilder()
                        .putIfAbsent("HOME", agentState.resolve("home").toString())
                        .putIfAbsent("TMPDIR", agentState.resolve("tmp").toString())
                        .build())
                .logFile(state.resolve("logs").resolve("agent-" + number + ".log"))
                .logCapBytes(logCapBytes)
                .tailBytes(tailBytes)
                .timeout(timeout)
                .stopGrace(stopGrace)
                .sandboxPolicy(
                    SandboxPolicy.forCell(worktree, state).toBuilder()
                        .readOnly(agentState.resolve("prompts"))
                        .network(network)
                        .allowEndpoints(allowedEndpoints)
                        .build())
                .description("agent " + name + " " + context.cellId())
                .build();
        if (turn.abortRequested || closed.get()) {
          throw aborted();
        }
        process = supervisor.start(spec);
      } catch (IOException | IllegalArgumentException | IllegalStateException e) {
        throw new AgentException(
            AgentException.Reason.START_FAILED,
            "agent "
                + name
                + " of cell "
                + context.cellId()
                + " could not be started: "
                + e.getMessage(),
            e);
      }
      // Publish the process, then look at the flag; stop() sets the flag, then looks at the
      // process. Whichever
      // comes second sees the other's write, so an abort racing the start always stops the process.
      turn.process = process;
      if (turn.abortRequested) {
        process.stop();
        throw aborted();
      }
      progress.onProgress("agent " + name + " started (pid " + process.pid() + ")");
      ProcessResult result = await(process, progress);
      if (turn.abortRequested || closed.get() || result.stopRequested()) {
        throw aborted();
      }
      if (result.timedOut()) {
        throw new AgentException(
            AgentException.Reason.TURN_TIMED_OUT,
            "agent "
                + name
                + " of cell "
                + context.cellId()
                + " did not finish within "
                + timeout
                + " and was stopped; last output:\n"
                + orNone(lastChars(result.outputTail())));
      }
      if (result.exitCode() != 0) {
        throw new AgentException(
            AgentException.Reason.TURN_FAILED,
            "agent "
                + name
                + " of cell "
                + context.cellId()
                + " exited with code "
                + result.exitCode()
                + signal(result.exitCode())
                + " after "
                + result.duration().toMillis()
                + " ms; last output:\n"
                + orNone(lastChars(result.outputTail())));
      }
      LOG.info(
          "agent {} of cell {} finished its turn in {} ms ({} bytes of output)",
          name,
          context.cellId(),
          result.duration().toMillis(),
          result.outputBytes());
      return AgentSession.Turn.of(lastChars(result.outputTail()));
    }

    /** Waits for the process, reporting progress about once a second; an interrupt stops it. */
    private ProcessResult await(SupervisedProcess process, AgentSession.Progress progress) {
      CompletableFuture<ProcessResult> exit = process.onExit();
      try {
        while (true) {
          try {
            return exit.get(1, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            progress.onProgress(
                "agent "
                    + name
                    + " running (pid "
                    + process.pid()
                    + ", "
                    + process.outputBytes()
                    + " bytes of output)");
          }
        }
      } catch (InterruptedException e) {
        process.stop();
        Thread.currentThread().interrupt();
        throw new AgentException(
            AgentException.Reason.ABORTED,
            "agent " + name + " of cell " + context.cellId() + " was interrupted and stopped",
            e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("supervision of agent " + name + " failed", e.getCause());
      } catch (RuntimeException e) {
        process.stop(); // the progress callback gave up on the turn (say, a cancelled Temporal
        // activity)
        throw e;
      }
    }

    @Override
    public void abort() {
      RunningTurn turn = running.get();
      if (turn != null) {
        stop(turn);
      }
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      RunningTurn turn = running.get();
      if (turn != null) {
        ProcessResult result = stop(turn);
        if (result != null && !result.survivors().isEmpty()) {
          throw new IllegalStateException(
              "could not stop agent "
                  + name
                  + " of cell "
                  + context.cellId()
                  + ": processes "
                  + result.survivors()
                  + " survived KILL");
        }
      }
    }

    private @Nullable ProcessResult stop(RunningTurn turn) {
      turn.abortRequested = true;
      SupervisedProcess process = turn.process;
      if (process == null) {
        return null;
      }
      LOG.info(
          "stopping agent {} of cell {} (pid {}) on request",
          name,
          context.cellId(),
          process.pid());
      return process.stop();
    }

    private AgentException aborted() {
      return new AgentException(
          AgentException.Reason.ABORTED,
          "turn of agent " + name + " of cell " + context.cellId() + " was aborted");
    }

    private void checkOpen(String action) {
      if (closed.get()) {
        throw new IllegalStateException("attempted to " + action + " while in CLOSED state");
      }
    }
  }

  /** The turn in progress: its process once started, and whether an abort was asked for. */
  private static final class RunningTurn {
    volatile @Nullable SupervisedProcess process;
    volatile boolean abortRequested;
  }

  private static String orNone(String output) {
    return output.isEmpty() ? "(no output)" : output;
  }

  private static String signal(int exitCode) {
    return exitCode > 128 && exitCode < 160 ? " (killed by signal " + (exitCode - 128) + ")" : "";
  }

  /**
   * Builds a {@link CommandAgent}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final ProcessSupervisor supervisor;
    private @Nullable List<String> command;
    private @Nullable String name;
    private ProcessEnvironment environment = ProcessEnvironment.defaults();
    private NetworkAccess network = NetworkAccess.SHARED;
    private final List<SandboxPolicy.Endpoint> allowedEndpoints = new ArrayList<>();
    private Duration stopGrace = ProcessSpec.DEFAULT_STOP_GRACE;
    private long logCapBytes = ProcessSpec.DEFAULT_LOG_CAP_BYTES;
    private int tailBytes = ProcessSpec.DEFAULT_TAIL_BYTES;

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = Objects.requireNonNull(supervisor, "supervisor cannot be null");
    }

    /**
     * Sets the command template (see {@link CommandTemplate} for the placeholders and the
     * substitution rule). Required.
     *
     * @param command the program and its arguments, with placeholders
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     */
    public Builder command(List<String> command) {
      Objects.requireNonNull(command, "command cannot be null");
      this.command = List.copyOf(command);
      return this;
    }

    /**
     * Sets the command template. Required.
     *
     * @param command the program and its arguments, with placeholders
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     */
    public Builder command(String... command) {
      Objects.requireNonNull(command, "command cannot be null");
      return command(List.of(command));
    }

    /**
     * Names the agent for logs and metrics; default the program's file name.
     *
     * @param name the agent's name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name cannot be null");
      return this;
    }

    /**
     * Sets the agent's complete environment; default {@link ProcessEnvironment#defaults()} ({@code
     * PATH}, locale, {@code TZ}). Name the API key variables the agent needs here, e.g. {@code
     * ProcessEnvironment.newBuilder().inheritDefaults().inherit("OPENAI_API_KEY").build()}: nothing
     * else of the worker's environment reaches it. {@code HOME} and {@code TMPDIR} are set to
     * folders of the cell unless given here.
     *
     * @param environment the agent's complete environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder environment(ProcessEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment cannot be null");
      return this;
    }

    /**
     * Sets whether the agent shares the host's network under a sandbox; default {@link
     * NetworkAccess#SHARED} (a model-backed agent needs its model). With {@link NetworkAccess#NONE}
     * the agent gets a private network that reaches only the {@linkplain #allowEndpoint endpoints
     * allowed} (its model's, say).
     *
     * @param network the network access
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder network(NetworkAccess network) {
      this.network = Objects.requireNonNull(network, "network cannot be null");
      return this;
    }

    /**
     * Lets the agent reach {@code hostAndPort} (such as {@code api.openai.com:443} or {@code
     * 127.0.0.1:4010}) from its private network; requires {@link #network(NetworkAccess)
     * network(NONE)}. A loopback endpoint is reached at the same address inside; any other through
     * the proxy named in the agent's {@code HTTPS_PROXY}, which tunnels to the allowed endpoints
     * and nothing else. Needs {@code socat} on the worker (Debian package {@code socat}).
     *
     * @param hostAndPort the endpoint, as {@code host:port}
     * @return this builder
     * @throws NullPointerException if {@code hostAndPort} is null
     * @throws IllegalArgumentException if it is not {@code host:port} (see {@link
     *     SandboxPolicy.Endpoint#parse})
     */
    public Builder allowEndpoint(String hostAndPort) {
      allowedEndpoints.add(SandboxPolicy.Endpoint.parse(hostAndPort));
      return this;
    }

    /**
     * Sets how long a stopped agent gets between TERM and KILL; default {@link
     * ProcessSpec#DEFAULT_STOP_GRACE}.
     *
     * @param grace the time between TERM and KILL
     * @return this builder
     * @throws NullPointerException if {@code grace} is null
     */
    public Builder stopGrace(Duration grace) {
      this.stopGrace = Objects.requireNonNull(grace, "grace cannot be null");
      return this;
    }

    /**
     * Sets how many bytes of output each turn's log file keeps; default {@link
     * ProcessSpec#DEFAULT_LOG_CAP_BYTES}.
     *
     * @param bytes the limit, in bytes; 0 or more (checked by {@link #build()})
     * @return this builder
     */
    public Builder logCapBytes(long bytes) {
      this.logCapBytes = bytes;
      return this;
    }

    /**
     * Sets how many bytes of the output's end are kept in memory; default {@link
     * ProcessSpec#DEFAULT_TAIL_BYTES}.
     *
     * @param bytes the limit, in bytes; 1 to {@link ProcessSpec#MAX_TAIL_BYTES} (checked by {@link
     *     #build()})
     * @return this builder
     */
    public Builder tailBytes(int bytes) {
      this.tailBytes = bytes;
      return this;
    }

    /**
     * Validates the settings and builds the agent.
     *
     * @return the agent
     * @throws IllegalStateException if no command was set
     * @throws IllegalArgumentException if endpoints were allowed on the shared network, the command
     *     template is invalid (see {@link CommandTemplate#of(List)}), the name is blank, the stop
     *     grace is negative, the log cap is negative, or the tail is outside 1 byte to {@link
     *     ProcessSpec#MAX_TAIL_BYTES}
     */
    public CommandAgent build() {
      if (command == null) {
        throw new IllegalStateException("command is required but was not set");
      }
      if (network == NetworkAccess.SHARED && !allowedEndpoints.isEmpty()) {
        throw new IllegalArgumentException(
            "allowed endpoints "
                + allowedEndpoints
                + " need network(NONE): with the "
                + "SHARED network the agent reaches everything the host does");
      }
      CommandTemplate template = CommandTemplate.of(command);
      String agentName =
          name != null ? name : String.valueOf(Path.of(template.program()).getFileName());
      if (agentName.isBlank()) {
        throw new IllegalArgumentException("name must not be blank but was \"" + agentName + "\"");
      }
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("stopGrace must not be negative but was " + stopGrace);
      }
      if (logCapBytes < 0) {
        throw new IllegalArgumentException("logCapBytes must be 0 or more but was " + logCapBytes);
      }
      if (tailBytes < 1 || tailBytes > ProcessSpec.MAX_TAIL_BYTES) {
        throw new IllegalArgumentException(
            "tailBytes must be between 1 and "
                + ProcessSpec.MAX_TAIL_BYTES
                + " but was "
                + tailBytes);
      }
      return new CommandAgent(this, template, agentName);
    }
  }
}
