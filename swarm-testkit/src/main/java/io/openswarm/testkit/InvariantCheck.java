package io.openswarm.testkit;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.SwarmWorker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The invariants that must hold after every cell's life, faulted or not, checked against the real
 * operating system and the real repository:
 *
 * <ul>
 *   <li>no live cell; no live child process (of this JVM, and among the processes named, wherever
 *       they run);
 *   <li>every port released: none leased, every port accounted for (free or quarantined), and, if
 *       asked, each one bindable on 127.0.0.1 (no orphan holds it);
 *   <li>every worktree returned or removed: none leased, every idle one clean ({@code git status
 *       --ignored} empty; without {@code --ignored} for a pool that keeps ignored files) and
 *       detached;
 *   <li>no stale {@code git worktree list} entry (a missing directory, a {@code prunable} mark),
 *       and every linked worktree is an idle one of the pool;
 *   <li>the lease journals hold no process record and no record of a leased worktree, and no record
 *       of a dead owner (but an idle worktree a closed pool parked for the next start);
 *   <li>the cells' state directories are gone;
 *   <li>no cell branch was left that holds nothing new (its tip already on the main branch);
 *   <li>the target branch moved only to commits whose tree passed its tests ({@link TestLedger}),
 *       or that the test itself put there.
 * </ul>
 *
 * <pre>{@code
 * InvariantCheck.of(worker).repository(repo.path()).targetBranch("main", base, ledger, Set.of()).assertHolds();
 * }</pre>
 *
 * <p>Things still going away (a process being reaped, a lease being closed by a teardown that is
 * finishing) are given a grace period, 5 s by default. Not thread-safe.
 */
public final class InvariantCheck {

  private static final GitRunner GIT = GitRunner.create();

  private @Nullable SwarmWorker worker;
  private final List<PortManager> portManagers = new ArrayList<>();
  private @Nullable WorktreePool pool;
  private @Nullable CellSteps cells;
  private final List<Path> cellsDirectories = new ArrayList<>();

  /**
   * A worker's {@code <state>/cells}: one directory per worker JVM, each recorded in the worker's
   * journal.
   */
  private @Nullable Path workerCells;

  private final List<Path> journals = new ArrayList<>();
  private @Nullable Path repository;
  private String mainBranch = "main";
  private String branchPrefix = "swarm/";
  private final List<Supplier<? extends Collection<ProcessIdentity>>> processes = new ArrayList<>();
  private boolean childProcesses = true;
  private boolean bindPorts;
  private final List<Target> targets = new ArrayList<>();
  private Duration grace = Duration.ofSeconds(5);

  /** A branch that must only have received green commits since {@code since}. */
  private record Target(String branch, String since, TestLedger ledger, Set<String> allowed) {}

  private InvariantCheck() {}

  /**
   * A check of nothing yet; add what to check.
   *
   * @return a new check
   */
  public static InvariantCheck create() {
    return new InvariantCheck();
  }

  /**
   * A check of everything a running worker holds: its ports, its pool, its live cells, its lease
   * journals and its cells' state directories.
   *
   * @param worker a running worker
   * @return a new check of the worker's parts
   */
  public static InvariantCheck of(SwarmWorker worker) {
    InvariantCheck check = new InvariantCheck();
    check.worker = Objects.requireNonNull(worker, "worker cannot be null");
    Path state = worker.options().stateDirectory();
    check.journals.add(state.resolve("journal"));
    check.workerCells = state.resolve("cells");
    check.repository = worker.options().repository();
    return check;
  }

  /**
   * Checks that {@code ports} has no port leased and has lost none.
   *
   * @param ports the port manager
   * @return this check
   */
  public InvariantCheck ports(PortManager ports) {
    portManagers.add(Objects.requireNonNull(ports, "ports cannot be null"));
    return this;
  }

  /**
   * Also checks that every port of the range can be bound on 127.0.0.1 (no orphaned process holds
   * one).
   *
   * @return this check
   */
  public InvariantCheck portsBindable() {
    this.bindPorts = true;
    return this;
  }

