package io.openswarm.infra.process.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals whole process groups. The JDK can signal single processes only, so this runs the system's
 * {@code kill} with an argument list ({@code kill -TERM -- -<pgid> ...}); the signal reaches every
 * member of the group at once, including members whose parent has died. Stateless apart from the
 * tool path; thread-safe.
 */
public final class GroupSignaller {

  private static final Logger log = LoggerFactory.getLogger(GroupSignaller.class);

  private final Path killExecutable;

  /** A signaller that runs the {@code kill} program at {@code killExecutable}. */
  public GroupSignaller(Path killExecutable) {
    this.killExecutable = killExecutable;
  }

  /**
   * Sends {@code signal} ({@code TERM} or {@code KILL}) to each group in {@code groups}. Groups
   * that no longer exist are ignored.
   */
  public void signal(String signal, Collection<Long> groups) {
    if (groups.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(groups.size() + 3);
    command.add(killExecutable.toString());
    command.add("-" + signal);
    command.add("--");
    for (long group : groups) {
      command.add("-" + group);
    }
    try {
      Process kill =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.getOutputStream().close();
      if (!waitUninterruptibly(kill)) {
        kill.destroyForcibly();
        log.warn(
            "{} did not finish within 10 s while signalling process groups {}",
            killExecutable,
            groups);
      }
    } catch (IOException e) {
      log.warn(
          "could not run {} to send {} to process groups {}", killExecutable, signal, groups, e);
    }
  }

  /**
   * Signalling is part of stopping, which must finish even on an interrupted thread; the interrupt
   * is kept.
   */
  private static boolean waitUninterruptibly(Process kill) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return kill.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
