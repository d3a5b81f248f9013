package io.openswarm.testkit.agent;

import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * An in-process agent that applies the file edits a script gives for each prompt: the fast,
 * deterministic cell for unit tests, benchmarks and the demo. It can also be told to be slow, to
 * fail, or to hang until aborted.
 *
 * <pre>{@code
 * ScriptedAgent agent = ScriptedAgent.newBuilder()
 *     .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("hello.txt", prompt)))
 *     .turnDelay(Duration.ofMillis(50))
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe: one instance serves any number of cells at once.
 */
public final class ScriptedAgent implements AgentRuntime {

  /** How a turn behaves. */
  public enum Turn {
    /** Apply the edits and finish. */
    NORMAL,
    /** Report a turn failure without editing. */
    FAIL,
    /** Never finish: wait until aborted or timed out. */
    HANG
  }

  /** How start-up behaves. */
  public enum Start {
    /** Start and become ready. */
    READY,
    /** Fail in {@link AgentRuntime#start}, like a binary that cannot run. */
    FAIL,
    /** Start, but never become ready. */
    NEVER_READY
  }

  private final Function<String, List<FileEdit>> edits;
  private final Function<String, Turn> turns;
  private final Start start;
  private final Duration startDelay;
  private final Duration turnDelay;
  private final AtomicInteger liveSessions = new AtomicInteger();
  private final AtomicInteger startedSessions = new AtomicInteger();

  private ScriptedAgent(Builder builder) {
    this.edits = builder.edits;
    this.turns = builder.turns;
    this.start = builder.start;
    this.startDelay = builder.startDelay;
    this.turnDelay = builder.turnDelay;
  }

  /**
   * Returns a builder; by default the agent edits nothing and finishes at once.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * An agent that applies the same edits for every prompt.
   *
   * @param fileEdits the edits of every turn
   * @return the agent
   */
  public static ScriptedAgent writing(FileEdit... fileEdits) {
    List<FileEdit> list = List.of(fileEdits);
    return newBuilder().edits(prompt -> list).build();
  }

  @Override
  public String name() {
    return "scripted";
  }

  /**
   * Sessions started and not yet closed; 0 after every cell has been torn down.
   *
   * @return the number of open sessions
   */
  public int liveSessions() {
    return liveSessions.get();
  }

  /**
   * Sessions started since this agent was built.
   *
   * @return the number of sessions started
   */
  public int startedSessions() {
    return startedSessions.get();
  }

  @Override
  public AgentSession start(AgentRuntime.Context context) {
    Objects.requireNonNull(context, "context cannot be null");
    pause(startDelay);
    if (start == Start.FAIL) {
      throw new AgentException(
          AgentException.Reason.START_FAILED,
          "scripted agent of cell " + context.cellId() + " failed to start (scripted)");
    }
    return new Session(context);
  }

  private static void pause(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(delay.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException(AgentException.Reason.ABORTED, "interrupted while pausing", e);
    }
  }

  private final class Session implements AgentSession {
    private final AgentRuntime.Context context;
    private final CountDownLatch aborted = new CountDownLatch(1);
    private volatile boolean closed;

    Session(AgentRuntime.Context context) {
      this.context = context;
      startedSessions.incrementAndGet();
      liveSessions.incrementAndGet();
    }

