package io.openswarm.core.testrun;

import java.io.IOException;
import java.util.List;

/**
 * Runs a repository's tests in a cell's worktree and reports the verdict.
 *
 * <p>Implementations must be thread-safe: cells of one worker run their tests concurrently, each in
 * its own worktree.
 */
public interface TestRunner {

  /**
   * Runs the tests in {@code request.worktree()} and waits for them to finish or time out. A
   * failing, timed-out or stopped run is a result, not an exception (the cell steps turn a
   * timed-out or stopped run, and one that exited with 126 or 127, into a typed failure rather than
   * a red verdict; see {@link TestResult}).
   *
   * @param request the cell to test
   * @return the verdict, the duration and the end of the output
   * @throws NullPointerException if {@code request} is null
   * @throws TestCommandNotRunnableException if the test program, or a program it needs, was not
   *     found or could not be executed (on the host or inside the cell's sandbox); retrying the
   *     same configuration will not help
   * @throws IOException if the tests could not be started at all for another reason (the worktree
   *     does not exist, the log cannot be written); retrying the same configuration will not help
   * @throws InterruptedException if the calling thread is interrupted; the running tests are
   *     stopped first
   */
  TestResult run(TestRequest request) throws IOException, InterruptedException;

  /**
   * The command a run uses when its request names none, so that messages (a red base, say) can name
   * it; empty when the runner cannot tell.
   *
   * @return the runner's own command, program first; empty when unknown
   */
  default List<String> command() {
    return List.of();
  }
}