  /**
   * Checks that {@code worktrees} has nothing leased and only clean idle worktrees, and its
   * journal.
   *
   * @param worktrees the pool
   * @return this check
   */
  public InvariantCheck worktrees(WorktreePool worktrees) {
    this.pool = Objects.requireNonNull(worktrees, "worktrees cannot be null");
    return this;
  }

  /**
   * Checks that no cell is live in {@code steps}.
   *
   * @param steps the cell steps
   * @return this check
   */
  public InvariantCheck cells(CellSteps steps) {
    this.cells = Objects.requireNonNull(steps, "steps cannot be null");
    return this;
  }

  /**
   * Checks that {@code directory} (where cells get their state directories) has no entry left.
   *
   * @param directory the parent of the cells' state directories
   * @return this check
   */
  public InvariantCheck cellsDirectory(Path directory) {
    cellsDirectories.add(Objects.requireNonNull(directory, "directory cannot be null"));
    return this;
  }

  /**
   * Checks that the lease journal in {@code directory} holds no process record and no orphan.
   *
   * @param directory the journal's directory
   * @return this check
   */
  public InvariantCheck journal(Path directory) {
    journals.add(Objects.requireNonNull(directory, "directory cannot be null"));
    return this;
  }

  /**
   * Checks the repository's worktree list and cell branches.
   *
   * @param repo the repository's top-level directory
   * @return this check
   */
  public InvariantCheck repository(Path repo) {
    this.repository = Objects.requireNonNull(repo, "repo cannot be null");
    return this;
  }

  /**
   * The branch cell branches are measured against; {@code main} by default.
   *
   * @param branch the branch's name
   * @return this check
   */
  public InvariantCheck mainBranch(String branch) {
    this.mainBranch = Objects.requireNonNull(branch, "branch cannot be null");
    return this;
  }

  /**
   * Checks that none of the processes {@code identities} names is alive, wherever it runs.
   *
   * @param identities supplies the processes to check, read at each check
   * @return this check
   */
  public InvariantCheck processes(Supplier<? extends Collection<ProcessIdentity>> identities) {
    processes.add(Objects.requireNonNull(identities, "identities cannot be null"));
    return this;
  }

  /**
   * Skips the check for live child processes of this JVM (when a test keeps some running on
   * purpose).
   *
   * @return this check
   */
  public InvariantCheck ignoringChildProcesses() {
    this.childProcesses = false;
    return this;
  }

  /**
   * Checks that every commit {@code branch} received after {@code since} has a tree that passed its
   * tests according to {@code ledger}, or is one of {@code allowed} (commits the test itself made).
   * May be given for several branches.
   *
   * @param branch the target branch
   * @param since the commit after which the branch's commits are checked
   * @param ledger the trees whose tests passed
   * @param allowed commits the test itself made
   * @return this check
   */
  public InvariantCheck targetBranch(
      String branch, String since, TestLedger ledger, Set<String> allowed) {
    targets.add(
        new Target(
            Objects.requireNonNull(branch, "branch cannot be null"),
            Objects.requireNonNull(since, "since cannot be null"),
            Objects.requireNonNull(ledger, "ledger cannot be null"),
            Set.copyOf(allowed)));
    return this;
  }

  /**
   * How long to wait for things still going away; 5 s by default.
   *
   * @param duration the longest wait
   * @return this check
   */
  public InvariantCheck grace(Duration duration) {
    this.grace = Objects.requireNonNull(duration, "grace cannot be null");
    return this;
  }

