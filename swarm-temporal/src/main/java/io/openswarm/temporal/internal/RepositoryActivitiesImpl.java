package io.openswarm.temporal.internal;

import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.infra.worktree.GitBranchIntegration;
import io.openswarm.temporal.RepositoryActivities;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@link RepositoryActivities} over the worker's repository: thin adapters over {@link
 * GitBranchIntegration}, with its failures translated into {@link ApplicationFailure}s of stable
 * types.
 *
 * <p>Thread-safe.
 */
public final class RepositoryActivitiesImpl implements RepositoryActivities {

  private final Path repository;
  private final GitBranchIntegration integrator;

  /**
   * @param repository the repository the worker's cells work on
   * @param integrator the git operations on branches
   */
  public RepositoryActivitiesImpl(Path repository, GitBranchIntegration integrator) {
    this.repository = Objects.requireNonNull(repository, "repository cannot be null");
    this.integrator = Objects.requireNonNull(integrator, "integrator cannot be null");
  }

  @Override
  public String createTargetBranch(RepositoryActivities.TargetBranchRequest request) {
    try {
      return integrator.createTarget(repository, request.branch(), request.baseRef());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), "InvalidBranchName", e);
    } catch (WorktreeException e) {
      switch (e.reason()) {
        case UNKNOWN_REF:
          throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), "UnknownRef", e);
        case BRANCH_CONFLICT:
          throw ApplicationFailure.newNonRetryableFailureWithCause(
              e.getMessage(), "TargetBranchExists", e);
        default:
          throw ApplicationFailure.newFailureWithCause(e.getMessage(), "WorktreeFailed", e);
      }
    }
  }
}
