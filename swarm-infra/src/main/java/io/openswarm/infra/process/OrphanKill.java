package io.openswarm.infra.process;

/** What {@link ProcessSupervisor#killOrphan} found and did. */
public enum OrphanKill {
  /** No process with the recorded PID is running; nothing to do. */
  NOT_RUNNING,
  /**
   * A process with the recorded PID runs but started at another time: the PID was reused. It was
   * left alone.
   */
  PID_REUSED,
  /** The recorded process and its tree were killed and verified gone. */
  KILLED,
  /** Some process of the tree was still alive after KILL; logged at ERROR. */
  SURVIVED
}