  /**
   * The violations found now, one line each; empty when every invariant holds.
   *
   * @return the violations; empty when every invariant holds
   */
  public List<String> violations() {
    List<String> found = new ArrayList<>();
    if (worker != null && worker.state() == SwarmWorker.State.RUNNING) {
      if (worker.liveCells() != 0) {
        found.add(worker.liveCells() + " live cell(s) on worker " + worker.options().hostId());
      }
      checkPorts(worker.ports(), found);
      checkPool(worker.worktrees(), found);
    }
    portManagers.forEach(ports -> checkPorts(ports, found));
    if (pool != null) {
      checkPool(pool, found);
    }
    if (cells != null && !cells.liveCells().isEmpty()) {
      found.add("live cells: " + cells.liveCells());
    }
    cellsDirectories.forEach(directory -> checkEmpty(directory, found));
    if (workerCells != null) {
      checkWorkerCells(workerCells, workerCells.resolveSibling("journal"), found);
    }
    journals.forEach(directory -> checkJournal(directory, false, found));
    if (repository != null) {
      checkRepository(repository, found);
    }
    for (Supplier<? extends Collection<ProcessIdentity>> identities : processes) {
      for (ProcessIdentity process : identities.get()) {
        if (process.handle().filter(InvariantCheck::running).isPresent()) {
          found.add(
              "live process "
                  + process
                  + ": "
                  + ProcessHandle.of(process.pid())
                      .flatMap(handle -> handle.info().commandLine())
                      .orElse("?"));
        }
      }
    }
    if (childProcesses) {
      ProcessHandle.current()
          .descendants()
          .filter(InvariantCheck::running)
          .forEach(
              process ->
                  found.add(
                      "live child process "
                          + process.pid()
                          + ": "
                          + process.info().commandLine().orElse("?")));
    }
    if (repository != null) {
      for (Target target : targets) {
        checkTarget(repository, target, found);
      }
    }
    return found;
  }

