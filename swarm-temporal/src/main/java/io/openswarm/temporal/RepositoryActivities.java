package io.openswarm.temporal;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.Objects;

/**
 * Operations on the worker's repository itself rather than on a cell: what a workflow needs before
 * its cells start. They run on the shared task queue; the branches they create live in the
 * repository the workers were started on (workers on several machines must share that repository
 * for the branches to be seen by every cell).
 *
 * <p>Failures are {@code ApplicationFailure}s with a stable type: {@code UnknownRef} (the base ref
 * names no commit), {@code TargetBranchExists} (the branch exists at another commit), {@code
 * InvalidBranchName}; none is retryable.
 */
@ActivityInterface(namePrefix = "Repository.")
public interface RepositoryActivities {

  /**
   * Creates a branch at the commit a ref names, to integrate cells into. Accepts a branch that
   * already exists at that commit (so a retried call succeeds); never moves an existing branch.
   *
   * @param request the branch and the ref to create it at
   * @return the full SHA the branch points at
   */
  @ActivityMethod
  String createTargetBranch(TargetBranchRequest request);

  /**
   * Create a branch that cells integrate into.
   *
   * @param branch the branch to create, without {@code refs/heads/}
   * @param baseRef the git revision it starts at
   */
  record TargetBranchRequest(String branch, String baseRef) {

    /**
     * Checks the components.
     *
     * @param branch the branch to create, without {@code refs/heads/}
     * @param baseRef the git revision it starts at
     * @throws NullPointerException if an argument is null
     */
    public TargetBranchRequest {
      Objects.requireNonNull(branch, "branch cannot be null");
      Objects.requireNonNull(baseRef, "baseRef cannot be null");
    }
  }
}
