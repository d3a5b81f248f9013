package io.openswarm.infra.worktree;

import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.worktree.internal.WorktreeRestorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integrates cells' commits into a shared target branch with git: rebase, re-test,
 * compare-and-swap.
 *
 * <h2>How it works</h2>
 *
 * Inside the cell's worktree, each round reads the target's head. If the head is still the commit
 * the cell's change sits on, the target can simply move to the cell's commit (the tests already ran
 * on exactly that tree). Otherwise the cell's commits are rebased onto the head ({@code git rebase
 * --onto <head> <upstream>}: no merge commits, commits that become empty are dropped), and the
 * tests run again on the result through the caller's {@link Retest}. Then the target is moved with
 * {@code git update-ref refs/heads/<target> <new> <head>}, which git performs only if the target is
 * still at {@code <head>}: a compare-and-swap. If another integration moved the target meanwhile,
 * the next round rebases onto the new head and tests again; after {@linkplain
 * Builder#maxRounds(int) maxRounds} rounds it gives up. The target is never force-updated and only
 * ever moves forward by one cell's change that passed the tests on top of exactly the commit it
 * replaced.
 *
 * <p>A conflict aborts the rebase and reports the unmerged paths; red tests report the run. In both
 * cases, and when anything throws, the cell's branch and worktree are restored to the cell's own
 * commit (tracked and untracked files; ignored files such as build caches are kept). After a
 * successful integration, the worktree is left detached at the integrated commit and the cell's
 * branch is deleted (its work lives on the target, so cell branches do not pile up), unless
 * {@linkplain Builder#keepIntegratedBranches(boolean) configured otherwise}.
 *
 * <p>A target branch that is checked out in some worktree is refused: moving it would change that
 * worktree's files under its user's feet. {@link #createTarget(Path, String, String)} makes a fresh
 * target branch for a run.
 *
 * <p>Thread-safe and stateless: any number of cells may integrate into the same target at once,
 * from this JVM or others on the same repository; calls for the same lease must not overlap.
 */
public final class GitBranchIntegration implements BranchIntegration {

  private static final Logger log = LoggerFactory.getLogger(GitBranchIntegration.class);
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final GitBranchIntegration DEFAULT = newBuilder().build();

  private final GitRunner git;
  private final int maxRounds;
  private final boolean keepIntegratedBranches;
  private final WorktreeRestorer restorer;

  private GitBranchIntegration(Builder builder) {
    this.git = builder.git;
    this.maxRounds = builder.maxRounds;
    this.keepIntegratedBranches = builder.keepIntegratedBranches;
    // Ignored files (build caches) are kept when the cell's commit is restored: they are not part
    // of any change.
    this.restorer = new WorktreeRestorer(git, true);
  }

  /**
   * An integrator with the defaults: {@link GitRunner#create()}, 10 rounds, integrated cell
   * branches deleted.
   *
   * @return a new integrator with the defaults
   */
  public static GitBranchIntegration create() {
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
   * Creates branch {@code branch} at the commit {@code startRef} names, as the target of a run.
   * Creating it again at the same commit is accepted, so a retried call succeeds.
   *
   * @param repository a directory of the repository (its main worktree or any linked one)
   * @param branch the branch to create, without {@code refs/heads/}
   * @param startRef the revision whose commit the branch starts at
   * @return the full SHA the branch points at
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code branch} is not a valid branch name or {@code
   *     startRef} is not a valid revision
   * @throws WorktreeException {@link Reason#UNKNOWN_REF} if {@code startRef} names no commit,
   *     {@link Reason#BRANCH_CONFLICT} if the branch already exists at another commit, another
   *     reason if git fails
   */
  public String createTarget(Path repository, String branch, String startRef) {
    Objects.requireNonNull(repository, "repository cannot be null");
    checkBranchName(repository, branch);
    checkRevision(startRef);
    String start =
        resolveCommit(repository, startRef)
            .orElseThrow(
                () ->
                    new WorktreeException(
                        Reason.UNKNOWN_REF,
                        "the base ref \""
                            + startRef
                            + "\" of target branch "
                            + branch
                            + " does not name a commit in "
                            + repository));
    String ref = "refs/heads/" + branch;
    // The empty old value makes this a create-only compare-and-swap: an existing branch is never
    // moved.
    GitResult created =
        git.run(
            repository,
            "update-ref",
            "-m",
            "openswarm: target branch from " + startRef,
            ref,
            start,
            "");
    if (created.isSuccess()) {
      log.info("created target branch {} at {} ({})", branch, abbreviate(start), startRef);
      return start;
    }
    Optional<String> existing = resolveCommit(repository, ref);
    if (existing.isEmpty()) {
      throw created.failure(
          "could not create target branch "
              + branch
              + " (a branch whose name is a prefix of it, "
              + "or has it as a prefix, may be in the way)",
          Reason.BRANCH_CONFLICT);
    }
    if (!existing.get().equals(start)) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "target branch "
              + branch
              + " already exists at "
              + existing.get()
              + ", not at "
              + start
              + " ("
              + startRef
              + "); choose another target branch or delete it");
    }
    log.info("target branch {} already exists at {} ({})", branch, abbreviate(start), startRef);
    return start;
  }

  @Override
  public BranchIntegration.Result integrate(
      WorktreeLease lease, String targetBranch, CommitAuthor committer, Retest retest) {
    Objects.requireNonNull(lease, "lease cannot be null");
    Objects.requireNonNull(committer, "committer cannot be null");
    Objects.requireNonNull(retest, "retest cannot be null");
    Path worktree = lease.path();
    checkBranchName(worktree, targetBranch);
    if (targetBranch.equals(lease.branch())) {
      throw new IllegalArgumentException(
          "the target branch must not be the cell's own branch but was " + targetBranch);
    }
    requireOnCellBranch(lease);
    Optional<Path> checkedOut = worktreeWith(worktree, targetBranch);
    if (checkedOut.isPresent()) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "target branch "
              + targetBranch
              + " is checked out in "
              + checkedOut.get()
              + "; moving it would change that worktree's files under its user's feet. Integrate "
              + "into a branch that is not checked out");
    }
    String original = head(worktree);
    String upstream = lease.baseCommit();
    String tip = original;
    int retests = 0;
    boolean rewritten = false;
    try {
      for (int round = 1; round <= maxRounds; round++) {
        String head = targetHead(worktree, targetBranch);
        if (isAncestor(worktree, tip, head)) {
          // The target already holds every commit of the cell's (possibly nothing at all): nothing
          // to move.
          finishIntegrated(lease, head, tip);
          return BranchIntegration.Result.integrated(targetBranch, head, head, round, retests);
        }
        if (!head.equals(upstream)) {
          prepareForRebase(worktree);
          rewritten = true;
          List<String> conflicts = rebase(lease, head, upstream, committer);
          if (!conflicts.isEmpty()) {
            abortRebase(worktree);
            restorer.restoreOnBranch(worktree, lease.branch(), original);
            rewritten = false;
            return BranchIntegration.Result.conflict(targetBranch, head, conflicts, round, retests);
          }
          upstream = head;
          tip = head(worktree);
          if (tip.equals(head)) {
            // Every commit of the cell's became empty on top of the head: the target already has
            // the change.
            finishIntegrated(lease, head, tip);
            return BranchIntegration.Result.integrated(targetBranch, head, head, round, retests);
          }
          retests++;
          TestRunner.Result lastRetest =
              Objects.requireNonNull(retest.run(), "retest returned null");
          if (!lastRetest.passed()) {
            restorer.restoreOnBranch(worktree, lease.branch(), original);
            rewritten = false;
            return BranchIntegration.Result.reverted(
                targetBranch, head, lastRetest, round, retests);
          }
        }
        GitResult swapped =
            git.run(
                worktree,
                "update-ref",
                "-m",
                "openswarm: integrate cell " + lease.cellId(),
                "refs/heads/" + targetBranch,
                tip,
                head);
        if (swapped.isSuccess()) {
          // From here on the target holds the change: nothing may undo or misreport that.
          rewritten = false;
          finishIntegrated(lease, tip, tip);
          return BranchIntegration.Result.integrated(targetBranch, tip, head, round, retests);
        }
        String now = targetHead(worktree, targetBranch);
        if (now.equals(head)) {
          throw swapped.failure(
              "move target branch " + targetBranch + " from " + head + " to " + tip,
              Reason.GIT_FAILED);
        }
        log.info(
            "target branch {} moved from {} to {} while cell {} was integrating (round {} of {}); rebasing "
                + "onto the new head",
            targetBranch,
            abbreviate(head),
            abbreviate(now),
            lease.cellId(),
            round,
            maxRounds);
      }
      throw new WorktreeException(
          Reason.GIT_FAILED,
          "target branch "
              + targetBranch
              + " moved "
              + maxRounds
              + " times while cell "
              + lease.cellId()
              + " was integrating; gave up (the cell's commit "
              + original
              + " is kept on branch "
              + lease.branch()
              + ")");
    } catch (RuntimeException e) {
      if (rewritten) {
        restoreAfterFailure(lease, original, e);
      }
      throw e;
    }
  }

  /**
   * Cleans what a test run may have left (everything of value is committed), so that the rebase can
   * check out.
   */
  private void prepareForRebase(Path worktree) {
    git.run(worktree, "reset", "--hard", "--quiet")
        .requireSuccess("reset " + worktree + " before rebasing");
    git.run(worktree, "clean", "-ffd", "--quiet")
        .requireSuccess("clean " + worktree + " before rebasing");
  }

  /**
   * Rebases upstream..HEAD onto {@code head}; returns the conflicting paths, empty when it worked.
   */
  private List<String> rebase(
      WorktreeLease lease, String head, String upstream, CommitAuthor committer) {
    Path worktree = lease.path();
    GitResult result =
        git.run(
            GitCommand.in(worktree)
                .args(
                    "-c",
                    "rebase.autoStash=false",
                    "-c",
                    "rebase.autoSquash=false",
                    "-c",
                    "rebase.updateRefs=false",
                    "-c",
                    "rerere.enabled=false",
                    "rebase",
                    "--quiet",
                    "--empty=drop",
                    "--onto",
                    head,
                    upstream)
                .environment("GIT_COMMITTER_NAME", committer.name())
                .environment("GIT_COMMITTER_EMAIL", committer.email())
                .environment("GIT_EDITOR", "true")
                .environment("GIT_SEQUENCE_EDITOR", "true")
                // A rebase that failed half-way on a lock must not simply be started again.
                .retryOnLockContention(false)
                .build());
    if (result.isSuccess()) {
      return List.of();
    }
    String unmerged =
        git.run(worktree, "diff", "--name-only", "--diff-filter=U", "-z")
            .requireSuccess("list the conflicts of cell " + lease.cellId())
            .stdout();
    List<String> conflicts =
        Arrays.stream(unmerged.split("\0")).filter(path -> !path.isEmpty()).sorted().toList();
    if (conflicts.isEmpty()) {
      throw result.failure(
          "rebase the commits of cell " + lease.cellId() + " onto " + head, Reason.GIT_FAILED);
    }
    return conflicts;
  }

  private void abortRebase(Path worktree) {
    if (rebaseInProgress(worktree)) {
      git.run(worktree, "rebase", "--abort")
          .requireSuccess("abort the rebase in " + worktree, Reason.RESTORE_FAILED);
    }
  }

  private boolean rebaseInProgress(Path worktree) {
    for (String name : List.of("rebase-merge", "rebase-apply")) {
      String path =
          git.run(worktree, "rev-parse", "--git-path", name)
              .requireSuccess("find the rebase state of " + worktree)
              .stdoutLine();
      if (Files.exists(worktree.resolve(path))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Puts the cell's commit back after a failure; runs even on an interrupted thread (git would be
   * killed at once).
   */
  private void restoreAfterFailure(WorktreeLease lease, String original, RuntimeException failure) {
    boolean interrupted = Thread.interrupted();
    try {
      abortRebase(lease.path());
      restorer.restoreOnBranch(lease.path(), lease.branch(), original);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
      log.error(
          "cell {}: could not restore its commit {} on branch {} after a failed integration: {}",
          lease.cellId(),
          original,
          lease.branch(),
          e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Detaches the worktree and deletes the cell's branch, whose work now lives on the target. Never
   * fails: the integration already happened, and a branch left behind is only clutter (the pool
   * keeps it on release).
   */
  private void finishIntegrated(WorktreeLease lease, String integrated, String branchTip) {
    if (keepIntegratedBranches) {
      return;
    }
    Path worktree = lease.path();
    try {
      git.run(worktree, "checkout", "--quiet", "--detach").requireSuccess("detach " + worktree);
      git.run(worktree, "update-ref", "-d", "refs/heads/" + lease.branch(), branchTip)
          .requireSuccess("delete branch " + lease.branch());
    } catch (RuntimeException e) {
      log.warn(
          "cell {} is integrated as {}, but its branch {} could not be deleted: {}",
          lease.cellId(),
          abbreviate(integrated),
          lease.branch(),
          e.getMessage());
    }
  }

  private void requireOnCellBranch(WorktreeLease lease) {
    GitResult head = git.run(lease.path(), "symbolic-ref", "--quiet", "HEAD");
    if (!head.isSuccess() || !head.stdoutLine().equals("refs/heads/" + lease.branch())) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "the worktree "
              + lease.path()
              + " of cell "
              + lease.cellId()
              + " is not on branch "
              + lease.branch()
              + " (HEAD is "
              + (head.isSuccess() ? head.stdoutLine() : "detached")
              + "); nothing to integrate");
    }
  }

  private String targetHead(Path directory, String targetBranch) {
    return resolveCommit(directory, "refs/heads/" + targetBranch)
        .orElseThrow(
            () ->
                new WorktreeException(
                    Reason.UNKNOWN_REF, "target branch " + targetBranch + " does not exist"));
  }

  private Optional<String> resolveCommit(Path directory, String revision) {
    GitResult result =
        git.run(
            directory,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            revision + "^{commit}");
    if (result.isSuccess() && SHA.matcher(result.stdoutLine()).matches()) {
      return Optional.of(result.stdoutLine());
    }
    if (result.exitCode() == 1 || result.isSuccess()) {
      return Optional.empty();
    }
    throw result.failure("resolve " + revision, Reason.GIT_FAILED);
  }

  private String head(Path worktree) {
    return git.run(worktree, "rev-parse", "--verify", "HEAD")
        .requireSuccess("read HEAD of " + worktree)
        .stdoutLine();
  }

  private boolean isAncestor(Path directory, String ancestor, String descendant) {
    GitResult result = git.run(directory, "merge-base", "--is-ancestor", ancestor, descendant);
    if (result.exitCode() == 0 || result.exitCode() == 1) {
      return result.exitCode() == 0;
    }
    throw result.failure(
        "check whether " + ancestor + " is an ancestor of " + descendant, Reason.GIT_FAILED);
  }

  private Optional<Path> worktreeWith(Path directory, String branch) {
    String wanted = "branch refs/heads/" + branch;
    @Nullable Path current = null;
    for (String line :
        git.run(directory, "worktree", "list", "--porcelain")
            .requireSuccess("list worktrees")
            .stdout()
            .split("\n")) {
      if (line.startsWith("worktree ")) {
        current = Path.of(line.substring("worktree ".length()));
      } else if (line.equals(wanted) && current != null) {
        return Optional.of(current);
      }
    }
    return Optional.empty();
  }

  private void checkBranchName(Path directory, String branch) {
    Objects.requireNonNull(branch, "targetBranch cannot be null");
    Optional<String> problem = BranchNames.problem(branch);
    if (problem.isPresent() || branch.isEmpty()) {
      throw new IllegalArgumentException(
          "targetBranch must be a valid git branch name but was \""
              + branch.replaceAll("\\p{Cntrl}", "?")
              + "\": "
              + problem.orElse("it must not be empty"));
    }
    if (!git.run(directory, "check-ref-format", "--branch", branch).isSuccess()) {
      throw new IllegalArgumentException(
          "targetBranch must be a valid git branch name but was \""
              + branch
              + "\" (see git check-ref-format)");
    }
  }

  private static void checkRevision(String revision) {
    Objects.requireNonNull(revision, "startRef cannot be null");
    if (revision.isBlank()
        || revision.startsWith("-")
        || revision.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "startRef must be a git revision (not blank, not starting with '-', "
              + "without control characters) but was \""
              + revision.replaceAll("\\p{Cntrl}", "?")
              + "\"");
    }
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
  }

  @Override
  public String toString() {
    return "GitBranchIntegration{git="
        + git
        + ", maxRounds="
        + maxRounds
        + ", keepIntegratedBranches="
        + keepIntegratedBranches
        + "}";
  }

  /** Builds a {@link GitBranchIntegration}. Not thread-safe. */
  public static final class Builder {
    private GitRunner git = GitRunner.create();
    private int maxRounds = 10;
    private boolean keepIntegratedBranches;

    private Builder() {}

    /**
     * The runner of every git command. Default {@link GitRunner#create()}.
     *
     * @param runner the git runner
     * @return this builder
     * @throws NullPointerException if {@code git} is null
     */
    public Builder git(GitRunner runner) {
      this.git = Objects.requireNonNull(runner, "git cannot be null");
      return this;
    }

    /**
     * How many times one integration reads the target's head and tries to move it before it gives
     * up because other integrations keep moving it first. Each round after the first rebases and
     * tests again. Default 10.
     *
     * @param rounds the most rounds; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code rounds} is not between 1 and 1000
     */
    public Builder maxRounds(int rounds) {
      if (rounds < 1 || rounds > 1000) {
        throw new IllegalArgumentException(
            "maxRounds must be between 1 and 1000 but was " + rounds);
      }
      this.maxRounds = rounds;
      return this;
    }

    /**
     * Whether a cell's branch is kept after its change was integrated. Default false: the branch is
     * deleted (its commit is on the target) and the worktree left detached.
     *
     * @param keep true to keep integrated cell branches
     * @return this builder
     */
    public Builder keepIntegratedBranches(boolean keep) {
      this.keepIntegratedBranches = keep;
      return this;
    }

    /**
     * Builds the integrator. Every setter validated its value, so this cannot fail.
     *
     * @return the integrator
     */
    public GitBranchIntegration build() {
      return new GitBranchIntegration(this);
    }
  }
}