  /**
   * Fails with every violation listed unless all invariants hold within the grace period.
   *
   * @throws AssertionError naming each violation
   */
  public void assertHolds() {
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> found = violations();
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = violations();
    }
    if (!found.isEmpty()) {
      throw new AssertionError(
          found.size() + " invariant(s) violated:\n  " + String.join("\n  ", found));
    }
  }

  /**
   * Whether {@code process} is running: alive and not a zombie. A killed process whose parent died
   * is re-parented to the init process and stays a zombie until init reaps it; it holds no memory,
   * port or file any more.
   *
   * @param process the process
   * @return true when it is alive and not a zombie
   */
  public static boolean running(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      int afterName = stat.lastIndexOf(')');
      return afterName < 0 || afterName + 2 >= stat.length() || stat.charAt(afterName + 2) != 'Z';
    } catch (IOException e) {
      return process.isAlive();
    }
  }

  private void checkPorts(PortManager ports, List<String> found) {
    int leased = 0;
    for (int port = ports.range().min(); port <= ports.range().max(); port++) {
      if (ports.isAllocated(port)) {
        leased++;
      }
    }
    if (leased != 0) {
      found.add(leased + " port(s) still leased from " + ports.range());
    }
    int accounted = ports.availableCount() + ports.quarantinedCount() + leased;
    if (accounted != ports.range().size()) {
      found.add(
          "ports lost track of: "
              + ports
              + " accounts for "
              + accounted
              + " of "
              + ports.range().size()
              + " ports (free, quarantined or leased)");
    }
    if (bindPorts) {
      PortProbe probe = PortProbe.bind();
      for (int port = ports.range().min(); port <= ports.range().max(); port++) {
        if (!probe.isFree(port)) {
          found.add("port " + port + " is held by a process");
        }
      }
    }
  }

  private void checkPool(WorktreePool worktrees, List<String> found) {
    if (worktrees.leasedCount() != 0) {
      found.add(worktrees.leasedCount() + " worktree(s) still leased from " + worktrees);
    }
    checkJournal(worktrees.options().journalDirectory(), true, found);
    Path root = worktrees.options().root();
    try (Stream<Path> entries = Files.list(root)) {
      for (Path slot :
          entries.filter(path -> path.getFileName().toString().startsWith("wt-")).toList()) {
        try {
          // A pool that keeps ignored files (a worker with a set-up command) keeps node_modules and
          // the like.
          String status =
              (worktrees.options().preserveIgnored()
                      ? GIT.run(slot, "status", "--porcelain", "--untracked-files=all")
                      : GIT.run(
                          slot, "status", "--porcelain", "--ignored", "--untracked-files=all"))
                  .stdout();
          if (!status.isBlank()) {
            found.add("worktree " + slot + " is not clean: " + status.strip().replace('\n', ';'));
          }
          if (GIT.run(slot, "symbolic-ref", "-q", "HEAD").isSuccess()) {
            found.add("worktree " + slot + " still has a branch checked out");
          }
        } catch (WorktreeException e) {
          if (Files.exists(slot)) {
            throw e;
          }
          // Removed by the pool's maintenance while being looked at: an idle worktree above the
          // limit.
        }
      }
    } catch (IOException e) {
      if (Files.exists(root)) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void checkEmpty(Path directory, List<String> found) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (Stream<Path> entries = Files.list(directory)) {
      entries.forEach(entry -> found.add("state directory left behind: " + entry));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Each worker JVM keeps its cells' state directories under a directory of its own, recorded in
   * its journal: this JVM's must hold no cell any more, and none may be left by a dead worker or
   * lack a record.
   */
  private static void checkWorkerCells(Path cellsRoot, Path journalDirectory, List<String> found) {
    if (!Files.isDirectory(cellsRoot)) {
      return;
    }
    java.util.Map<Path, LeaseRecord> recorded = new java.util.HashMap<>();
    if (Files.isDirectory(journalDirectory)) {
      for (LeaseRecord record : LeaseJournal.open(journalDirectory).records()) {
        if (record.kind() == LeaseKind.DIRECTORY && record.attribute("path") != null) {
          recorded.put(Path.of(record.attribute("path")), record);
        }
      }
    }
    try (Stream<Path> entries = Files.list(cellsRoot)) {
      for (Path entry : entries.toList()) {
        LeaseRecord record = recorded.get(entry.toAbsolutePath().normalize());
        if (record == null) {
          found.add("cells directory nobody recorded: " + entry);
        } else if (!record.owner().isAlive()) {
          found.add("cells directory of a dead worker: " + entry);
        } else if (record.owner().equals(ProcessIdentity.current())) {
          checkEmpty(entry, found);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void checkJournal(
      Path directory, boolean idleWorktreesAllowed, List<String> found) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    LeaseJournal journal = LeaseJournal.open(directory);
    LeaseJournal.Scan scan = journal.scan();
    scan.unreadable()
        .forEach((file, problem) -> found.add("unreadable lease record " + file + ": " + problem));
    for (LeaseRecord record : scan.records()) {
      if (record.kind() == LeaseKind.WORKTREE
          && idleWorktreesAllowed
          && "parked".equals(record.attribute("state"))) {
        // An idle worktree a closed pool left for the next start: it belongs to no process.
        continue;
      }
      if (!record.owner().isAlive()) {
        found.add("lease record of a dead owner: " + describe(record));
      } else if (record.kind() == LeaseKind.PROCESS) {
        found.add("process still recorded in the journal: " + describe(record));
      } else if (record.kind() == LeaseKind.WORKTREE
          && !(idleWorktreesAllowed && "idle".equals(record.attribute("state")))) {
        found.add("worktree still recorded as leased: " + describe(record));
      }
    }
  }

  /**
   * Whether {@code path} is a worktree that another, closed pool parked for its next start
   * (recorded as parked in the journal at its root's default place) and that is still clean and
   * detached, as a parked worktree must be.
   */
  private static boolean parkedByAClosedPool(Path path) {
    Path root = path.getParent();
    if (root == null) {
      return false;
    }
    Path journal = root.resolve(".swarm").resolve("leases");
    if (!Files.isDirectory(journal)) {
      return false;
    }
    boolean parked =
        LeaseJournal.open(journal).records().stream()
            .anyMatch(
                record ->
                    record.kind() == LeaseKind.WORKTREE
                        && "parked".equals(record.attribute("state"))
                        && path.toString().equals(record.attribute("path")));
    return parked
        && GIT.run(path, "status", "--porcelain", "--untracked-files=all").stdout().isBlank()
        && !GIT.run(path, "symbolic-ref", "-q", "HEAD").isSuccess();
  }

  private static String describe(LeaseRecord record) {
    return record.kind() + " " + record.key() + " " + record.attributes();
  }

  private void checkRepository(Path repo, List<String> found) {
    String list =
        GIT.run(repo, "worktree", "list", "--porcelain").requireSuccess("worktree list").stdout();
    Path main = null;
    Path root =
        pool != null
            ? pool.options().root()
            : worker != null && worker.state() == SwarmWorker.State.RUNNING
                ? worker.worktrees().options().root()
                : null;
    for (String entry : list.split("\n\n")) {
      List<String> lines =
          Arrays.stream(entry.split("\n")).filter(line -> !line.isBlank()).toList();
      if (lines.isEmpty()) {
        continue;
      }
      Path path = Path.of(lines.get(0).substring("worktree ".length()));
      if (main == null) {
        main = path;
        continue;
      }
      if (!Files.isDirectory(path)) {
        found.add("stale git worktree entry (directory gone): " + path);
      } else if (lines.stream().anyMatch(line -> line.startsWith("prunable"))) {
        found.add("stale git worktree entry (prunable): " + path);
      } else if (root != null && !path.startsWith(root) && !parkedByAClosedPool(path)) {
        found.add("a worktree outside the pool: " + path);
      }
    }
    String stale =
        GIT.run(
                repo,
                "for-each-ref",
                "--format=%(refname:short)",
                "--merged",
                mainBranch,
                "refs/heads/" + branchPrefix)
            .requireSuccess("for-each-ref")
            .stdout();
    for (String branch : stale.split("\n")) {
      if (!branch.isBlank()) {
        found.add("cell branch holding nothing new: " + branch);
      }
    }
  }

  private static void checkTarget(Path repo, Target target, List<String> found) {
    String log =
        GIT.run(repo, "log", "--format=%H %T", target.since() + ".." + target.branch())
            .requireSuccess("log")
            .stdout();
    Set<String> green = target.ledger().greenTrees();
    for (String line : log.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split(" ");
      if (!target.allowed().contains(parts[0]) && !green.contains(parts[1])) {
        found.add(
            "commit "
                + parts[0]
                + " on "
                + target.branch()
                + " has a tree whose tests never passed");
      }
    }
  }

  /**
   * Remembers which trees passed their tests, so that a check can prove a branch only ever received
   * green commits.
   *
   * <p>{@link #wrap(TestRunner)} decorates a runner: after every passing run it records the git
   * tree of the worktree exactly as the tests saw it (tracked, new and deleted files, not ignored
   * ones, as {@code git add -A} would stage them), computed with a private index so the cell's own
   * index is untouched. A commit whose tree is in {@link #greenTrees()} holds exactly what passed.
   *
   * <p>Thread-safe.
   */
  public static final class TestLedger {

    private final Set<String> greenTrees = ConcurrentHashMap.newKeySet();

    /**
     * An empty ledger.
     *
     * @return a new ledger
     */
    public static TestLedger create() {
      return new TestLedger();
    }

    private TestLedger() {}

    /**
     * The trees whose tests passed.
     *
     * @return the tree SHAs, a snapshot
     */
    public Set<String> greenTrees() {
      return Set.copyOf(greenTrees);
    }

    /**
     * Decorates {@code runner} so that the trees of its passing runs are recorded here.
     *
     * @param runner the runner to decorate
     * @return the decorated runner
     */
    public TestRunner wrap(TestRunner runner) {
      Objects.requireNonNull(runner, "runner cannot be null");
      return new TestRunner() {
        @Override
        public TestRunner.Result run(TestRunner.Request request)
            throws IOException, InterruptedException {
          TestRunner.Result result = runner.run(request);
          if (result.passed()) {
            greenTrees.add(treeOf(request.worktree()));
          }
          return result;
        }

        @Override
        public List<String> command() {
          return runner.command();
        }

        @Override
        public String toString() {
          return "Ledger[" + runner + "]";
        }
      };
    }

    /**
     * The tree {@code git add -A} would stage in {@code worktree}, computed with a private index.
     */
    static String treeOf(Path worktree) {
      Path scratch;
      try {
        scratch = Files.createTempDirectory("ledger-index-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try {
        String index = scratch.resolve("index").toString();
        git(worktree, index, "read-tree", "HEAD");
        git(worktree, index, "add", "-A");
        return git(worktree, index, "write-tree").strip();
      } finally {
        try {
          TreeDeleter.deleteRecursively(scratch);
        } catch (IOException ignored) {
          // A temporary directory of a test; the system cleans it eventually.
        }
      }
    }

    private static String git(Path worktree, String index, String... args) {
      return GIT.run(
              GitCommand.in(worktree).args(args).environment("GIT_INDEX_FILE", index).build())
          .requireSuccess("git " + String.join(" ", args))
          .stdout();
    }
  }
}
