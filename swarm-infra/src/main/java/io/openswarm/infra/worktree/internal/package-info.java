/**
 * Implementation details of {@code io.openswarm.infra.worktree}: the git operations on a repository
 * and on a single worktree. Not API: anything here may change without notice.
 */
@NullMarked
package io.openswarm.infra.worktree.internal;

import org.jspecify.annotations.NullMarked;
