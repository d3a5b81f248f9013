package io.openswarm.core.testrun;

import java.io.IOException;

/**
 * Runs a repository's tests in a cell's worktree and reports the verdict.
 *
 * <p>Implementations must be thread-safe: cells of one worker run their tests concurrently, each in its own
 * worktree.
 */
public interface TestRunner {

  /**
   * Runs the tests in {@code request.worktree()} and waits for them to finish or time out. A failing or timed-out
   * run is a result, not an exception.
   *
   * @param request the cell to test
   * @return the verdict, the duration and the end of the output
   * @throws NullPointerException if {@code request} is null
   * @throws IOException if the tests could not be started at all (the command is missing or not executable, the
   *     worktree does not exist); retrying the same configuration will not help
   * @throws InterruptedException if the calling thread is interrupted; the running tests are stopped first
   */
  TestResult run(TestRequest request) throws IOException, InterruptedException;
}
