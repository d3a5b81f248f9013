package io.openswarm.temporal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The table of a DAG: every task with its status, commit, attempts and duration, in the graph's order. A running
 * DAG's {@code status()} query answers one with {@code finished} false; its workflow returns the final one.
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
 * @param head the target's head as the DAG's own integrations left it, or null before the branch was created
 * @param finished whether every task has reached a final status
 * @param elapsed how long the DAG has run, in workflow time
 * @param tasks one row per task, in the graph's order
 */
public record DagResult(String dagId, String targetBranch, @Nullable String baseCommit, @Nullable String head,
    boolean finished, Duration elapsed, List<DagTaskResult> tasks) {

  public DagResult {
    Objects.requireNonNull(dagId, "dagId cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(elapsed, "elapsed cannot be null");
    tasks = List.copyOf(Objects.requireNonNull(tasks, "tasks cannot be null"));
  }

  /** The row of task {@code taskId}, if the DAG has it. */
  public Optional<DagTaskResult> task(String taskId) {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    return tasks.stream().filter(task -> task.taskId().equals(taskId)).findFirst();
  }

  /** How many tasks have status {@code status}. */
  public int count(DagTaskStatus status) {
    Objects.requireNonNull(status, "status cannot be null");
    return (int) tasks.stream().filter(task -> task.status() == status).count();
  }

  /** Whether every task was integrated or had nothing to integrate. */
  public boolean succeeded() {
    return tasks.stream().allMatch(task -> task.status().succeeded());
  }

  /**
   * The table as text, one line per task, for people:
   *
   * <pre>
   * task    status      commit      attempts  duration  detail
   * schema  INTEGRATED  3f2a9c81d0  1         4.2 s
   * api     SKIPPED     -           0         0.0 s     dependency schema REVERTED
   * </pre>
   */
  public String toTable() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"task", "status", "commit", "attempts", "duration", "detail"});
    for (DagTaskResult task : tasks) {
      String detail = task.detail() == null ? "" : task.detail().strip().lines().findFirst().orElse("");
      rows.add(new String[] {task.taskId(), task.status().name(),
          task.commit() == null ? "-" : task.commit().substring(0, Math.min(10, task.commit().length())),
          String.valueOf(task.attempts()),
          String.format(Locale.ROOT, "%.1f s", task.duration().toMillis() / 1000.0),
          detail.length() > 100 ? detail.substring(0, 97) + "..." : detail});
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
        line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
