package io.openswarm.core.graph;

import io.openswarm.core.TaskSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One task of a {@link TaskGraph}: what to ask the agent, which tasks must be integrated first, and
 * optional overrides of the worker's defaults, the same ones a {@link TaskSpec} has.
 *
 * <pre>{@code
 * GraphTask api = GraphTask.of("api", "Add the REST endpoints for the schema", "schema")
 *     .withTestTimeout(Duration.ofMinutes(15));
 * }</pre>
 *
 * <p>A task has no base ref of its own: a graph's task starts from the head of the graph's target
 * branch at the time its dependencies are all integrated. {@link #toTaskSpec(String)} supplies it.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param id the task's id, unique in its graph, with the rules of a {@link
 *     io.openswarm.core.CellId} (1-64 of {@code [A-Za-z0-9._-]}, not starting with {@code -} or
 *     {@code .}, and obeying git's ref-name rules: no {@code ..}, not ending with {@code .} or
 *     {@code .lock})
 * @param prompt what to ask the agent; not blank, at most {@value TaskSpec#MAX_PROMPT_LENGTH}
 *     characters
 * @param dependsOn the ids of the tasks that must be integrated before this one starts, in the
 *     order given, without repetitions; empty for a task that can start at once
 * @param testCommand the test command (an argument list) instead of the worker's, or null
 * @param executeTimeout how long the agent may work instead of the worker's default, or null
 * @param testTimeout how long the tests may run instead of the worker's default, or null
 * @param commitMessage the commit message instead of {@code <id>: <first line of the prompt>}, or
 *     null
 * @param verifyBase whether this task's cell checks its base before its agent is prompted, or null
 *     for the DAG's choice (see {@link TaskSpec#verifyBase()})
 */
public record GraphTask(
    String id,
    String prompt,
    List<String> dependsOn,
    @Nullable List<String> testCommand,
    @Nullable Duration executeTimeout,
    @Nullable Duration testTimeout,
    @Nullable String commitMessage,
    @Nullable Boolean verifyBase) {

  /**
   * The base ref used only to validate the fields that a {@link TaskSpec} checks; never used to run
   * anything.
   */
  private static final String VALIDATION_REF = "HEAD";

  /**
   * Validates the task.
   *
   * @param id the task's id, unique in its graph, with the rules of a {@link
   *     io.openswarm.core.CellId}; not null
   * @param prompt what to ask the agent; not blank, at most {@value TaskSpec#MAX_PROMPT_LENGTH}
   *     characters, no NUL character
   * @param dependsOn the ids of the tasks to integrate first, without repetitions; not null
   *     (copied), may be empty
   * @param testCommand the test command (program first), or null for the worker's
   * @param executeTimeout how long the agent may work, positive, or null for the worker's default
   * @param testTimeout how long the tests may run, positive, or null for the worker's default
   * @param commitMessage the commit message, or null for the default; not blank, at most {@value
   *     TaskSpec#MAX_COMMIT_MESSAGE_LENGTH} characters
   * @param verifyBase whether the cell tests its base first, or null for the DAG's choice
   * @throws NullPointerException if a required component is null, or {@code dependsOn} contains
   *     null
   * @throws IllegalArgumentException if a component is invalid (the message names the task and the
   *     value), or {@code dependsOn} names a task twice
   */
  public GraphTask {
    Objects.requireNonNull(id, "id cannot be null");
    Objects.requireNonNull(prompt, "prompt cannot be null");
    Objects.requireNonNull(dependsOn, "dependsOn cannot be null");
    List<String> dependencies = new ArrayList<>(dependsOn.size());
    Set<String> seen = new HashSet<>();
    for (String dependency : dependsOn) {
      Objects.requireNonNull(
          dependency, "dependsOn of task " + TaskGraphException.quote(id) + " cannot contain null");
      if (!seen.add(dependency)) {
        throw new IllegalArgumentException(
            "task "
                + TaskGraphException.quote(id)
                + " lists "
                + TaskGraphException.quote(dependency)
                + " more than once in dependsOn");
      }
      dependencies.add(dependency);
    }
    dependsOn = List.copyOf(dependencies);
    try {
      TaskSpec spec =
          new TaskSpec(
              id, prompt, VALIDATION_REF, testCommand, executeTimeout, testTimeout, commitMessage);
      testCommand = spec.testCommand();
    } catch (IllegalArgumentException e) {
      // TaskSpec always says what was wrong; the fallback only keeps a message-less exception
      // readable.
      String reason = Objects.requireNonNullElse(e.getMessage(), "not a valid task");
      throw new IllegalArgumentException(
          reason.startsWith("taskId")
              ? reason.replaceFirst("^taskId", "task id")
              : "task " + TaskGraphException.quote(id) + ": " + reason,
          e);
    }
  }

  /**
   * A task that leaves the base check to its DAG.
   *
   * @param id the task's id, unique in its graph, with the rules of a {@link
   *     io.openswarm.core.CellId}; not null
   * @param prompt what to ask the agent; not blank, at most {@value TaskSpec#MAX_PROMPT_LENGTH}
   *     characters, no NUL character
   * @param dependsOn the ids of the tasks to integrate first, without repetitions; not null
   *     (copied), may be empty
   * @param testCommand the test command (program first), or null for the worker's
   * @param executeTimeout how long the agent may work, positive, or null for the worker's default
   * @param testTimeout how long the tests may run, positive, or null for the worker's default
   * @param commitMessage the commit message, or null for the default; not blank, at most {@value
   *     TaskSpec#MAX_COMMIT_MESSAGE_LENGTH} characters
   * @throws NullPointerException if a required component is null, or {@code dependsOn} contains
   *     null
   * @throws IllegalArgumentException if a component is invalid, or {@code dependsOn} names a task
   *     twice
   */
  public GraphTask(
      String id,
      String prompt,
      List<String> dependsOn,
      @Nullable List<String> testCommand,
      @Nullable Duration executeTimeout,
      @Nullable Duration testTimeout,
      @Nullable String commitMessage) {
    this(id, prompt, dependsOn, testCommand, executeTimeout, testTimeout, commitMessage, null);
  }

  /**
   * A task with the worker's defaults.
   *
   * @param id the task's id, unique in its graph, with the rules of a {@link
   *     io.openswarm.core.CellId}
   * @param prompt what to ask the agent; not blank, at most {@value TaskSpec#MAX_PROMPT_LENGTH}
   *     characters
   * @param dependsOn the ids of the tasks that must be integrated first; none for a task that can
   *     start at once
   * @return the task
   * @throws NullPointerException if an argument is null, or {@code dependsOn} contains null
   * @throws IllegalArgumentException if a value is invalid
   */
  public static GraphTask of(String id, String prompt, String... dependsOn) {
    Objects.requireNonNull(dependsOn, "dependsOn cannot be null");
    return new GraphTask(id, prompt, Arrays.asList(dependsOn), null, null, null, null);
  }

  /**
   * A task with the id, prompt and overrides of {@code spec}; its base ref is not used (a graph's
   * task starts from the target branch).
   *
   * @param spec the task whose id, prompt and overrides to take; not null
   * @param dependsOn the ids of the tasks to integrate first, without repetitions; not null, may be
   *     empty
   * @return the graph task
   * @throws IllegalArgumentException if {@code dependsOn} is invalid
   */
  public static GraphTask of(TaskSpec spec, List<String> dependsOn) {
    Objects.requireNonNull(spec, "spec cannot be null");
    return new GraphTask(
        spec.taskId(),
        spec.prompt(),
        dependsOn,
        spec.testCommand(),
        spec.executeTimeout(),
        spec.testTimeout(),
        spec.commitMessage(),
        spec.verifyBase());
  }

  /**
   * This task with other dependencies.
   *
   * @param dependencies the ids of the tasks to integrate first, without repetitions; not null, may
   *     be empty
   * @return a copy of this task with those dependencies
   * @throws NullPointerException if {@code dependencies} is null or contains null
   * @throws IllegalArgumentException if {@code dependencies} names a task twice
   */
  public GraphTask withDependsOn(List<String> dependencies) {
    return new GraphTask(
        id,
        prompt,
        dependencies,
        testCommand,
        executeTimeout,
        testTimeout,
        commitMessage,
        verifyBase);
  }

  /**
   * This task with its own test command.
   *
   * @param command the program and its arguments, or null for the worker's test command
   * @return a copy of this task with that test command
   * @throws IllegalArgumentException if {@code command} names no program
   */
  public GraphTask withTestCommand(List<String> command) {
    return new GraphTask(
        id, prompt, dependsOn, command, executeTimeout, testTimeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own limit on the agent's turn.
   *
   * @param timeout how long the agent may work; positive, or null for the worker's default
   * @return a copy of this task with that limit
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public GraphTask withExecuteTimeout(Duration timeout) {
    return new GraphTask(
        id, prompt, dependsOn, testCommand, timeout, testTimeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own limit on the test run.
   *
   * @param timeout how long the tests may run; positive, or null for the worker's default
   * @return a copy of this task with that limit
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public GraphTask withTestTimeout(Duration timeout) {
    return new GraphTask(
        id, prompt, dependsOn, testCommand, executeTimeout, timeout, commitMessage, verifyBase);
  }

  /**
   * This task with its own commit message.
   *
   * @param message the commit message, or null for the default
   * @return a copy of this task with that message
   * @throws IllegalArgumentException if {@code message} is blank or too long
   */
  public GraphTask withCommitMessage(String message) {
    return new GraphTask(
        id, prompt, dependsOn, testCommand, executeTimeout, testTimeout, message, verifyBase);
  }

  /**
   * This task with the base check on or off, whatever its DAG says.
   *
   * @param verify true to test the base commit first, false not to
   * @return a copy of this task with that choice
   */
  public GraphTask withVerifyBase(boolean verify) {
    return new GraphTask(
        id, prompt, dependsOn, testCommand, executeTimeout, testTimeout, commitMessage, verify);
  }

  /**
   * The task to run in a cell that starts from {@code baseRef}.
   *
   * @param baseRef the git revision the cell starts from; not blank, not starting with {@code -}
   * @return the task with that base ref
   * @throws IllegalArgumentException if {@code baseRef} is not a valid git revision
   */
  public TaskSpec toTaskSpec(String baseRef) {
    return new TaskSpec(
        id, prompt, baseRef, testCommand, executeTimeout, testTimeout, commitMessage, verifyBase);
  }
}
