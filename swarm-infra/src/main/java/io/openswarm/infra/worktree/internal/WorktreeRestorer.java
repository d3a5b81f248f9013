package io.openswarm.infra.worktree.internal;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Brings one worktree back to a commit exactly: the one place that decides what "clean" means,
 * shared by the pool (acquire and release) and by {@code GitWorktreeChanges.revert}.
 *
 * <p>Exactly means: the index and every tracked file match the commit ({@code git checkout
 * --force}), and every untracked file and directory is gone, nested repositories included ({@code
 * git clean -ffdx}); ignored files are gone too unless they are preserved on purpose (build
 * caches). {@code checkout} only rewrites the files that differ, which is what makes a warm
 * worktree cheap to reuse.
 *
 * <p>The full restores make sure nothing is left, so that a dirty worktree is never handed to the
 * next cell. After a successful {@code checkout --force}, only two things can remain: what {@code
 * clean} failed to delete (a file the cell made undeletable), about which it warns on standard
 * error, and changes inside submodules, which neither command enters. So {@code git status
 * --porcelain --ignored} runs, and fails the restore when it lists anything, exactly when {@code
 * clean} warned or the worktree has a {@code .gitmodules}; otherwise it could only repeat what
 * {@code clean} already established, at the price of one more process. Every process counts: a
 * whole cell is a few dozen milliseconds of them.
 *
 * <p>Stateless and thread-safe; concurrent calls must be for different worktrees.
 */
public final class WorktreeRestorer {

  private static final int LEFTOVERS_SHOWN = 10;

  private final GitRunner git;
  private final boolean preserveIgnored;

  /**
   * A restorer that runs {@code git} and keeps ignored files when {@code preserveIgnored} is set.
   */
  public WorktreeRestorer(GitRunner git, boolean preserveIgnored) {
    this.git = git;
    this.preserveIgnored = preserveIgnored;
  }

  /**
   * Detaches {@code HEAD} at {@code commit} and removes every change, then verifies. The branch
   * that was checked out is left where it is (and is free for other worktrees).
   *
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git fails or something is left
   */
  public void restoreDetached(Path worktree, String commit) {
    run(
        worktree,
        "detach " + worktree + " at " + commit,
        "checkout",
        "--quiet",
        "--force",
        "--detach",
        commit);
    cleanAndVerify(worktree);
  }

  /**
   * Points {@code branch} at {@code commit} (whatever it held), checks it out and removes every
   * change, then verifies.
   *
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git fails or something is left
   */
  public void restoreOnBranch(Path worktree, String branch, String commit) {
    run(
        worktree,
        "reset branch " + branch + " in " + worktree + " to " + commit,
        "checkout",
        "--quiet",
        "--force",
        "--no-track",
        "-B",
        branch,
        commit);
    cleanAndVerify(worktree);
  }

  /**
   * Creates {@code branch} at {@code commit} and checks it out in a worktree that was verified
   * clean when it was last restored, in one git process ({@code git checkout --force -b}). The
   * creation is atomic: git refuses, before it touches anything, when the branch already exists.
   * Tracked changes made since the last restore are discarded; untracked files are not looked for
   * (nothing writes into an idle worktree).
   *
   * @return true when the branch was created and checked out; false when it already existed and
   *     nothing was changed
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git failed otherwise (the worktree
   *     is then in an unknown state)
   */
  public boolean checkoutNewBranch(Path worktree, String branch, String commit) {
    // -b takes the next argument as its value, so the branch cannot be read as an option; `--` ends
    // the revisions.
    GitResult result =
        git.run(
            worktree, "checkout", "--quiet", "--force", "--no-track", "-b", branch, commit, "--");
    if (result.isSuccess()) {
      return true;
    }
    if (result.stderrTail().contains("a branch named '" + branch + "' already exists")) {
      return false;
    }
    throw result.failure(
        "create branch " + branch + " at " + commit + " in " + worktree, Reason.RESTORE_FAILED);
  }

