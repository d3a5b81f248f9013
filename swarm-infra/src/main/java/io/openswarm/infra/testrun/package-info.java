/**
 * The command-line {@link io.openswarm.core.testrun.TestRunner}: runs a repository's test command
 * in a cell's worktree, under the cell's sandbox, and takes its exit code as the verdict.
 */
@NullMarked
package io.openswarm.infra.testrun;

import org.jspecify.annotations.NullMarked;
