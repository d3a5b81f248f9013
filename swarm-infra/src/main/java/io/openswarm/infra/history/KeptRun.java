package io.openswarm.infra.history;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One cell run kept in a {@link CellHistoryStore}, as its record says.
 *
 * @param folder the run's folder
 * @param cellId the cell
 * @param taskId the task, when known
 * @param started when the cell booted
 * @param baseCommit the commit its worktree started from, when it got one
 * @param commit the commit of its change, when committed
 * @param rejectedRef the ref that keeps its reverted change, when kept
 * @param rejectedCommit the commit that ref was set to
 * @param logs the kept log files, sorted
 * @param leftOut what the copy left out and why (links, pipes, what was over the limit)
 */
public record KeptRun(
    Path folder,
    String cellId,
    @Nullable String taskId,
    Instant started,
    @Nullable String baseCommit,
    @Nullable String commit,
    @Nullable String rejectedRef,
    @Nullable String rejectedCommit,
    List<Path> logs,
    List<String> leftOut) {

  /**
   * Checks the components.
   *
   * @param folder the run's folder; not null
   * @param cellId the cell; not null
   * @param taskId the task, or null
   * @param started when the cell booted; not null
   * @param baseCommit the commit its worktree started from, or null
   * @param commit the commit of its change, or null
   * @param rejectedRef the ref that keeps its reverted change, or null
   * @param rejectedCommit the commit that ref was set to, or null
   * @param logs the kept log files, sorted; not null (copied)
   * @param leftOut what the copy left out and why; not null (copied)
   * @throws NullPointerException if a component that cannot be null is null
   */
  public KeptRun {
    Objects.requireNonNull(folder, "folder cannot be null");
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(started, "started cannot be null");
    logs = List.copyOf(Objects.requireNonNull(logs, "logs cannot be null"));
    leftOut = List.copyOf(Objects.requireNonNull(leftOut, "leftOut cannot be null"));
  }
}
