package io.openswarm.infra.worktree.internal;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The operations on a repository's shared metadata that a worktree pool needs: resolving refs,
 * creating and deleting the cells' branches, adding, removing and pruning worktrees.
 *
 * <p>Concurrency: operations that change the worktree list (adding, removing and pruning worktrees)
 * run under one lock per repository, keyed by the repository's common git directory, so that every
 * pool of this JVM on the same repository takes turns: a prune must never run while another thread
 * registers a worktree. Ref updates take no lock of ours: each is a compare-and-swap that git
 * performs under its own lock file for that ref (and for {@code packed-refs} on deletion, which git
 * itself waits for up to {@code core.packedRefsTimeout}), so updates of different refs run in
 * parallel and two updates of the same ref cannot both succeed; the contention that remains, across
 * threads and JVMs alike, is handled by the runner's retries on git's lock errors. The expensive
 * part of creating a worktree (writing its files) is done outside the lock, in the worktree itself.
 * Read-only operations take no lock.
 *
 * <p>A full SHA once resolved to a commit is remembered (a small bounded set): a commit object
 * never changes, so asking git again would only cost a process per acquire. Should the commit be
 * pruned later, the checkout that needs it fails, which callers handle like any failed checkout.
 *
 * <p>Thread-safe.
 */
public final class GitRepository {

  /**
   * The oldest git this code is written for: {@code rev-parse --end-of-options} arrived in 2.30.
   */
  static final int[] MINIMUM_GIT_VERSION = {2, 30};

  /**
   * The oldest git whose {@code sparse-checkout} keeps its settings per worktree by itself (it
   * turns on {@code extensions.worktreeConfig} and moves {@code core.bare} out of the shared
   * configuration): 2.36.
   */
  public static final int[] MINIMUM_SPARSE_GIT_VERSION = {2, 36};

  private static final ConcurrentHashMap<Path, ReentrantLock> METADATA_LOCKS =
      new ConcurrentHashMap<>();

  /** How many resolved commits are remembered; a pool works from a handful of bases at a time. */
  private static final int KNOWN_COMMITS_LIMIT = 256;

  /**
   * How many loose commits a release reads to prove that a branch holds commits beyond its base.
   */
  private static final int DESCENT_SEARCH_LIMIT = 64;

  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final Pattern VERSION = Pattern.compile("git version (\\d+)\\.(\\d+)");

  private final GitRunner git;
  private final Path directory;
  private final Path commonDir;
  private final ReentrantLock metadataLock;
  private final int[] version;
  private final Set<String> knownCommits = ConcurrentHashMap.newKeySet();

  private GitRepository(GitRunner git, Path directory, Path commonDir, int[] version) {
    this.git = git;
    this.directory = directory;
    this.commonDir = commonDir;
    this.version = version;
    this.metadataLock = METADATA_LOCKS.computeIfAbsent(commonDir, dir -> new ReentrantLock());
  }

