package io.openswarm.infra.journal;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.infra.process.ProcessListener;
import io.openswarm.infra.process.ProcessSupervisor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every process a worker starts in the lease journal while it runs, and after a crash kills
 * the processes a dead worker left running.
 *
 * <p>{@link #processListener()} is given to the worker's {@link ProcessSupervisor}: each started
 * process gets a {@link LeaseKind#PROCESS} record (its PID and start time, owned by this JVM) that
 * is removed when it stops. A worker that dies with SIGKILL cannot remove them; the next worker on
 * the same state directory calls {@link #reap} at start, which finds the records whose owner is
 * dead and kills each recorded process tree, but only if the live process with that PID started at
 * the recorded time (a reused PID is left alone). Directories a worker keeps for itself (its cells'
 * state directories) are recorded the same way ({@link #recordDirectory}) and deleted by {@link
 * #reapDirectories}, which moves aside what it cannot delete rather than fail.
 *
 * <p>Thread-safe.
 */
public final class OrphanReaper {

  private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

  private final LeaseJournal journal;
  private final Deleter deleter;

  /**
   * @param journal the worker's lease journal
   */
  public OrphanReaper(LeaseJournal journal) {
    this(journal, TreeDeleter::deleteRecursively);
  }

  OrphanReaper(LeaseJournal journal, Deleter deleter) {
    this.journal = Objects.requireNonNull(journal, "journal cannot be null");
    this.deleter = Objects.requireNonNull(deleter, "deleter cannot be null");
  }

  /**
   * Records started processes in the journal and removes them when they stop.
   *
   * @return the listener to give the process supervisor
   */
  public ProcessListener processListener() {
    return new ProcessListener() {
      @Override
      public void onStarted(ProcessIdentity process, String description) {
        // A process does not outlive its machine, so its record need not either.
        journal.record(
            LeaseRecord.ofCurrentProcess(
                LeaseKind.PROCESS,
                key(process),
                Map.of(
                    "pid", Long.toString(process.pid()),
                    "startTime", process.startTime().toString(),
                    "description", description)),
            LeaseJournal.Durability.PROCESS_CRASH);
      }

      @Override
      public void onStopped(ProcessIdentity process) {
        journal.remove(LeaseKind.PROCESS, key(process));
      }
    };
  }

  /**
   * Kills every process that a dead owner recorded and that still runs, and drops its record.
   *
   * @param supervisor kills the process trees
   * @param grace how long each tree gets between TERM and KILL
   * @return how many records ended how
   */
  public Map<OrphanKill, Integer> reap(ProcessSupervisor supervisor, Duration grace) {
    Objects.requireNonNull(supervisor, "supervisor cannot be null");
    Map<OrphanKill, Integer> counts = new EnumMap<>(OrphanKill.class);
    for (LeaseRecord record : journal.orphans()) {
      if (record.kind() != LeaseKind.PROCESS) {
        continue;
      }
      Optional<ProcessIdentity> process = identity(record);
      if (process.isEmpty()) {
        log.warn(
            "dropping unusable process record {} of dead owner {}", record.key(), record.owner());
        journal.remove(LeaseKind.PROCESS, record.key());
        continue;
      }
      OrphanKill result = supervisor.killOrphan(process.get(), grace);
      counts.merge(result, 1, Integer::sum);
      if (result != OrphanKill.SURVIVED) {
        journal.remove(LeaseKind.PROCESS, record.key());
      }
      log.info(
          "orphan {} ({}) of dead worker {}: {}",
          process.get(),
          record.attribute("description"),
          record.owner(),
          result);
    }
    return counts;
  }

  /**
   * Records {@code directory} as this JVM's, so that it is deleted by {@link #reapDirectories} once
   * this JVM is dead.
   *
   * @param key names the directory in the journal (see {@link LeaseRecord#key()})
   * @param directory the directory; deleted with everything in it once this JVM is dead
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   * @throws java.io.UncheckedIOException if the record cannot be written
   */
  public void recordDirectory(String key, Path directory) {
    Objects.requireNonNull(directory, "directory cannot be null");
    journal.record(
        LeaseRecord.ofCurrentProcess(
            LeaseKind.DIRECTORY,
            key,
            Map.of("path", directory.toAbsolutePath().normalize().toString())));
  }

  /**
   * Drops the record of a directory this JVM deleted itself.
   *
   * @param key the directory's key in the journal
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   */
  public void releaseDirectory(String key) {
    journal.remove(LeaseKind.DIRECTORY, key);
  }

  /**
   * Deletes every recorded directory whose owner is dead, with its contents, and drops its record.
   * A record whose path is not inside {@code root} is dropped without deleting anything: the reaper
   * never deletes outside the worker's own directories, whatever a journal file says.
   *
   * <p>Never throws for what it finds on disk: a dead owner's cells may have left trees of any
   * shape (deeper than the path limit, read-only), and a worker must start all the same. What
   * cannot be deleted is moved into {@code quarantine} as a whole (it must be on the same file
   * system as {@code root}) and its record dropped; what cannot even be moved keeps its record for
   * the next start. Both are logged at WARN and returned.
   *
   * @param root the directory the recorded directories must be inside
   * @param quarantine where directories that cannot be deleted are moved
   * @return what was deleted, moved aside and left
   * @throws NullPointerException if an argument is null
   * @throws java.io.UncheckedIOException if the journal cannot be read
   */
  public DirectoryReaping reapDirectories(Path root, Path quarantine) {
    Objects.requireNonNull(root, "root cannot be null");
    Objects.requireNonNull(quarantine, "quarantine cannot be null");
    Path within = root.toAbsolutePath().normalize();
    int deleted = 0;
    List<Path> quarantined = new ArrayList<>();
    List<Path> kept = new ArrayList<>();
    for (LeaseRecord record : journal.orphans()) {
      if (record.kind() != LeaseKind.DIRECTORY) {
        continue;
      }
      String path = record.attribute("path");
      Path directory = path == null ? null : Path.of(path).toAbsolutePath().normalize();
      if (directory == null || !directory.startsWith(within) || directory.equals(within)) {
        log.warn(
            "dropping directory record {} of dead owner {}: {} is not inside {}",
            record.key(),
            record.owner(),
            path,
            within);
        journal.remove(LeaseKind.DIRECTORY, record.key());
        continue;
      }
      try {
        deleter.delete(directory);
        journal.remove(LeaseKind.DIRECTORY, record.key());
        deleted++;
        log.info("deleted directory {} of dead worker {}", directory, record.owner());
      } catch (IOException | RuntimeException deletion) {
        try {
          Path moved = TreeDeleter.quarantine(directory, quarantine);
          journal.remove(LeaseKind.DIRECTORY, record.key());
          quarantined.add(moved);
          log.warn(
              "could not delete directory {} of dead worker {}; moved it to {} instead: look at it and delete it "
                  + "by hand: {}",
              directory,
              record.owner(),
              moved,
              deletion.toString());
        } catch (IOException | RuntimeException move) {
          kept.add(directory);
          log.warn(
              "could not delete directory {} of dead worker {} ({}), nor move it into {} ({}); will retry at "
                  + "the next start",
              directory,
              record.owner(),
              deletion,
              quarantine,
              move.toString());
        }
      }
    }
    return new DirectoryReaping(deleted, quarantined, kept);
  }

  /**
   * What {@link #reapDirectories} did.
   *
   * @param deleted how many directories of dead owners were deleted
   * @param quarantined where the directories that could not be deleted were moved; their records
   *     are dropped
   * @param kept the directories that could neither be deleted nor moved; their records are kept for
   *     the next start
   */
  public record DirectoryReaping(int deleted, List<Path> quarantined, List<Path> kept) {

    /**
     * Copies the lists.
     *
     * @param deleted how many directories were deleted
     * @param quarantined where the directories that could not be deleted were moved; copied
     * @param kept the directories that could neither be deleted nor moved; copied
     */
    public DirectoryReaping {
      quarantined = List.copyOf(quarantined);
      kept = List.copyOf(kept);
    }

    /**
     * Whether something was left for a person to look at.
     *
     * @return true when a directory was quarantined or kept
     */
    public boolean needsAttention() {
      return !quarantined.isEmpty() || !kept.isEmpty();
    }
  }

  /** Deletes a directory tree; a seam for tests of what cannot be deleted. */
  @FunctionalInterface
  interface Deleter {
    void delete(Path directory) throws IOException;
  }

  private static Optional<ProcessIdentity> identity(LeaseRecord record) {
    try {
      String pid = record.attribute("pid");
      String start = record.attribute("startTime");
      if (pid == null || start == null) {
        return Optional.empty();
      }
      return Optional.of(new ProcessIdentity(Long.parseLong(pid), Instant.parse(start)));
    } catch (NumberFormatException | DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** A journal key naming the process unambiguously, even across PID reuse. */
  static String key(ProcessIdentity process) {
    return "pid-" + process.pid() + "-" + process.startTime().toEpochMilli();
  }
}
