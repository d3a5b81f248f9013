package io.openswarm.infra.worktree;

import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeChanges.ChangedFile.Change;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.worktree.internal.GitFiles;
import io.openswarm.infra.worktree.internal.SymlinkTargets;
import io.openswarm.infra.worktree.internal.WorktreeRestorer;
import io.openswarm.infra.worktree.internal.WorktreeStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cell changed in its leased worktree: list it, commit it on the cell's branch, or throw it
 * away.
 *
 * <p>These are the library's own git operations for the test-commit-revert steps; the model is
 * never asked to run them. Commit messages travel on git's standard input ({@code git commit -F
 * -}), never on a command line and never through a shell, so quotes, newlines, {@code $(...)} and
 * backticks arrive verbatim. The author is given per commit (as both author and committer, through
 * {@code GIT_AUTHOR_*} and {@code GIT_COMMITTER_*}). The library's git runs no hooks ({@link
 * GitRunner} is hermetic: a hook would run outside the sandbox, from a folder the cell may have
 * written); the repository's hooks can run as a check inside the cell's sandbox instead ({@link
 * Builder#beforeCommit(CommitCheck)} with {@link RepositoryHooks}), and a failing one fails the
 * commit with {@link Reason#COMMIT_REJECTED}. A change holding a gitlink or a link out of the
 * worktree is refused ({@link Reason#UNSAFE_CHANGE}), and so is one larger than the commit-size
 * limit ({@link Reason#COMMIT_TOO_LARGE}).
 *
 * <p>{@link #revert} uses the same restore as the pool's release, so "back to the base commit
 * exactly" means the same everywhere.
 *
 * <p>Git processes are most of what these steps cost (2 to 3 ms each). Listing the changes of a
 * cell that has not committed by itself is one process, {@code git status --porcelain=v2 --branch},
 * which tells which branch is checked out, at which commit, and what changed. A commit is two,
 * {@code add} and {@code commit}: the branch checked out before and the new commit after are read
 * from git's files (the worktree's {@code HEAD} and the branch's loose ref). Where those files are
 * not in their plain form (packed refs, the reftable backend) the commit asks git instead: a status
 * before (which also makes a commit with nothing to commit a single process) and {@code rev-parse
 * HEAD} after. With nothing to commit, the fast path finds out from git's refusal and confirms it
 * with {@code git diff --cached --quiet}.
 *
 * <p>Thread-safe and stateless; calls for the same lease must not overlap (git's index would be
 * contended).
 */
public final class GitWorktreeChanges implements WorktreeChanges {

  private static final Logger log = LoggerFactory.getLogger(GitWorktreeChanges.class);
  private static final GitWorktreeChanges DEFAULT = newBuilder().build();

  private final GitRunner git;
  private final boolean preserveIgnored;
  private final @Nullable Duration commitTimeout;
  private final long maxCommitBytes;
  private final @Nullable CommitCheck beforeCommit;
  private final WorktreeRestorer restorer;

  private GitWorktreeChanges(Builder builder) {
    this.git = builder.git;
    this.preserveIgnored = builder.preserveIgnored;
    this.commitTimeout = builder.commitTimeout;
    this.maxCommitBytes = builder.maxCommitBytes;
    this.beforeCommit = builder.beforeCommit;
    this.restorer = new WorktreeRestorer(git, preserveIgnored);
  }

  /**
   * An instance with the defaults: {@link GitRunner#create()}, ignored files removed on revert.
   *
   * @return a new instance with the defaults
   */
  public static GitWorktreeChanges create() {
    return DEFAULT;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Stages everything in the worktree ({@code git add -A}: new, modified and deleted files, not
   * ignored ones) and commits it on the cell's branch.
   *
   * @param lease the cell's lease; its worktree must still have the cell's branch checked out
   * @param message the commit message, verbatim (git only trims surrounding blank lines and
   *     trailing spaces)
   * @param author who the commit is by
   * @return the SHA of the branch tip when the cell produced commits: the new commit, or, when
   *     nothing was left to commit but the branch already holds commits beyond the base (an agent
   *     that commits by itself), the branch tip; empty when nothing changed at all
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code message} is blank or contains a NUL character
   * @throws WorktreeException {@link Reason#COMMIT_REJECTED} if the check before the commit refused
   *     it (the repository's hook, with its output in the message) or git refused it, {@link
   *     Reason#UNSAFE_CHANGE} or {@link Reason#COMMIT_TOO_LARGE} if the change holds what the
   *     library does not commit, {@link Reason#BRANCH_CONFLICT} if the worktree is no longer on the
   *     cell's branch, or another reason if git failed
   */
  @Override
  public Optional<String> commit(WorktreeLease lease, String message, CommitAuthor author) {
    Objects.requireNonNull(lease, "lease cannot be null");
    Objects.requireNonNull(message, "message cannot be null");
    Objects.requireNonNull(author, "author cannot be null");
    if (message.isBlank()) {
      throw new IllegalArgumentException("message must not be blank");
    }
    if (message.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("message must not contain a NUL character");
    }
    Path worktree = lease.path();
    // Present when git's files show the cell's branch checked out: then they also hold the new
    // commit afterwards.
    Optional<Path> commonDir =
        GitFiles.gitDir(worktree)
            .flatMap(
                gitDir ->
                    GitFiles.commonDir(gitDir)
                        .filter(
                            common ->
                                GitFiles.headBranch(gitDir, common)
                                    .filter(lease.branch()::equals)
                                    .isPresent()));
    if (commonDir.isEmpty()) {
      // The files did not show the cell's branch checked out: ask git, which also tells whether
      // anything changed.
      WorktreeStatus status = status(worktree, false);
      requireOnBranch(lease, status);
      if (!status.hasChangesToStage()) {
        return nothingToCommit(lease, status.headCommit().orElseGet(() -> head(worktree)));
      }
    }
    // In a sparse checkout (the pool's sparseCheckout option), what a cell wrote outside the cone
    // is part of its
    // change too; without --sparse, git would leave it out and fail. Entries git did not
    // materialize stay as they are.
    boolean sparse =
        GitFiles.gitDir(worktree)
            .map(
                gitDir ->
                    Files.exists(
                        gitDir.resolve("info").resolve("sparse-checkout"),
                        LinkOption.NOFOLLOW_LINKS))
            .orElse(false);
    (sparse ? git.run(worktree, "add", "--all", "--sparse") : git.run(worktree, "add", "--all"))
        .requireSuccess("stage the changes in " + worktree);
    // The index now holds the tree to be committed, the agent's own commits included: compare it
    // with the base.
    refuseUnsafeEntries(lease, "--cached", lease.baseCommit());
    if (beforeCommit != null) {
      beforeCommit.check(lease, message);
    }
    GitCommand.Builder commit =
        GitCommand.in(worktree)
            .args("commit", "--quiet", "--cleanup=whitespace", "--file=-")
            .stdin(message)
            .environment("GIT_AUTHOR_NAME", author.name())
            .environment("GIT_AUTHOR_EMAIL", author.email())
            .environment("GIT_COMMITTER_NAME", author.name())
            .environment("GIT_COMMITTER_EMAIL", author.email());
    if (commitTimeout != null) {
      commit.timeout(commitTimeout);
    }
    GitResult result = git.run(commit.build());
    if (!result.isSuccess()) {
      // Without a status first (or should `add` have found nothing after all), git refuses an empty
      // commit with
      // "nothing to commit", which is not a rejection.
      if (git.run(worktree, "diff", "--cached", "--quiet", "--no-ext-diff").exitCode() == 0) {
        return nothingToCommit(lease, branchTip(lease, commonDir));
      }
      throw result.failure(
          "git refused to commit the changes of cell "
              + lease.cellId()
              + " on branch "
              + lease.branch(),
          Reason.COMMIT_REJECTED);
    }
    String sha = branchTip(lease, commonDir);
    log.info(
        "committed the changes of cell {} on branch {} as {}", lease.cellId(), lease.branch(), sha);
    return Optional.of(sha);
  }

  /**
   * The paths that differ between the worktree (committed, staged, unstaged and untracked changes;
   * not ignored files) and the lease's base commit, sorted by path. Reads only: the index is not
   * changed.
   *
   * @throws NullPointerException if {@code lease} is null
   * @throws WorktreeException if git fails
   */
  @Override
  public List<WorktreeChanges.ChangedFile> changedFiles(WorktreeLease lease) {
    Objects.requireNonNull(lease, "lease cannot be null");
    Path worktree = lease.path();
    WorktreeStatus status = status(worktree, true);
    // The status compares with HEAD; when HEAD is still the base (the cell did not commit by
    // itself) that is the
    // answer, unless an entry is one the status cannot tell exactly.
    Optional<Map<String, Change>> fromStatus =
        status.headCommit().filter(lease.baseCommit()::equals).isPresent()
            ? status.changesFromHead()
            : Optional.empty();
    Map<String, Change> changes = fromStatus.orElseGet(() -> changesFromBase(lease));
    List<WorktreeChanges.ChangedFile> files = new ArrayList<>(changes.size());
    changes.forEach((path, change) -> files.add(new WorktreeChanges.ChangedFile(path, change)));
    return files;
  }

  /** The changes against the lease's base commit, whatever HEAD is: two processes. */
  private Map<String, Change> changesFromBase(WorktreeLease lease) {
    Path worktree = lease.path();
    Map<String, Change> changes = new TreeMap<>();
    String diff =
        git.run(
                worktree,
                "diff",
                "--name-status",
                "-z",
                "--no-renames",
                "--no-ext-diff",
                lease.baseCommit(),
                "--")
            .requireSuccess("list the changes in " + worktree)
            .stdout();
    String[] fields = diff.split("\0");
    for (int i = 0; i + 1 < fields.length; i += 2) {
      changes.put(fields[i + 1], toChange(fields[i]));
    }
    String untracked =
        git.run(worktree, "ls-files", "-z", "--others", "--exclude-standard")
            .requireSuccess("list the untracked files in " + worktree)
            .stdout();
    for (String path : untracked.split("\0")) {
      if (!path.isEmpty()) {
        changes.merge(path, Change.ADDED, (before, added) -> Change.MODIFIED);
      }
    }
    return changes;
  }

  /**
   * Throws away everything the cell did: the cell's branch is reset to the base commit (commits the
   * cell made are dropped from it), and the worktree is restored exactly (tracked, staged,
   * untracked and, unless configured otherwise, ignored files), then verified. A revert that
   * removes ignored files forgets the lease's {@linkplain WorktreeLease#setupStamp() set-up stamp}:
   * what the set-up installed is gone.
   *
   * @throws NullPointerException if {@code lease} is null
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git fails or something is left
   */
  @Override
  public void revert(WorktreeLease lease) {
    Objects.requireNonNull(lease, "lease cannot be null");
    if (!preserveIgnored) {
      // The restore removes what a set-up installed (ignored files): the worktree is no longer set
      // up.
      lease.recordSetupStamp(null);
    }
    restorer.restoreOnBranch(lease.path(), lease.branch(), lease.baseCommit());
    log.info(
        "reverted the worktree {} of cell {} to {}",
        lease.path(),
        lease.cellId(),
        lease.baseCommit());
  }

  private Optional<String> nothingToCommit(WorktreeLease lease, String head) {
    if (head.equals(lease.baseCommit())) {
      log.info("nothing to commit for cell {} in {}", lease.cellId(), lease.path());
      return Optional.empty();
    }
    refuseUnsafeEntries(lease, lease.baseCommit(), head);
    log.info(
        "nothing left to commit for cell {}; branch {} already holds commits up to {}",
        lease.cellId(),
        lease.branch(),
        head);
    return Optional.of(head);
  }

  /**
   * Refuses a change that adds or moves a gitlink, or adds a symbolic link leading out of the
   * worktree, comparing {@code revisions} (the index or a commit with the base) in one git process.
   *
   * <p>Why: a gitlink is how a nested repository (or a {@code .git} file naming another repository,
   * the main one included) enters a commit; once integrated, every later cell and the user's
   * checkout hold a pointer the cell chose, and tools that recurse into submodules run that
   * repository's configuration. A symbolic link to {@code /etc} or to the user's {@code
   * ~/.gitconfig} is harmless inside the sandbox but is followed by whatever reads the target
   * branch outside it. Links whose target stays inside the worktree (relative, and never above its
   * top) are ordinary project content and are kept.
   */
  private void refuseUnsafeEntries(WorktreeLease lease, String... revisions) {
    Path worktree = lease.path();
    List<String> args =
        new ArrayList<>(
            List.of(
                "diff",
                "--raw",
                "-z",
                "--no-renames",
                "--no-abbrev",
                "--no-ext-diff",
                "--ignore-submodules=none",
                "--diff-filter=AMT"));
    args.addAll(List.of(revisions));
    args.add("--");
    String raw =
        git.run(GitCommand.in(worktree).args(args).build())
            .requireSuccess("list the entries the change of cell " + lease.cellId() + " adds")
            .stdout();
    List<String> refused = new ArrayList<>();
    long bytes = 0;
    String[] fields = raw.split("\0");
    for (int i = 0; i + 1 < fields.length; i += 2) {
      // ":<old mode> <new mode> <old sha> <new sha> <status>" then the path.
      String[] meta = fields[i].split(" ");
      String path = fields[i + 1];
      if (meta.length < 5) {
        continue;
      }
      String newMode = meta[1];
      if (maxCommitBytes > 0 && !newMode.equals("160000")) {
        bytes += sizeInWorktree(worktree, path);
      }
      if (newMode.equals("160000")) {
        refused.add(
            path + " (a gitlink: a nested repository or submodule pointer, to " + meta[3] + ")");
      } else if (newMode.equals("120000")) {
        String target = linkTarget(worktree, path, meta[3]);
        if (SymlinkTargets.escapes(path, target)) {
          refused.add(path + " (a symbolic link to " + target + ", outside the worktree)");
        }
      }
    }
    if (maxCommitBytes > 0 && bytes > maxCommitBytes) {
      throw new WorktreeException(
          Reason.COMMIT_TOO_LARGE,
          String.format(
              "refusing to commit the change of cell %s: "
                  + "the files it adds or changes hold %d bytes, more than the limit of %d bytes (maxCommitBytes of the cell "
                  + "limits)",
              lease.cellId(), bytes, maxCommitBytes));
    }
    if (!refused.isEmpty()) {
      String shown = refused.stream().limit(20).collect(Collectors.joining("; "));
      throw new WorktreeException(
          Reason.UNSAFE_CHANGE,
          "refusing to commit the change of cell "
              + lease.cellId()
              + ": it holds "
              + refused.size()
              + " entr"
              + (refused.size() == 1 ? "y" : "ies")
              + " the library does not commit: "
              + shown
              + (refused.size() > 20 ? "; ..." : "")
              + ". Nested repositories and links leading out of the worktree are not committed; remove them (or vendor"
              + " the nested repository's files) and try again");
    }
  }

  /**
   * The size of a file of the worktree as it is now (what was just staged), without following
   * links; 0 if gone.
   */
  private static long sizeInWorktree(Path worktree, String path) {
    try {
      return Files.readAttributes(
              worktree.resolve(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .size();
    } catch (IOException e) {
      return 0;
    }
  }

  /** A staged or committed symbolic link's target: the blob's content. */
  private String linkTarget(Path worktree, String path, String blob) {
    return git.run(worktree, "cat-file", "blob", blob)
        .requireSuccess("read the target of the symbolic link " + path)
        .stdout();
  }

  /**
   * The worktree's status. {@code readOnly} keeps git from refreshing the index on disk (it would
   * take the index lock), for callers that promise not to change anything; untracked files are
   * always listed one by one.
   */
  private WorktreeStatus status(Path worktree, boolean readOnly) {
    List<String> args = new ArrayList<>();
    if (readOnly) {
      args.add("--no-optional-locks");
    }
    args.addAll(WorktreeStatus.ARGS);
    args.add("--untracked-files=all");
    String output =
        git.run(GitCommand.in(worktree).args(args).build())
            .requireSuccess("read the status of " + worktree)
            .stdout();
    try {
      return WorktreeStatus.parse(output);
    } catch (IllegalArgumentException e) {
      throw new WorktreeException(
          Reason.GIT_FAILED, "could not read the status of " + worktree + ": " + e.getMessage(), e);
    }
  }

  private static void requireOnBranch(WorktreeLease lease, WorktreeStatus status) {
    if (!status.branch().filter(lease.branch()::equals).isPresent()) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "the worktree "
              + lease.path()
              + " of cell "
              + lease.cellId()
              + " is no longer on branch "
              + lease.branch()
              + " (HEAD is "
              + status.branch().map(name -> "refs/heads/" + name).orElse("detached")
              + "); refusing to commit elsewhere");
    }
  }

  /**
   * The tip of the cell's branch, which is checked out: from its loose ref when it has one, else
   * from git.
   */
  private String branchTip(WorktreeLease lease, Optional<Path> commonDir) {
    return commonDir
        .flatMap(common -> GitFiles.looseRef(common, "refs/heads/" + lease.branch()))
        .orElseGet(() -> head(lease.path()));
  }

  private String head(Path worktree) {
    return git.run(worktree, "rev-parse", "--verify", "HEAD")
        .requireSuccess("read HEAD of " + worktree)
        .stdoutLine();
  }

  private static Change toChange(String status) {
    switch (status.isEmpty() ? ' ' : status.charAt(0)) {
      case 'A':
        return Change.ADDED;
      case 'D':
        return Change.DELETED;
      default:
        return Change.MODIFIED;
    }
  }

  @Override
  public String toString() {
    return "GitWorktreeChanges{git=" + git + ", preserveIgnored=" + preserveIgnored + "}";
  }

  /** Builds {@link GitWorktreeChanges}. Not thread-safe. */
  public static final class Builder {
    private GitRunner git = GitRunner.create();
    private boolean preserveIgnored;
    private @Nullable Duration commitTimeout;
    private long maxCommitBytes;
    private @Nullable CommitCheck beforeCommit;

    private Builder() {}

    /**
     * A check run after the change is staged and before it is committed, such as {@link
     * RepositoryHooks}; a check that throws refuses the commit. Default none.
     *
     * @param check the check
     * @return this builder
     * @throws NullPointerException if {@code check} is null
     */
    public Builder beforeCommit(CommitCheck check) {
      this.beforeCommit = Objects.requireNonNull(check, "check cannot be null");
      return this;
    }

    /**
     * The runner of every git command. Default {@link GitRunner#create()}.
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
     * Whether {@link #revert} keeps ignored files (build caches). Default false.
     *
     * @param preserveIgnored true to keep ignored files on revert
     * @return this builder
     */
    public Builder preserveIgnored(boolean preserveIgnored) {
      this.preserveIgnored = preserveIgnored;
      return this;
    }

    /**
     * How long {@code git commit}, hooks included, may run. Default: the runner's timeout.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder commitTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "commitTimeout cannot be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("commitTimeout must be positive but was " + timeout);
      }
      this.commitTimeout = timeout;
      return this;
    }

    /**
     * The most bytes a commit may add or change (the sum of the sizes of the files it adds or
     * modifies); a larger change fails with {@link Reason#COMMIT_TOO_LARGE}. 0 (the default) for no
     * limit.
     *
     * @param bytes the limit, in bytes; 0 for none
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder maxCommitBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "maxCommitBytes must be 0 (no limit) or positive but was " + bytes);
      }
      this.maxCommitBytes = bytes;
      return this;
    }

    /**
     * Builds the instance.
     *
     * @return the instance
     */
    public GitWorktreeChanges build() {
      return new GitWorktreeChanges(this);
    }
  }
}
