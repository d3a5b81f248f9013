package io.openswarm.infra.process;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A process named so that it cannot be confused with a later process that reuses its PID: the PID
 * together with the process start time the operating system reports.
 *
 * <p>The lease journal records identities of lease owners (worker JVMs) and of the processes they
 * started (agent servers, test commands). After a crash the reaper acts on a record only when
 * {@link #isAlive()} says the very same process is gone, and kills a recorded process only when
 * {@link #matches(ProcessHandle)} holds for the live one.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pid the operating-system process id
 * @param startTime when the process started, as reported by {@link
 *     ProcessHandle.Info#startInstant()}, truncated to milliseconds
 */
public record ProcessIdentity(long pid, Instant startTime) {

  /**
   * Checks the components.
   *
   * @param pid the process id; positive
   * @param startTime when the process started; not null, truncated to milliseconds
   * @throws IllegalArgumentException if {@code pid} is not positive
   * @throws NullPointerException if {@code startTime} is null
   */
  public ProcessIdentity {
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive but was " + pid);
    }
    Objects.requireNonNull(startTime, "startTime cannot be null");
    startTime = startTime.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  /**
   * The identity of the current JVM.
   *
   * @return the identity of this JVM's process
   */
  public static ProcessIdentity current() {
    return of(ProcessHandle.current())
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "the operating system does not report the start time of this JVM (pid "
                        + ProcessHandle.current().pid()
                        + ")"));
  }

  /**
   * The identity of {@code process}, or empty when the operating system does not report its start
   * time (for example because it has already exited).
   *
   * @param process a process
   * @return its identity, or empty when its start time is unknown
   */
  public static Optional<ProcessIdentity> of(ProcessHandle process) {
    Objects.requireNonNull(process, "process cannot be null");
    return process.info().startInstant().map(start -> new ProcessIdentity(process.pid(), start));
  }

  /**
   * Whether the live process with this PID is this very process (same start time), not a later
   * reuse of its PID.
   *
   * @param process a live process
   * @return true when it has this PID and start time
   */
  public boolean matches(ProcessHandle process) {
    Objects.requireNonNull(process, "process cannot be null");
    return process.pid() == pid && process.isAlive() && of(process).map(this::equals).orElse(false);
  }

  /**
   * The live process this identity names, or empty if it has exited (even if its PID now belongs to
   * another).
   *
   * @return the live process, or empty when it has exited
   */
  public Optional<ProcessHandle> handle() {
    return ProcessHandle.of(pid).filter(this::matches);
  }

  /**
   * Whether this very process is still running.
   *
   * @return true while this very process runs
   */
  public boolean isAlive() {
    return handle().isPresent();
  }

  @Override
  public String toString() {
    return "pid " + pid + " started " + startTime;
  }
}
