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
    List<DagTaskResult> tasks) {

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
  public Optional<DagTaskResult> task(String taskId) {
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
  public int count(DagTaskStatus status) {
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
    for (DagTaskResult task : tasks) {
      List<DagAttempt> kept =
          task.history().stream().filter(attempt -> attempt.keptBranch() != null).toList();
      DagAttempt last =
          task.history().isEmpty() ? null : task.history().get(task.history().size() - 1);
      String detail = firstLine(task.detail());
      if (detail.isEmpty() && !kept.isEmpty() && !kept.contains(last)) {
        detail =
            "redone on the new head after "
                + (kept.get(kept.size() - 1).status() == DagTaskStatus.CONFLICT
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
}
