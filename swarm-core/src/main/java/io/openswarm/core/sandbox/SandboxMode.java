package io.openswarm.core.sandbox;

/**
 * Which sandbox a worker should use, as chosen in its options; resolved to a {@link CellSandbox}
 * once at start.
 */
public enum SandboxMode {
  /**
   * Bubblewrap when {@code bwrap} is installed and works on this machine, otherwise no isolation
   * with one warning at start.
   */
  AUTO,
  /** Bubblewrap, and fail at start when it is not installed or does not work. */
  BUBBLEWRAP,
  /** No isolation: cell processes can read and write everything the worker can. */
  NONE
}
