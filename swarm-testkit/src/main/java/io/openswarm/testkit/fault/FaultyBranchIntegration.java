package io.openswarm.testkit.fault;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link FaultInjector.Point#INTEGRATE}. FAIL puts a real conflicting commit on the target first:
 * every file the cell changed gets other content on the target, made with git plumbing (no
 * worktree, no checkout) and moved with a compare-and-swap, as a concurrent integration of another
 * party would.
 */
final class FaultyBranchIntegration implements BranchIntegration {

  static final String CONFLICT_CONTENT = "a conflicting change made by the fault injector\n";
  private static final GitRunner GIT = GitRunner.create();

  private final FaultInjector injector;
  private final BranchIntegration delegate;

  FaultyBranchIntegration(FaultInjector injector, BranchIntegration delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public BranchIntegration.Result integrate(
      WorktreeLease lease, String targetBranch, CommitAuthor committer, Retest retest) {
    WorktreeLease real = FaultyWorktreeProvider.unwrap(lease);
    FaultInjector.Fired before =
        injector.take(FaultInjector.Point.INTEGRATE, lease.cellId(), false);
    if (before != null) {
      if (before.fault().action() == FaultInjector.Fault.Action.FAIL) {
        injector.recordInjectedCommit(commitConflict(real, targetBranch));
      } else {
        FaultSite.strike(
            injector,
            before,
            FaultyBranchIntegration::interrupted,
            null,
            FaultyBranchIntegration::interrupted);
      }
    }
    BranchIntegration.Result result = delegate.integrate(real, targetBranch, committer, retest);
    FaultInjector.Fired after = injector.take(FaultInjector.Point.INTEGRATE, lease.cellId(), true);
    if (after != null) {
      FaultSite.strike(
          injector,
          after,
          FaultyBranchIntegration::interrupted,
          null,
          FaultyBranchIntegration::interrupted);
    }
    return result;
  }

  private static RuntimeException interrupted(String message) {
    return new WorktreeException(WorktreeException.Reason.INTERRUPTED, message);
  }

  /**
   * Commits other content for every file the cell changed onto {@code target}; returns the new
   * commit.
   */
  private static String commitConflict(WorktreeLease lease, String target) {
    Path dir = lease.path();
    String ref = "refs/heads/" + target;
    String old = git(dir, "rev-parse", "--verify", ref).strip();
    List<String> files =
        Arrays.stream(
                git(dir, "diff", "--name-only", "--no-renames", lease.baseCommit(), "HEAD")
                    .split("\n"))
            .filter(line -> !line.isBlank())
            .toList();
    if (files.isEmpty()) {
      throw new IllegalStateException(
          "cannot make a conflict for cell " + lease.cellId() + ": it committed no change");
    }
    String blob =
        GIT.run(
                GitCommand.in(dir)
                    .args("hash-object", "-w", "--stdin")
                    .stdin(CONFLICT_CONTENT)
                    .build())
            .requireSuccess("hash-object")
            .stdout()
            .strip();
    Path scratch;
    try {
      scratch = Files.createTempDirectory("fault-index-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      String index = scratch.resolve("index").toString();
      gitWithIndex(dir, index, "read-tree", old);
      List<String> update = new ArrayList<>(List.of("update-index", "--add"));
      for (String file : files) {
        update.add("--cacheinfo");
        update.add("100644," + blob + "," + file);
      }
      gitWithIndex(dir, index, update.toArray(String[]::new));
      String tree = gitWithIndex(dir, index, "write-tree").strip();
      String commit =
          GIT.run(
                  GitCommand.in(dir)
                      .args(
                          "commit-tree",
                          tree,
                          "-p",
                          old,
                          "-m",
                          "conflicting change (fault injector)")
                      .environment("GIT_AUTHOR_NAME", "Fault Injector")
                      .environment("GIT_AUTHOR_EMAIL", "faults@openswarm.invalid")
                      .environment("GIT_COMMITTER_NAME", "Fault Injector")
                      .environment("GIT_COMMITTER_EMAIL", "faults@openswarm.invalid")
                      .build())
              .requireSuccess("commit-tree")
              .stdout()
              .strip();
      git(dir, "update-ref", ref, commit, old);
      return commit;
    } finally {
      try {
        TreeDeleter.deleteRecursively(scratch);
      } catch (IOException ignored) {
        // A temporary directory of a test; the system cleans it eventually.
      }
    }
  }

  private static String git(Path dir, String... args) {
    return GIT.run(dir, args).requireSuccess("git " + String.join(" ", args)).stdout();
  }

  private static String gitWithIndex(Path dir, String index, String... args) {
    return GIT.run(GitCommand.in(dir).args(args).environment("GIT_INDEX_FILE", index).build())
        .requireSuccess("git " + String.join(" ", args))
        .stdout();
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }
}
