package io.openswarm.infra.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openswarm.infra.process.ProcessIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash-safe record of the resources a worker holds, shared by every worker JVM on the host that
 * uses the same directory.
 *
 * <p>How it works: each {@link LeaseRecord} is one small JSON file, {@code <kind>-<key>.json}, in
 * the journal directory. A write goes to a temporary file in the same directory, is forced to disk
 * (unless the caller asks only for {@linkplain Durability#PROCESS_CRASH process-crash durability}),
 * then atomically renamed over the record's file, so readers (and a worker that crashes mid-write)
 * only ever see a whole old record or a whole new one. {@link #remove} deletes the file. Nothing is
 * cached: {@link #scan()} reads the directory each time, so records written by other JVMs are seen.
 *
 * <p>Ownership: every record names its owner by {@link ProcessIdentity} (PID and start time) and
 * the writer's {@linkplain #sessionId() session}. A record whose owner is no longer alive is an
 * {@linkplain #orphans() orphan}: the component that knows its kind reclaims the resource and
 * removes the record. A record whose owner is alive is never an orphan, even if that owner is
 * another JVM. All JVMs that share a journal must therefore share one PID namespace (run on the
 * same host, not in separate containers).
 *
 * <p>Robustness: a file that cannot be parsed (hand-edited, truncated by a full disk, written by a
 * newer version) is reported by {@link #scan()} and logged, never thrown, and left in place for a
 * human to inspect. Temporary files older than a minute, left by a JVM that crashed mid-write, are
 * deleted when a journal is opened.
 *
 * <p>Record format (version 1), for example:
 *
 * <pre>{@code
 * {
 *   "version" : 1,
 *   "kind" : "WORKTREE",
 *   "key" : "wt-3f2a9c1b7d4e-1",
 *   "owner" : { "pid" : 4242, "startTime" : "2025-06-01T10:00:00.123Z" },
 *   "session" : "3f2a9c1b7d4e4b0c9a1e5f6d7c8b9a0f",
 *   "createdAt" : "2025-06-01T10:00:05.456Z",
 *   "attributes" : { "branch" : "swarm/cell-1", "cellId" : "cell-1", "path" : "/work/pool/wt-3f2a9c1b7d4e-1" }
 * }
 * }</pre>
 *
 * <p>Claiming: a record that no live process holds but that someone may take over (a worker's idle
 * worktree, parked when it closed) is taken with {@link #claim}, which reads and rewrites records
 * under a lock shared by every JVM on the host ({@code .claim.lock} in the directory, an advisory
 * file lock, released by the kernel when its holder dies), so that exactly one claimant gets each
 * record.
 *
 * <p>Thread-safe. Writes of different keys never interfere; concurrent writes of the same key leave
 * one of them.
 */
public final class LeaseJournal {

  /** The version of the record format this class writes and reads. */
  public static final int FORMAT_VERSION = 1;

  private static final Logger log = LoggerFactory.getLogger(LeaseJournal.class);
  private static final String SESSION_ID = UUID.randomUUID().toString().replace("-", "");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Duration STALE_TEMP_AGE = Duration.ofMinutes(1);
  private static final AtomicLong TEMP_COUNTER = new AtomicLong();

  /** The file every claimant locks; a dot file, so neither a record nor a temporary file. */
  static final String CLAIM_LOCK = ".claim.lock";

  /** File locks are held per process: threads of one JVM take turns on this lock first. */
  private static final ConcurrentHashMap<Path, ReentrantLock> CLAIM_LOCKS =
      new ConcurrentHashMap<>();

  private final Path directory;

  private LeaseJournal(Path directory) {
    this.directory = directory;
  }

  /**
   * Opens the journal in {@code directory}, creating the directory if needed, and deletes temporary
   * files that crashed writers left behind.
   *
   * @param directory the journal's directory
   * @return the journal
   * @throws NullPointerException if {@code directory} is null
   * @throws UncheckedIOException if the directory cannot be created
   */
  public static LeaseJournal open(Path directory) {
    Objects.requireNonNull(directory, "directory cannot be null");
    Path absolute = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(absolute);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the lease journal directory " + absolute, e);
    }
    LeaseJournal journal = new LeaseJournal(absolute);
    journal.deleteStaleTemporaryFiles();
    return journal;
  }

  /**
   * The id of this JVM's session: random, fixed for the life of the JVM, the same for every
   * journal. Resources that must not be confused between two workers sharing a directory (pool
   * directories, for example) include it in their names.
   *
   * @return the session id of this JVM
   */
  public static String sessionId() {
    return SESSION_ID;
  }

  /**
   * The journal's directory.
   *
   * @return the directory
   */
  public Path directory() {
    return directory;
  }

  /**
   * What a written record must survive.
   *
   * <p>Flushing a record to disk (the file, then its directory) costs from about a millisecond to
   * tens of milliseconds on a busy disk, and a cell writes several records, so records that only
   * matter while their writer's machine keeps running are not flushed: a process that started dies
   * with the machine, and so does any claim on it.
   */
  public enum Durability {
    /**
     * Survives the writer's process dying at any point: once {@code record} returns the record is
     * with the operating system, which keeps it when the process dies. A machine crash may lose the
     * latest write or roll it back.
     */
    PROCESS_CRASH,
    /**
     * Also survives a machine crash or a power loss: file and directory are flushed to disk before
     * returning.
     */
    MACHINE_CRASH
  }

  /**
   * Writes {@code record} so that it survives a machine crash ({@link Durability#MACHINE_CRASH}),
   * replacing the record of the same kind and key if there is one.
   *
   * @param record the record to write
   * @throws NullPointerException if {@code record} is null
   * @throws UncheckedIOException if the record cannot be written; the previous record, if any, is
   *     intact
   */
  public void record(LeaseRecord record) {
    record(record, Durability.MACHINE_CRASH);
  }

  /**
   * Writes {@code record} with the given durability, replacing the record of the same kind and key
   * if there is one. Either way a reader never sees a partial record.
   *
   * @param record the record to write
   * @param durability what the write must survive: a crash of this process or of the machine
   * @throws NullPointerException if an argument is null
   * @throws UncheckedIOException if the record cannot be written; the previous record, if any, is
   *     intact
   */
  public void record(LeaseRecord record, Durability durability) {
    Objects.requireNonNull(record, "record cannot be null");
    Objects.requireNonNull(durability, "durability cannot be null");
    boolean flush = durability == Durability.MACHINE_CRASH;
    Path target = file(record.kind(), record.key());
    Path temp =
        directory.resolve(
            "."
                + target.getFileName()
                + "."
                + SESSION_ID.substring(0, 12)
                + "."
                + TEMP_COUNTER.incrementAndGet()
                + ".tmp");
    try {
      byte[] bytes = JSON.writeValueAsBytes(toJson(record));
      try (FileChannel channel =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        if (flush) {
          channel.force(true);
        }
      }
      move(temp, target);
      if (flush) {
        forceDirectory();
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("could not write lease record " + target, e);
    }
  }

  /**
   * Removes the record of {@code kind} and {@code key}. Does nothing if there is none.
   *
   * @param kind the kind of the resource
   * @param key the resource's key
   * @return whether a record was removed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   * @throws UncheckedIOException if the file exists but cannot be deleted
   */
  public boolean remove(LeaseKind kind, String key) {
    Objects.requireNonNull(kind, "kind cannot be null");
    LeaseRecord.checkKey(key);
    Path target = file(kind, key);
    try {
      return Files.deleteIfExists(target);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete lease record " + target, e);
    }
  }

  /**
   * Reads one record.
   *
   * @param kind the kind of the resource
   * @param key the resource's key
   * @return the record, or empty when there is none or it cannot be read
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} is not a valid key
   */
  public Optional<LeaseRecord> find(LeaseKind kind, String key) {
    Objects.requireNonNull(kind, "kind cannot be null");
    LeaseRecord.checkKey(key);
    Path target = file(kind, key);
    try {
      return Optional.of(read(target));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.warn(
          "skipping unreadable lease record {}: {}",
          target,
          String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      return Optional.empty();
    }
  }

  /**
   * Reads every record and reports the files that could not be read.
   *
   * @return the readable records and the unreadable files
   * @throws UncheckedIOException if the directory itself cannot be listed
   */
  public Scan scan() {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.json")) {
      stream.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("could not list the lease journal " + directory, e);
    }
    Collections.sort(files);
    List<LeaseRecord> records = new ArrayList<>();
    Map<Path, String> unreadable = new LinkedHashMap<>();
    for (Path file : files) {
      try {
        LeaseRecord record = read(file);
        if (!file.equals(file(record.kind(), record.key()))) {
          throw new IllegalArgumentException(
              "the file name does not match kind " + record.kind() + " and key " + record.key());
        }
        records.add(record);
      } catch (NoSuchFileException e) {
        // Removed by its owner between listing and reading: it is simply gone.
      } catch (IOException | RuntimeException e) {
        String problem =
            e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse(e.getClass().getSimpleName());
        unreadable.put(file, problem);
        log.warn("skipping unreadable lease record {}: {}", file, problem);
      }
    }
    return new Scan(records, unreadable);
  }

  /**
   * Takes over the records that {@code claimable} accepts: each is replaced by what {@code claimed}
   * makes of it, and the replacements are returned. The records are read and rewritten while
   * holding a lock that every JVM on the host takes for the same directory, so two claimants, in
   * one JVM or in several, never both get the same record, as long as every writer that turns a
   * record claimable or takes one over does so through this method or before the record became
   * claimable. The predicate and the function run under the lock and must be quick; they must not
   * use the journal. A claim is written with {@link Durability#PROCESS_CRASH}.
   *
   * @param claimable which records to take; called once per readable record
   * @param claimed the record that replaces a claimed one (same kind and key)
   * @return the replacements written, in file-name order
   * @throws NullPointerException if an argument is null or {@code claimed} returns null
   * @throws IllegalArgumentException if {@code claimed} changes a record's kind or key
   * @throws UncheckedIOException if the lock cannot be taken, the directory cannot be listed or a
   *     record cannot be written (records written before the failure stay claimed)
   */
  public List<LeaseRecord> claim(
      Predicate<LeaseRecord> claimable, UnaryOperator<LeaseRecord> claimed) {
    Objects.requireNonNull(claimable, "claimable cannot be null");
    Objects.requireNonNull(claimed, "claimed cannot be null");
    ReentrantLock local = CLAIM_LOCKS.computeIfAbsent(directory, dir -> new ReentrantLock());
    local.lock();
    try (FileChannel channel =
        FileChannel.open(
            directory.resolve(CLAIM_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      // Released when the channel closes, or by the kernel when this process dies.
      channel.lock();
      List<LeaseRecord> taken = new ArrayList<>();
      for (LeaseRecord record : records()) {
        if (!claimable.test(record)) {
          continue;
        }
        LeaseRecord replacement =
            Objects.requireNonNull(claimed.apply(record), "a claimed record cannot be null");
        if (replacement.kind() != record.kind() || !replacement.key().equals(record.key())) {
          throw new IllegalArgumentException(
              "a claim must keep the kind and key of "
                  + record.kind()
                  + " "
                  + record.key()
                  + " but made "
                  + replacement.kind()
                  + " "
                  + replacement.key());
        }
        record(replacement, Durability.PROCESS_CRASH);
        taken.add(replacement);
      }
      return taken;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not lock the lease journal " + directory + " to claim records", e);
    } finally {
      local.unlock();
    }
  }

  /**
   * Every readable record, in file-name order.
   *
   * @return the records, unmodifiable; empty when there are none
   * @throws UncheckedIOException if the directory cannot be listed
   */
  public List<LeaseRecord> records() {
    return scan().records();
  }

  /**
   * The readable records whose owner process is no longer alive.
   *
   * @return the orphaned records; empty when there are none
   * @throws UncheckedIOException if the directory cannot be listed
   */
  public List<LeaseRecord> orphans() {
    return records().stream()
        .filter(record -> !record.owner().isAlive())
        .collect(Collectors.toList());
  }

  @Override
  public String toString() {
    return "LeaseJournal{" + directory + "}";
  }

  /**
   * The result of reading a journal directory.
   *
   * @param records the records that could be read, in file-name order
   * @param unreadable the files that could not be read, with the reason
   */
  public record Scan(List<LeaseRecord> records, Map<Path, String> unreadable) {
    /**
     * Copies the collections.
     *
     * @param records the records that could be read; copied
     * @param unreadable the files that could not be read, with the reason; copied, order kept
     */
    public Scan {
      records = List.copyOf(records);
      unreadable = Collections.unmodifiableMap(new LinkedHashMap<>(unreadable));
    }
  }

  private Path file(LeaseKind kind, String key) {
    return directory.resolve(kind.name().toLowerCase(Locale.ROOT) + "-" + key + ".json");
  }

  private static ObjectNode toJson(LeaseRecord record) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", FORMAT_VERSION);
    node.put("kind", record.kind().name());
    node.put("key", record.key());
    ObjectNode owner = node.putObject("owner");
    owner.put("pid", record.owner().pid());
    owner.put("startTime", record.owner().startTime().toString());
    node.put("session", record.sessionId());
    node.put("createdAt", record.createdAt().toString());
    ObjectNode attributes = node.putObject("attributes");
    record.attributes().forEach(attributes::put);
    return node;
  }

  private static LeaseRecord read(Path file) throws IOException {
    JsonNode node = JSON.readTree(Files.readAllBytes(file));
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int version = required(node, "version").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "unsupported record version "
              + required(node, "version")
              + " (this version reads "
              + FORMAT_VERSION
              + ")");
    }
    LeaseKind kind;
    try {
      kind = LeaseKind.valueOf(required(node, "kind").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown kind " + node.get("kind"), e);
    }
    JsonNode owner = required(node, "owner");
    JsonNode pid = required(owner, "pid");
    if (!pid.canConvertToLong()) {
      throw new IllegalArgumentException("owner.pid is not a number: " + pid);
    }
    ProcessIdentity identity = new ProcessIdentity(pid.asLong(), instant(owner, "startTime"));
    Map<String, String> attributes = new LinkedHashMap<>();
    JsonNode attributesNode = node.get("attributes");
    if (attributesNode != null && !attributesNode.isNull()) {
      if (!attributesNode.isObject()) {
        throw new IllegalArgumentException("attributes is not an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = attributesNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!field.getValue().isTextual()) {
          throw new IllegalArgumentException("attribute " + field.getKey() + " is not a string");
        }
        attributes.put(field.getKey(), field.getValue().asText());
      }
    }
    return new LeaseRecord(
        kind,
        required(node, "key").asText(),
        identity,
        required(node, "session").asText(),
        instant(node, "createdAt"),
        attributes);
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing field " + field);
    }
    return value;
  }

  private static Instant instant(JsonNode node, String field) {
    String text = required(node, field).asText();
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "field " + field + " is not an ISO-8601 instant: " + text, e);
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system of "
              + target.getParent()
              + " cannot rename atomically, which the lease "
              + "journal needs",
          e);
    }
  }

  /**
   * Makes the rename durable. Not every platform can open a directory for syncing; there it is
   * skipped.
   */
  private void forceDirectory() {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      log.trace("could not sync directory {}: {}", directory, e.getMessage());
    }
  }

  private void deleteStaleTemporaryFiles() {
    Instant threshold = Instant.now().minus(STALE_TEMP_AGE);
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, ".*.tmp")) {
      for (Path temp : stream) {
        try {
          if (Files.getLastModifiedTime(temp).toInstant().isBefore(threshold)) {
            Files.deleteIfExists(temp);
            log.info("deleted temporary lease record {} left by a crashed writer", temp);
          }
        } catch (IOException e) {
          log.warn("could not delete temporary lease record {}: {}", temp, e.getMessage());
        }
      }
    } catch (IOException e) {
      log.warn(
          "could not list the lease journal {} for temporary files: {}", directory, e.getMessage());
    }
  }
}
