package io.openswarm.infra.worktree;

import io.openswarm.infra.git.GitRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link WorktreePool}.
 *
 * <p>Immutable and thread-safe. Build with {@link #newBuilder()}; {@link Builder#build()} validates
 * every value. Required: {@link Builder#repository(Path)} and {@link Builder#root(Path)}. Defaults:
 * {@code minIdle} 0, {@code maxIdle} 4 (at most {@code maxTotal}, at least {@code minIdle}), {@code
 * maxTotal} 16, branch prefix {@code swarm/}, {@link BranchRetention#KEEP_IF_COMMITTED}, ignored
 * files removed on release, acquire timeout 30 s, close timeout 30 s, pre-warmed worktrees at
 * {@code HEAD}, journal in {@code <root>/.swarm/leases}, idle worktrees kept on close, full
 * checkouts (no sparse checkout), and {@link GitRunner#create()}.
 */
public final class WorktreePoolOptions {

  /** The default {@code maxTotal}. */
  public static final int DEFAULT_MAX_TOTAL = 16;

  /**
   * The default {@code maxIdle}, lowered to {@code maxTotal} and raised to {@code minIdle} when
   * needed.
   */
  public static final int DEFAULT_MAX_IDLE = 4;

  /** The default branch prefix: cells work on {@code swarm/<cellId>}. */
  public static final String DEFAULT_BRANCH_PREFIX = "swarm/";

  /** The default time {@code acquire} waits for a worktree when {@code maxTotal} are leased. */
  public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(30);

  /** The default time {@code close} waits for outstanding leases. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Path repository;
  private final Path root;
  private final Path journalDirectory;
  private final int minIdle;
  private final int maxIdle;
  private final int maxTotal;
  private final String branchPrefix;
  private final BranchRetention branchRetention;
  private final boolean preserveIgnored;
  private final boolean cleanOnReuse;
  private final Duration acquireTimeout;
  private final Duration closeTimeout;
  private final String warmRef;
  private final boolean keepIdleOnClose;
  private final List<String> sparseCheckout;
  private final GitRunner git;

  private WorktreePoolOptions(Builder b, Path repository, Path root, int maxIdle) {
    this.repository = repository;
    this.root = root;
    this.journalDirectory =
        b.journalDirectory != null
            ? b.journalDirectory.toAbsolutePath().normalize()
            : root.resolve(".swarm").resolve("leases");
    this.minIdle = b.minIdle;
    this.maxIdle = maxIdle;
    this.maxTotal = b.maxTotal;
    this.branchPrefix = b.branchPrefix;
    this.branchRetention = b.branchRetention;
    this.preserveIgnored = b.preserveIgnored;
    this.cleanOnReuse = b.cleanOnReuse;
    this.acquireTimeout = b.acquireTimeout;
    this.closeTimeout = b.closeTimeout;
    this.warmRef = b.warmRef;
    this.keepIdleOnClose = b.keepIdleOnClose;
    this.sparseCheckout = List.copyOf(b.sparseCheckout);
    this.git = b.git;
  }

  /**
   * A builder with the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder initialised with the values of {@code options}.
   *
   * @param options the options to start from
   * @return a new builder holding the values of {@code options}
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(WorktreePoolOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder b = new Builder();
    b.repository = options.repository;
    b.root = options.root;
    b.journalDirectory = options.journalDirectory;
    b.minIdle = options.minIdle;
    b.maxIdle = options.maxIdle;
    b.maxTotal = options.maxTotal;
    b.branchPrefix = options.branchPrefix;
    b.branchRetention = options.branchRetention;
    b.preserveIgnored = options.preserveIgnored;
    b.cleanOnReuse = options.cleanOnReuse;
    b.acquireTimeout = options.acquireTimeout;
    b.closeTimeout = options.closeTimeout;
    b.warmRef = options.warmRef;
    b.keepIdleOnClose = options.keepIdleOnClose;
    b.sparseCheckout = options.sparseCheckout;
    b.git = options.git;
    return b;
  }

  /**
   * A directory inside the git repository the worktrees are made from (absolute, normalised).
   *
   * @return the repository directory
   */
  public Path repository() {
    return repository;
  }

  /**
   * The directory that holds the worktrees, one subdirectory each (absolute, normalised).
   *
   * @return the root directory
   */
  public Path root() {
    return root;
  }

  /**
   * The lease journal directory (absolute, normalised); {@code <root>/.swarm/leases} unless set.
   *
   * @return the journal's directory
   */
  public Path journalDirectory() {
    return journalDirectory;
  }

  /**
   * How many idle worktrees the pool keeps ready.
   *
   * @return the number; 0 or more
   */
  public int minIdle() {
    return minIdle;
  }

  /**
   * How many idle worktrees the pool keeps at most; more are removed.
   *
   * @return the number; {@code minIdle} to {@code maxTotal}
   */
  public int maxIdle() {
    return maxIdle;
  }

  /**
   * How many worktrees, leased and idle, the pool has at most.
   *
   * @return the number; at least 1
   */
  public int maxTotal() {
    return maxTotal;
  }

  /**
   * What precedes the cell id in branch names.
   *
   * @return the prefix; may be empty
   */
  public String branchPrefix() {
    return branchPrefix;
  }

  /**
   * What happens to a cell's branch on release.
   *
   * @return the retention
   */
  public BranchRetention branchRetention() {
    return branchRetention;
  }

  /**
   * Whether ignored files (build caches) survive a release.
   *
   * @return true when ignored files survive
   */
  public boolean preserveIgnored() {
    return preserveIgnored;
  }

  /**
   * Whether a warm worktree is cleaned of untracked files when it is leased again; see the builder.
   *
   * @return true when warm worktrees are cleaned again
   */
  public boolean cleanOnReuse() {
    return cleanOnReuse;
  }

  /**
   * How long {@code acquire} waits when {@code maxTotal} worktrees are leased.
   *
   * @return the wait
   */
  public Duration acquireTimeout() {
    return acquireTimeout;
  }

  /**
   * How long {@code close} waits for outstanding leases before releasing them itself.
   *
   * @return the wait
   */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /**
   * The revision pre-warmed worktrees are checked out at.
   *
   * @return the revision
   */
  public String warmRef() {
    return warmRef;
  }

  /**
   * Whether {@code close} keeps idle worktrees for the next pool on the same root to adopt; see the
   * builder.
   *
   * @return true when idle worktrees are kept
   */
  public boolean keepIdleOnClose() {
    return keepIdleOnClose;
  }

  /**
   * The directories worktrees materialize (git's sparse checkout in cone mode), relative to the
   * repository's top, without trailing slashes; empty when worktrees are full checkouts.
   *
   * @return the directories, unmodifiable; empty for full checkouts
   */
  public List<String> sparseCheckout() {
    return sparseCheckout;
  }

  /**
   * The runner of every git command.
   *
   * @return the git runner
   */
  public GitRunner git() {
    return git;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof WorktreePoolOptions)) {
      return false;
    }
    WorktreePoolOptions that = (WorktreePoolOptions) o;
    return minIdle == that.minIdle
        && maxIdle == that.maxIdle
        && maxTotal == that.maxTotal
        && preserveIgnored == that.preserveIgnored
        && cleanOnReuse == that.cleanOnReuse
        && repository.equals(that.repository)
        && root.equals(that.root)
        && journalDirectory.equals(that.journalDirectory)
        && branchPrefix.equals(that.branchPrefix)
        && branchRetention == that.branchRetention
        && acquireTimeout.equals(that.acquireTimeout)
        && closeTimeout.equals(that.closeTimeout)
        && warmRef.equals(that.warmRef)
        && keepIdleOnClose == that.keepIdleOnClose
        && sparseCheckout.equals(that.sparseCheckout)
        && git.equals(that.git);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        repository,
        root,
        journalDirectory,
        minIdle,
        maxIdle,
        maxTotal,
        branchPrefix,
        branchRetention,
        preserveIgnored,
        cleanOnReuse,
        acquireTimeout,
        closeTimeout,
        warmRef,
        keepIdleOnClose,
        sparseCheckout,
        git);
  }

  @Override
  public String toString() {
    return "WorktreePoolOptions{repository="
        + repository
        + ", root="
        + root
        + ", journalDirectory="
        + journalDirectory
        + ", minIdle="
        + minIdle
        + ", maxIdle="
        + maxIdle
        + ", maxTotal="
        + maxTotal
        + ", branchPrefix="
        + branchPrefix
        + ", branchRetention="
        + branchRetention
        + ", preserveIgnored="
        + preserveIgnored
        + ", cleanOnReuse="
        + cleanOnReuse
        + ", acquireTimeout="
        + acquireTimeout
        + ", closeTimeout="
        + closeTimeout
        + ", warmRef="
        + warmRef
        + ", keepIdleOnClose="
        + keepIdleOnClose
        + ", sparseCheckout="
        + sparseCheckout
        + ", git="
        + git
        + "}";
  }

  /** Builds {@link WorktreePoolOptions}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path repository;
    private @Nullable Path root;
    private @Nullable Path journalDirectory;
    private int minIdle;
    private int maxIdle = -1;
    private int maxTotal = DEFAULT_MAX_TOTAL;
    private String branchPrefix = DEFAULT_BRANCH_PREFIX;
    private BranchRetention branchRetention = BranchRetention.KEEP_IF_COMMITTED;
    private boolean preserveIgnored;
    private boolean cleanOnReuse;
    private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private String warmRef = "HEAD";
    private boolean keepIdleOnClose = true;
    private List<String> sparseCheckout = List.of();
    private GitRunner git = GitRunner.create();

    private Builder() {}

    /**
     * A directory inside the git repository (working tree, linked worktree or bare repository).
     * Required.
     *
     * @param repository a directory inside the repository
     * @return this builder
     * @throws NullPointerException if {@code repository} is null
     */
    public Builder repository(Path repository) {
      this.repository = Objects.requireNonNull(repository, "repository cannot be null");
      return this;
    }

    /**
     * The directory that holds the worktrees; created if missing. It must not lie inside the
     * repository's git directory. Several pools (in one JVM or several) may share a root. Required.
     *
     * @param root the directory of the worktrees
     * @return this builder
     * @throws NullPointerException if {@code root} is null
     */
    public Builder root(Path root) {
      this.root = Objects.requireNonNull(root, "root cannot be null");
      return this;
    }

    /**
     * Where the lease journal lives. Default {@code <root>/.swarm/leases}. Every pool sharing a
     * root must use the same journal, or crashed pools' worktrees are not reclaimed.
     *
     * @param directory the journal's directory
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder journalDirectory(Path directory) {
      this.journalDirectory = Objects.requireNonNull(directory, "journalDirectory cannot be null");
      return this;
    }

    /**
     * How many idle worktrees to keep ready (created in the background). Default 0. Checked by
     * {@link #build()}.
     *
     * @param minIdle the number; 0 to {@code maxTotal}
     * @return this builder
     */
    public Builder minIdle(int minIdle) {
      this.minIdle = minIdle;
      return this;
    }

    /**
     * How many idle worktrees to keep at most. Default 4, bounded by {@code minIdle} and {@code
     * maxTotal}.
     *
     * @param maxIdle the number; {@code minIdle} to {@code maxTotal}
     * @return this builder
     */
    public Builder maxIdle(int maxIdle) {
      this.maxIdle = maxIdle;
      return this;
    }

    /**
     * How many worktrees, leased and idle, to have at most. Default 16. Checked by {@link
     * #build()}.
     *
     * @param maxTotal the number; at least 1
     * @return this builder
     */
    public Builder maxTotal(int maxTotal) {
      this.maxTotal = maxTotal;
      return this;
    }

    /**
     * What precedes the cell id in branch names, for example {@code swarm/} or {@code
     * agents/run-7/}. May be empty. Default {@code swarm/}. Checked by {@link #build()} with git's
     * branch-name rules.
     *
     * @param prefix the prefix; may be empty
     * @return this builder
     * @throws NullPointerException if {@code prefix} is null
     */
    public Builder branchPrefix(String prefix) {
      this.branchPrefix = Objects.requireNonNull(prefix, "branchPrefix cannot be null");
      return this;
    }

    /**
     * What happens to a cell's branch on release. Default {@link
     * BranchRetention#KEEP_IF_COMMITTED}.
     *
     * @param retention the retention
     * @return this builder
     * @throws NullPointerException if {@code retention} is null
     */
    public Builder branchRetention(BranchRetention retention) {
      this.branchRetention = Objects.requireNonNull(retention, "branchRetention cannot be null");
      return this;
    }

    /**
     * Whether ignored files (for example {@code target/}, {@code node_modules/}) survive a release,
     * so the next cell on the same worktree starts with warm build caches. Default false: a
     * released worktree matches its commit exactly.
     *
     * @param preserveIgnored true to keep ignored files
     * @return this builder
     */
    public Builder preserveIgnored(boolean preserveIgnored) {
      this.preserveIgnored = preserveIgnored;
      return this;
    }

    /**
     * Whether a warm worktree is cleaned of untracked files again when it is leased (one more git
     * process per warm lease). A returned worktree is verified clean, and a sandboxed cell's
     * processes all die with its sandbox, so by default nothing can write into an idle worktree;
     * without a sandbox a daemon a cell left behind could, and its files would end up in the next
     * cell's commit. Default false; the worker turns it on when cells run unsandboxed.
     *
     * @param cleanOnReuse true to clean again
     * @return this builder
     */
    public Builder cleanOnReuse(boolean cleanOnReuse) {
      this.cleanOnReuse = cleanOnReuse;
      return this;
    }

    /**
     * How long {@code acquire} waits for a worktree when {@code maxTotal} are leased. Default 30 s.
     *
     * @param timeout the wait
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder acquireTimeout(Duration timeout) {
      this.acquireTimeout = Objects.requireNonNull(timeout, "acquireTimeout cannot be null");
      return this;
    }

    /**
     * How long {@code close} waits for outstanding leases before releasing them itself. Default 30
     * s.
     *
     * @param timeout the wait
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout cannot be null");
      return this;
    }

    /**
     * The revision pre-warmed worktrees are checked out at; acquiring on a nearby base then
     * rewrites few files. Default {@code HEAD}.
     *
     * @param ref the revision
     * @return this builder
     * @throws NullPointerException if {@code ref} is null
     */
    public Builder warmRef(String ref) {
      this.warmRef = Objects.requireNonNull(ref, "warmRef cannot be null");
      return this;
    }

    /**
     * Whether {@link WorktreePool#close()} keeps the idle worktrees on disk, parked in the journal,
     * so that the next pool started on the same root and journal (in this JVM or another, after a
     * restart) adopts them instead of checking a repository out again. An adopted worktree is
     * verified first (registered with this repository, its {@code .git} file pointing where it
     * should, {@code HEAD} detached at a commit, nothing untracked or changed, and nothing ignored
     * unless ignored files are preserved); one that fails is removed. Default true. False removes
     * every worktree on close, as a test that wants to leave nothing behind may prefer.
     *
     * @param keepIdleOnClose true to keep them
     * @return this builder
     */
    public Builder keepIdleOnClose(boolean keepIdleOnClose) {
      this.keepIdleOnClose = keepIdleOnClose;
      return this;
    }

    /**
     * Makes every worktree a sparse checkout in cone mode that materializes only {@code
     * directories} (with their subdirectories) and the files at the repository's top: a cell on a
     * large repository then writes and scans a fraction of its files. The sparse settings are kept
     * per worktree ({@code extensions.worktreeConfig}; git turns it on in the repository's
     * configuration the first time), so the main checkout stays a full one. A cell's commit is
     * still a commit of the whole tree: files outside the directories are left as they are at the
     * base, and what a cell writes outside them is committed too. Needs git 2.36 or newer. Default:
     * none (full checkouts).
     *
     * @param directories paths relative to the repository's top, such as {@code services/api}; a
     *     trailing {@code /} is dropped
     * @return this builder
     * @throws NullPointerException if {@code directories} is or contains null
     * @throws IllegalArgumentException if a directory is blank, absolute, has an empty, {@code .}
     *     or {@code ..} segment, starts with {@code -}, contains a control character, a backslash
     *     or one of {@code *?[]!#} (cone mode takes directories, not patterns), or is named twice
     */
    public Builder sparseCheckout(List<String> directories) {
      Objects.requireNonNull(directories, "directories cannot be null");
      List<String> checked = new ArrayList<>(directories.size());
      for (String directory : directories) {
        Objects.requireNonNull(directory, "sparseCheckout directories cannot contain null");
        String trimmed =
            directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
        String problem = sparseDirectoryProblem(trimmed);
        if (problem != null) {
          throw new IllegalArgumentException(
              "a sparse checkout directory must be a path relative to the "
                  + "repository's top (segments separated by '/', no '.' or '..', no leading '-', no control characters, "
                  + "no '\\' and none of *?[]!#) but \""
                  + directory.replaceAll("\\p{Cntrl}", "?")
                  + "\" "
                  + problem);
        }
        if (checked.contains(trimmed)) {
          throw new IllegalArgumentException(
              "sparse checkout directory \"" + trimmed + "\" is named twice");
        }
        checked.add(trimmed);
      }
      this.sparseCheckout = List.copyOf(checked);
      return this;
    }

    private static @Nullable String sparseDirectoryProblem(String directory) {
      if (directory.isBlank()) {
        return "is blank";
      }
      if (directory.startsWith("/")) {
        return "is absolute";
      }
      if (directory.startsWith("-")) {
        return "starts with '-'";
      }
      for (int i = 0; i < directory.length(); i++) {
        char c = directory.charAt(i);
        if (Character.isISOControl(c) || c == '\\' || "*?[]!#".indexOf(c) >= 0) {
          return "contains '" + (Character.isISOControl(c) ? "?" : String.valueOf(c)) + "'";
        }
      }
      for (String segment : directory.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          return "has an empty, '.' or '..' segment";
        }
      }
      return null;
    }

    /**
     * The runner of every git command (executable, timeouts, retries). Default {@link
     * GitRunner#create()}.
     *
     * @param git the git runner
     * @return this builder
     * @throws NullPointerException if {@code git} is null
     */
    public Builder git(GitRunner git) {
      this.git = Objects.requireNonNull(git, "git cannot be null");
      return this;
    }

    /**
     * Validates the settings and builds the options.
     *
     * @return the options
     * @throws IllegalStateException if {@code repository} or {@code root} was not set
     * @throws IllegalArgumentException if a value is out of range: {@code minIdle} negative, {@code
     *     maxTotal} below 1, {@code maxIdle} outside {@code [minIdle, maxTotal]}, a timeout not
     *     positive, a branch prefix that git would reject, a blank or option-like {@code warmRef}
     */
    public WorktreePoolOptions build() {
      if (repository == null) {
        throw new IllegalStateException("repository must be set");
      }
      if (root == null) {
        throw new IllegalStateException("root must be set");
      }
      if (minIdle < 0) {
        throw new IllegalArgumentException("minIdle must not be negative but was " + minIdle);
      }
      if (maxTotal < 1) {
        throw new IllegalArgumentException("maxTotal must be at least 1 but was " + maxTotal);
      }
      if (minIdle > maxTotal) {
        throw new IllegalArgumentException(
            "minIdle (" + minIdle + ") must not exceed maxTotal (" + maxTotal + ")");
      }
      int effectiveMaxIdle =
          maxIdle >= 0 ? maxIdle : Math.max(minIdle, Math.min(DEFAULT_MAX_IDLE, maxTotal));
      if (effectiveMaxIdle < minIdle || effectiveMaxIdle > maxTotal) {
        throw new IllegalArgumentException(
            "maxIdle must be between minIdle ("
                + minIdle
                + ") and maxTotal ("
                + maxTotal
                + ") but was "
                + maxIdle);
      }
      checkPositive("acquireTimeout", acquireTimeout);
      checkPositive("closeTimeout", closeTimeout);
      BranchNames.checkPrefix(branchPrefix);
      if (warmRef.isBlank()
          || warmRef.startsWith("-")
          || warmRef.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "warmRef must be a revision, not blank, not starting with '-' and "
                + "without control characters, but was \""
                + warmRef
                + "\"");
      }
      Path absoluteRoot = root.toAbsolutePath().normalize();
      if (absoluteRoot.getParent() == null) {
        throw new IllegalArgumentException("root must not be the file-system root but was " + root);
      }
      return new WorktreePoolOptions(
          this, repository.toAbsolutePath().normalize(), absoluteRoot, effectiveMaxIdle);
    }

    private static void checkPositive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
    }
  }
}
