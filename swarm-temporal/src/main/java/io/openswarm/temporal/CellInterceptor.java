package io.openswarm.temporal;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeProvider;

/**
 * Intercepts the service-provider implementations a {@link SwarmWorker} builds its cells from, in
 * the manner of Temporal's {@code WorkerInterceptor}: each method receives the worker's own
 * implementation ({@code next}) and returns the one the cells will use, typically a decorator that
 * does something around each call and delegates to {@code next}. Every method returns {@code next}
 * unchanged by default, so an interceptor overrides only what it needs. The cell steps, the
 * activities and the workflows run unchanged around what the interceptor returns.
 *
 * <p>What it is for: tracing or timing each step's calls beyond what {@code SwarmMetrics} reports,
 * auditing what agents are started and what is committed, enforcing a local policy (refusing a
 * commit that touches a protected path), and fault injection: the testkit's {@code FaultInjector}
 * is a {@code CellInterceptor} that makes cells fail, hang or die at named points.
 *
 * <pre>{@code
 * CellInterceptor audit = new CellInterceptor() {
 *   @Override
 *   public WorktreeChanges interceptChanges(WorktreeChanges next) {
 *     return new AuditedChanges(next, auditLog);   // logs every commit, then delegates
 *   }
 * };
 * SwarmWorker worker = SwarmWorker.newBuilder()
 *     ...
 *     .interceptors(audit)
 *     .start();
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Each method is called once, when the worker starts, before any cell runs; what it returns
 *       serves every cell of the worker for the worker's whole life, so it must be thread-safe:
 *       cells run concurrently.
 *   <li>Interceptors apply in the order given to {@link SwarmWorkerBuilder#interceptors}: each
 *       receives what the previous one returned, so the last one is the outermost and sees each
 *       call first.
 *   <li>A method must not return null. A decorator must keep its delegate's contract (what it
 *       throws and when, what {@link AgentRuntime#programs()} lists, and so on): the library relies
 *       on it, for example to release what a failed step acquired.
 *   <li>The port probe is consulted by the worker's port manager before a port is leased; a probe
 *       that also implements {@link io.openswarm.core.port.PortProbe.ReleaseInterceptor} runs
 *       around every release too.
 * </ul>
 */
public interface CellInterceptor {

  /**
   * Intercepts the provider of the cells' worktrees (the worker's pool).
   *
   * @param next the worker's provider
   * @return the provider the cells use
   */
  default WorktreeProvider interceptWorktrees(WorktreeProvider next) {
    return next;
  }

  /**
   * Intercepts what lists, commits and reverts a cell's changes.
   *
   * @param next the worker's changes
   * @return the changes the cells use
   */
  default WorktreeChanges interceptChanges(WorktreeChanges next) {
    return next;
  }

  /**
   * Intercepts the agent runtime that starts each cell's agent.
   *
   * @param next the worker's agent runtime
   * @return the runtime the cells use
   */
  default AgentRuntime interceptAgent(AgentRuntime next) {
    return next;
  }

  /**
   * Intercepts the runner of the repository's tests.
   *
   * @param next the worker's test runner
   * @return the runner the cells use
   */
  default TestRunner interceptTests(TestRunner next) {
    return next;
  }

  /**
   * Intercepts what moves committed changes onto a target branch (the DAG's integrate step).
   *
   * @param next the worker's integration
   * @return the integration the cells use
   */
  default BranchIntegration interceptIntegration(BranchIntegration next) {
    return next;
  }

  /**
   * Intercepts the probe the worker's port manager consults before it leases a port.
   *
   * @param next the worker's probe
   * @return the probe the port manager uses
   */
  default PortProbe interceptPortProbe(PortProbe next) {
    return next;
  }
}
