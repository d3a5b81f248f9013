package io.openswarm.testkit;

import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Asserts that cells left nothing behind: no live cell, no leased port, no leased worktree, no
 * stale worktree entry in the repository, and no live child process of this JVM.
 *
 * <pre>{@code
 * LeakCheck.of(worker).repository(repo).assertClean();
 * }</pre>
 *
 * <p>Processes and leases are given a short grace period (2 s by default) to finish going away,
 * since teardown may still be reaping when a test's last assertion runs. Not thread-safe.
 */
public final class LeakCheck {

  private @Nullable PortManager ports;
  private @Nullable WorktreePool worktrees;
  private @Nullable CellSteps cells;
  private @Nullable SwarmWorker worker;
  private @Nullable TemporaryRepository repository;
  private boolean processes = true;
  private Duration grace = Duration.ofSeconds(2);

  private LeakCheck() {}

  /**
   * A check of everything a running worker holds.
   *
   * @param worker a running worker
   * @return a new check of the worker's parts
   */
  public static LeakCheck of(SwarmWorker worker) {
    LeakCheck check = new LeakCheck();
    check.worker = Objects.requireNonNull(worker, "worker cannot be null");
    return check;
  }

  /**
   * A check of the given parts (any may be left out).
   *
   * @param ports the port manager, or null
   * @param worktrees the pool, or null
   * @param cells the cell steps, or null
   * @return a new check of the parts given
   */
  public static LeakCheck of(
      @Nullable PortManager ports, @Nullable WorktreePool worktrees, @Nullable CellSteps cells) {
    LeakCheck check = new LeakCheck();
    check.ports = ports;
    check.worktrees = worktrees;
    check.cells = cells;
    return check;
  }

  /**
   * Also checks that {@code repo} lists no worktree whose directory is gone.
   *
   * @param repo the repository
   * @return this check
   */
  public LeakCheck repository(TemporaryRepository repo) {
    this.repository = Objects.requireNonNull(repo, "repository cannot be null");
    return this;
  }

  /**
   * Skips the check for child processes (when the test itself keeps some running on purpose).
   *
   * @return this check
   */
  public LeakCheck ignoringProcesses() {
    this.processes = false;
    return this;
  }

  /**
   * How long to wait for things that are still going away; 2 s by default.
   *
   * @param duration the longest wait
   * @return this check
   */
  public LeakCheck grace(Duration duration) {
    this.grace = Objects.requireNonNull(duration, "grace cannot be null");
    return this;
  }

  /**
   * The leaks found now, one line each; empty when clean.
   *
   * @return the leaks; empty when clean
   */
  public List<String> leaks() {
    List<String> leaks = new ArrayList<>();
    if (worker != null && worker.state() == SwarmWorker.State.RUNNING) {
      if (worker.liveCells() != 0) {
        leaks.add(worker.liveCells() + " live cell(s) on worker " + worker.options().hostId());
      }
      checkPorts(worker.ports(), leaks);
      checkWorktrees(worker.worktrees(), leaks);
    }
    if (ports != null) {
      checkPorts(ports, leaks);
    }
    if (worktrees != null) {
      checkWorktrees(worktrees, leaks);
    }
    if (cells != null && !cells.liveCells().isEmpty()) {
      leaks.add("live cells: " + cells.liveCells());
    }
    if (repository != null) {
      for (String worktree : repository.worktrees()) {
        if (!Files.isDirectory(Path.of(worktree))) {
          leaks.add("stale git worktree entry: " + worktree);
        }
      }
    }
    if (processes) {
      ProcessHandle.current()
          .descendants()
          .filter(ProcessHandle::isAlive)
          .forEach(
              process ->
                  leaks.add(
                      "live child process "
                          + process.pid()
                          + ": "
                          + process.info().commandLine().orElse("?")));
    }
    return leaks;
  }

  /**
   * Fails with every leak listed unless the check comes out clean within the grace period.
   *
   * @throws AssertionError naming each leak
   */
  public void assertClean() {
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> leaks = leaks();
    while (!leaks.isEmpty() && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      leaks = leaks();
    }
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          "cells left " + leaks.size() + " thing(s) behind:\n  " + String.join("\n  ", leaks));
    }
  }

  private static void checkPorts(PortManager ports, List<String> leaks) {
    if (ports.allocatedCount() != 0) {
      leaks.add(ports.allocatedCount() + " port(s) still leased from " + ports.range());
    }
  }

  private static void checkWorktrees(WorktreePool pool, List<String> leaks) {
    if (pool.leasedCount() != 0) {
      leaks.add(pool.leasedCount() + " worktree(s) still leased from " + pool);
    }
  }
}