  /**
   * Finds the repository that contains {@code path} (a working tree, a linked worktree or a bare
   * repository).
   *
   * @throws WorktreeException {@link Reason#NOT_A_REPOSITORY} if {@code path} is not a directory
   *     inside a git repository; {@link Reason#GIT_FAILED} if git is missing or older than 2.30
   */
  public static GitRepository open(GitRunner git, Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    if (!Files.isDirectory(absolute)) {
      throw new WorktreeException(
          Reason.NOT_A_REPOSITORY, "the repository path " + absolute + " is not a directory");
    }
    int[] version = checkVersion(git, absolute);
    GitResult result = git.run(absolute, "rev-parse", "--git-common-dir");
    if (!result.isSuccess()) {
      throw result.failure(
          "the repository path " + absolute + " is not inside a git repository",
          Reason.NOT_A_REPOSITORY);
    }
    Path commonDir;
    try {
      commonDir = absolute.resolve(result.stdoutLine()).toRealPath();
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.NOT_A_REPOSITORY,
          "git reported the directory "
              + result.stdoutLine()
              + " for "
              + absolute
              + " but it cannot be resolved: "
              + e.getMessage(),
          e);
    }
    return new GitRepository(git, absolute, commonDir, version);
  }

  private static int[] checkVersion(GitRunner git, Path directory) {
    String version =
        git.run(directory, "version").requireSuccess("find the version of git").stdoutLine();
    Matcher matcher = VERSION.matcher(version);
    if (!matcher.find()) {
      throw new WorktreeException(
          Reason.GIT_FAILED, "could not read the version of git from \"" + version + "\"");
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    if (major < MINIMUM_GIT_VERSION[0]
        || (major == MINIMUM_GIT_VERSION[0] && minor < MINIMUM_GIT_VERSION[1])) {
      throw new WorktreeException(
          Reason.GIT_FAILED,
          String.format(
              "git %d.%d or newer is required but %s was found",
              MINIMUM_GIT_VERSION[0], MINIMUM_GIT_VERSION[1], version));
    }
    return new int[] {major, minor};
  }

  /**
   * Checks that git is at least {@code minimum} (major, minor), which {@code feature} needs.
   *
   * @throws WorktreeException {@link Reason#GIT_FAILED} if it is older
   */
  public void requireVersion(int[] minimum, String feature) {
    if (version[0] < minimum[0] || (version[0] == minimum[0] && version[1] < minimum[1])) {
      throw new WorktreeException(
          Reason.GIT_FAILED,
          String.format(
              "%s needs git %d.%d or newer but git %d.%d was " + "found",
              feature, minimum[0], minimum[1], version[0], version[1]));
    }
  }

  /** The directory repository-level commands run in. */
  public Path directory() {
    return directory;
  }

  /** The real path of the repository's common git directory (shared by all its worktrees). */
  public Path commonDir() {
    return commonDir;
  }

  /**
   * Checks {@code branch} with git's own rules ({@code git check-ref-format --branch}).
   *
   * @throws IllegalArgumentException if git rejects it; {@code description} says where the name
   *     came from
   */
  public void checkBranchName(String branch, Supplier<String> description) {
    if (branch.startsWith("-")
        || !git.run(directory, "check-ref-format", "--branch", branch).isSuccess()) {
      throw new IllegalArgumentException(
          "\""
              + branch
              + "\" is not a valid git branch name ("
              + description.get()
              + "); see git check-ref-format");
    }
  }

  /**
   * The full SHA of the commit {@code ref} names.
   *
   * @throws WorktreeException {@link Reason#UNKNOWN_REF} if it names no commit
   */
  public String resolveCommit(String ref) {
    if (knownCommits.contains(ref)) {
      return ref;
    }
    GitResult result =
        git.run(
            directory, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}");
    if (!result.isSuccess() || !SHA.matcher(result.stdoutLine()).matches()) {
      throw new WorktreeException(
          Reason.UNKNOWN_REF,
          "\"" + ref + "\" does not name a commit in " + directory,
          result.command(),
          OptionalInt.of(result.exitCode()),
          result.stderrTail(),
          null);
    }
    String sha = result.stdoutLine();
    if (knownCommits.size() >= KNOWN_COMMITS_LIMIT) {
      knownCommits.clear();
    }
    knownCommits.add(sha);
    return sha;
  }

  /** The commit branch {@code branch} points at, or empty when there is no such branch. */
  public Optional<String> branchTip(String branch) {
    Optional<String> loose = GitFiles.looseRef(commonDir, "refs/heads/" + branch);
    if (loose.isPresent()) {
      return loose;
    }
    GitResult result =
        git.run(
            directory,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            "refs/heads/" + branch);
    return result.isSuccess() ? Optional.of(result.stdoutLine()) : Optional.empty();
  }

  /** Whether {@code ancestor} is {@code descendant} or one of its ancestors. */
  public boolean isAncestor(String ancestor, String descendant) {
    GitResult result = git.run(directory, "merge-base", "--is-ancestor", ancestor, descendant);
    if (result.exitCode() == 0) {
      return true;
    }
    if (result.exitCode() == 1) {
      return false;
    }
    throw result.failure(
        "check whether " + ancestor + " is an ancestor of " + descendant, Reason.GIT_FAILED);
  }

  /**
   * Creates branch {@code branch} at {@code commit} for a cell, or moves it there when it exists
   * but holds nothing that {@code commit} does not contain and is not checked out anywhere. Never
   * moves a branch that holds commits of its own.
   *
   * @param reflogMessage why, for the branch's reflog
   * @throws WorktreeException {@link Reason#BRANCH_CONFLICT} if the branch holds commits not in
   *     {@code commit}, is checked out in a worktree, or a ref in the way prevents its creation
   */
  public void createBranch(String branch, String commit, String reflogMessage) {
    String ref = "refs/heads/" + branch;
    // The empty old value makes the creation atomic: it fails if anyone created the ref first.
    GitResult created = git.run(directory, "update-ref", "-m", reflogMessage, ref, commit, "");
    if (created.isSuccess()) {
      return;
    }
    Optional<String> tip = branchTip(branch);
    if (tip.isEmpty()) {
      throw created.failure(
          "could not create branch "
              + branch
              + " (a branch whose name is a prefix of it, or that has it as a prefix, may be in the way)",
          Reason.BRANCH_CONFLICT);
    }
    Optional<Path> checkedOut = worktreeWithBranch(branch);
    if (checkedOut.isPresent()) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "branch "
              + branch
              + " already exists and is checked "
              + "out in "
              + checkedOut.get()
              + "; finish or remove that worktree, or use another cell id");
    }
    if (!isAncestor(tip.get(), commit)) {
      throw new WorktreeException(
          Reason.BRANCH_CONFLICT,
          "branch "
              + branch
              + " already exists at "
              + tip.get()
              + " with commits that are not in the base "
              + commit
              + "; integrate or delete it, or use another cell id");
    }
    // Compare-and-swap from the tip just checked: if the branch moved meanwhile, this fails instead
    // of resetting it.
    git.run(directory, "update-ref", "-m", reflogMessage, ref, commit, tip.get())
        .requireSuccess(
            "move branch " + branch + " from " + tip.get() + " to " + commit,
            Reason.BRANCH_CONFLICT);
  }

  /**
   * Deletes branch {@code branch} if it still points at {@code expectedTip}.
   *
   * @return whether it was deleted (false when it moved or does not exist)
   */
  public boolean deleteBranchIfAt(String branch, String expectedTip) {
    return git.run(directory, "update-ref", "-d", "refs/heads/" + branch, expectedTip).isSuccess();
  }

  /**
   * The tip of branch {@code branch} when it holds commits that {@code base} does not contain;
   * empty when it does not (its tip is {@code base} or an ancestor of it) or does not exist. The
   * common cases are read from git's files ({@link GitFiles}): a branch still at {@code base}, and
   * a branch whose tip descends from {@code base} through a few loose commits (a cell's new
   * commits). Otherwise one git process answers both questions ({@code git for-each-ref
   * --no-merged}).
   *
   * @throws WorktreeException if git fails
   */
  public Optional<String> tipIfBeyond(String branch, String base) {
    String ref = "refs/heads/" + branch;
    Optional<String> loose = GitFiles.looseRef(commonDir, ref);
    if (loose.isPresent()) {
      if (loose.get().equals(base)) {
        return Optional.empty();
      }
      if (GitFiles.provenDescendant(commonDir, loose.get(), base, DESCENT_SEARCH_LIMIT)) {
        return loose;
      }
    }
    GitResult listing =
        git.run(
                directory,
                "for-each-ref",
                "--no-merged=" + base,
                "--format=%(objectname) %(refname)",
                ref)
            .requireSuccess("check whether branch " + branch + " holds commits beyond " + base);
    // A pattern also matches the refs below it (refs/heads/<branch>/...), so only the exact name
    // counts.
    for (String line : listing.stdout().split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0
          && line.substring(space + 1).equals(ref)
          && SHA.matcher(line.substring(0, space)).matches()) {
        return Optional.of(line.substring(0, space));
      }
    }
    return Optional.empty();
  }

  /** The worktree (main or linked) that has {@code branch} checked out, if any. */
  public Optional<Path> worktreeWithBranch(String branch) {
    String wanted = "branch refs/heads/" + branch;
    Path current = null;
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

  /**
   * Registers a new worktree at {@code path} (which must not exist) with {@code branch} checked
   * out, or detached at {@code commit} when {@code branch} is null, then writes its files. Only the
   * registration holds the metadata lock; the checkout runs in parallel with other work. On failure
   * nothing is left behind.
   *
   * @throws WorktreeException if git fails
   */
  public void addWorktree(Path path, @Nullable String branch, String commit) {
    addWorktree(path, branch, commit, List.of());
  }

  /**
   * Like {@link #addWorktree(Path, String, String)}, and when {@code sparseDirectories} is not
   * empty the worktree is a sparse checkout in cone mode of those directories, set before any file
   * is written (its settings live in the worktree's own configuration, never in the main
   * checkout's).
   *
   * @throws WorktreeException if git fails
   */
  public void addWorktree(
      Path path, @Nullable String branch, String commit, List<String> sparseDirectories) {
    List<String> args = new ArrayList<>(List.of("worktree", "add", "--quiet", "--no-checkout"));
    if (branch == null) {
      args.add("--detach");
    }
    args.add("--");
    args.add(path.toString());
    args.add(branch == null ? commit : branch);
    try {
      withMetadataLock(
          () -> {
            git.run(GitCommand.in(directory).args(args).build())
                .requireSuccess("register worktree " + path);
            if (!sparseDirectories.isEmpty()) {
              // Under the lock: the first time, git turns on extensions.worktreeConfig in the
              // shared configuration. The
              // worktree has no index yet, so this writes no file; the checkout below then writes
              // only the cone.
              List<String> sparse = new ArrayList<>(List.of("sparse-checkout", "set", "--cone"));
              sparse.addAll(sparseDirectories);
              git.run(GitCommand.in(path).args(sparse).build())
                  .requireSuccess(
                      "make worktree " + path + " a sparse checkout of " + sparseDirectories);
            }
            return null;
          });
      // Outside the lock, in the new worktree only (its own index.lock): cold acquires write their
      // files in parallel.
      git.run(path, "reset", "--hard", "--quiet")
          .requireSuccess("check out the files of worktree " + path);
    } catch (WorktreeException e) {
      try {
        removeWorktree(path);
      } catch (WorktreeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Checks, from git's files and without trusting the worktree at {@code path}, that it is a linked
   * worktree of this repository as this repository registered it: {@code path/.git} is a plain file
   * naming {@code <commonDir>/worktrees/<id>}, that administrative directory names {@code
   * path/.git} back and this repository as its common directory, and its {@code HEAD} is detached
   * at a commit. What is in the worktree's files is not looked at.
   *
   * @return the commit {@code HEAD} is detached at
   * @throws WorktreeException {@link Reason#RESTORE_FAILED} naming what does not hold
   */
  public String verifyRegistered(Path path) {
    Path dotGit = path.resolve(".git");
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw notRegistered(path, "it is not a directory");
    }
    if (!Files.isRegularFile(dotGit, LinkOption.NOFOLLOW_LINKS)) {
      throw notRegistered(path, "its .git is not a plain file");
    }
    String pointer = firstLine(dotGit).orElse("");
    if (!pointer.startsWith("gitdir: ")) {
      throw notRegistered(path, "its .git file does not name a git directory");
    }
    Path worktrees = commonDir.resolve("worktrees");
    Path admin = Path.of(pointer.substring("gitdir: ".length())).normalize();
    if (!admin.isAbsolute()
        || !worktrees.equals(admin.getParent())
        || !Files.isDirectory(admin, LinkOption.NOFOLLOW_LINKS)) {
      throw notRegistered(
          path, "its .git file points at " + admin + ", not at a worktree of " + commonDir);
    }
    if (!firstLine(admin.resolve("gitdir"))
        .map(line -> Path.of(line).normalize().equals(dotGit))
        .orElse(false)) {
      throw notRegistered(path, admin + " is registered for another directory");
    }
    boolean sameCommonDir =
        firstLine(admin.resolve("commondir"))
            .map(
                line -> {
                  try {
                    return admin.resolve(line).toRealPath().equals(commonDir);
                  } catch (IOException | java.nio.file.InvalidPathException e) {
                    return false;
                  }
                })
            .orElse(false);
    if (!sameCommonDir) {
      throw notRegistered(path, admin + " does not belong to the repository " + commonDir);
    }
    String head = firstLine(admin.resolve("HEAD")).orElse("");
    if (!SHA.matcher(head).matches()) {
      throw notRegistered(path, "its HEAD is not detached at a commit (\"" + head + "\")");
    }
    return head;
  }

  private static WorktreeException notRegistered(Path path, String problem) {
    return new WorktreeException(
        Reason.RESTORE_FAILED, "worktree " + path + " cannot be trusted: " + problem);
  }

  /** The first line of a small plain file (not a link), or empty when it cannot be read. */
  private static Optional<String> firstLine(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 4096) {
        return Optional.empty();
      }
      String text = Files.readString(file);
      int end = text.indexOf('\n');
      return Optional.of((end < 0 ? text : text.substring(0, end)).strip());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The directories of the sparse checkout (cone mode) of the worktree at {@code path}, as {@code
   * git sparse-checkout list} reports them; empty when the worktree is a full checkout.
   *
   * @throws WorktreeException if git fails otherwise
   */
  public List<String> sparseDirectories(Path path) {
    GitResult result = git.run(path, "sparse-checkout", "list");
    if (!result.isSuccess()) {
      if (result.stderrTail().contains("this worktree is not sparse")) {
        return List.of();
      }
      throw result.failure("list the sparse checkout of " + path, Reason.RESTORE_FAILED);
    }
    List<String> directories = new ArrayList<>();
    for (String line : result.stdout().split("\n")) {
      if (!line.isBlank()) {
        directories.add(line.strip());
      }
    }
    return directories;
  }

  /**
   * Removes the worktree at {@code path}: its directory and git's record of it. Works when git no
   * longer knows the worktree or the directory is already gone, and when the cell nested
   * directories deeper than the path limit.
   *
   * @throws WorktreeException if the directory cannot be deleted
   */
  public void removeWorktree(Path path) {
    removeWorktree(path, null);
  }

  /**
   * Removes the worktree at {@code path} like {@link #removeWorktree(Path)}; if its directory
   * cannot be deleted, moves what is left of it into {@code quarantine} (see {@link
   * TreeDeleter#quarantine}) and forgets it all the same.
   *
   * @return empty when the directory was deleted; where it was moved when it could not be
   * @throws WorktreeException if the directory can neither be deleted nor moved
   */
  public Optional<Path> removeWorktree(Path path, @Nullable Path quarantine) {
    GitResult removed =
        withMetadataLock(
            () ->
                git.run(
                    GitCommand.in(directory)
                        .args("worktree", "remove", "--force", "--force", "--", path.toString())
                        .build()));
    if (removed.isSuccess() && !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Optional<Path> quarantined;
    try {
      // Git gives up on paths longer than PATH_MAX ("File name too long"); the deleter does not.
      quarantined =
          quarantine == null ? deleted(path) : TreeDeleter.deleteOrQuarantine(path, quarantine);
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.IO_FAILED,
          "could not delete worktree directory "
              + path
              + " after `"
              + removed.commandLine()
              + "` "
              + (removed.isSuccess() ? "left it behind" : "failed: " + removed.stderrTail().strip())
              + (quarantine == null ? "" : ", nor move it into " + quarantine)
              + ": "
              + e,
          e);
    }
    prune();
    return quarantined;
  }

  private static Optional<Path> deleted(Path path) throws IOException {
    TreeDeleter.deleteRecursively(path);
    return Optional.empty();
  }

  /** Forgets worktrees whose directories are gone ({@code git worktree prune}). */
  public void prune() {
    withMetadataLock(
        () -> git.run(directory, "worktree", "prune").requireSuccess("prune worktrees"));
  }

  private <T> T withMetadataLock(Supplier<T> action) {
    metadataLock.lock();
    try {
      return action.get();
    } finally {
      metadataLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "GitRepository{" + directory + ", commonDir=" + commonDir + "}";
  }
}
