package io.openswarm.temporal;

import io.openswarm.core.CellId;
import io.openswarm.core.graph.TaskGraph;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link DagWorkflow} runs: a graph of tasks, from which commit, onto which branch, how many
 * at once.
 *
 * <pre>{@code
 * DagRequest request = DagRequest.of("orders", graph, "main")       // onto branch dag/orders, 4 at a time
 *     .withMaxParallel(8);
 * }</pre>
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param dagId the DAG's id, with the rules of a {@link CellId} (1-64 of {@code [A-Za-z0-9._-]},
 *     not starting with {@code -}); the workflow id is {@code dag-<dagId>} and each task attempt's
 *     {@code dag-<dagId>-<taskId>-<n>}
 * @param graph the tasks, validated
 * @param baseRef the git revision the target branch is created at
 * @param targetBranch the branch the tasks are integrated into, without {@code refs/heads/};
 *     created by the DAG, so it must not exist yet (or already point at the base commit)
 * @param maxParallel how many tasks may run at once, 1 to {@value TaskGraph#MAX_TASKS}
 * @param verifyBase whether the DAG's start base is checked before any agent works ({@code true}),
 *     not ({@code false}), or null for the worker's default. The cells that start from the base
 *     commit run the test command on it first (once per worker: the verdict is shared); a red base
 *     ends those tasks FAILED with {@code BaseIsRed} and every task not started {@code SKIPPED}, so
 *     no agent is blamed for it. Later cells start from heads that an integration tested green, and
 *     are not checked again unless their task says so ({@link
 *     io.openswarm.core.graph.GraphTask#withVerifyBase})
 */
public record DagRequest(
    String dagId,
    TaskGraph graph,
    String baseRef,
    String targetBranch,
    int maxParallel,
    @Nullable Boolean verifyBase) {

  /** How many tasks run at once unless told otherwise. */
  public static final int DEFAULT_MAX_PARALLEL = 4;

  /**
   * Checks every component.
   *
   * @param dagId the DAG's id, with the rules of a {@link CellId} (1-64 of {@code [A-Za-z0-9._-]},
   *     not starting with {@code -}); the workflow id is {@code dag-<dagId>} and each task
   *     attempt's {@code dag-<dagId>-<taskId>-<n>}
   * @param graph the tasks, validated
   * @param baseRef the git revision the target branch is created at
   * @param targetBranch the branch the tasks are integrated into, without {@code refs/heads/};
   *     created by the DAG, so it must not exist yet (or already point at the base commit)
   * @param maxParallel how many tasks may run at once, 1 to {@value TaskGraph#MAX_TASKS}
   * @param verifyBase whether the DAG's start base is checked before any agent works ({@code
   *     true}), not ({@code false}), or null for the worker's default. The cells that start from
   *     the base commit run the test command on it first (once per worker: the verdict is shared);
   *     a red base ends those tasks FAILED with {@code BaseIsRed} and every task not started {@code
   *     SKIPPED}, so no agent is blamed for it. Later cells start from heads that an integration
   *     tested green, and are not checked again unless their task says so ({@link
   *     io.openswarm.core.graph.GraphTask#withVerifyBase})
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if a component is invalid; the message names it, the value and
   *     what is allowed
   */
  public DagRequest {
    Objects.requireNonNull(dagId, "dagId cannot be null");
    Objects.requireNonNull(graph, "graph cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    try {
      CellId.of(dagId);
    } catch (IllegalArgumentException e) {
      // CellId.of always says what was wrong; the fallback only keeps a message-less exception
      // readable.
      String reason = Objects.requireNonNullElse(e.getMessage(), "cellId is not valid: " + dagId);
      throw new IllegalArgumentException(reason.replaceFirst("^cellId", "dagId"), e);
    }
    if (baseRef.isBlank()
        || baseRef.startsWith("-")
        || baseRef.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "baseRef must be a git revision (not blank, no control characters, not "
              + "starting with '-') but was \""
              + printable(baseRef)
              + "\"");
    }
    if (targetBranch.isBlank()
        || targetBranch.startsWith("-")
        || targetBranch.startsWith("/")
        || targetBranch.endsWith("/")
        || targetBranch.startsWith("refs/")
        || targetBranch.contains("..")
        || targetBranch
            .chars()
            .anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
      throw new IllegalArgumentException(
          "targetBranch must be a branch name without refs/heads/ (not blank, no "
              + "whitespace or control characters, not starting with '-' or '/', no \"..\") but was \""
              + printable(targetBranch)
              + "\"");
    }
    if (maxParallel < 1 || maxParallel > TaskGraph.MAX_TASKS) {
      throw new IllegalArgumentException(
          "maxParallel must be between 1 and " + TaskGraph.MAX_TASKS + " but was " + maxParallel);
    }
  }

  /**
   * A request that leaves the base check to the worker's default.
   *
   * @param dagId the DAG's id, with the rules of a {@link CellId} (1-64 of {@code [A-Za-z0-9._-]},
   *     not starting with {@code -}); the workflow id is {@code dag-<dagId>} and each task
   *     attempt's {@code dag-<dagId>-<taskId>-<n>}
   * @param graph the tasks, validated
   * @param baseRef the git revision the target branch is created at
   * @param targetBranch the branch the tasks are integrated into, without {@code refs/heads/};
   *     created by the DAG, so it must not exist yet (or already point at the base commit)
   * @param maxParallel how many tasks may run at once, 1 to {@value TaskGraph#MAX_TASKS}
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if a component is invalid
   */
  public DagRequest(
      String dagId, TaskGraph graph, String baseRef, String targetBranch, int maxParallel) {
    this(dagId, graph, baseRef, targetBranch, maxParallel, null);
  }

  /**
   * A DAG onto branch {@code dag/<dagId>} created at {@code baseRef}, running {@value
   * #DEFAULT_MAX_PARALLEL} tasks at once.
   *
   * @param dagId the DAG's id, with the rules of a {@link CellId} (1-64 of {@code [A-Za-z0-9._-]},
   *     not starting with {@code -}); the workflow id is {@code dag-<dagId>} and each task
   *     attempt's {@code dag-<dagId>-<taskId>-<n>}
   * @param graph the tasks, validated
   * @param baseRef the git revision the target branch is created at
   * @return the request
   * @throws IllegalArgumentException if a value is invalid
   */
  public static DagRequest of(String dagId, TaskGraph graph, String baseRef) {
    return new DagRequest(dagId, graph, baseRef, "dag/" + dagId, DEFAULT_MAX_PARALLEL);
  }

  /**
   * This request with another target branch.
   *
   * @param branch the branch to integrate into, without {@code refs/heads/}
   * @return a copy of this request with that target branch
   * @throws IllegalArgumentException if {@code branch} is not a valid branch name
   */
  public DagRequest withTargetBranch(String branch) {
    return new DagRequest(dagId, graph, baseRef, branch, maxParallel, verifyBase);
  }

  /**
   * This request with another bound on the tasks that run at once.
   *
   * @param max how many tasks may run at once; 1 to {@link TaskGraph#MAX_TASKS}
   * @return a copy of this request with that bound
   * @throws IllegalArgumentException if {@code max} is out of range
   */
  public DagRequest withMaxParallel(int max) {
    return new DagRequest(dagId, graph, baseRef, targetBranch, max, verifyBase);
  }

  /**
   * This request with the check of its start base on or off, whatever the worker's default.
   *
   * @param verify true to test the start base first, false not to
   * @return a copy of this request with that choice
   */
  public DagRequest withVerifyBase(boolean verify) {
    return new DagRequest(dagId, graph, baseRef, targetBranch, maxParallel, verify);
  }

  /**
   * The id of the DAG's workflow: {@code dag-<dagId>}.
   *
   * @return the workflow id
   */
  public String workflowId() {
    return "dag-" + dagId;
  }

  private static String printable(String value) {
    String shown = value.replaceAll("\\p{Cntrl}", "?");
    return shown.length() > 200 ? shown.substring(0, 200) + "..." : shown;
  }
}
