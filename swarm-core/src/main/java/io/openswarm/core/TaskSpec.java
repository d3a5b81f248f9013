package io.openswarm.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One task for an agent: what to do, from which commit, and optional per-task overrides of the
 * worker's defaults.
 *
 * <pre>{@code
 * TaskSpec task = TaskSpec.of("add-readme", "Add a README that explains the build", "main")
 *     .withTestCommand(List.of("./gradlew", "test"))
 *     .withTestTimeout(Duration.ofMinutes(15));
 * }</pre>
 *
 * <p>The prompt and commit message are carried as data from end to end: quotes, newlines, {@code
 * $(...)} and backticks reach the agent and git unchanged and are never interpreted by a shell.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param taskId the task's id, with the same rules as a {@link CellId} (the cell that runs it is
 *     named after it, and its branch {@code swarm/<taskId>}, so git's ref-name rules apply)
 * @param prompt what to ask the agent; not blank, at most {@value #MAX_PROMPT_LENGTH} characters,
 *     no NUL character
 * @param baseRef the git revision to start from: a branch, tag or commit SHA; must not start with
 *     {@code -}
 * @param testCommand the test command (an argument list) instead of the worker's, or null for the
 *     worker's
 * @param executeTimeout how long the agent may work instead of the worker's default, or null
 * @param testTimeout how long the tests may run instead of the worker's default, or null
 * @param commitMessage the commit message instead of the default ({@code <taskId>: <first line of
 *     the prompt>}), or null; not blank, at most {@value #MAX_COMMIT_MESSAGE_LENGTH} characters, no
 *     NUL character
 * @param verifyBase whether to run the test command on the base commit before the agent is prompted
 *     ({@code true}), not to ({@code false}), or null for the default (a DAG's setting for its
 *     tasks, else the worker's). A base whose tests fail ends the task as FAILED at {@link
 *     CellStep#VERIFY_BASE} with the type {@code BaseIsRed}, so the agent is never blamed for a
 *     broken base; see {@code docs/configuration.md}
 */
public record TaskSpec(
    String taskId,
    String prompt,
    String baseRef,
    @Nullable List<String> testCommand,
    @Nullable Duration executeTimeout,
    @Nullable Duration testTimeout,
    @Nullable String commitMessage,
    @Nullable Boolean verifyBase) {

  /** The longest prompt accepted, in characters. */
  public static final int MAX_PROMPT_LENGTH = 256 * 1024;

  /**
   * The longest explicit commit message accepted, in characters (64 KiB). Far above any message a
   * person reads, and far below what would make the request too large to carry between workflow and
   * activities: a larger one is refused here instead of failing minutes later at the commit step.
   * (The default message is one line: see {@link #effectiveCommitMessage()}.)
   */
  public static final int MAX_COMMIT_MESSAGE_LENGTH = 64 * 1024;

  /**
   * Checks every component; see the class description for their meaning.
   *
   * @param taskId the task's id, with the rules of a {@link CellId}; not null
   * @param prompt what to ask the agent; not blank, at most {@value #MAX_PROMPT_LENGTH} characters,
   *     no NUL character
   * @param baseRef the git revision to start from; not blank, no control character, not starting
   *     with {@code -}
   * @param testCommand the test command (program first, then its arguments; copied), or null for
   *     the worker's
   * @param executeTimeout how long the agent may work, positive, or null for the worker's default
   * @param testTimeout how long the tests may run, positive, or null for the worker's default
   * @param commitMessage the commit message, or null for the default; not blank, at most {@value
   *     #MAX_COMMIT_MESSAGE_LENGTH} characters, no NUL character
   * @param verifyBase whether to test the base commit first, or null for the default
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if a component is invalid; the message names the value and
   *     what is allowed
   */
  public TaskSpec {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    Objects.requireNonNull(prompt, "prompt cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
    try {
      CellId.of(taskId);
    } catch (IllegalArgumentException e) {
      // CellId.of always says what was wrong; the fallback only keeps a message-less exception
      // readable.
      String reason = Objects.requireNonNullElse(e.getMessage(), "cellId is not valid: " + taskId);
      throw new IllegalArgumentException(reason.replaceFirst("^cellId", "taskId"), e);
    }
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("prompt must not be blank");
    }
    if (prompt.length() > MAX_PROMPT_LENGTH) {
      throw new IllegalArgumentException(
          String.format(
              "prompt must be at most %d characters but was %d characters",
              MAX_PROMPT_LENGTH, prompt.length()));
    }
    requireNoNul(
        "prompt",
        prompt,
        "no command line or text an agent reads can carry it, and git refuses it in the "
            + "default commit message");
    if (baseRef.isBlank()
        || baseRef.startsWith("-")
        || baseRef.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "baseRef must be a git revision (not blank, no control characters, not starting with '-') but was "
              + CellId.quote(baseRef));
    }
    if (testCommand != null) {
      testCommand = List.copyOf(testCommand);
      if (testCommand.isEmpty() || testCommand.get(0).isBlank()) {
        throw new IllegalArgumentException(
            "testCommand must name a program as its first argument but was " + testCommand);
      }
    }
    requirePositive("executeTimeout", executeTimeout);
    requirePositive("testTimeout", testTimeout);
    if (commitMessage != null) {
      if (commitMessage.isBlank()) {
        throw new IllegalArgumentException("commitMessage must not be blank when given");
      }
      if (commitMessage.length() > MAX_COMMIT_MESSAGE_LENGTH) {
        throw new IllegalArgumentException(
            String.format(
                "commitMessage must be at most %d characters but was %d characters: %s",
                MAX_COMMIT_MESSAGE_LENGTH, commitMessage.length(), CellId.quote(commitMessage)));
      }
      requireNoNul("commitMessage", commitMessage, "git refuses it in a commit message");
    }
  }

  /**
   * A task that leaves the base check to the default (a DAG's setting for its tasks, else the
   * worker's).
   *
   * @param taskId the task's id, with the rules of a {@link CellId}; not null
   * @param prompt what to ask the agent; not blank, at most {@value #MAX_PROMPT_LENGTH} characters,
   *     no NUL character
   * @param baseRef the git revision to start from; not blank, no control character, not starting
   *     with {@code -}
   * @param testCommand the test command (program first, then its arguments; copied), or null for
   *     the worker's
   * @param executeTimeout how long the agent may work, positive, or null for the worker's default
   * @param testTimeout how long the tests may run, positive, or null for the worker's default
   * @param commitMessage the commit message, or null for the default; not blank, at most {@value
   *     #MAX_COMMIT_MESSAGE_LENGTH} characters, no NUL character
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if a component is invalid; the message names the value and
   *     what is allowed
   */
  public TaskSpec(
      String taskId,
      String prompt,
      String baseRef,
      @Nullable List<String> testCommand,
      @Nullable Duration executeTimeout,
      @Nullable Duration testTimeout,
      @Nullable String commitMessage) {
    this(taskId, prompt, baseRef, testCommand, executeTimeout, testTimeout, commitMessage, null);
  }

  /**
   * A task with the worker's defaults for everything else.
   *
   * @param taskId the task's id, with the rules of a {@link CellId}; not null
   * @param prompt what to ask the agent; not blank, at most {@value #MAX_PROMPT_LENGTH} characters,
   *     no NUL character
   * @param baseRef the git revision to start from; not blank, no control character, not starting
   *     with {@code -}
   * @return the task
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is invalid; the message names the value and
   *     what is allowed
   */
  public static TaskSpec of(String taskId, String prompt, String baseRef) {
    return new TaskSpec(taskId, prompt, baseRef, null, null, null, null, null);
  }

  /**
   * This task with its own test command.
   *
   * @param command the program and its arguments, the program not blank; null for the worker's test
   *     command
   * @return a copy of this task with that test command
   * @throws IllegalArgumentException if {@code command} names no program
   */
  public TaskSpec withTestCommand(List<String> command) {
    return new TaskSpec(
        taskId, prompt, baseRef, command, executeTimeout, testTimeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own limit on the agent's turn.
   *
   * @param timeout how long the agent may work; positive
   * @return a copy of this task with that limit
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public TaskSpec withExecuteTimeout(Duration timeout) {
    return new TaskSpec(
        taskId, prompt, baseRef, testCommand, timeout, testTimeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own limit on the test run.
   *
   * @param timeout how long the tests may run; positive
   * @return a copy of this task with that limit
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public TaskSpec withTestTimeout(Duration timeout) {
    return new TaskSpec(
        taskId, prompt, baseRef, testCommand, executeTimeout, timeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own commit message.
   *
   * @param message the commit message; not blank, at most {@value #MAX_COMMIT_MESSAGE_LENGTH}
   *     characters, no NUL character
   * @return a copy of this task with that message
   * @throws IllegalArgumentException if {@code message} is blank, too long or holds a NUL character
   */
  public TaskSpec withCommitMessage(String message) {
    return new TaskSpec(
        taskId, prompt, baseRef, testCommand, executeTimeout, testTimeout, message, verifyBase);
  }

  /**
   * This task with the base check on ({@code true}) or off ({@code false}) whatever the DAG's or
   * the worker's default: when on, the test command (this task's, else the worker's) runs on the
   * base commit before the agent is prompted, and a red base fails the task with {@code BaseIsRed}
   * instead of reverting the agent's change.
   *
   * @param verify true to test the base commit first, false not to
   * @return a copy of this task with that choice
   */
  public TaskSpec withVerifyBase(boolean verify) {
    return new TaskSpec(
        taskId, prompt, baseRef, testCommand, executeTimeout, testTimeout, commitMessage, verify);
  }

  /**
   * Whether this task's base is checked, given the default that applies to it when it names none
   * (the DAG's, else the worker's).
   *
   * @param byDefault the default that applies to this task (the DAG's, else the worker's)
   * @return {@link #verifyBase()} when set, else {@code byDefault}
   */
  public boolean verifiesBase(boolean byDefault) {
    return verifyBase == null ? byDefault : verifyBase;
  }

  /**
   * The longest first line of the prompt the default commit message keeps, in characters; a longer
   * one is cut to {@value #SUBJECT_CHARS} characters with its end replaced by {@code ...}, so the
   * subject stays one readable line.
   */
  public static final int SUBJECT_CHARS = 72;

  /**
   * The commit message to use: the explicit one, or {@code <taskId>: <first line of the prompt>},
   * the line cut to {@value #SUBJECT_CHARS} characters. Only the first line: the rest of a prompt
   * is for the agent, and a prompt can be far longer than anyone reads in {@code git log}.
   *
   * @return the commit message for this task; never blank
   */
  public String effectiveCommitMessage() {
    if (commitMessage != null) {
      return commitMessage;
    }
    String firstLine = prompt.strip().lines().findFirst().orElse("").strip();
    if (firstLine.codePointCount(0, firstLine.length()) > SUBJECT_CHARS) {
      // Cut between code points, never inside a surrogate pair.
      firstLine =
          firstLine.substring(0, firstLine.offsetByCodePoints(0, SUBJECT_CHARS - 3)).stripTrailing()
              + "...";
    }
    return taskId + ": " + firstLine;
  }

  private static void requireNoNul(String name, String value, String why) {
    int nul = value.indexOf('\0');
    if (nul >= 0) {
      throw new IllegalArgumentException(
          String.format(
              "%s must not contain a NUL character (%s) but has one at index %d: %s",
              name, why, nul, CellId.quote(value)));
    }
  }

  private static void requirePositive(String name, @Nullable Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
