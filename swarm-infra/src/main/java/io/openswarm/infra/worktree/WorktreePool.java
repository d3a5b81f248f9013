package io.openswarm.infra.worktree;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.worktree.internal.GitRepository;
import io.openswarm.infra.worktree.internal.WorktreeRestorer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of git worktrees of one repository, each leased to one cell at a time on a branch of its
 * own.
 *
 * <p>How it works. The pool owns <em>slots</em>: directories {@code <root>/wt-<session>-<n>}, each
 * a linked worktree of the repository. The session part is this JVM's {@linkplain
 * LeaseJournal#sessionId() session id}, so pools of different JVMs sharing a root never pick the
 * same directory. An idle slot is a worktree with a detached {@code HEAD} that was verified clean
 * when it became idle; nothing writes into it while it is idle.
 *
 * <ul>
 *   <li><b>Acquire</b> checks the branch name (the prefix with git at start, the cell id's part
 *       with git's rules in Java) and resolves the base ref, takes an idle slot (or reserves a new
 *       one when none is idle and {@code maxTotal} allows; with {@code maxTotal} slots in use it
 *       waits up to {@code acquireTimeout}), journals the lease, then creates the cell's branch
 *       {@code <prefix><cellId>} at the base commit (atomically: it fails if the branch appeared
 *       meanwhile) and checks it out: in an idle slot with one {@code git checkout --force -b},
 *       which rewrites only the files that differ (the warm path); in a new slot with {@code git
 *       update-ref}, {@code git worktree add --no-checkout} under the worktree-list lock, then,
 *       outside that lock and inside the new worktree, {@code git reset --hard} that writes its
 *       files (the cold path: the same checkout a plain {@code git worktree add} runs, and cold
 *       acquires write their files in parallel). With {@link
 *       WorktreePoolOptions.Builder#sparseCheckout sparseCheckout}, a new worktree becomes a sparse
 *       checkout (cone mode, settings kept per worktree) before any file is written. An existing
 *       branch that holds nothing new is reused.
 *   <li><b>Release</b> ({@link WorktreeLease#close()}) restores the slot to the base commit
 *       exactly, detached (see {@code WorktreeRestorer}: checkout, clean, and a status check
 *       whenever something may be left); then the branch is deleted if it holds nothing the base
 *       does not (kept otherwise; see {@link BranchRetention}) and the slot becomes idle again. A
 *       slot that would exceed {@code maxIdle} as soon as it is idle (and nobody waits for one) is
 *       removed at once instead of being restored first. A slot that cannot be restored is removed
 *       too; what cannot be deleted even then (a cell can shape its worktree at will) is moved into
 *       {@code <root>/.swarm/quarantine} and logged. With {@code preserveIgnored} the slot keeps
 *       its ignored files (what a set-up installed: {@code node_modules}, {@code target/}, {@code
 *       .venv}) and the lease's {@linkplain WorktreeLease#setupStamp() set-up stamp}, which the
 *       next lease of the slot reports, so a set-up can tell that the worktree is already prepared;
 *       without it the stamp is forgotten with the files. The stamp is kept in the slot's journal
 *       record too, so that it survives a restart with the slot (see <b>Close and restart</b>).
 *   <li><b>Background</b>: one thread creates idle slots up to {@code minIdle} and removes idle
 *       slots above {@code maxIdle}.
 *   <li><b>Crash safety</b>: every slot has a record in the lease journal naming this process as
 *       owner, with the cell, branch and base commit while it is leased; the record is written
 *       before the slot or the branch is created. {@link #start()} reclaims the slots of owners
 *       that are no longer alive: it removes the worktree (its state after a crash is unknown, and
 *       processes of the dead owner may still have been writing to it), deletes the branch when it
 *       holds nothing new, removes the record and prunes git's worktree list. Records of live
 *       owners are never touched, nor are parked slots, whatever their owner.
 *   <li><b>Close and restart</b>: {@link #close()} parks the idle slots (unless {@link
 *       WorktreePoolOptions.Builder#keepIdleOnClose keepIdleOnClose} is off): they stay on disk and
 *       their records say {@code parked}, with the set-up stamp when ignored files are kept. {@link
 *       #start()} adopts up to {@code maxIdle} parked slots of its root and repository, whoever
 *       parked them (this JVM or a dead one): it claims them in the journal under a lock shared by
 *       every JVM on the host ({@link LeaseJournal#claim}), so that two pools starting at once
 *       never adopt the same slot, then verifies each from scratch, never trusting what it finds:
 *       the directory's {@code .git} is a plain file naming this repository's administrative
 *       directory for it, which names it back; {@code HEAD} is detached at a commit of the
 *       repository; the sparse checkout is the one this pool makes; {@code git status --porcelain
 *       --untracked-files=all} (with {@code --ignored} unless ignored files are preserved) is
 *       empty. A slot that passes becomes idle with its stamp; one that fails is removed with its
 *       record and its stamp.
 * </ul>
 *
 * <p>Invariants: {@code idleCount() + leasedCount() <= totalCount() <= maxTotal}; a cell holds at
 * most one lease; a branch that holds commits beyond its base is never deleted (unless {@link
 * BranchRetention#ALWAYS_DELETE}) and never moved; no path outside {@code root} is ever created or
 * deleted.
 *
 * <p>Concurrency: pool bookkeeping is guarded by one lock that is never held during I/O. Changes to
 * the worktree list (registering, removing, pruning; milliseconds each, except a removal, which
 * deletes the directory) are serialized per repository within the JVM; ref updates are
 * compare-and-swaps under git's own per-ref locks and run in parallel; both are retried on git's
 * lock errors, across threads and JVMs. Operations inside different worktrees, the checkout of a
 * new worktree's files included, run in parallel: each takes its own worktree's {@code index.lock}.
 *
 * <p>Cost: git processes are most of what a lease costs, so each step uses as few as it can. A warm
 * acquire at a full SHA already seen is one process ({@code checkout -b}); a release is two when
 * the cell committed ({@code checkout --detach}, {@code clean}) and three when it did not (plus the
 * {@code update-ref -d} that deletes the branch). Whether the branch holds commits beyond its base
 * is read from git's files where they are in their plain form (a loose ref, loose commits);
 * otherwise {@code for-each-ref --no-merged} answers, one process more. A cold acquire is four
 * processes ({@code rev-parse} for a new base, {@code update-ref}, {@code worktree add}, {@code
 * reset --hard}) and a cold release that removes the slot two ({@code worktree remove}, {@code
 * update-ref -d}); on a large repository nearly all of it is the checkout that writes the files, as
 * for a plain {@code git worktree add}.
 *
 * <p>Lifecycle: {@code NEW} → {@link #start()} → {@code RUNNING} → {@link #close()} → {@code
 * CLOSED}. {@code close()} stops handing out leases, waits up to {@code closeTimeout} for
 * outstanding leases to be closed, releases the ones still out itself (keeping branches that hold
 * commits; their slots are restored like any release), and then parks the idle slots for the next
 * start, or removes them when {@code keepIdleOnClose} is off.
 *
 * <p>Thread-safe.
 */
public final class WorktreePool implements WorktreeProvider, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorktreePool.class);

  /** The names of the attributes of a pool's {@link LeaseKind#WORKTREE} records. */
  static final String ATTR_PATH = "path";

  static final String ATTR_REPOSITORY = "repository";
  static final String ATTR_STATE = "state";
  static final String ATTR_CELL = "cellId";
  static final String ATTR_BRANCH = "branch";
  static final String ATTR_BASE = "baseCommit";
  static final String ATTR_SETUP_STAMP = "setupStamp";

  /** The states a slot's record names. */
  static final String STATE_IDLE = "idle";

  static final String STATE_LEASED = "leased";

  /**
   * Idle, left on disk by a pool that closed, for the next pool on the root to adopt; whoever the
   * owner.
   */
  static final String STATE_PARKED = "parked";

  /**
   * Claimed by a starting pool that is verifying it; reclaimed like any slot when that owner dies.
   */
  static final String STATE_ADOPTING = "adopting";

  /**
   * Where worktrees that cannot be deleted are moved, relative to the root: the same file system,
   * never a slot.
   */
  static final Path QUARANTINE = Path.of(".swarm", "quarantine");

  private static final Pattern SLOT_NAME = Pattern.compile("wt-[0-9a-f]{12}-[0-9]+");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final AtomicLong SLOT_SEQUENCE = new AtomicLong();
  private static final AtomicInteger POOL_SEQUENCE = new AtomicInteger();

  private enum State {
    NEW,
    STARTING,
    RUNNING,
    CLOSING,
    CLOSED
  }

  private final WorktreePoolOptions options;
  private final GitRunner git;
  private final WorktreeRestorer restorer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicBoolean maintenanceRequested = new AtomicBoolean();

  // Guarded by lock.
  private State state = State.NEW;
  private final Deque<Slot> idle = new ArrayDeque<>();
  private final Map<CellId, PooledLease> leases = new LinkedHashMap<>();
  private final Set<CellId> busyCells = new HashSet<>();
  private int total;
  private int waiting;
  private int backgroundCreating;
  private int inFlight;

  /** Released slots that are being restored to become idle; counted against maxIdle. */
  private int returning;

  /** Set once by start() before the state becomes RUNNING; read by any thread afterwards. */
  private volatile @Nullable Context context;

  private WorktreePool(WorktreePoolOptions options) {
    this.options = options;
    this.git = options.git();
    this.restorer = new WorktreeRestorer(git, options.preserveIgnored());
  }

  /**
   * A pool with {@code options}, not started yet.
   *
   * @param options the pool's settings
   * @return the pool, not started
   * @throws NullPointerException if {@code options} is null
   */
  public static WorktreePool create(WorktreePoolOptions options) {
    return new WorktreePool(Objects.requireNonNull(options, "options cannot be null"));
  }

  /**
   * A builder of a pool; the same settings as {@link WorktreePoolOptions#newBuilder()}.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The pool's settings.
   *
   * @return the settings
   */
  public WorktreePoolOptions options() {
    return options;
  }

  /**
   * Opens the repository and the journal, reclaims what dead owners left, prunes git's worktree
   * list, adopts the idle worktrees closed pools parked here (verifying each; see the class
   * comment), and starts pre-warming {@code minIdle} worktrees in the background. Nothing is
   * created when the repository or the root is not valid.
   *
   * @throws IllegalStateException if the pool was already started or closed
   * @throws WorktreeException {@link Reason#NOT_A_REPOSITORY} if the repository path is not in a
   *     git repository, {@link Reason#INVALID_ROOT} if the root lies inside the repository's git
   *     directory or is not a directory, {@link Reason#IO_FAILED} if the journal cannot be opened
   *     or locked, {@link Reason#GIT_FAILED} if git is missing, too old (2.30, or 2.36 with {@code
   *     sparseCheckout}) or fails; the pool is then closed
   * @throws IllegalArgumentException if git rejects the branch prefix
   */
  public void start() {
    lock.lock();
    try {
      if (state != State.NEW) {
        throw illegalState("start");
      }
      state = State.STARTING;
    } finally {
      lock.unlock();
    }
    long begin = System.nanoTime();
    try {
      GitRepository repository = GitRepository.open(git, options.repository());
      Path root = prepareRoot(repository);
      repository.checkBranchName(
          options.branchPrefix() + "cell",
          () -> "the branch prefix \"" + options.branchPrefix() + "\" followed by a cell id");
      LeaseJournal journal = openJournal();
      if (!options.sparseCheckout().isEmpty()) {
        repository.requireVersion(GitRepository.MINIMUM_SPARSE_GIT_VERSION, "sparseCheckout");
      }
      int reclaimed = reclaimOrphans(repository, root, journal);
      repository.prune();
      List<Slot> adopted = adoptParked(repository, root, journal);
      int poolNumber = POOL_SEQUENCE.incrementAndGet();
      ExecutorService maintenance =
          Executors.newSingleThreadExecutor(
              task -> {
                Thread thread = new Thread(task, "swarm-worktree-pool-" + poolNumber);
                thread.setDaemon(true);
                return thread;
              });
      context = new Context(repository, root, journal, maintenance);
      lock.lock();
      try {
        adopted.forEach(idle::addLast);
        total += adopted.size();
        state = State.RUNNING;
      } finally {
        lock.unlock();
      }
      log.info(
          "worktree pool started: repository={}, root={}, minIdle={}, maxIdle={}, maxTotal={}, "
              + "reclaimed {} worktree(s) of dead owners, adopted {} idle worktree(s), {} ms",
          repository.directory(),
          root,
          options.minIdle(),
          options.maxIdle(),
          options.maxTotal(),
          reclaimed,
          adopted.size(),
          millisSince(begin));
      requestMaintenance();
    } catch (RuntimeException | Error e) {
      lock.lock();
      try {
        state = State.CLOSED;
        terminated.countDown();
      } finally {
        lock.unlock();
      }
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A cell that already holds a lease of this pool gets {@link Reason#BRANCH_CONFLICT}; use
   * {@link #find} to reach its lease. A branch {@code <prefix><cellId>} that already exists is
   * reused only when it holds nothing that the base commit does not contain and is not checked out
   * anywhere.
   */
  @Override
  public WorktreeLease acquire(CellId cellId, String baseRef) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    checkRevision(baseRef);
    Context ctx = runningContext("acquire");
    String branch = options.branchPrefix() + cellId.value();
    // The prefix passed git's own check at start; what a cell id can add to it (its characters are
    // limited to
    // [A-Za-z0-9._-]) is covered exactly by the Java rules, which saves a git process per acquire.
    // The checkout that
    // creates the branch checks it with git's rules again.
    BranchNames.problem(branch)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(
                  "\""
                      + branch
                      + "\" is not a valid git branch name (branch prefix \""
                      + options.branchPrefix()
                      + "\" followed by cell id \""
                      + cellId
                      + "\"); see git check-ref-format");
            });
    String base = ctx.repository.resolveCommit(baseRef);
    long begin = System.nanoTime();
    reserveCell(cellId);
    boolean leased = false;
    try {
      Slot slot = takeSlot(cellId);
      boolean warm = slot.exists;
      PooledLease lease = prepare(ctx, slot, cellId, branch, base);
      boolean running;
      lock.lock();
      try {
        running = state == State.RUNNING;
        if (running) {
          leases.put(cellId, lease);
          leased = true;
        }
      } finally {
        lock.unlock();
      }
      if (!running) {
        IllegalStateException closing = illegalState("acquire");
        try {
          release(lease);
        } catch (RuntimeException e) {
          closing.addSuppressed(e);
        }
        throw closing;
      }
      log.info(
          "leased worktree {} to cell {} on branch {} at {} ({} path, {} ms)",
          slot.path,
          cellId,
          branch,
          abbreviate(base),
          warm ? "warm" : "cold",
          millisSince(begin));
      requestMaintenance();
      return lease;
    } finally {
      lock.lock();
      try {
        inFlight--;
        if (!leased) {
          busyCells.remove(cellId);
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public Optional<WorktreeLease> find(CellId cellId) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    lock.lock();
    try {
      return Optional.ofNullable(leases.get(cellId));
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many worktrees are idle, ready to be leased.
   *
   * @return the number of idle worktrees
   */
  public int idleCount() {
    lock.lock();
    try {
      return idle.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many leases are open (acquired and not yet closed).
   *
   * @return the number of open leases
   */
  public int leasedCount() {
    lock.lock();
    try {
      return leases.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many callers of {@link #acquire} are waiting because {@code maxTotal} worktrees are leased.
   *
   * @return the number of waiting callers
   */
  public int waitingCount() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many worktrees the pool has: idle, leased, and those being created, restored or removed.
   * Never more than {@code maxTotal}.
   *
   * @return the number of worktrees, 0 to {@code maxTotal}
   */
  public int totalCount() {
    lock.lock();
    try {
      return total;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops handing out leases, stops the background work, waits up to {@code closeTimeout} for
   * outstanding leases to be closed, releases those still out (a warning names them; their branches
   * are kept when they hold commits), and parks the idle worktrees for the next pool on this root
   * to adopt (see the class comment), or, with {@code keepIdleOnClose} off or when parking fails,
   * removes them with their journal records. Idempotent; a concurrent second call waits for the
   * first. Failures to remove a worktree are logged, not thrown: the journal keeps its record for a
   * later start to reclaim.
   *
   * @throws IllegalStateException if called while {@link #start()} is running
   */
  @Override
  public void close() {
    boolean shutDownHere = false;
    lock.lock();
    try {
      switch (state) {
        case NEW:
          state = State.CLOSED;
          terminated.countDown();
          return;
        case STARTING:
          throw illegalState("close");
        case RUNNING:
          state = State.CLOSING;
          changed.signalAll();
          shutDownHere = true;
          break;
        default:
          break;
      }
    } finally {
      lock.unlock();
    }
    if (shutDownHere) {
      try {
        shutDown();
      } finally {
        lock.lock();
        try {
          state = State.CLOSED;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        terminated.countDown();
      }
    } else {
      awaitTermination();
    }
  }

  private void shutDown() {
    long begin = System.nanoTime();
    Context ctx = Objects.requireNonNull(context);
    // Closing cleans up; an interrupt is remembered and restored at the end, not allowed to abort
    // git half-way.
    boolean interrupted = Thread.interrupted();
    ctx.maintenance.shutdown();
    try {
      if (!ctx.maintenance.awaitTermination(
          options.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "the background work of the worktree pool on {} did not stop within {}",
            ctx.root,
            options.closeTimeout());
        ctx.maintenance.shutdownNow();
      }
    } catch (InterruptedException e) {
      interrupted = true;
      ctx.maintenance.shutdownNow();
    }
    List<PooledLease> outstanding;
    List<Slot> idleSlots;
    lock.lock();
    try {
      long remaining = options.closeTimeout().toNanos();
      while ((!leases.isEmpty() || inFlight > 0) && remaining > 0) {
        try {
          remaining = changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
          interrupted = true;
          break;
        }
      }
      outstanding = new ArrayList<>(leases.values());
    } finally {
      lock.unlock();
    }
    for (PooledLease lease : outstanding) {
      log.warn(
          "closing the worktree pool: cell {} did not return its worktree {} within {}; releasing it",
          lease.cellId,
          lease.slot.path,
          options.closeTimeout());
      try {
        release(lease);
      } catch (RuntimeException e) {
        log.warn(
            "could not release the worktree of cell {} while closing: {}",
            lease.cellId,
            e.getMessage());
      }
    }
    lock.lock();
    try {
      idleSlots = new ArrayList<>(idle);
      idle.clear();
    } finally {
      lock.unlock();
    }
    int removed = 0;
    int parked = 0;
    for (Slot slot : idleSlots) {
      if (options.keepIdleOnClose() && park(ctx, slot)) {
        parked++;
      } else if (removeSlot(ctx, slot)) {
        removed++;
      }
    }
    lock.lock();
    try {
      total -= idleSlots.size();
    } finally {
      lock.unlock();
    }
    log.info(
        "worktree pool closed: root={}, parked {} idle worktree(s) for the next start, removed {}, released {} "
            + "outstanding lease(s), {} ms",
        ctx.root,
        parked,
        removed,
        outstanding.size(),
        millisSince(begin));
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitTermination() {
    boolean interrupted = false;
    while (true) {
      try {
        terminated.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "WorktreePool{repository="
          + options.repository()
          + ", root="
          + options.root()
          + ", state="
          + state
          + ", total="
          + total
          + ", leased="
          + leases.size()
          + ", idle="
          + idle.size()
          + ", waiting="
          + waiting
          + "}";
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Acquire and release

  private void reserveCell(CellId cellId) {
    lock.lock();
    try {
      if (state != State.RUNNING) {
        throw illegalState("acquire");
      }
      if (!busyCells.add(cellId)) {
        PooledLease existing = leases.get(cellId);
        throw new WorktreeException(
            Reason.BRANCH_CONFLICT,
            "cell "
                + cellId
                + " already holds a worktree lease"
                + (existing != null
                    ? " (" + existing.slot.path + " on branch " + existing.branch + ")"
                    : " that is being acquired or released")
                + "; close it first");
      }
      inFlight++;
    } finally {
      lock.unlock();
    }
  }

  /**
   * An idle slot, or a reserved new one (not on disk yet); waits when {@code maxTotal} slots exist.
   */
  private Slot takeSlot(CellId cellId) {
    lock.lock();
    try {
      long remaining = options.acquireTimeout().toNanos();
      while (true) {
        if (state != State.RUNNING) {
          throw illegalState("acquire");
        }
        Slot slot = idle.pollFirst();
        if (slot != null) {
          return slot;
        }
        if (total < options.maxTotal()) {
          total++;
          return newSlot(Objects.requireNonNull(context).root);
        }
        if (remaining <= 0) {
          throw new WorktreeException(
              Reason.POOL_EXHAUSTED,
              String.format(
                  "no worktree became available for cell %s within %d ms (total=%d, leased=%d, idle=%d, waiting=%d, "
                      + "maxTotal=%d; repository %s)",
                  cellId,
                  options.acquireTimeout().toMillis(),
                  total,
                  leases.size(),
                  idle.size(),
                  waiting,
                  options.maxTotal(),
                  options.repository()));
        }
        waiting++;
        try {
          remaining = changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new WorktreeException(
              Reason.INTERRUPTED,
              "interrupted while cell " + cellId + " was waiting for a worktree",
              e);
        } finally {
          waiting--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Creates the branch and checks it out in {@code slot}; on failure undoes both and gives the slot
   * back.
   */
  private PooledLease prepare(Context ctx, Slot slot, CellId cellId, String branch, String base) {
    boolean fresh = !slot.exists;
    Map<String, String> leasedAttributes = slotAttributes(ctx, slot);
    leasedAttributes.put(ATTR_STATE, STATE_LEASED);
    leasedAttributes.put(ATTR_CELL, cellId.value());
    leasedAttributes.put(ATTR_BRANCH, branch);
    leasedAttributes.put(ATTR_BASE, base);
    String reflogMessage = "openswarm: worktree lease for cell " + cellId;
    boolean created = false;
    boolean touched = false;
    try {
      writeRecord(ctx, slot, leasedAttributes);
      if (fresh) {
        ctx.repository.createBranch(branch, base, reflogMessage);
      } else {
        // The warm path in one process: create the branch and check it out. The slot was verified
        // clean when it was
        // returned, so it needs no cleaning. Git refuses before it touches anything when the branch
        // exists; then
        // the branch is reused if it holds nothing new, as on the cold path.
        touched = true;
        created = restorer.checkoutNewBranch(slot.path, branch, base);
        touched = created;
        if (created && options.cleanOnReuse()) {
          restorer.removeUntracked(slot.path);
        }
        if (!created) {
          ctx.repository.createBranch(branch, base, reflogMessage);
        }
      }
    } catch (RuntimeException e) {
      if (touched) {
        // The checkout failed half-way: the slot's state is unknown, so it is removed.
        discardSlot(ctx, slot, branch, base, false, e);
      } else {
        giveBackUntouched(ctx, slot, e);
      }
      throw e;
    }
    try {
      if (fresh) {
        ctx.repository.addWorktree(slot.path, branch, base, options.sparseCheckout());
        slot.exists = true;
      } else if (!created) {
        restorer.switchTo(slot.path, branch);
      }
    } catch (RuntimeException e) {
      discardSlot(ctx, slot, branch, base, fresh, e);
      throw e;
    }
    return new PooledLease(cellId, slot, branch, base, !fresh);
  }

  /**
   * Undoes a failed acquire whose git work may have changed the slot: deletes the branch if it is
   * still at the base, removes the slot (unless {@code fresh}: a failed {@code worktree add} leaves
   * nothing) and its record.
   */
  private void discardSlot(
      Context ctx, Slot slot, String branch, String base, boolean fresh, RuntimeException e) {
    // Undo even if the failure was an interruption: otherwise the slot and the branch would leak.
    boolean interrupted = Thread.interrupted();
    try {
      ctx.repository.deleteBranchIfAt(branch, base);
      if (!fresh) {
        removeWorktree(ctx, slot.path, "a failed acquire");
        slot.exists = false;
      }
      ctx.journal.remove(LeaseKind.WORKTREE, slot.name);
    } catch (RuntimeException suppressed) {
      e.addSuppressed(suppressed);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    dropSlot();
  }

  /**
   * Returns a slot that the failed acquire did not change (only its record) to where it came from.
   */
  private void giveBackUntouched(Context ctx, Slot slot, RuntimeException failure) {
    try {
      if (slot.exists) {
        writeRecord(ctx, slot, idleAttributes(ctx, slot));
      } else {
        ctx.journal.remove(LeaseKind.WORKTREE, slot.name);
      }
    } catch (RuntimeException suppressed) {
      failure.addSuppressed(suppressed);
    }
    lock.lock();
    try {
      if (slot.exists) {
        idle.addFirst(slot);
      } else {
        total--;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void dropSlot() {
    lock.lock();
    try {
      total--;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    requestMaintenance();
  }

  private void release(PooledLease lease) {
    if (!lease.closed.compareAndSet(false, true)) {
      return;
    }
    // Releasing is a compensation: it must finish even if the caller was interrupted (git would be
    // killed at once).
    boolean interrupted = Thread.interrupted();
    try {
      restoreAndReturn(lease);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void restoreAndReturn(PooledLease lease) {
    long begin = System.nanoTime();
    Context ctx = Objects.requireNonNull(context);
    Slot slot = lease.slot;
    boolean keep;
    lock.lock();
    try {
      leases.remove(lease.cellId);
      inFlight++;
      // A slot that would only be trimmed as soon as it is idle (above maxIdle, nobody waiting) is
      // removed at once:
      // restoring it first would scan the whole tree twice (checkout, clean) for nothing.
      keep = idle.size() + returning < options.maxIdle() || waiting > 0;
      if (keep) {
        returning++;
      }
    } finally {
      lock.unlock();
    }
    WorktreeException failure = null;
    boolean reusable = false;
    String branchOutcome = "branch " + lease.branch + " left as it is";
    try {
      WorktreeException restoreFailure = null;
      if (keep) {
        try {
          restorer.restoreDetached(slot.path, lease.base);
          reusable = true;
        } catch (WorktreeException e) {
          // Not the caller's problem as long as the slot can be removed: the pool stays consistent.
          log.warn(
              "could not restore worktree {} of cell {}; removing it: {}",
              slot.path,
              lease.cellId,
              e.getMessage());
          restoreFailure = e;
        }
      }
      if (!reusable) {
        try {
          removeWorktree(ctx, slot.path, "cell " + lease.cellId);
          slot.exists = false;
        } catch (WorktreeException removal) {
          if (restoreFailure != null) {
            removal.addSuppressed(restoreFailure);
          }
          failure = removal;
        }
      }
      try {
        branchOutcome = releaseBranch(ctx.repository, lease.branch, lease.base);
      } catch (WorktreeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      try {
        if (reusable) {
          writeRecord(ctx, slot, idleAttributes(ctx, slot));
        } else if (!slot.exists) {
          ctx.journal.remove(LeaseKind.WORKTREE, slot.name);
        }
      } catch (RuntimeException e) {
        // The slot's record still says "leased": a later start must not trust this slot, so drop
        // it.
        WorktreeException journalFailure =
            e instanceof WorktreeException
                ? (WorktreeException) e
                : new WorktreeException(
                    Reason.IO_FAILED, "could not update the journal record of " + slot.path, e);
        if (failure == null) {
          failure = journalFailure;
        } else {
          failure.addSuppressed(journalFailure);
        }
        reusable = false;
      }
    } finally {
      if (!reusable || !options.preserveIgnored()) {
        // Without its ignored files the slot no longer holds what a set-up produced.
        slot.setupStamp = null;
      }
      lock.lock();
      try {
        busyCells.remove(lease.cellId);
        inFlight--;
        if (keep) {
          returning--;
        }
        if (reusable) {
          idle.addFirst(slot);
        } else {
          total--;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      requestMaintenance();
    }
    log.info(
        "returned worktree {} of cell {}: {}{} ({} ms)",
        slot.path,
        lease.cellId,
        branchOutcome,
        reusable
            ? ""
            : keep
                ? "; the worktree was removed"
                : "; the worktree was removed (idle limit " + options.maxIdle() + " reached)",
        millisSince(begin));
    if (failure != null) {
      throw failure;
    }
  }

  /** Keeps or deletes a released cell's branch; returns what happened, for the log. */
  private String releaseBranch(GitRepository repository, String branch, String base) {
    switch (options.branchRetention()) {
      case ALWAYS_KEEP:
        return "branch " + branch + " kept";
      case ALWAYS_DELETE:
        {
          Optional<String> tip = repository.branchTip(branch);
          if (tip.isEmpty()) {
            return "branch " + branch + " no longer exists";
          }
          return repository.deleteBranchIfAt(branch, tip.get())
              ? "branch " + branch + " deleted at " + abbreviate(tip.get())
              : "branch " + branch + " moved while it was being deleted; kept";
        }
      default:
        {
          // One process decides the common cases: a committed cell's branch is kept, an untouched
          // or reverted cell's
          // branch (at the base) is deleted with a compare-and-swap. Only a branch moved elsewhere
          // takes the long way.
          Optional<String> beyond = repository.tipIfBeyond(branch, base);
          if (beyond.isPresent()) {
            return "branch "
                + branch
                + " kept at "
                + abbreviate(beyond.get())
                + " (it holds commits beyond the base "
                + abbreviate(base)
                + ")";
          }
          if (repository.deleteBranchIfAt(branch, base)) {
            return "branch " + branch + " deleted (no new commits)";
          }
          Optional<String> tip = repository.branchTip(branch);
          if (tip.isEmpty()) {
            return "branch " + branch + " no longer exists";
          }
          if (repository.isAncestor(tip.get(), base)
              && repository.deleteBranchIfAt(branch, tip.get())) {
            return "branch " + branch + " deleted (no commits beyond the base)";
          }
          return "branch "
              + branch
              + " kept at "
              + abbreviate(tip.get())
              + " (it holds commits beyond the base "
              + abbreviate(base)
              + ")";
        }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Background work

  private void requestMaintenance() {
    Context ctx = context;
    if (ctx == null || !maintenanceRequested.compareAndSet(false, true)) {
      return;
    }
    try {
      ctx.maintenance.execute(this::maintain);
    } catch (RejectedExecutionException e) {
      maintenanceRequested.set(false);
    }
  }

  /**
   * Creates idle slots up to minIdle and removes idle slots above maxIdle, one at a time, until
   * both hold.
   */
  private void maintain() {
    maintenanceRequested.set(false);
    Context ctx = Objects.requireNonNull(context);
    while (true) {
      Slot excess = null;
      Slot missing = null;
      lock.lock();
      try {
        if (state != State.RUNNING) {
          return;
        }
        if (idle.size() > options.maxIdle()) {
          excess = idle.pollLast();
        } else if (idle.size() + backgroundCreating < options.minIdle()
            && total < options.maxTotal()) {
          total++;
          backgroundCreating++;
          missing = newSlot(ctx.root);
        } else {
          return;
        }
      } finally {
        lock.unlock();
      }
      if (excess != null) {
        removeSlot(ctx, excess);
        dropSlot();
      } else if (!createIdle(ctx, Objects.requireNonNull(missing))) {
        return;
      }
    }
  }

  /** Creates a slot detached at the warm ref; returns whether it worked. */
  private boolean createIdle(Context ctx, Slot slot) {
    long begin = System.nanoTime();
    boolean created = false;
    try {
      String commit = ctx.repository.resolveCommit(options.warmRef());
      writeRecord(ctx, slot, idleAttributes(ctx, slot));
      ctx.repository.addWorktree(slot.path, null, commit, options.sparseCheckout());
      slot.exists = true;
      created = true;
      log.info(
          "created idle worktree {} at {} ({} ms)",
          slot.path,
          abbreviate(commit),
          millisSince(begin));
    } catch (RuntimeException e) {
      log.warn("could not create an idle worktree in {}: {}", ctx.root, e.getMessage());
      try {
        ctx.journal.remove(LeaseKind.WORKTREE, slot.name);
      } catch (RuntimeException suppressed) {
        log.warn(
            "could not remove the journal record of {}: {}", slot.path, suppressed.getMessage());
      }
    }
    lock.lock();
    try {
      backgroundCreating--;
      if (created) {
        // A slot made while the pool started closing is removed by close(), like any idle slot.
        idle.addLast(slot);
      } else {
        total--;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return created;
  }

  /** Removes a slot's worktree and record; returns whether it worked (failures are logged). */
  private boolean removeSlot(Context ctx, Slot slot) {
    long begin = System.nanoTime();
    try {
      removeWorktree(ctx, slot.path, "the pool");
      slot.exists = false;
      ctx.journal.remove(LeaseKind.WORKTREE, slot.name);
      log.info("removed idle worktree {} ({} ms)", slot.path, millisSince(begin));
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "could not remove worktree {}; its journal record is kept for a later start to reclaim: {}",
          slot.path,
          e.getMessage());
      return false;
    }
  }

  private void removeWorktree(Context ctx, Path path, String whose) {
    removeWorktree(ctx.repository, ctx.root, path, whose);
  }

  /**
   * Removes a worktree. What cannot be deleted (a cell can shape its worktree at will) is moved
   * into {@code <root>/.swarm/quarantine} and reported, so that it never blocks a release, a start
   * or a close.
   *
   * @throws WorktreeException if it can neither be deleted nor moved
   */
  private static void removeWorktree(GitRepository repository, Path root, Path path, String whose) {
    repository
        .removeWorktree(path, root.resolve(QUARANTINE))
        .ifPresent(
            moved ->
                log.warn(
                    "could not delete worktree {} of {}; moved it to {} instead: look at it and delete it by hand",
                    path,
                    whose,
                    moved));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Start: root, journal, reclaiming

  private Path prepareRoot(GitRepository repository) {
    Path root = options.root();
    Path existing = root;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      throw new WorktreeException(
          Reason.INVALID_ROOT, "no part of the root path " + root + " exists");
    }
    Path resolved;
    try {
      resolved = existing.toRealPath().resolve(existing.relativize(root)).normalize();
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.INVALID_ROOT, "could not resolve the root " + root + ": " + e, e);
    }
    if (resolved.startsWith(repository.commonDir())) {
      throw new WorktreeException(
          Reason.INVALID_ROOT,
          "the root "
              + root
              + " lies inside the git directory "
              + repository.commonDir()
              + " of the repository; choose a directory outside it");
    }
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new WorktreeException(
          Reason.INVALID_ROOT, "the root " + root + " exists and is not a directory");
    }
    try {
      Files.createDirectories(root);
      return root.toRealPath();
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.INVALID_ROOT, "could not create the root " + root + ": " + e, e);
    }
  }

  private LeaseJournal openJournal() {
    try {
      return LeaseJournal.open(options.journalDirectory());
    } catch (UncheckedIOException e) {
      throw new WorktreeException(Reason.IO_FAILED, e.getMessage() + ": " + e.getCause(), e);
    }
  }

  private int reclaimOrphans(GitRepository repository, Path root, LeaseJournal journal) {
    List<LeaseRecord> records;
    try {
      records = journal.records();
    } catch (UncheckedIOException e) {
      throw new WorktreeException(Reason.IO_FAILED, e.getMessage() + ": " + e.getCause(), e);
    }
    int reclaimed = 0;
    for (LeaseRecord record : records) {
      // A parked slot belongs to no process (its pool closed); the adoption below decides about it.
      if (record.kind() != LeaseKind.WORKTREE
          || !repository.commonDir().toString().equals(record.attribute(ATTR_REPOSITORY))
          || STATE_PARKED.equals(record.attribute(ATTR_STATE))
          || record.owner().isAlive()) {
        continue;
      }
      try {
        if (reclaim(repository, root, journal, record)) {
          reclaimed++;
        }
      } catch (RuntimeException e) {
        log.warn(
            "could not reclaim worktree {} of dead owner {}; will retry at the next start: {}",
            record.attribute(ATTR_PATH),
            record.owner(),
            e.getMessage());
      }
    }
    return reclaimed;
  }

  private boolean reclaim(
      GitRepository repository, Path root, LeaseJournal journal, LeaseRecord record) {
    String pathText = record.attribute(ATTR_PATH);
    Path path;
    try {
      path = pathText == null ? null : Path.of(pathText);
    } catch (InvalidPathException e) {
      path = null;
    }
    if (path == null
        || !root.equals(path.getParent())
        || !SLOT_NAME.matcher(record.key()).matches()
        || !path.getFileName().toString().equals(record.key())) {
      log.warn(
          "not reclaiming journal record {} of dead owner {}: its path {} is not a pool directory of {}",
          record.key(),
          record.owner(),
          pathText,
          root);
      return false;
    }
    removeWorktree(repository, root, path, "dead owner " + record.owner());
    String outcome = "it was idle";
    String branch = record.attribute(ATTR_BRANCH);
    String base = record.attribute(ATTR_BASE);
    if (branch != null && base != null) {
      if (BranchNames.problem(branch).isPresent() || !SHA.matcher(base).matches()) {
        outcome =
            "its branch attribute \""
                + branch
                + "\" or base \""
                + base
                + "\" is not valid; left alone";
      } else if (repository.worktreeWithBranch(branch).isPresent()) {
        outcome = "branch " + branch + " is checked out elsewhere; kept";
      } else {
        outcome = releaseBranch(repository, branch, base);
      }
    }
    journal.remove(LeaseKind.WORKTREE, record.key());
    log.info(
        "reclaimed worktree {} of dead owner {} (cell {}): {}",
        path,
        record.owner(),
        Objects.requireNonNullElse(record.attribute(ATTR_CELL), "none"),
        outcome);
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parking at close, adopting at start

  /**
   * Leaves an idle slot on disk with a record that says it is parked, for the next pool on this
   * root to adopt; returns whether it worked. Not flushed: a machine crash that rolls the record
   * back to "idle" of this (then dead) process only makes the next start reclaim the slot instead
   * of adopting it.
   */
  private boolean park(Context ctx, Slot slot) {
    try {
      writeRecord(ctx, slot, idleAttributes(ctx.repository, slot, STATE_PARKED));
      return true;
    } catch (RuntimeException e) {
      log.warn("could not park idle worktree {}; removing it: {}", slot.path, e.getMessage());
      return false;
    }
  }

  /**
   * Adopts up to {@code maxIdle} slots that closed pools parked under this root for this
   * repository. Each is claimed in the journal first (atomically across JVMs, so that no two pools
   * adopt the same slot), then verified, never trusted: a slot that fails is removed with its
   * record and its set-up stamp.
   */
  private List<Slot> adoptParked(GitRepository repository, Path root, LeaseJournal journal) {
    int[] budget = {options.maxIdle()};
    List<LeaseRecord> claimed;
    try {
      claimed =
          journal.claim(
              record -> {
                if (budget[0] == 0 || !isParkedSlot(record, repository, root)) {
                  return false;
                }
                budget[0]--;
                return true;
              },
              record -> {
                Map<String, String> attributes = new HashMap<>(record.attributes());
                attributes.put(ATTR_STATE, STATE_ADOPTING);
                return record.ownedByCurrentProcess(attributes);
              });
    } catch (UncheckedIOException e) {
      throw new WorktreeException(Reason.IO_FAILED, e.getMessage() + ": " + e.getCause(), e);
    }
    List<Slot> adopted = new ArrayList<>();
    for (LeaseRecord record : claimed) {
      long begin = System.nanoTime();
      Slot slot = new Slot(record.key(), root.resolve(record.key()));
      slot.record = record;
      try {
        verifyParked(repository, slot);
        slot.exists = true;
        slot.setupStamp = options.preserveIgnored() ? record.attribute(ATTR_SETUP_STAMP) : null;
        writeRecord(journal, slot, idleAttributes(repository, slot, STATE_IDLE));
        adopted.add(slot);
        log.info(
            "adopted idle worktree {} that a closed pool parked, verified in {} ms{}",
            slot.path,
            millisSince(begin),
            slot.setupStamp == null ? "" : " (set-up stamp kept)");
      } catch (RuntimeException e) {
        log.warn("not adopting parked worktree {}; removing it: {}", slot.path, e.getMessage());
        try {
          removeWorktree(repository, root, slot.path, "a parked worktree that failed verification");
          journal.remove(LeaseKind.WORKTREE, slot.name);
        } catch (RuntimeException removal) {
          log.warn(
              "could not remove worktree {}; its record is kept for a later start to reclaim: {}",
              slot.path,
              removal.getMessage());
        }
      }
    }
    return adopted;
  }

  /**
   * Whether {@code record} is a slot of this repository under this root that a closed pool parked.
   */
  private static boolean isParkedSlot(LeaseRecord record, GitRepository repository, Path root) {
    return record.kind() == LeaseKind.WORKTREE
        && STATE_PARKED.equals(record.attribute(ATTR_STATE))
        && repository.commonDir().toString().equals(record.attribute(ATTR_REPOSITORY))
        && SLOT_NAME.matcher(record.key()).matches()
        && root.resolve(record.key()).toString().equals(record.attribute(ATTR_PATH));
  }

  /**
   * Verifies a parked slot from scratch: registered with this repository as git registered it
   * ({@code .git} file and administrative files agree), {@code HEAD} detached at a commit of this
   * repository, the sparse checkout this pool makes (or none), and nothing changed, staged,
   * untracked or (unless preserved) ignored.
   *
   * @throws WorktreeException naming what does not hold
   */
  private void verifyParked(GitRepository repository, Slot slot) {
    String head = repository.verifyRegistered(slot.path);
    repository.resolveCommit(head);
    List<String> sparse = new ArrayList<>(repository.sparseDirectories(slot.path));
    List<String> expected = new ArrayList<>(options.sparseCheckout());
    sparse.sort(null);
    expected.sort(null);
    if (!sparse.equals(expected)) {
      throw new WorktreeException(
          Reason.RESTORE_FAILED,
          "worktree "
              + slot.path
              + " is "
              + (sparse.isEmpty() ? "a full checkout" : "a sparse checkout of " + sparse)
              + " but this pool makes "
              + (expected.isEmpty() ? "full checkouts" : "sparse checkouts of " + expected));
    }
    restorer.verifyClean(slot.path);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private Slot newSlot(Path root) {
    String session = LeaseJournal.sessionId().substring(0, 12);
    while (true) {
      String name = "wt-" + session + "-" + SLOT_SEQUENCE.incrementAndGet();
      Path path = root.resolve(name);
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        return new Slot(name, path);
      }
    }
  }

  private Map<String, String> slotAttributes(Context ctx, Slot slot) {
    Map<String, String> attributes = new HashMap<>();
    attributes.put(ATTR_PATH, slot.path.toString());
    attributes.put(ATTR_REPOSITORY, ctx.repository.commonDir().toString());
    return attributes;
  }

  private Map<String, String> idleAttributes(Context ctx, Slot slot) {
    return idleAttributes(ctx.repository, slot, STATE_IDLE);
  }

  /**
   * A record of an idle slot: path, repository, state and, when the slot keeps one, the set-up
   * stamp.
   */
  private Map<String, String> idleAttributes(GitRepository repository, Slot slot, String state) {
    Map<String, String> attributes = new HashMap<>();
    attributes.put(ATTR_PATH, slot.path.toString());
    attributes.put(ATTR_REPOSITORY, repository.commonDir().toString());
    attributes.put(ATTR_STATE, state);
    String stamp = slot.setupStamp;
    if (stamp != null && options.preserveIgnored()) {
      attributes.put(ATTR_SETUP_STAMP, stamp);
    }
    return attributes;
  }

  private void writeRecord(Context ctx, Slot slot, Map<String, String> attributes) {
    writeRecord(ctx.journal, slot, attributes);
  }

  private static void writeRecord(LeaseJournal journal, Slot slot, Map<String, String> attributes) {
    LeaseRecord record =
        slot.record == null
            ? LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, slot.name, attributes)
            : slot.record.withAttributes(attributes);
    try {
      // A slot's first record precedes its directory and must outlive a machine crash, or the
      // directory would be
      // left behind unknown. Later records only move it between idle and leased: reclaiming removes
      // the slot either
      // way, so a machine crash that rolls one back costs at most a cell branch left at its base
      // (nothing lost).
      journal.record(
          record,
          slot.record == null
              ? LeaseJournal.Durability.MACHINE_CRASH
              : LeaseJournal.Durability.PROCESS_CRASH);
    } catch (UncheckedIOException e) {
      throw new WorktreeException(Reason.IO_FAILED, e.getMessage() + ": " + e.getCause(), e);
    }
    slot.record = record;
  }

  private Context runningContext(String action) {
    lock.lock();
    try {
      if (state != State.RUNNING) {
        throw illegalState(action);
      }
      return Objects.requireNonNull(context);
    } finally {
      lock.unlock();
    }
  }

  private IllegalStateException illegalState(String action) {
    return new IllegalStateException(
        String.format("attempted to %s while in %s state", action, state));
  }

  private static void checkRevision(String baseRef) {
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
    if (baseRef.isBlank()
        || baseRef.startsWith("-")
        || baseRef.length() > 1024
        || baseRef.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "baseRef must be a git revision (not blank, at most 1024 characters, not "
              + "starting with '-', without control characters) but was \""
              + baseRef.replaceAll("\\p{Cntrl}", "?")
              + "\"");
    }
  }

  private static String abbreviate(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }

  private static long millisSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }

  /** What start() sets up; immutable. */
  private static final class Context {
    final GitRepository repository;
    final Path root;
    final LeaseJournal journal;
    final ExecutorService maintenance;

    Context(
        GitRepository repository, Path root, LeaseJournal journal, ExecutorService maintenance) {
      this.repository = repository;
      this.root = root;
      this.journal = journal;
      this.maintenance = maintenance;
    }
  }

  /** One pool directory. Owned by one thread at a time, handed over under the pool's lock. */
  private static final class Slot {
    final String name;
    final Path path;
    boolean exists;
    @Nullable LeaseRecord record;

    /**
     * What the last set-up prepared this worktree for (see {@link WorktreeLease#setupStamp()});
     * kept while the slot is idle only when the pool keeps ignored files, since the set-up's
     * outputs are ignored files.
     */
    volatile @Nullable String setupStamp;

    Slot(String name, Path path) {
      this.name = name;
      this.path = path;
    }
  }

  private final class PooledLease implements WorktreeLease {
    final CellId cellId;
    final Slot slot;
    final String branch;
    final String base;
    final boolean reused;
    final AtomicBoolean closed = new AtomicBoolean();

    PooledLease(CellId cellId, Slot slot, String branch, String base, boolean reused) {
      this.cellId = cellId;
      this.slot = slot;
      this.branch = branch;
      this.base = base;
      this.reused = reused;
    }

    @Override
    public boolean reused() {
      return reused;
    }

    @Override
    public CellId cellId() {
      return cellId;
    }

    @Override
    public Path path() {
      return slot.path;
    }

    @Override
    public String branch() {
      return branch;
    }

    @Override
    public String baseCommit() {
      return base;
    }

    @Override
    public Optional<String> setupStamp() {
      return Optional.ofNullable(slot.setupStamp);
    }

    @Override
    public void recordSetupStamp(@Nullable String stamp) {
      if (closed.get()) {
        throw new IllegalStateException(
            "attempted to record a set-up stamp on the worktree lease of cell "
                + cellId
                + " while in CLOSED state");
      }
      slot.setupStamp = stamp;
    }

    @Override
    public void close() {
      release(this);
    }

    @Override
    public String toString() {
      return "WorktreeLease{cell="
          + cellId
          + ", path="
          + slot.path
          + ", branch="
          + branch
          + ", base="
          + abbreviate(base)
          + (closed.get() ? ", closed" : "")
          + "}";
    }
  }

  /**
   * Builds a {@link WorktreePool}: the settings of {@link WorktreePoolOptions.Builder}, then {@link
   * #build()}. Not thread-safe.
   */
  public static final class Builder {
    private final WorktreePoolOptions.Builder options = WorktreePoolOptions.newBuilder();

    private Builder() {}

    /**
     * The repository the worktrees are made from; see {@link
     * WorktreePoolOptions.Builder#repository(Path)}.
     *
     * @param repository a directory inside the repository
     * @return this builder
     */
    public Builder repository(Path repository) {
      options.repository(repository);
      return this;
    }

    /**
     * The directory that holds the worktrees; see {@link WorktreePoolOptions.Builder#root(Path)}.
     *
     * @param root the directory of the worktrees
     * @return this builder
     */
    public Builder root(Path root) {
      options.root(root);
      return this;
    }

    /**
     * Where the lease journal lives; see {@link
     * WorktreePoolOptions.Builder#journalDirectory(Path)}.
     *
     * @param directory the journal's directory
     * @return this builder
     */
    public Builder journalDirectory(Path directory) {
      options.journalDirectory(directory);
      return this;
    }

    /**
     * How many idle worktrees to keep ready; see {@link WorktreePoolOptions.Builder#minIdle(int)}.
     *
     * @param minIdle the number of idle worktrees to keep ready
     * @return this builder
     */
    public Builder minIdle(int minIdle) {
      options.minIdle(minIdle);
      return this;
    }

    /**
     * How many idle worktrees to keep at most; see {@link
     * WorktreePoolOptions.Builder#maxIdle(int)}.
     *
     * @param maxIdle the most idle worktrees
     * @return this builder
     */
    public Builder maxIdle(int maxIdle) {
      options.maxIdle(maxIdle);
      return this;
    }

    /**
     * How many worktrees to have at most; see {@link WorktreePoolOptions.Builder#maxTotal(int)}.
     *
     * @param maxTotal the most worktrees
     * @return this builder
     */
    public Builder maxTotal(int maxTotal) {
      options.maxTotal(maxTotal);
      return this;
    }

    /**
     * What precedes the cell id in branch names; see {@link
     * WorktreePoolOptions.Builder#branchPrefix(String)}.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder branchPrefix(String prefix) {
      options.branchPrefix(prefix);
      return this;
    }

    /**
     * What happens to a cell's branch on release; see {@link
     * WorktreePoolOptions.Builder#branchRetention(BranchRetention)}.
     *
     * @param retention the retention
     * @return this builder
     */
    public Builder branchRetention(BranchRetention retention) {
      options.branchRetention(retention);
      return this;
    }

    /**
     * Whether a warm worktree is cleaned again when leased; see {@link
     * WorktreePoolOptions.Builder#cleanOnReuse}.
     *
     * @param cleanOnReuse true to clean again
     * @return this builder
     */
    public Builder cleanOnReuse(boolean cleanOnReuse) {
      options.cleanOnReuse(cleanOnReuse);
      return this;
    }

    /**
     * Whether ignored files survive a release; see {@link
     * WorktreePoolOptions.Builder#preserveIgnored(boolean)}.
     *
     * @param preserveIgnored true to keep ignored files
     * @return this builder
     */
    public Builder preserveIgnored(boolean preserveIgnored) {
      options.preserveIgnored(preserveIgnored);
      return this;
    }

    /**
     * How long acquire waits for a worktree; see {@link
     * WorktreePoolOptions.Builder#acquireTimeout(Duration)}.
     *
     * @param timeout the wait
     * @return this builder
     */
    public Builder acquireTimeout(Duration timeout) {
      options.acquireTimeout(timeout);
      return this;
    }

    /**
     * How long close waits for outstanding leases; see {@link
     * WorktreePoolOptions.Builder#closeTimeout(Duration)}.
     *
     * @param timeout the wait
     * @return this builder
     */
    public Builder closeTimeout(Duration timeout) {
      options.closeTimeout(timeout);
      return this;
    }

    /**
     * The revision pre-warmed worktrees are checked out at; see {@link
     * WorktreePoolOptions.Builder#warmRef(String)}.
     *
     * @param ref the revision
     * @return this builder
     */
    public Builder warmRef(String ref) {
      options.warmRef(ref);
      return this;
    }

    /**
     * Whether close keeps idle worktrees for the next start; see {@link
     * WorktreePoolOptions.Builder#keepIdleOnClose}.
     *
     * @param keepIdleOnClose true to keep them
     * @return this builder
     */
    public Builder keepIdleOnClose(boolean keepIdleOnClose) {
      options.keepIdleOnClose(keepIdleOnClose);
      return this;
    }

    /**
     * The directories worktrees materialize; see {@link
     * WorktreePoolOptions.Builder#sparseCheckout(List)}.
     *
     * @param directories the directories
     * @return this builder
     */
    public Builder sparseCheckout(List<String> directories) {
      options.sparseCheckout(directories);
      return this;
    }

    /**
     * The runner of every git command; see {@link WorktreePoolOptions.Builder#git(GitRunner)}.
     *
     * @param git the git runner
     * @return this builder
     */
    public Builder git(GitRunner git) {
      options.git(git);
      return this;
    }

    /**
     * Validates the settings and returns a pool that is not started yet.
     *
     * @return the pool, not started
     * @throws IllegalStateException if {@code repository} or {@code root} was not set
     * @throws IllegalArgumentException if a value is out of range (see {@link
     *     WorktreePoolOptions.Builder#build()})
     */
    public WorktreePool build() {
      return create(options.build());
    }
  }
}
