package io.openswarm.temporal;

import io.openswarm.core.CellId;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The steps of a cell as Temporal activities: thin adapters over the same {@code CellSteps} the
 * local {@code CellLifecycle} runs. Use them to write workflows of your own (see {@link
 * TcrWorkflow} for the canonical one and {@link CellActivityOptions} for options that route a
 * cell's steps correctly).
 *
 * <p>Routing: schedule {@link #bootstrap} on the worker's shared task queue; every later step of
 * the cell on the {@link HostedCell#hostQueue()} that bootstrap returns, with a short
 * schedule-to-start timeout so a dead host is noticed. {@link #teardown} always, in a detached
 * cancellation scope.
 *
 * <p>Failures are {@code ApplicationFailure}s whose type is stable: {@code PortExhausted}, {@code
 * WorktreeConflict}, {@code UnknownRef}, {@code AgentStartFailed}, {@code AgentNotReady}, {@code
 * AgentTurnFailed}, {@code AgentTimedOut}, {@code AgentCrashed}, {@code TestsFailedToStart}, {@code
 * TestCommandNotRunnable}, {@code TestsTimedOut}, {@code TestRunKilled}, {@code BaseIsRed}, {@code
 * CommitRejected}, {@code RevertFailed}, {@code CellNotLive}, {@code Cancelled}, and for {@link
 * #integrate} {@code IntegrationUnavailable} and {@code WorktreeFailed} (retryable: git failed, or
 * the target kept moving); those that retrying cannot fix are non-retryable.
 */
@ActivityInterface(namePrefix = "Cell.")
public interface CellActivities {

  /**
   * Leases a port and a worktree, starts the agent and waits until it is ready. Idempotent on the
   * same host.
   *
   * @param request the cell, its base ref, its task and the base-check choice
   * @return the cell that is up and the host queue its later steps must run on
   */
  @ActivityMethod
  HostedCell bootstrap(BootstrapRequest request);

  /**
   * Runs the test command on the cell's base commit before its agent is prompted (call it when
   * {@link HostedCell#verifyBase()} says so); heartbeats while the tests run; cancellation stops
   * them. Green is a result; red is the non-retryable failure {@code BaseIsRed} at {@code
   * VERIFY_BASE}, whose message names the base commit and the command and ends with the output; a
   * run that is no verdict fails as {@link #runTests} does, at {@code VERIFY_BASE}. The host keeps
   * verdicts per base commit, command and limit, so a base already checked runs nothing.
   *
   * @param request the cell and the task's own test command and limit, if any
   * @return the green verdict, and whether it was reused
   */
  @ActivityMethod
  CellSteps.BaseCheck verifyBase(TestRunRequest request);

  /**
   * Prompts the agent and waits for its turn to end; heartbeats while it works; cancellation aborts
   * the turn.
   *
   * @param request the cell, the prompt and the turn's limit
   * @return the agent's summary and the files it changed
   */
  @ActivityMethod
  CellSteps.Execution execute(ExecuteRequest request);

  /**
   * Runs the tests; heartbeats while they run; cancellation stops them. A red run is a result, not
   * a failure; a run that is no verdict on the change is a non-retryable failure at TEST: {@code
   * TestCommandNotRunnable} (a program not found or not executable, on the host or inside the
   * sandbox, or exit code 126 or 127), {@code TestsTimedOut} and {@code TestRunKilled} (the library
   * killed the run).
   *
   * @param request the cell and the task's own test command and limit, if any
   * @return the run's verdict (green or red) and the end of its output
   */
  @ActivityMethod
  TestRunner.Result runTests(TestRunRequest request);

  /**
   * Commits the worktree on the cell branch.
   *
   * @param request the cell and the commit message
   * @return the commit made, or none when there was nothing to commit
   */
  @ActivityMethod
  CellSteps.Commit commit(CommitRequest request);

  /**
   * Moves the cell's committed change onto a target branch: rebase onto the target's head, re-run
   * the tests when that head is not where the cell's tests ran (heartbeating meanwhile;
   * cancellation stops them), then a compare-and-swap of the target ref, repeated when another cell
   * moved it. {@code CONFLICT} and {@code REVERTED} are results; the target is either moved by
   * exactly this change or left as it was.
   *
   * @param request the cell, the target branch and the task's own test command and limit
   * @return how the integration ended: integrated, conflict or red tests
   */
  @ActivityMethod
  BranchIntegration.Result integrate(IntegrateRequest request);

  /**
   * Restores the worktree to the base commit.
   *
   * @param cellId the cell, live on this host
   * @return how long the revert took
   */
  @ActivityMethod
  Duration revert(CellId cellId);

  /**
   * Stops the agent, returns the worktree, releases the port. Idempotent; never fails for a cell
   * already gone.
   *
   * @param cellId the cell
   * @return what could not be cleaned up and what was kept
   */
  @ActivityMethod
  CellSteps.Teardown teardown(CellId cellId);

  /**
   * Bring a cell up.
   *
   * @param cellId the cell
   * @param baseRef the git revision its worktree starts from
   * @param taskId the task the cell works on, named in the logging context ({@code taskId}) of
   *     every step and in the cell's kept record; null when there is none
   * @param verifyBase whether the cell's base is to be checked before its agent is prompted, or
   *     null for the host's default; bootstrap answers the decision in {@link
   *     HostedCell#verifyBase()}
   */
  record BootstrapRequest(
      CellId cellId, String baseRef, @Nullable String taskId, @Nullable Boolean verifyBase) {

    /**
     * Checks the required components.
     *
     * @param cellId the cell
     * @param baseRef the git revision its worktree starts from
     * @param taskId the task the cell works on, named in the logging context ({@code taskId}) of
     *     every step and in the cell's kept record; null when there is none
     * @param verifyBase whether the cell's base is to be checked before its agent is prompted, or
     *     null for the host's default; bootstrap answers the decision in {@link
     *     HostedCell#verifyBase()}
     * @throws NullPointerException if {@code cellId} or {@code baseRef} is null
     */
    public BootstrapRequest {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(baseRef, "baseRef cannot be null");
    }

    /**
     * A request that leaves the base check to the host's default.
     *
     * @param cellId the cell
     * @param baseRef the git revision its worktree starts from
     * @param taskId the task the cell works on, or null when there is none
     * @throws NullPointerException if {@code cellId} or {@code baseRef} is null
     */
    public BootstrapRequest(CellId cellId, String baseRef, @Nullable String taskId) {
      this(cellId, baseRef, taskId, null);
    }

    /**
     * A request that names no task.
     *
     * @param cellId the cell
     * @param baseRef the git revision its worktree starts from
     * @throws NullPointerException if an argument is null
     */
    public BootstrapRequest(CellId cellId, String baseRef) {
      this(cellId, baseRef, null, null);
    }
  }

  /**
   * Prompt a cell's agent.
   *
   * @param cellId the cell
   * @param prompt the task for the agent, passed unchanged
   * @param timeout the limit on the turn, or null for the worker's default
   */
  record ExecuteRequest(CellId cellId, String prompt, @Nullable Duration timeout) {

    /**
     * Checks the required components.
     *
     * @param cellId the cell
     * @param prompt the task for the agent, passed unchanged
     * @param timeout the limit on the turn, or null for the worker's default
     * @throws NullPointerException if {@code cellId} or {@code prompt} is null
     */
    public ExecuteRequest {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(prompt, "prompt cannot be null");
    }
  }

  /**
   * Run the tests in a cell's worktree.
   *
   * @param cellId the cell
   * @param command the test command instead of the worker's, or null
   * @param timeout the limit instead of the worker's, or null
   */
  record TestRunRequest(CellId cellId, @Nullable List<String> command, @Nullable Duration timeout) {

    /**
     * Checks the cell and copies the test command.
     *
     * @param cellId the cell
     * @param command the test command instead of the worker's, or null
     * @param timeout the limit instead of the worker's, or null
     * @throws NullPointerException if {@code cellId} is null
     */
    public TestRunRequest {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      if (command != null) {
        command = List.copyOf(command);
      }
    }
  }

  /**
   * Commit a cell's worktree on its branch.
   *
   * @param cellId the cell
   * @param message the commit message, verbatim
   */
  record CommitRequest(CellId cellId, String message) {

    /**
     * Checks the components.
     *
     * @param cellId the cell
     * @param message the commit message, verbatim
     * @throws NullPointerException if an argument is null
     */
    public CommitRequest {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
    }
  }

  /**
   * Integrate a cell's committed change into a target branch.
   *
   * @param cellId the cell
   * @param targetBranch the branch to integrate into, without {@code refs/heads/}
   * @param testCommand the test command for a re-run instead of the worker's (the task's own), or
   *     null
   * @param testTimeout the limit on a re-run instead of the worker's, or null
   */
  record IntegrateRequest(
      CellId cellId,
      String targetBranch,
      @Nullable List<String> testCommand,
      @Nullable Duration testTimeout) {

    /**
     * Checks the required components and copies the test command.
     *
     * @param cellId the cell
     * @param targetBranch the branch to integrate into, without {@code refs/heads/}
     * @param testCommand the test command for a re-run instead of the worker's (the task's own), or
     *     null
     * @param testTimeout the limit on a re-run instead of the worker's, or null
     * @throws NullPointerException if {@code cellId} or {@code targetBranch} is null
     */
    public IntegrateRequest {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
      if (testCommand != null) {
        testCommand = List.copyOf(testCommand);
      }
    }
  }

  /**
   * A bootstrapped cell and the task queue of the worker host it lives on. Every later activity of
   * the cell must be scheduled on {@link #hostQueue()}: the cell's port, worktree and agent exist
   * only there.
   *
   * @param cell the cell as bootstrap left it
   * @param hostQueue the host-specific task queue of the worker that bootstrapped it
   * @param verifyBase whether the cell's base must be checked ({@link CellActivities#verifyBase})
   *     before its agent is prompted: the request's choice, or the host's default when the request
   *     made none (false in results written before this component existed)
   */
  record HostedCell(CellSteps.Bootstrap cell, String hostQueue, boolean verifyBase) {

    /**
     * Checks the components.
     *
     * @param cell the cell as bootstrap left it
     * @param hostQueue the host-specific task queue of the worker that bootstrapped it
     * @param verifyBase whether the cell's base must be checked ({@link CellActivities#verifyBase})
     *     before its agent is prompted: the request's choice, or the host's default when the
     *     request made none (false in results written before this component existed)
     * @throws NullPointerException if {@code cell} or {@code hostQueue} is null
     */
    public HostedCell {
      Objects.requireNonNull(cell, "cell cannot be null");
      Objects.requireNonNull(hostQueue, "hostQueue cannot be null");
    }

    /**
     * A cell whose base is not to be checked.
     *
     * @param cell the cell as bootstrap left it
     * @param hostQueue the host-specific task queue of the worker that bootstrapped it
     * @throws NullPointerException if an argument is null
     */
    public HostedCell(CellSteps.Bootstrap cell, String hostQueue) {
      this(cell, hostQueue, false);
    }
  }
}
