package io.openswarm.temporal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The table of a DAG: every task with its status, commit, attempts and duration, in the graph's
 * order. A running DAG's {@code status()} query answers one with {@code finished} false; its
 * workflow returns the final one.
 *
 * <pre>{@code
 * DagResult result = client.runDag(request);
 * System.out.println(result.toTable());
 * }</pre>
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param dagId the DAG
 * @param targetBranch the branch the tasks are integrated into
 * @param baseCommit the commit the target branch was created at, or null before it was created
 * @param head the target's head as the DAG's own integrations left it, or null before the branch
 *     was created
 * @param finished whether every task has reached a final status
 * @param elapsed how long the DAG has run, in workflow time
 * @param tasks one row per task, in the graph's order
 */
public record DagResult(
    String dagId,
    String targetBranch,
    @Nullable String baseCommit,
    @Nullable String head,
    boolean finished,
    Duration elapsed,
    List<Task> tasks) {

  /**
   * Checks the required components and copies the list of tasks.
   *
   * @param dagId the DAG
   * @param targetBranch the branch the tasks are integrated into
   * @param baseCommit the commit the target branch was created at, or null before it was created
   * @param head the target's head as the DAG's own integrations left it, or null before the branch
   *     was created
   * @param finished whether every task has reached a final status
   * @param elapsed how long the DAG has run, in workflow time
   * @param tasks one row per task, in the graph's order
   * @throws NullPointerException if a component that cannot be null is null
   */
  public DagResult {
    Objects.requireNonNull(dagId, "dagId cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(elapsed, "elapsed cannot be null");
    tasks = List.copyOf(Objects.requireNonNull(tasks, "tasks cannot be null"));
  }

  /**
   * The row of task {@code taskId}, if the DAG has it.
   *
   * @param taskId the task's id; not null
   * @return its row, or empty when the DAG has no such task
   * @throws NullPointerException if {@code taskId} is null
   */
  public Optional<Task> task(String taskId) {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    return tasks.stream().filter(task -> task.taskId().equals(taskId)).findFirst();
  }

  /**
   * How many tasks have status {@code status}.
   *
   * @param status the status to count; not null
   * @return the number of tasks with that status
   * @throws NullPointerException if {@code status} is null
   */
  public int count(TaskStatus status) {
    Objects.requireNonNull(status, "status cannot be null");
    return (int) tasks.stream().filter(task -> task.status() == status).count();
  }

  /**
   * Whether every task was integrated or had nothing to integrate.
   *
   * @return true when every task is {@code INTEGRATED} or {@code NO_CHANGES}
   */
  public boolean succeeded() {
    return tasks.stream().allMatch(task -> task.status().succeeded());
  }

  /**
   * The table as text, one line per task, for people:
   *
   * <pre>
   * task    status      commit      attempts  duration  detail
   * schema  INTEGRATED  3f2a9c81d0  1         4.2 s
   * api     INTEGRATED  9b1c03e7aa  2         9.8 s     redone on the new head after a conflict
   *   #1    CONFLICT    -                     3.1 s     change kept on swarm/orders-api-7f3e91c2-1: conflicts with ...
   * ui      SKIPPED     -           0         0.0 s     depends on schema, which ended REVERTED
   * </pre>
   *
   * <p>Under a task, one line per attempt whose change the integrate step did not take (a conflict,
   * or red tests on top of the target), naming the branch that still holds that change: a redo runs
   * the task again on the new head, so the first change is not on the target.
   *
   * @return the table, one line per task
   */
  public String toTable() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"task", "status", "commit", "attempts", "duration", "detail"});
    for (Task task : tasks) {
      List<DagAttempt> kept =
          task.history().stream().filter(attempt -> attempt.keptBranch() != null).toList();
      DagAttempt last =
          task.history().isEmpty() ? null : task.history().get(task.history().size() - 1);
      String detail = firstLine(task.detail());
      if (detail.isEmpty() && !kept.isEmpty() && !kept.contains(last)) {
        detail =
            "redone on the new head after "
                + (kept.get(kept.size() - 1).status() == TaskStatus.CONFLICT
                    ? "a conflict"
                    : "red tests at integration");
      }
      rows.add(
          new String[] {
            task.taskId(),
            task.status().name(),
            abbreviate(task.commit()),
            String.valueOf(task.attempts()),
            seconds(task.duration()),
            cut(detail)
          });
      for (DagAttempt attempt : kept) {
        rows.add(
            new String[] {
              "  #" + attempt.attempt(),
              attempt.status().name(),
              "-",
              "",
              seconds(attempt.duration()),
              cut("change kept on " + attempt.keptBranch() + ": " + firstLine(attempt.detail()))
            });
      }
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(
            i == row.length - 1
                ? row[i]
                : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String firstLine(@Nullable String text) {
    return text == null ? "" : text.strip().lines().findFirst().orElse("");
  }

  private static String abbreviate(@Nullable String commit) {
    return commit == null ? "-" : commit.substring(0, Math.min(10, commit.length()));
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  /** Long enough for the branch, the conflicting commit and the first files of an attempt line. */
  private static String cut(String detail) {
    return detail.length() > 140 ? detail.substring(0, 137) + "..." : detail;
  }

  /**
   * One row of a {@link DagResult}: a task, where it is or how it ended, and its attempts.
   *
   * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry
   * it.
   *
   * @param taskId the task
   * @param dependsOn the tasks it depends on
   * @param status where it is or how it ended
   * @param commit the target's head holding its change, when integrated
   * @param attempts how many attempts were started
   * @param duration from the first attempt's start to the last one's end (backoffs included), in
   *     workflow time; zero for a task that never ran
   * @param detail what to tell a person about the status (the last attempt's detail, or why it was
   *     skipped)
   * @param history every attempt, in order
   */
  public record Task(
      String taskId,
      List<String> dependsOn,
      TaskStatus status,
      @Nullable String commit,
      int attempts,
      Duration duration,
      @Nullable String detail,
      List<DagAttempt> history) {

    /**
     * Checks the required components and copies the lists.
     *
     * @param taskId the task
     * @param dependsOn the tasks it depends on
     * @param status where it is or how it ended
     * @param commit the target's head holding its change, when integrated
     * @param attempts how many attempts were started
     * @param duration from the first attempt's start to the last one's end (backoffs included), in
     *     workflow time; zero for a task that never ran
     * @param detail what to tell a person about the status (the last attempt's detail, or why it
     *     was skipped)
     * @param history every attempt, in order
     * @throws NullPointerException if a component that cannot be null is null
     */
    public Task {
      Objects.requireNonNull(taskId, "taskId cannot be null");
      dependsOn = List.copyOf(Objects.requireNonNull(dependsOn, "dependsOn cannot be null"));
      Objects.requireNonNull(status, "status cannot be null");
      Objects.requireNonNull(duration, "duration cannot be null");
      history = List.copyOf(Objects.requireNonNull(history, "history cannot be null"));
    }
  }

  /** Where a task of a {@link DagWorkflow} is, or how it ended. */
  public enum TaskStatus {
    /** Waiting for its dependencies, for a free slot, or for the backoff before a retry. */
    PENDING,
    /** A cell is working on it. */
    RUNNING,
    /** Its change is on the target branch, tested on top of what the branch held. */
    INTEGRATED,
    /**
     * The agent changed nothing and the tests passed; there was nothing to integrate. Counts as
     * done.
     */
    NO_CHANGES,
    /**
     * Its change conflicted with the target branch, also when redone once from the branch's new
     * head.
     */
    CONFLICT,
    /**
     * The tests failed: on the agent's change (not retried: that is the verdict), or on top of the
     * target branch, also when redone once from the branch's new head.
     */
    REVERTED,
    /** A step failed, also after the retries (3 attempts, 1 s backoff doubling up to 30 s). */
    FAILED,
    /**
     * Not run, because a task it depends on (directly or not) did not succeed, or because the DAG's
     * base is red (its detail then starts with {@code BaseIsRed}).
     */
    SKIPPED,
    /** Not finished, because the DAG was cancelled. */
    CANCELLED;

    /**
     * Whether this is a final state that lets dependents start: {@link #INTEGRATED} or {@link
     * #NO_CHANGES}.
     *
     * @return true for {@link #INTEGRATED} and {@link #NO_CHANGES}
     */
    public boolean succeeded() {
      return this == INTEGRATED || this == NO_CHANGES;
    }

    /**
     * Whether the task will not change any more.
     *
     * @return true for a status that does not change any more
     */
    public boolean finalState() {
      return this != PENDING && this != RUNNING;
    }
  }
}
