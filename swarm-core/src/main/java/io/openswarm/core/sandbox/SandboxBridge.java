package io.openswarm.core.sandbox;

/**
 * What a sandbox keeps running on the worker's side for one sandboxed command, such as the relays
 * that carry the connections a private network still allows. Created by {@link CellSandbox#wrap};
 * whoever starts the command calls {@link #attach} once it runs and {@link #close} when it has
 * ended (or when it could not be started).
 */
public interface SandboxBridge extends AutoCloseable {

  /** The bridge of a command that needs nothing on the worker's side. */
  SandboxBridge NONE =
      new SandboxBridge() {
        @Override
        public void attach(ProcessHandle launcher) {}

        @Override
        public void close() {}

        @Override
        public String toString() {
          return "SandboxBridge.NONE";
        }
      };

  /**
   * Tells the bridge which process runs the command: the first process of {@link
   * SandboxedCommand#command()} (with bubblewrap, the launcher whose child is the sandbox's first
   * process).
   *
   * @param launcher the first process of the command, as started
   * @throws NullPointerException if {@code launcher} is null
   */
  void attach(ProcessHandle launcher);

  /** Releases everything the bridge holds on the worker's side; safe to call more than once. */
  @Override
  void close();
}
