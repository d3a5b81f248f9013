package io.openswarm.core.history;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Keeps what a cell did after its parts are gone: a record per cell run, opened when the cell boots
 * and closed when it is torn down. {@code CellSteps} calls it; nothing else needs to.
 *
 * <p>Keeping a record is best effort: no method of a record throws, since a cell's verdict must
 * never depend on whether its logs could be copied. What could not be kept is logged.
 *
 * <p>Implementations are thread-safe; the calls for one record come one at a time, in the order of
 * the cell's steps.
 */
public interface CellHistory {

  /**
   * Opens the record of one run of {@code cellId}.
   *
   * @param cellId the cell
   * @param taskId the task the cell works on, when known
   * @param stateDirectory the cell's state folder, whose {@code logs} folder is kept when the
   *     record is closed
   * @return the record to fill as the cell goes; {@link CellRecord#NONE} when nothing is kept
   */
  CellRecord open(CellId cellId, @Nullable String taskId, Path stateDirectory);

  /**
   * Keeps nothing.
   *
   * @return a history whose records are all {@link CellRecord#NONE}
   */
  static CellHistory none() {
    return (cellId, taskId, stateDirectory) -> CellRecord.NONE;
  }

  /** The record of one cell run. */
  interface CellRecord {

    /** A record that keeps nothing. */
    CellRecord NONE = new CellRecord() {};

    /**
     * The cell's worktree was leased: its base commit and branch go into the record.
     *
     * @param worktree the cell's worktree lease
     */
    default void leased(WorktreeLease worktree) {}

    /**
     * The tests were red: copies the report folders named in the options (such as {@code
     * target/surefire-reports}) out of the worktree, before a revert removes them.
     *
     * @param worktree the cell's worktree, still holding the red run's files
     */
    default void keepReports(WorktreeLease worktree) {}

    /**
     * The change is about to be reverted: keeps it as a commit on top of the base commit under a
     * ref, and returns the ref (such as {@code refs/swarm/rejected/<cellId>}); empty when nothing
     * was kept (no change, or it could not be kept).
     *
     * @param worktree the cell's worktree, still holding the change
     * @return the ref that keeps the change, or empty
     */
    default Optional<String> keepRejected(WorktreeLease worktree) {
      return Optional.empty();
    }

    /**
     * The change was committed as {@code sha}: the record names it, so that its diff can be shown
     * later.
     *
     * @param worktree the cell's worktree
     * @param sha the SHA of the commit on the cell branch
     */
    default void committed(WorktreeLease worktree, String sha) {}

    /**
     * The cell is going: copies its logs, writes the record and applies retention. Called after the
     * agent stopped and before the state folder is deleted.
     *
     * @return the folder holding the record, as an absolute path; empty when nothing was kept
     */
    default Optional<String> close() {
      return Optional.empty();
    }
  }
}
