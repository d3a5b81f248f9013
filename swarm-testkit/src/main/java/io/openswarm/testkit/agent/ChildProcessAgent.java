package io.openswarm.testkit.agent;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted agent whose every session is a real child process, started through the worker's {@link
 * ProcessSupervisor}, as a real agent server would be: in the sandbox, recorded in the lease
 * journal, killed with its process group at stop, and killable from outside ({@link
 * CrashableSession#crash()}) to play an agent that dies mid-turn. The edits are applied in-process,
 * as by {@link ScriptedAgent}; the process is there to be supervised, leaked, reaped and killed.
 *
 * <pre>{@code
 * SwarmWorker.newBuilder()...
 *     .agent(supervisor -> ChildProcessAgent.newBuilder(supervisor)
 *         .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("done.txt", prompt)))
 *         .build())
 * }</pre>
 *
 * <p>By default the process is {@code sleep}; {@link Builder#command(Function)} can run anything,
 * for example a program that listens on the cell's port so that the port is really held ({@link
 * Builder#awaitPort(boolean)} then makes readiness wait for it). A turn fails with {@code CRASHED}
 * as soon as the process is found dead.
 *
 * <p>Thread-safe: one instance serves any number of cells at once.
 */
public final class ChildProcessAgent implements AgentRuntime {

  /** The default process: does nothing for a day, unless stopped. */
  public static final List<String> SLEEP = List.of("sleep", "86400");

  private static final Duration WATCH = Duration.ofMillis(20);

  private final ProcessSupervisor supervisor;
  private final Function<AgentRuntime.Context, List<String>> command;
  private final Function<String, List<ScriptedAgent.FileEdit>> edits;
  private final Function<String, ScriptedAgent.Turn> turns;
  private final Duration turnDelay;
  private final Duration stopGrace;
  private final boolean awaitPort;
  private final Set<Session> live = ConcurrentHashMap.newKeySet();
  private final Set<ProcessIdentity> started = ConcurrentHashMap.newKeySet();
  private final AtomicInteger startedSessions = new AtomicInteger();

  private ChildProcessAgent(Builder builder) {
    this.supervisor = builder.supervisor;
    this.command = builder.command;
    this.edits = builder.edits;
    this.turns = builder.turns;
    this.turnDelay = builder.turnDelay;
    this.stopGrace = builder.stopGrace;
    this.awaitPort = builder.awaitPort;
  }

  /**
   * A builder for an agent whose processes {@code supervisor} starts.
   *
   * @param supervisor the supervisor that starts the agent processes
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(Objects.requireNonNull(supervisor, "supervisor cannot be null"));
  }

  @Override
  public String name() {
    return "child-process";
  }

  /**
   * Sessions started and not yet closed.
   *
   * @return the number of open sessions
   */
  public int liveSessions() {
    return live.size();
  }

  /**
   * Sessions started since this agent was built.
   *
   * @return the number of sessions started
   */
  public int startedSessions() {
    return startedSessions.get();
  }

  /**
   * The identities of every process this agent started, live or not, for leak checks.
   *
   * @return the identities, a snapshot
   */
  public Set<ProcessIdentity> startedProcesses() {
    return Set.copyOf(started);
  }

  @Override
  public AgentSession start(AgentRuntime.Context context) {
    Objects.requireNonNull(context, "context cannot be null");
    Path log = context.stateDirectory().resolve("logs").resolve("agent.log");
    SupervisedProcess process;
    try {
      process =
          supervisor.start(
              ProcessSpec.newBuilder()
                  .command(command.apply(context))
                  .workingDirectory(context.worktree())
                  .logFile(log)
                  .stopGrace(stopGrace)
                  .sandboxPolicy(
                      SandboxPolicy.forCell(context.worktree(), context.stateDirectory()))
                  .description("agent of cell " + context.cellId())
                  .build());
    } catch (IOException | RuntimeException e) {
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "the agent process of cell "
              + context.cellId()
              + " could not be started: "
              + e.getMessage(),
          e);
    }
    started.add(process.identity());
    startedSessions.incrementAndGet();
    Session session = new Session(context, process);
    live.add(session);
    return session;
  }

  @Override
  public String toString() {
    return "ChildProcessAgent[live=" + live.size() + "]";
  }

  private final class Session implements CrashableSession {
    private final AgentRuntime.Context context;
    private final SupervisedProcess process;
    private final CountDownLatch aborted = new CountDownLatch(1);
    private volatile boolean closed;

    Session(AgentRuntime.Context context, SupervisedProcess process) {
      this.context = context;
      this.process = process;
    }

    private CellId cell() {
      return context.cellId();
    }

    @Override
    public void awaitReady(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw new AgentException(
              AgentException.Reason.START_FAILED,
              "the agent process of cell "
                  + cell()
                  + " exited during start-up: "
                  + process.outputTail());
        }
        if (!awaitPort || accepts(context.port())) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AgentException(
              AgentException.Reason.NOT_READY,
              "the agent process of cell "
                  + cell()
                  + " did not listen on port "
                  + context.port()
                  + " within "
                  + timeout.toMillis()
                  + " ms");
        }
        if (waitAborted(WATCH)) {
          throw new AgentException(
              AgentException.Reason.NOT_READY,
              "the start of the agent of cell " + cell() + " was aborted");
        }
      }
    }

    @Override
    public AgentSession.Turn prompt(
        String prompt, Duration timeout, AgentSession.Progress progress) {
      Objects.requireNonNull(prompt, "prompt cannot be null");
      if (closed) {
        throw new IllegalStateException("attempted to prompt while in CLOSED state");
      }
      ScriptedAgent.Turn turn = turns.apply(prompt);
      progress.onProgress("turn started");
      Duration thinking = turn == ScriptedAgent.Turn.HANG ? timeout : turnDelay;
      long deadline = System.nanoTime() + thinking.toNanos();
      while (System.nanoTime() < deadline) {
        requireAlive();
        if (waitAborted(
            Duration.ofNanos(Math.min(WATCH.toNanos(), deadline - System.nanoTime())))) {
          throw new AgentException(
              AgentException.Reason.ABORTED, "turn of cell " + cell() + " was aborted");
        }
      }
      requireAlive();
      if (turn == ScriptedAgent.Turn.HANG) {
        throw new AgentException(
            AgentException.Reason.TURN_TIMED_OUT,
            "turn of cell " + cell() + " did not finish within " + timeout.toMillis() + " ms");
      }
      if (turn == ScriptedAgent.Turn.FAIL) {
        throw new AgentException(
            AgentException.Reason.TURN_FAILED, "the model reported an error (scripted)");
      }
      List<ScriptedAgent.FileEdit> toApply = edits.apply(prompt);
      for (ScriptedAgent.FileEdit edit : toApply) {
        edit.applyIn(context.worktree());
        progress.onProgress("edited " + edit.path());
      }
      requireAlive();
      return AgentSession.Turn.of("applied " + toApply.size() + " scripted edit(s)");
    }

    private void requireAlive() {
      if (!process.isAlive()) {
        throw new AgentException(
            AgentException.Reason.CRASHED,
            "the agent process of cell "
                + cell()
                + " (pid "
                + process.pid()
                + ") died during the turn");
      }
    }

    private boolean waitAborted(Duration wait) {
      try {
        return aborted.await(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentException(
            AgentException.Reason.ABORTED, "turn of cell " + cell() + " was interrupted", e);
      }
    }

    @Override
    public void abort() {
      aborted.countDown();
    }

    @Override
    public void crash() {
      ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
      aborted.countDown();
      if (closed) {
        return;
      }
      closed = true;
      try {
        ProcessResult result = process.stop();
        if (!result.survivors().isEmpty()) {
          throw new IllegalStateException(
              "the agent process tree of cell " + cell() + " survived KILL: " + result.survivors());
        }
      } finally {
        live.remove(this);
      }
    }

    @Override
    public String toString() {
      return "ChildProcessAgent.Session["
          + cell()
          + ", pid "
          + process.pid()
          + (closed ? ", closed" : "")
          + "]";
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Configures a {@link ChildProcessAgent}. Not thread-safe. */
  public static final class Builder {
    private final ProcessSupervisor supervisor;
    private Function<AgentRuntime.Context, List<String>> command = context -> SLEEP;
    private Function<String, List<ScriptedAgent.FileEdit>> edits = prompt -> List.of();
    private Function<String, ScriptedAgent.Turn> turns = prompt -> ScriptedAgent.Turn.NORMAL;
    private Duration turnDelay = Duration.ZERO;
    private Duration stopGrace = Duration.ofSeconds(2);
    private boolean awaitPort;

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = supervisor;
    }

    /**
     * The agent process's command for a cell, as an argument list (no shell); {@link #SLEEP} by
     * default.
     *
     * @param commandForCell gives the command for a cell
     * @return this builder
     */
    public Builder command(Function<AgentRuntime.Context, List<String>> commandForCell) {
      this.command = Objects.requireNonNull(commandForCell, "command cannot be null");
      return this;
    }

    /**
     * The edits to apply for a prompt; none by default.
     *
     * @param editsForPrompt gives the edits for a prompt
     * @return this builder
     */
    public Builder edits(Function<String, List<ScriptedAgent.FileEdit>> editsForPrompt) {
      this.edits = Objects.requireNonNull(editsForPrompt, "edits cannot be null");
      return this;
    }

    /**
     * Reads each prompt as a command ({@code write PATH CONTENT}, {@code delete PATH}, {@code
     * hang}, {@code fail}), as {@link ScriptedAgent.Builder#promptCommands()} describes: sets both
     * {@link #edits} and {@link #turns}.
     *
     * @return this builder
     */
    public Builder promptCommands() {
      this.edits = PromptCommands::edits;
      this.turns = PromptCommands::turn;
      return this;
    }

    /**
     * How the turn for a prompt behaves; {@link ScriptedAgent.Turn#NORMAL} by default.
     *
     * @param turnForPrompt gives the turn's behaviour for a prompt
     * @return this builder
     */
    public Builder turns(Function<String, ScriptedAgent.Turn> turnForPrompt) {
      this.turns = Objects.requireNonNull(turnForPrompt, "turns cannot be null");
      return this;
    }

    /**
     * How long each turn works before editing, watching its process (abortable); zero by default.
     *
     * @param delay the delay
     * @return this builder
     */
    public Builder turnDelay(Duration delay) {
      this.turnDelay = nonNegative("turnDelay", delay);
      return this;
    }

    /**
     * How long the process gets between TERM and KILL at stop; 2 s by default.
     *
     * @param grace the time between TERM and KILL
     * @return this builder
     */
    public Builder stopGrace(Duration grace) {
      this.stopGrace = nonNegative("stopGrace", grace);
      return this;
    }

    /**
     * Whether readiness waits until the process accepts connections on the cell's port; off by
     * default.
     *
     * @param await true to wait for the port
     * @return this builder
     */
    public Builder awaitPort(boolean await) {
      this.awaitPort = await;
      return this;
    }

    /**
     * Builds the agent.
     *
     * @return the agent
     */
    public ChildProcessAgent build() {
      return new ChildProcessAgent(this);
    }

    private static Duration nonNegative(String name, Duration value) {
      Objects.requireNonNull(value, name + " cannot be null");
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative but was " + value);
      }
      return value;
    }
  }

  /**
   * An agent session backed by a real process that a test can kill abruptly, as the out-of-memory
   * killer or a segmentation fault would. The fault injector's {@link
   * io.openswarm.testkit.fault.FaultInjector.Point#AGENT_CRASH} uses it.
   *
   * <p>{@link #crash()} may be called from any thread, also while a turn runs; implementations must
   * allow that.
   */
  public interface CrashableSession extends AgentSession {

    /**
     * Kills the agent's process with SIGKILL, without going through the session's own stop. A turn
     * in progress then ends with an {@link io.openswarm.core.agent.AgentException} {@code CRASHED};
     * {@link #close()} still cleans up.
     */
    void crash();
  }
}
