package io.openswarm.infra.history;

import io.openswarm.core.CellId;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.history.CellHistory;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.history.internal.NoFollowTreeCopy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what cells did, on disk and in git: one folder per cell run under a history folder, and
 * each reverted change as a ref {@code refs/swarm/rejected/<cellId>}, with retention by count, age
 * and size ({@link HistoryOptions}).
 *
 * <h2>How it works</h2>
 *
 * {@link #open} creates the run's folder, {@code <yyyyMMdd'T'HHmmssSSS'Z'>-<cellId>} (so names sort
 * by age), and writes {@value #RECORD} in it: the cell, its task, its base commit, the commit of
 * its change or the ref of its rejected change. After red tests the named report folders are copied
 * from the worktree into {@code reports/}; at teardown the cell's {@code logs} folder into {@code
 * logs/}. Both sources are folders the cell controls, so they are copied without following links
 * and within {@link HistoryOptions#maxRunBytes()} ({@link NoFollowTreeCopy}); what was left out is
 * listed in the record.
 *
 * <p>A rejected change is committed, before the revert, with the library's hermetic git (no hooks,
 * no drivers): the worktree's files as {@code git add --all} sees them (ignored files excluded) as
 * one commit whose parent is the base commit, so that {@code git diff <base>
 * refs/swarm/rejected/<cellId>} is exactly what the agent tried. The revert that follows resets the
 * index the staging used. A change larger than {@link HistoryOptions#maxRunBytes()} is not kept.
 *
 * <p>Retention runs at {@link #enforceRetention()} (the worker calls it when it starts) and after
 * each record is closed: the oldest runs go first, each with its ref when the ref still points at
 * the commit the run made (a newer run of the same cell may have moved it), until at most {@link
 * HistoryOptions#maxRuns()} runs remain, none older than {@link HistoryOptions#maxAge()}, and all
 * together within {@link HistoryOptions#maxBytes()}. Runs still open are never removed. Folders in
 * the history folder that are not runs are left alone.
 *
 * <p>Nothing here fails a cell: a record that cannot be kept is logged at WARN and the cell goes
 * on.
 *
 * <p>Thread-safe.
 */
public final class CellHistoryStore implements CellHistory {

  /** The file in each run's folder that describes the run. */
  public static final String RECORD = "record.properties";

  /** The prefix of the refs that keep rejected changes. */
  public static final String REJECTED_REF_PREFIX = "refs/swarm/rejected/";

  /** The most bytes of a diff {@link #diff} returns by default. */
  public static final int DEFAULT_MAX_DIFF_BYTES = 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(CellHistoryStore.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  private static final int STAMP_LENGTH = "20260101T000000000Z".length();
  private static final int MAX_ENTRIES_PER_RUN = 10_000;

  private final Path folder;
  private final Path repository;
  private final HistoryOptions options;
  private final GitRunner git;
  private final CommitAuthor author;
  private final Clock clock;
  private final Set<String> open = ConcurrentHashMap.newKeySet();
  private final ReentrantLock retention = new ReentrantLock();

  private CellHistoryStore(Builder builder) {
    this.folder =
        Objects.requireNonNull(builder.folder, "folder must be set before build()")
            .toAbsolutePath()
            .normalize();
    this.repository =
        Objects.requireNonNull(builder.repository, "repository must be set before build()")
            .toAbsolutePath()
            .normalize();
    this.options = builder.options;
    this.git = builder.git;
    this.author = builder.author;
    this.clock = builder.clock;
  }

  /**
   * A builder; the folder and the repository are required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The history folder.
   *
   * @return the history folder
   */
  public Path folder() {
    return folder;
  }

  /**
   * What is kept.
   *
   * @return the options
   */
  public HistoryOptions options() {
    return options;
  }

  @Override
  public CellRecord open(CellId cellId, @Nullable String taskId, Path stateDirectory) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    if (!options.enabled()) {
      return CellRecord.NONE;
    }
    try {
      Files.createDirectories(folder);
      Instant started = clock.instant();
      for (int i = 0; ; i++) {
        // Two runs of one cell within a millisecond get the next free millisecond: names stay
        // <stamp>-<cellId>.
        Instant stamp = started.plusMillis(i);
        String name = STAMP.format(stamp) + "-" + cellId.value();
        Path run = folder.resolve(name);
        try {
          Files.createDirectory(run);
        } catch (FileAlreadyExistsException e) {
          continue;
        }
        open.add(name);
        Run record =
            new Run(run, cellId, taskId, stateDirectory.toAbsolutePath().normalize(), stamp);
        record.write();
        return record;
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn(
          "cell {}: no history is kept for this run: cannot create its folder in {}: {}",
          cellId,
          folder,
          e.getMessage());
      return CellRecord.NONE;
    }
  }

  /**
   * Removes the oldest runs (and their refs) until the rules of {@link HistoryOptions} hold.
   * Returns at once when another thread is at it.
   *
   * @return how many runs were removed
   */
  public int enforceRetention() {
    if (!retention.tryLock()) {
      return 0;
    }
    try {
      List<Path> runs = runs();
      Instant oldest = clock.instant().minus(options.maxAge());
      long[] sizes = new long[runs.size()];
      long total = 0;
      for (int i = 0; i < runs.size(); i++) {
        sizes[i] = size(runs.get(i));
        total += sizes[i];
      }
      int remaining = runs.size();
      int removed = 0;
      for (int i = 0; i < runs.size(); i++) {
        Path run = runs.get(i);
        String name = run.getFileName().toString();
        boolean tooMany = remaining > options.maxRuns();
        boolean tooOld = started(name).map(oldest::isAfter).orElse(false);
        boolean tooLarge = total > options.maxBytes();
        if (!(tooMany || tooOld || tooLarge) || open.contains(name)) {
          continue;
        }
        if (remove(run, runs.subList(i + 1, runs.size()))) {
          removed++;
          remaining--;
          total -= sizes[i];
        }
      }
      if (removed > 0) {
        log.info(
            "history {}: removed the {} oldest run(s); {} kept ({} bytes)",
            folder,
            removed,
            remaining,
            total);
      }
      return removed;
    } catch (IOException | UncheckedIOException e) {
      log.warn("history {}: retention could not run: {}", folder, e.getMessage());
      return 0;
    } finally {
      retention.unlock();
    }
  }

  /**
   * The kept runs of {@code cellId}, newest first.
   *
   * @param cellId the cell
   * @return its kept runs, newest first; empty when none is kept
   */
  public List<KeptRun> runs(CellId cellId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    List<KeptRun> found = new ArrayList<>();
    try {
      List<Path> runs = runs();
      for (int i = runs.size() - 1; i >= 0; i--) {
        Path run = runs.get(i);
        if (run.getFileName().toString().substring(STAMP_LENGTH + 1).equals(cellId.value())) {
          read(run).ifPresent(found::add);
        }
      }
    } catch (IOException e) {
      log.warn("history {}: cannot list the runs of cell {}: {}", folder, cellId, e.getMessage());
    }
    return found;
  }

  /**
   * The newest kept run of {@code cellId}.
   *
   * @param cellId the cell
   * @return its newest run, or empty when none is kept
   */
  public Optional<KeptRun> latest(CellId cellId) {
    List<KeptRun> runs = runs(cellId);
    return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
  }

  /**
   * The change of the newest kept run of {@code cellId} that has one, as a unified diff against its
   * base commit: the rejected change of a reverted cell, or the committed change of a committed
   * one. At most {@code maxBytes} of it; a longer diff is cut and ends with a line that says so.
   *
   * @param cellId the cell
   * @param maxBytes the most bytes of diff returned; positive
   * @return empty when no kept run of the cell has a change (or its commits are gone from the
   *     repository)
   * @throws IllegalArgumentException if {@code maxBytes} is not positive
   */
  public Optional<String> diff(CellId cellId, int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive but was " + maxBytes);
    }
    for (KeptRun run : runs(cellId)) {
      String change = run.rejectedCommit() != null ? run.rejectedCommit() : run.commit();
      String base = run.baseCommit();
      if (change == null || base == null) {
        continue;
      }
      GitRunner bounded = GitRunner.newBuilder().maxStdoutBytes(maxBytes).build();
      GitResult result =
          bounded.run(
              repository,
              "diff",
              "--no-color",
              "--no-ext-diff",
              "--no-textconv",
              base,
              change,
              "--");
      if (!result.isSuccess()) {
        log.info(
            "history {}: the change of cell {} ({}) is no longer in the repository: {}",
            folder,
            cellId,
            change,
            result.stderrTail().strip());
        return Optional.empty();
      }
      return Optional.of(
          result.stdoutTruncated()
              ? result.stdout()
                  + "\n[diff cut at "
                  + maxBytes
                  + " bytes; see git diff "
                  + base
                  + " "
                  + change
                  + "]\n"
              : result.stdout());
    }
    return Optional.empty();
  }

  /** The run folders, oldest first. */
  private List<Path> runs() throws IOException {
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> runs = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (started(name).isPresent()
            && name.length() > STAMP_LENGTH + 1
            && name.charAt(STAMP_LENGTH) == '-'
            && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          runs.add(entry);
        }
      }
    }
    runs.sort(Comparator.comparing(run -> run.getFileName().toString()));
    return runs;
  }

  private static Optional<Instant> started(String name) {
    if (name.length() < STAMP_LENGTH) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.from(STAMP.parse(name.substring(0, STAMP_LENGTH))));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Removes {@code run}, and its ref unless one of the {@code newer} runs names the same ref. */
  private boolean remove(Path run, List<Path> newer) {
    Optional<KeptRun> kept = read(run);
    String ref = kept.map(KeptRun::rejectedRef).orElse(null);
    boolean refStillKept =
        ref != null
            && newer.stream()
                .map(this::read)
                .anyMatch(other -> other.map(KeptRun::rejectedRef).filter(ref::equals).isPresent());
    if (kept.isPresent() && ref != null && kept.get().rejectedCommit() != null && !refStillKept) {
      // Only while it still points where this run set it: a newer run of the same cell may have
      // moved it.
      GitResult deleted =
          git.run(
              GitCommand.in(repository)
                  .args("update-ref", "-d", ref, kept.get().rejectedCommit())
                  .build());
      if (!deleted.isSuccess()) {
        log.debug(
            "history {}: ref {} left as it is: {}",
            folder,
            kept.get().rejectedRef(),
            deleted.stderrTail().strip());
      }
    }
    try {
      TreeDeleter.deleteRecursively(run);
      return true;
    } catch (IOException e) {
      log.warn(
          "history {}: cannot remove the run {}: {}", folder, run.getFileName(), e.getMessage());
      return false;
    }
  }

  private static long size(Path run) throws IOException {
    long[] total = {0};
    Files.walkFileTree(
        run,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            total[0] += attributes.size();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }

  private Optional<KeptRun> read(Path run) {
    Properties record = new Properties();
    try (InputStream in = Files.newInputStream(run.resolve(RECORD), LinkOption.NOFOLLOW_LINKS)) {
      record.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      log.warn(
          "history {}: cannot read the record of {}: {}",
          folder,
          run.getFileName(),
          e.getMessage());
      return Optional.empty();
    }
    String name = run.getFileName().toString();
    List<Path> logs = new ArrayList<>();
    Path logFolder = run.resolve("logs");
    if (Files.isDirectory(logFolder, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> files = Files.walk(logFolder)) {
        files
            .filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
            .sorted()
            .forEach(logs::add);
      } catch (IOException | UncheckedIOException e) {
        log.warn("history {}: cannot list the logs of {}: {}", folder, name, e.getMessage());
      }
    }
    String leftOut = record.getProperty("leftOut", "");
    return Optional.of(
        new KeptRun(
            run,
            name.substring(STAMP_LENGTH + 1),
            record.getProperty("taskId"),
            started(name).orElseThrow(),
            record.getProperty("baseCommit"),
            record.getProperty("commit"),
            record.getProperty("rejectedRef"),
            record.getProperty("rejectedCommit"),
            logs,
            leftOut.isEmpty() ? List.of() : List.of(leftOut.split("\n"))));
  }

  @Override
  public String toString() {
    return "CellHistoryStore{folder=" + folder + ", " + options + "}";
  }

  /** The record of one run. Calls come one at a time (the steps of one cell). */
  private final class Run implements CellRecord {
    private final Path run;
    private final CellId cellId;
    private final @Nullable String taskId;
    private final Path stateDirectory;
    private final Instant started;
    private final NoFollowTreeCopy.Budget budget =
        new NoFollowTreeCopy.Budget(options.maxRunBytes(), MAX_ENTRIES_PER_RUN);
    private @Nullable String baseCommit;
    private @Nullable String branch;
    private @Nullable String commit;
    private @Nullable String rejectedRef;
    private @Nullable String rejectedCommit;
    private final List<String> reports = new ArrayList<>();
    private boolean closed;

    Run(Path run, CellId cellId, @Nullable String taskId, Path stateDirectory, Instant started) {
      this.run = run;
      this.cellId = cellId;
      this.taskId = taskId;
      this.stateDirectory = stateDirectory;
      this.started = started;
    }

    @Override
    public void leased(WorktreeLease worktree) {
      baseCommit = worktree.baseCommit();
      branch = worktree.branch();
      write();
    }

    @Override
    public void keepReports(WorktreeLease worktree) {
      for (String report : options.keepReports()) {
        Path target = run.resolve("reports").resolve(report);
        try {
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            // A later red run (an integration's retest) replaces the reports of the earlier one.
            TreeDeleter.deleteRecursively(target);
          }
          NoFollowTreeCopy.copy(worktree.path(), Path.of(report), target, budget);
          if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) && !reports.contains(report)) {
            reports.add(report);
          }
        } catch (IOException | RuntimeException e) {
          log.warn(
              "cell {}: the report folder {} could not be kept: {}",
              cellId,
              report,
              e.getMessage());
        }
      }
      write();
    }

    @Override
    public Optional<String> keepRejected(WorktreeLease worktree) {
      try {
        return keepChange(worktree);
      } catch (IOException | RuntimeException e) {
        log.warn(
            "cell {}: its rejected change could not be kept as a ref: {}", cellId, e.getMessage());
        return Optional.empty();
      }
    }

    private Optional<String> keepChange(WorktreeLease worktree) throws IOException {
      Path path = worktree.path();
      String base = worktree.baseCommit();
      List<String> changed = new ArrayList<>();
      changed.addAll(
          split(
              git.run(
                      path,
                      "diff",
                      "--name-only",
                      "-z",
                      "--no-renames",
                      "--no-ext-diff",
                      base,
                      "--")
                  .requireSuccess("list the changes of cell " + cellId)
                  .stdout()));
      changed.addAll(
          split(
              git.run(path, "ls-files", "-z", "--others", "--exclude-standard")
                  .requireSuccess("list the untracked files of cell " + cellId)
                  .stdout()));
      if (changed.isEmpty()) {
        return Optional.empty();
      }
      long bytes = 0;
      for (String file : changed) {
        try {
          bytes +=
              Files.readAttributes(
                      path.resolve(file), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                  .size();
        } catch (IOException e) {
          // Deleted: costs nothing.
        }
      }
      if (bytes > options.maxRunBytes()) {
        log.warn(
            "cell {}: its rejected change ({} bytes in {} file(s)) is larger than the history's limit of {} "
                + "bytes per run (maxRunBytes); not kept as a ref",
            cellId,
            bytes,
            changed.size(),
            options.maxRunBytes());
        return Optional.empty();
      }
      // The cell's own index: the revert that follows resets it (checkout --force) whatever staging
      // left there.
      git.run(path, "add", "--all").requireSuccess("stage the rejected change of cell " + cellId);
      String tree =
          git.run(path, "write-tree")
              .requireSuccess("write the tree of cell " + cellId)
              .stdoutLine();
      String message =
          "Rejected change of cell "
              + cellId.value()
              + "\n\n"
              + "The tests were red; the library kept the change here before reverting the worktree.\n\n"
              + "Open-Swarm-Cell: "
              + cellId.value()
              + "\n"
              + (taskId == null ? "" : "Open-Swarm-Task: " + taskId + "\n");
      String sha =
          git.run(
                  GitCommand.in(path)
                      .args("commit-tree", tree, "-p", base, "-F", "-")
                      .stdin(message)
                      .environment("GIT_AUTHOR_NAME", author.name())
                      .environment("GIT_AUTHOR_EMAIL", author.email())
                      .environment("GIT_COMMITTER_NAME", author.name())
                      .environment("GIT_COMMITTER_EMAIL", author.email())
                      .build())
              .requireSuccess("commit the rejected change of cell " + cellId)
              .stdoutLine();
      String ref = REJECTED_REF_PREFIX + cellId.value();
      git.run(
              path,
              "update-ref",
              "-m",
              "open swarm: rejected change of cell " + cellId.value(),
              ref,
              sha)
          .requireSuccess("keep the rejected change of cell " + cellId + " as " + ref);
      rejectedRef = ref;
      rejectedCommit = sha;
      baseCommit = base;
      write();
      log.info(
          "cell {}: rejected change kept as {} ({} file(s)); see git diff {} {}",
          cellId,
          ref,
          changed.size(),
          abbreviate(base),
          ref);
      return Optional.of(ref);
    }

    @Override
    public void committed(WorktreeLease worktree, String sha) {
      commit = sha;
      baseCommit = worktree.baseCommit();
      write();
    }

    @Override
    public Optional<String> close() {
      if (closed) {
        return Optional.of(run.toString());
      }
      closed = true;
      try {
        NoFollowTreeCopy.copy(stateDirectory, Path.of("logs"), run.resolve("logs"), budget);
      } catch (IOException | RuntimeException e) {
        log.warn("cell {}: its logs could not be kept: {}", cellId, e.getMessage());
      }
      write();
      open.remove(run.getFileName().toString());
      enforceRetention();
      if (!Files.isDirectory(run, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      log.info(
          "cell {}: logs{} kept in {}",
          cellId,
          reports.isEmpty() ? "" : " and reports " + reports,
          run);
      return Optional.of(run.toString());
    }

    /**
     * Writes the record next to a temporary file and moves it in place, so a reader never sees half
     * of it.
     */
    void write() {
      Properties record = new Properties();
      record.setProperty("cellId", cellId.value());
      put(record, "taskId", taskId);
      record.setProperty("started", started.toString());
      put(record, "baseCommit", baseCommit);
      put(record, "branch", branch);
      put(record, "commit", commit);
      put(record, "rejectedRef", rejectedRef);
      put(record, "rejectedCommit", rejectedCommit);
      record.setProperty("reports", String.join(",", reports));
      record.setProperty("copiedBytes", Long.toString(budget.copiedBytes()));
      record.setProperty("truncated", Boolean.toString(budget.truncated()));
      record.setProperty("leftOut", String.join("\n", budget.leftOut()));
      if (closed) {
        record.setProperty("closed", clock.instant().toString());
      }
      Path temporary = run.resolve(RECORD + ".tmp");
      try {
        try (OutputStream out = Files.newOutputStream(temporary)) {
          record.store(
              new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), "open swarm cell run");
        }
        Files.move(
            temporary,
            run.resolve(RECORD),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        log.warn(
            "cell {}: its record {} could not be written: {}",
            cellId,
            run.resolve(RECORD),
            e.getMessage());
      }
    }
  }

  private static void put(Properties record, String key, @Nullable String value) {
    if (value != null) {
      record.setProperty(key, value);
    }
  }

  private static List<String> split(String nulSeparated) {
    List<String> parts = new ArrayList<>();
    for (String part : nulSeparated.split("\0")) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
  }

  /** Builds a {@link CellHistoryStore}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path folder;
    private @Nullable Path repository;
    private HistoryOptions options = HistoryOptions.getDefaultInstance();
    private GitRunner git = GitRunner.create();
    private CommitAuthor author = CommitAuthor.of("Open Swarm", "swarm@openswarm.invalid");
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The history folder; the worker uses {@code <stateDirectory>/history}, which no cell can see.
     * Required.
     *
     * @param path the history folder
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     */
    public Builder folder(Path path) {
      this.folder = Objects.requireNonNull(path, "folder cannot be null");
      return this;
    }

    /**
     * The repository whose refs keep rejected changes (retention deletes them there). Required.
     *
     * @param path the repository
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     */
    public Builder repository(Path path) {
      this.repository = Objects.requireNonNull(path, "repository cannot be null");
      return this;
    }

    /**
     * How much is kept; {@link HistoryOptions#getDefaultInstance()} by default.
     *
     * @param historyOptions what is kept
     * @return this builder
     * @throws NullPointerException if {@code historyOptions} is null
     */
    public Builder options(HistoryOptions historyOptions) {
      this.options = Objects.requireNonNull(historyOptions, "options cannot be null");
      return this;
    }

    /**
     * The git of the commits and refs; {@link GitRunner#create()} (hermetic) by default.
     *
     * @param runner the git runner
     * @return this builder
     * @throws NullPointerException if {@code runner} is null
     */
    public Builder git(GitRunner runner) {
      this.git = Objects.requireNonNull(runner, "git cannot be null");
      return this;
    }

    /**
     * Who the commits of rejected changes are by; {@code Open Swarm <swarm@openswarm.invalid>} by
     * default.
     *
     * @param commitAuthor the author of the commits
     * @return this builder
     * @throws NullPointerException if {@code commitAuthor} is null
     */
    public Builder author(CommitAuthor commitAuthor) {
      this.author = Objects.requireNonNull(commitAuthor, "author cannot be null");
      return this;
    }

    /**
     * The clock that dates runs and decides their age; the system's by default.
     *
     * @param runClock the clock
     * @return this builder
     * @throws NullPointerException if {@code runClock} is null
     */
    public Builder clock(Clock runClock) {
      this.clock = Objects.requireNonNull(runClock, "clock cannot be null");
      return this;
    }

    /**
     * Builds the store; nothing is created on disk until the first run.
     *
     * @return the store
     * @throws NullPointerException if the folder or the repository was not set
     */
    public CellHistoryStore build() {
      return new CellHistoryStore(this);
    }
  }
}