  /**
   * Checks out the existing {@code branch} in a worktree that was verified clean when it was last
   * restored, discarding any change made since, and removes untracked files. Cheaper than a full
   * restore: no verification.
   *
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git fails; {@link
   *     Reason#BRANCH_CONFLICT} if the branch is checked out in another worktree
   */
  public void switchTo(Path worktree, String branch) {
    GitResult result = git.run(worktree, "checkout", "--quiet", "--force", branch, "--");
    if (!result.isSuccess()) {
      boolean elsewhere =
          result.stderrTail().contains("already checked out at")
              || result.stderrTail().contains("already used by worktree at");
      throw result.failure(
          "check out branch " + branch + " in " + worktree,
          elsewhere ? Reason.BRANCH_CONFLICT : Reason.RESTORE_FAILED);
    }
    clean(worktree);
  }

  /** Cleans, then verifies when something may be left (see the class comment). */
  private void cleanAndVerify(Path worktree) {
    GitResult cleaned = clean(worktree);
    boolean submodules = Files.exists(worktree.resolve(".gitmodules"), LinkOption.NOFOLLOW_LINKS);
    if (submodules) {
      emptySubmoduleFolders(worktree);
    }
    if (!cleaned.stderrTail().isBlank() || submodules) {
      verifyClean(worktree, "still has changes after it was restored");
    }
  }

  /**
   * Empties the folder of every submodule: the pool never initialises submodules, so a folder with
   * content is one a cell filled, typically with a repository of its own (whose configuration must
   * not reach the next cell). Neither {@code checkout} nor {@code clean} enters a gitlink's folder.
   */
  private void emptySubmoduleFolders(Path worktree) {
    String staged =
        git.run(worktree, "ls-files", "-z", "--stage")
            .requireSuccess("list the submodules of " + worktree, Reason.RESTORE_FAILED)
            .stdout();
    for (String entry : staged.split("\0")) {
      if (!entry.startsWith("160000 ")) {
        continue;
      }
      Path folder = worktree.resolve(entry.substring(entry.indexOf('\t') + 1)).normalize();
      if (!folder.startsWith(worktree) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (java.util.stream.Stream<Path> children = Files.list(folder)) {
        for (Path child : (Iterable<Path>) children::iterator) {
          TreeDeleter.deleteRecursively(child);
        }
      } catch (java.io.IOException e) {
        throw new WorktreeException(
            Reason.RESTORE_FAILED,
            "could not empty the submodule folder "
                + folder
                + " of "
                + worktree
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Removes untracked files (and ignored ones unless they are preserved) from {@code worktree},
   * nested repositories included.
   *
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} if git fails
   */
  public void removeUntracked(Path worktree) {
    clean(worktree);
  }

  private GitResult clean(Path worktree) {
    List<String> args = new ArrayList<>(List.of("clean", "--quiet", "-ff", "-d"));
    if (!preserveIgnored) {
      args.add("-x");
    }
    return git.run(worktree, args.toArray(String[]::new))
        .requireSuccess("remove untracked files from " + worktree, Reason.RESTORE_FAILED);
  }

  /**
   * Checks that {@code worktree} has nothing changed, staged or untracked, and nothing ignored
   * unless ignored files are preserved ({@code git status --porcelain --untracked-files=all}, plus
   * {@code --ignored} then), without changing anything.
   *
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} listing what was found, or if git fails
   */
  public void verifyClean(Path worktree) {
    verifyClean(worktree, "is not clean");
  }

  private void verifyClean(Path worktree, String what) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--ignore-submodules=dirty"));
    if (!preserveIgnored) {
      args.add("--ignored=matching");
    }
    GitResult status =
        git.run(worktree, args.toArray(String[]::new))
            .requireSuccess("check that " + worktree + " is clean", Reason.RESTORE_FAILED);
    if (!status.stdout().isEmpty()) {
      List<String> entries =
          Arrays.stream(status.stdout().split("\0"))
              .filter(e -> !e.isEmpty())
              .collect(Collectors.toList());
      String shown = entries.stream().limit(LEFTOVERS_SHOWN).collect(Collectors.joining(", "));
      throw new WorktreeException(
          Reason.RESTORE_FAILED,
          String.format(
              "%s %s: %d change(s): %s%s",
              worktree,
              what,
              entries.size(),
              shown,
              entries.size() > LEFTOVERS_SHOWN ? ", ..." : ""),
          status.command(),
          OptionalInt.of(status.exitCode()),
          status.stderrTail(),
          null);
    }
  }

  private void run(Path worktree, String action, String... args) {
    git.run(worktree, args).requireSuccess(action, Reason.RESTORE_FAILED);
  }
}
