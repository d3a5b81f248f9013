package io.openswarm.infra.process;

/**
 * Hears when the supervisor starts and finishes a process, for example to record it in the lease
 * journal so the reaper can kill it after a crash.
 *
 * <p>Called synchronously on the supervisor's threads; keep it short. {@link #onStarted} runs
 * before {@link ProcessSupervisor#start} returns: if it throws, the process is stopped at once and
 * {@code start} fails, so no process runs that could not be recorded. Implementations must be
 * thread-safe.
 */
public interface ProcessListener {

  /** A listener that does nothing. */
  ProcessListener NONE = new ProcessListener() {};

  /**
   * A process has started.
   *
   * @param process the identity of the started process: the leader of its session and process group
   *     (under a sandbox, the sandbox launcher), the one to pass to {@link
   *     ProcessSupervisor#killOrphan} after a crash
   * @param description what the process is, as given in its {@link ProcessSpec}
   */
  default void onStarted(ProcessIdentity process, String description) {}

  /**
   * The process has exited and its whole tree has been stopped and verified gone (or the survivors
   * reported). Always after {@link #onStarted} for the same process, also when {@code onStarted}
   * threw.
   *
   * @param process the identity given to {@link #onStarted}
   */
  default void onStopped(ProcessIdentity process) {}
}
