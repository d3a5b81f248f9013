package io.openswarm.infra.worktree;

import io.openswarm.infra.process.ProcessIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Process identities for tests of crash recovery. */
final class TestProcesses {

  private TestProcesses() {}

  /**
   * The identity of a process that has exited: started, identified while alive, then ended and
   * reaped.
   */
  static ProcessIdentity exitedProcessIdentity() {
    try {
      Process process = new ProcessBuilder("git", "cat-file", "--batch").start();
      ProcessIdentity identity =
          ProcessIdentity.of(process.toHandle())
              .orElseThrow(() -> new AssertionError("no start time for a running process"));
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      return identity;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
