package io.openswarm.infra.journal;

import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.infra.process.ProcessListener;
import io.openswarm.infra.process.ProcessSupervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every process a worker starts in the lease journal while it runs, and after a crash kills the processes a
 * dead worker left running.
 *
 * <p>{@link #processListener()} is given to the worker's {@link ProcessSupervisor}: each started process gets a
 * {@link LeaseKind#PROCESS} record (its PID and start time, owned by this JVM) that is removed when it stops. A worker
 * that dies with SIGKILL cannot remove them; the next worker on the same state directory calls {@link #reap} at start,
 * which finds the records whose owner is dead and kills each recorded process tree, but only if the live process with
 * that PID started at the recorded time (a reused PID is left alone). Directories a worker keeps for itself (its cells'
 * state directories) are recorded the same way ({@link #recordDirectory}) and deleted by {@link #reapDirectories}.
 *
 * <p>Thread-safe.
 */
public final class OrphanReaper {

  private static final Logger log = LoggerFactory.getLogger(OrphanReaper.class);

  private final LeaseJournal journal;

  /**
   * @param journal the worker's lease journal
   */
  public OrphanReaper(LeaseJournal journal) {
    this.journal = Objects.requireNonNull(journal, "journal cannot be null");
  }

  /** Records started processes in the journal and removes them when they stop. */
  public ProcessListener processListener() {
    return new ProcessListener() {
      @Override
      public void onStarted(ProcessIdentity process, String description) {
        // A process does not outlive its machine, so its record need not either.
        journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.PROCESS, key(process), Map.of(
            "pid", Long.toString(process.pid()),
            "startTime", process.startTime().toString(),
            "description", description)), LeaseJournal.Durability.PROCESS_CRASH);
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
        log.warn("dropping unusable process record {} of dead owner {}", record.key(), record.owner());
        journal.remove(LeaseKind.PROCESS, record.key());
        continue;
      }
      OrphanKill result = supervisor.killOrphan(process.get(), grace);
      counts.merge(result, 1, Integer::sum);
      if (result != OrphanKill.SURVIVED) {
        journal.remove(LeaseKind.PROCESS, record.key());
      }
      log.info("orphan {} ({}) of dead worker {}: {}", process.get(), record.attribute("description"),
          record.owner(), result);
    }
    return counts;
  }

  /**
   * Records {@code directory} as this JVM's, so that it is deleted by {@link #reapDirectories} once this JVM is dead.
   *
   * @param key names the directory in the journal (see {@link LeaseRecord#key()})
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   * @throws java.io.UncheckedIOException if the record cannot be written
   */
  public void recordDirectory(String key, Path directory) {
    Objects.requireNonNull(directory, "directory cannot be null");
    journal.record(LeaseRecord.ofCurrentProcess(LeaseKind.DIRECTORY, key,
        Map.of("path", directory.toAbsolutePath().normalize().toString())));
  }

  /**
   * Drops the record of a directory this JVM deleted itself.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   */
  public void releaseDirectory(String key) {
    journal.remove(LeaseKind.DIRECTORY, key);
  }

  /**
   * Deletes every recorded directory whose owner is dead, with its contents, and drops its record. A record whose
   * path is not inside {@code root} is dropped without deleting anything: the reaper never deletes outside the
   * worker's own directories, whatever a journal file says.
   *
   * @param root the directory the recorded directories must be inside
   * @return how many directories were deleted
   */
  public int reapDirectories(Path root) {
    Objects.requireNonNull(root, "root cannot be null");
    Path within = root.toAbsolutePath().normalize();
    int deleted = 0;
    for (LeaseRecord record : journal.orphans()) {
      if (record.kind() != LeaseKind.DIRECTORY) {
        continue;
      }
      String path = record.attribute("path");
      Path directory = path == null ? null : Path.of(path).toAbsolutePath().normalize();
      if (directory == null || !directory.startsWith(within) || directory.equals(within)) {
        log.warn("dropping directory record {} of dead owner {}: {} is not inside {}", record.key(), record.owner(),
            path, within);
        journal.remove(LeaseKind.DIRECTORY, record.key());
        continue;
      }
      try {
        deleteRecursively(directory);
        journal.remove(LeaseKind.DIRECTORY, record.key());
        deleted++;
        log.info("deleted directory {} of dead worker {}", directory, record.owner());
      } catch (IOException e) {
        log.warn("could not delete directory {} of dead worker {}; will retry at the next start: {}", directory,
            record.owner(), e.getMessage());
      }
    }
    return deleted;
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
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
