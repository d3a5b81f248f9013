package io.openswarm.core.graph;

import io.openswarm.core.graph.TaskGraphException.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A directed acyclic graph of tasks: each {@link GraphTask} starts once every task it {@linkplain
 * GraphTask#dependsOn() depends on} has been integrated.
 *
 * <pre>{@code
 * TaskGraph graph = TaskGraph.newBuilder()
 *     .task("schema", "Add the database schema for orders")
 *     .task("api", "Add the REST endpoints for orders", "schema")
 *     .task("ui", "Add the order page", "schema")
 *     .task("e2e", "Add an end-to-end test of placing an order", "api", "ui")
 *     .build();
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * The graph is validated completely when it is constructed, whether built in code, read from a file
 * or carried by Temporal, so that nothing ever runs from a graph that cannot finish. The checks, in
 * this order, each failing with a {@link TaskGraphException} whose message starts with the
 * problem's name: at least one task ({@code empty graph}), at most {@value #MAX_TASKS} tasks
 * ({@code too many tasks}), at most {@value #MAX_TOTAL_PROMPT_LENGTH} prompt characters in all
 * ({@code prompts too long}: the graph travels as one workflow input, and Temporal limits payloads
 * to 2 MB), unique ids ({@code duplicate id}), no task depending on itself ({@code
 * self-dependency}), every dependency a task of the graph ({@code unknown dependency}), and no
 * cycle ({@code cycle}, naming the cycle's ids in order).
 *
 * <p>Invariants: order is always deterministic. {@link #tasks()} keeps the order the tasks were
 * given in; every derived view ({@link #ids()}, {@link #dependents(String)}, {@link
 * #topologicalOrder()}) follows that order too, never the order of a hash table, so that workflows
 * iterating over a graph replay identically.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it
 * (it has a single property, {@code tasks}).
 *
 * @param tasks the tasks, in the order they were given
 */
public record TaskGraph(List<GraphTask> tasks) {

  /** The most tasks one graph may have. */
  public static final int MAX_TASKS = 500;

  /** The most prompt characters, all tasks together, one graph may have. */
  public static final int MAX_TOTAL_PROMPT_LENGTH = 512 * 1024;

  /** How many ids an "unknown dependency" message lists as known ones. */
  private static final int KNOWN_IDS_SHOWN = 10;

  /**
   * Validates the graph.
   *
   * @param tasks the tasks, in the graph's order; not null, no null element (copied)
   * @throws NullPointerException if {@code tasks} is or contains null
   * @throws TaskGraphException if the graph cannot run; see {@link TaskGraphException#problem()}
   */
  public TaskGraph {
    Objects.requireNonNull(tasks, "tasks cannot be null");
    for (GraphTask task : tasks) {
      Objects.requireNonNull(task, "tasks cannot contain null");
    }
    tasks = List.copyOf(tasks);
    validate(tasks);
  }

  /**
   * A graph of {@code tasks}, in this order.
   *
   * @param tasks the tasks, in the graph's order; not null, no null element
   * @return the validated graph
   * @throws TaskGraphException if the graph cannot run
   */
  public static TaskGraph of(GraphTask... tasks) {
    return new TaskGraph(Arrays.asList(Objects.requireNonNull(tasks, "tasks cannot be null")));
  }

  /**
   * Returns a builder of a graph.
   *
   * @return a new, empty builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * How many tasks the graph has.
   *
   * @return the number of tasks; at least 1
   */
  public int size() {
    return tasks.size();
  }

  /**
   * The task ids, in the graph's order.
   *
   * @return the ids of all tasks, unmodifiable
   */
  public List<String> ids() {
    return tasks.stream().map(GraphTask::id).toList();
  }

  /**
   * The task with id {@code id}, if the graph has one.
   *
   * @param id the task's id; not null
   * @return the task, or empty when the graph has none with that id
   */
  public Optional<GraphTask> task(String id) {
    Objects.requireNonNull(id, "id cannot be null");
    return tasks.stream().filter(task -> task.id().equals(id)).findFirst();
  }

  /**
   * The ids of the tasks that depend on {@code id} directly, in the graph's order.
   *
   * @param id the id of a task of the graph
   * @return the ids of its direct dependents; empty when none depends on it
   * @throws IllegalArgumentException if the graph has no task {@code id}
   */
  public List<String> dependents(String id) {
    requireTask(id);
    return tasks.stream().filter(task -> task.dependsOn().contains(id)).map(GraphTask::id).toList();
  }

  /**
   * The ids of the tasks that depend on {@code id} directly or through other tasks, in the graph's
   * order: the tasks that cannot run if {@code id} fails.
   *
   * @param id the id of a task of the graph
   * @return the ids of its direct and indirect dependents, without {@code id} itself; empty when
   *     none depends on it
   * @throws IllegalArgumentException if the graph has no task {@code id}
   */
  public List<String> transitiveDependents(String id) {
    requireTask(id);
    Set<String> reached = new HashSet<>();
    reached.add(id);
    // Topological order visits every dependency before its dependents, so one pass finds the whole
    // closure.
    List<String> result = new ArrayList<>();
    for (GraphTask task : topologicalOrder()) {
      if (task.dependsOn().stream().anyMatch(reached::contains)) {
        reached.add(task.id());
        result.add(task.id());
      }
    }
    Set<String> dependents = new HashSet<>(result);
    return ids().stream().filter(dependents::contains).toList();
  }

  /**
   * The tasks in an order where each comes after all its dependencies; among tasks that could go
   * next, the one given first in the graph goes first. Deterministic.
   *
   * @return all tasks, each after its dependencies
   */
  public List<GraphTask> topologicalOrder() {
    List<GraphTask> order = new ArrayList<>(tasks.size());
    Set<String> placed = new HashSet<>();
    List<GraphTask> remaining = new ArrayList<>(tasks);
    while (!remaining.isEmpty()) {
      for (int i = 0; i < remaining.size(); i++) {
        GraphTask task = remaining.get(i);
        if (placed.containsAll(task.dependsOn())) {
          order.add(task);
          placed.add(task.id());
          remaining.remove(i);
          break;
        }
      }
    }
    return order;
  }

  private void requireTask(String id) {
    Objects.requireNonNull(id, "id cannot be null");
    if (task(id).isEmpty()) {
      throw new IllegalArgumentException("the graph has no task " + TaskGraphException.quote(id));
    }
  }

  private static void validate(List<GraphTask> tasks) {
    if (tasks.isEmpty()) {
      throw new TaskGraphException(
          Problem.EMPTY, List.of(), "a task graph needs at least one task");
    }
    if (tasks.size() > MAX_TASKS) {
      throw new TaskGraphException(
          Problem.TOO_MANY_TASKS,
          List.of(),
          "a task graph may have at most " + MAX_TASKS + " tasks but had " + tasks.size());
    }
    long promptLength = tasks.stream().mapToLong(task -> task.prompt().length()).sum();
    if (promptLength > MAX_TOTAL_PROMPT_LENGTH) {
      throw new TaskGraphException(
          Problem.PROMPTS_TOO_LONG,
          List.of(),
          "the prompts of a task graph may have at most "
              + MAX_TOTAL_PROMPT_LENGTH
              + " characters in all (the graph is one workflow input) but had "
              + promptLength);
    }
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      String id = tasks.get(i).id();
      Integer previous = positions.putIfAbsent(id, i);
      if (previous != null) {
        throw new TaskGraphException(
            Problem.DUPLICATE_ID,
            List.of(id),
            "task id "
                + TaskGraphException.quote(id)
                + " is used by tasks["
                + previous
                + "] and tasks["
                + i
                + "]; ids must be unique");
      }
    }
    for (GraphTask task : tasks) {
      if (task.dependsOn().contains(task.id())) {
        throw new TaskGraphException(
            Problem.SELF_DEPENDENCY,
            List.of(task.id()),
            "task " + TaskGraphException.quote(task.id()) + " depends on itself");
      }
    }
    for (GraphTask task : tasks) {
      for (String dependency : task.dependsOn()) {
        if (!positions.containsKey(dependency)) {
          throw new TaskGraphException(
              Problem.UNKNOWN_DEPENDENCY,
              List.of(task.id(), dependency),
              "task "
                  + TaskGraphException.quote(task.id())
                  + " depends on "
                  + TaskGraphException.quote(dependency)
                  + ", which is not a task of the graph (tasks: "
                  + knownIds(tasks)
                  + ")");
        }
      }
    }
    List<String> cycle = findCycle(tasks, positions);
    if (!cycle.isEmpty()) {
      throw new TaskGraphException(
          Problem.CYCLE,
          cycle,
          String.join(" -> ", cycle)
              + " (each task depends on the next, so none of them can ever start)");
    }
  }

  private static String knownIds(List<GraphTask> tasks) {
    String shown =
        tasks.stream().limit(KNOWN_IDS_SHOWN).map(GraphTask::id).collect(Collectors.joining(", "));
    return tasks.size() > KNOWN_IDS_SHOWN
        ? shown + ", ... " + (tasks.size() - KNOWN_IDS_SHOWN) + " more"
        : shown;
  }

  /**
   * The first cycle a depth-first search finds, following dependencies from each task in the
   * graph's order and each task's dependencies in their order, as its ids with the first repeated
   * at the end; empty when there is none. Iterative, so that a long chain cannot overflow the
   * stack.
   */
  private static List<String> findCycle(List<GraphTask> tasks, Map<String, Integer> positions) {
    final int unvisited = 0;
    final int onPath = 1;
    final int done = 2;
    int[] state = new int[tasks.size()];
    int[] nextDependency = new int[tasks.size()];
    List<Integer> path = new ArrayList<>();
    for (int root = 0; root < tasks.size(); root++) {
      if (state[root] != unvisited) {
        continue;
      }
      path.add(root);
      state[root] = onPath;
      while (!path.isEmpty()) {
        int current = path.get(path.size() - 1);
        List<String> dependencies = tasks.get(current).dependsOn();
        if (nextDependency[current] == dependencies.size()) {
          state[current] = done;
          path.remove(path.size() - 1);
          continue;
        }
        // Every dependency was checked to name a task before the search starts.
        int dependency =
            Objects.requireNonNull(positions.get(dependencies.get(nextDependency[current]++)));
        if (state[dependency] == onPath) {
          List<String> cycle = new ArrayList<>();
          for (int i = path.indexOf(dependency); i < path.size(); i++) {
            cycle.add(tasks.get(path.get(i)).id());
          }
          cycle.add(tasks.get(dependency).id());
          return cycle;
        }
        if (state[dependency] == unvisited) {
          state[dependency] = onPath;
          path.add(dependency);
        }
      }
    }
    return List.of();
  }

  /** Collects tasks in order and builds a validated {@link TaskGraph}. Not thread-safe. */
  public static final class Builder {
    private final List<GraphTask> tasks = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a task with the worker's defaults.
     *
     * @param id the task's id, unique in the graph, with the rules of a {@link
     *     io.openswarm.core.CellId}
     * @param prompt what to ask the agent; not blank
     * @param dependsOn the ids of the tasks to integrate first; none for a task that can start at
     *     once
     * @return this builder
     * @throws IllegalArgumentException if a value of the task is invalid
     */
    public Builder task(String id, String prompt, String... dependsOn) {
      tasks.add(GraphTask.of(id, prompt, dependsOn));
      return this;
    }

    /**
     * Adds a task.
     *
     * @param task the task; not null
     * @return this builder
     * @throws NullPointerException if {@code task} is null
     */
    public Builder task(GraphTask task) {
      tasks.add(Objects.requireNonNull(task, "task cannot be null"));
      return this;
    }

    /**
     * Builds the graph.
     *
     * @return the validated graph of the tasks added, in the order they were added
     * @throws TaskGraphException if the graph cannot run
     */
    public TaskGraph build() {
      return new TaskGraph(tasks);
    }
  }
}