    @Override
    public void awaitReady(Duration timeout) {
      if (start == Start.NEVER_READY) {
        try {
          aborted.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new AgentException(
            AgentException.Reason.NOT_READY,
            "scripted agent of cell "
                + context.cellId()
                + " was not ready after "
                + timeout.toMillis()
                + " ms (scripted)");
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
      progress.onProgress("scripted turn started");
      try {
        if (turn == ScriptedAgent.Turn.HANG) {
          if (aborted.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AgentException(
                AgentException.Reason.ABORTED, "turn of cell " + context.cellId() + " was aborted");
          }
          throw new AgentException(
              AgentException.Reason.TURN_TIMED_OUT,
              "turn of cell "
                  + context.cellId()
                  + " did not finish within "
                  + timeout.toMillis()
                  + " ms");
        }
        if (!turnDelay.isZero() && aborted.await(turnDelay.toNanos(), TimeUnit.NANOSECONDS)) {
          throw new AgentException(
              AgentException.Reason.ABORTED, "turn of cell " + context.cellId() + " was aborted");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentException(
            AgentException.Reason.ABORTED,
            "turn of cell " + context.cellId() + " was interrupted",
            e);
      }
      if (turn == ScriptedAgent.Turn.FAIL) {
        throw new AgentException(
            AgentException.Reason.TURN_FAILED, "the model reported an error (scripted)");
      }
      List<FileEdit> toApply = edits.apply(prompt);
      for (FileEdit edit : toApply) {
        edit.applyIn(context.worktree());
        progress.onProgress("edited " + edit.path());
      }
      return AgentSession.Turn.of("applied " + toApply.size() + " scripted edit(s)");
    }

    @Override
    public void abort() {
      aborted.countDown();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        aborted.countDown();
        liveSessions.decrementAndGet();
      }
    }

    @Override
    public String toString() {
      return "ScriptedAgent.Session[" + context.cellId() + (closed ? ", closed" : "") + "]";
    }
  }

  /** Configures a {@link ScriptedAgent}. Not thread-safe. */
  public static final class Builder {
    private Function<String, List<FileEdit>> edits = prompt -> List.of();
    private Function<String, Turn> turns = prompt -> Turn.NORMAL;
    private Start start = Start.READY;
    private Duration startDelay = Duration.ZERO;
    private Duration turnDelay = Duration.ZERO;

    private Builder() {}

    /**
     * The edits to apply for a prompt.
     *
     * @param editsForPrompt gives the edits for a prompt
     * @return this builder
     */
    public Builder edits(Function<String, List<FileEdit>> editsForPrompt) {
      this.edits = Objects.requireNonNull(editsForPrompt, "edits cannot be null");
      return this;
    }

    /**
     * Reads each prompt as a command, so that a test says what the agent does in the prompt itself;
     * sets both {@link #edits} and {@link #turns}:
     *
     * <ul>
     *   <li>{@code write PATH CONTENT}: writes {@code CONTENT} (everything after the second space,
     *       spaces and newlines included, empty if absent) to {@code PATH};
     *   <li>{@code delete PATH}: deletes {@code PATH};
     *   <li>{@code hang}: the turn never finishes by itself (it ends when aborted or timed out);
     *   <li>{@code fail}: the turn fails as a model error would;
     *   <li>anything else: the turn finishes without editing.
     * </ul>
     *
     * <p>The words are matched exactly and case-sensitively.
     *
     * @return this builder
     */
    public Builder promptCommands() {
      this.edits = PromptCommands::edits;
      this.turns = PromptCommands::turn;
      return this;
    }

    /**
     * How the turn for a prompt behaves; {@link Turn#NORMAL} for every prompt by default.
     *
     * @param turnForPrompt gives the turn's behaviour for a prompt
     * @return this builder
     */
    public Builder turns(Function<String, Turn> turnForPrompt) {
      this.turns = Objects.requireNonNull(turnForPrompt, "turns cannot be null");
      return this;
    }

    /**
     * How start-up behaves; {@link Start#READY} by default.
     *
     * @param startBehaviour how start-up behaves
     * @return this builder
     */
    public Builder start(Start startBehaviour) {
      this.start = Objects.requireNonNull(startBehaviour, "start cannot be null");
      return this;
    }

    /**
     * How long {@link AgentRuntime#start} takes.
     *
     * @param delay the delay
     * @return this builder
     */
    public Builder startDelay(Duration delay) {
      this.startDelay = requireNonNegative("startDelay", delay);
      return this;
    }

    /**
     * How long each turn "thinks" before editing (abortable).
     *
     * @param delay the delay
     * @return this builder
     */
    public Builder turnDelay(Duration delay) {
      this.turnDelay = requireNonNegative("turnDelay", delay);
      return this;
    }

    /**
     * Builds the agent.
     *
     * @return the agent
     */
    public ScriptedAgent build() {
      return new ScriptedAgent(this);
    }

    private static Duration requireNonNegative(String name, Duration value) {
      Objects.requireNonNull(value, name + " cannot be null");
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative but was " + value);
      }
      return value;
    }
  }

  /**
   * One change a {@link ScriptedAgent} makes to a worktree.
   *
   * @param path the file, relative to the worktree; may not leave it
   * @param content the new content, or null to delete the file
   */
  public record FileEdit(String path, @Nullable String content) {

    /**
     * Checks the path.
     *
     * @param path the file, relative to the worktree; may not leave it
     * @param content the new content, or null to delete the file
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is blank
     */
    public FileEdit {
      Objects.requireNonNull(path, "path cannot be null");
      if (path.isBlank()) {
        throw new IllegalArgumentException("path must not be blank");
      }
    }

    /**
     * Writes {@code content} to {@code path}, creating parent directories.
     *
     * @param path the file, relative to the worktree
     * @param content the new content
     * @return the edit
     */
    public static FileEdit write(String path, String content) {
      return new FileEdit(path, Objects.requireNonNull(content, "content cannot be null"));
    }

    /**
     * Deletes {@code path} if it exists.
     *
     * @param path the file, relative to the worktree
     * @return the edit
     */
    public static FileEdit delete(String path) {
      return new FileEdit(path, null);
    }

    /**
     * Makes this change in {@code worktree}, as an agent's turn would.
     *
     * @throws AgentException (turn failed) if the path leaves the worktree
     * @throws UncheckedIOException if the file cannot be written or deleted
     */
    void applyIn(Path worktree) {
      Path root = worktree.toAbsolutePath().normalize();
      Path target = root.resolve(path).normalize();
      if (!target.startsWith(root) || target.equals(root)) {
        throw new AgentException(
            AgentException.Reason.TURN_FAILED,
            "scripted edit path must stay inside the worktree but was " + path);
      }
      try {
        if (content == null) {
          Files.deleteIfExists(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.writeString(target, content, StandardCharsets.UTF_8);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("scripted edit of " + path + " failed", e);
      }
    }
  }
}
