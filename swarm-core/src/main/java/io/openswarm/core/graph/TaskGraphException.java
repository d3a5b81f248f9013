package io.openswarm.core.graph;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A task graph cannot run. {@link #problem()} says why in a form programs can act on, {@link
 * #taskIds()} names the tasks involved, and the message says it in a form people can act on,
 * starting with the problem's name, for example {@code invalid task graph (cycle): a -> b -> c -> a
 * (each task depends on the next)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskGraphException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Why a graph is invalid. Stable: callers may switch on it. */
  public enum Problem {
    /** The graph has no task. */
    EMPTY("empty graph"),
    /** The graph has more than {@link TaskGraph#MAX_TASKS} tasks. */
    TOO_MANY_TASKS("too many tasks"),
    /**
     * The prompts together are longer than {@link TaskGraph#MAX_TOTAL_PROMPT_LENGTH} characters.
     */
    PROMPTS_TOO_LONG("prompts too long"),
    /** Two tasks have the same id. */
    DUPLICATE_ID("duplicate id"),
    /** A task lists itself in {@code dependsOn}. */
    SELF_DEPENDENCY("self-dependency"),
    /** A task depends on an id that is not in the graph. */
    UNKNOWN_DEPENDENCY("unknown dependency"),
    /** Tasks depend on each other in a cycle, so none of them could ever start. */
    CYCLE("cycle");

    private final String label;

    Problem(String label) {
      this.label = label;
    }

    /**
     * The problem's name as messages show it, for example {@code unknown dependency}.
     *
     * @return the label used in messages
     */
    public String label() {
      return label;
    }
  }

  /** Why the graph is invalid; never null. */
  private final Problem problem;

  /** The ids of the tasks involved; unmodifiable, never null. */
  private final List<String> taskIds;

  /**
   * @param problem why the graph is invalid
   * @param taskIds the ids involved; for a cycle, the ids along it with the first repeated at the
   *     end
   * @param detail what exactly is wrong, without the {@code invalid task graph (<problem>): }
   *     prefix
   * @throws NullPointerException if an argument is null
   */
  public TaskGraphException(Problem problem, List<String> taskIds, String detail) {
    super(
        "invalid task graph ("
            + Objects.requireNonNull(problem, "problem cannot be null").label()
            + "): "
            + Objects.requireNonNull(detail, "detail cannot be null"));
    this.problem = problem;
    this.taskIds = List.copyOf(Objects.requireNonNull(taskIds, "taskIds cannot be null"));
  }

  /**
   * Why the graph is invalid.
   *
   * @return the problem; never null
   */
  public Problem problem() {
    return problem;
  }

  /**
   * The ids of the tasks involved; for a {@link Problem#CYCLE}, the cycle in order, its first id
   * repeated last.
   *
   * @return the ids involved, unmodifiable; empty when the problem concerns the graph as a whole
   *     (such as {@link Problem#EMPTY})
   */
  public List<String> taskIds() {
    return taskIds;
  }

  /**
   * Quotes an id for a message, escaping control characters so that the message stays on one line.
   */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    value
        .codePoints()
        .limit(100)
        .forEach(
            cp -> {
              if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
              } else if (Character.isISOControl(cp)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    if (value.codePointCount(0, value.length()) > 100) {
      out.append("...");
    }
    return out.append('"').toString();
  }
}
