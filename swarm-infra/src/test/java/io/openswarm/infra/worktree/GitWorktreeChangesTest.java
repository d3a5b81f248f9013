package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeChanges.ChangedFile.Change;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitWorktreeChangesTest {

  private static final CommitAuthor AUTHOR = CommitAuthor.of("Swarm Cell", "cell@swarm.example");

  @TempDir Path temp;
  private TestRepository repo;
  private WorktreePool pool;
  private WorktreeLease lease;
  private final GitWorktreeChanges changes = GitWorktreeChanges.create();

  @BeforeEach
  void lease() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "*.log\n")
        .write("a.txt", "a\n")
        .write("b.txt", "b\n")
        .write("dir/c.txt", "c\n")
        .commit("files");
    pool = WorktreePool.newBuilder().repository(repo.path()).root(temp.resolve("pool")).build();
    pool.start();
    lease = pool.acquire(CellId.of("cell"), "main");
  }

  @AfterEach
  void closePool() {
    lease.close();
    pool.close();
  }

  @Test
  void commitsEveryChangeButIgnoredFilesOnTheCellBranch() {
    Path wt = lease.path();
    TestRepositories.writeFile(wt, "a.txt", "changed\n");
    delete(wt.resolve("b.txt"));
    TestRepositories.writeFile(wt, "new/d.txt", "d\n");
    TestRepositories.writeFile(wt, "debug.log", "ignored\n");

    Optional<String> sha = changes.commit(lease, "cell work", AUTHOR);

    assertThat(sha).isPresent();
    assertThat(repo.resolve("swarm/cell")).isEqualTo(sha.get());
    assertThat(repo.git("rev-parse", sha.get() + "^")).isEqualTo(lease.baseCommit() + "\n");
    assertThat(repo.git("show", "--name-status", "--format=", sha.get()))
        .isEqualTo("M\ta.txt\nD\tb.txt\nA\tnew/d.txt\n");
    assertThat(repo.git("log", "-1", "--format=%an <%ae>|%cn <%ce>", sha.get()))
        .isEqualTo("Swarm Cell <cell@swarm.example>|Swarm Cell <cell@swarm.example>\n");
  }

  @Test
  void passesMessagesVerbatimWithoutAnyShell() {
    List<String> messages =
        List.of(
            "fix: handle \"double\" and 'single' quotes",
            "subject\n\nbody line $(touch pwned-dollar) and `touch pwned-backtick`\n${HOME} ; | & > redirected",
            "# starts like a comment\n-m looks like an option\n--amend too",
            "unicode: \u00e9\u00e8 \u4e2d\u6587 \ud83d\ude80");
    int round = 0;
    for (String message : messages) {
      TestRepositories.writeFile(lease.path(), "a.txt", "round " + round++ + "\n");

      String sha = changes.commit(lease, message, AUTHOR).orElseThrow();

      assertThat(repo.git("log", "-1", "--format=%B", sha)).isEqualTo(message + "\n\n");
    }
    for (Path dir : List.of(lease.path(), repo.path(), temp)) {
      assertThat(dir.resolve("pwned-dollar")).doesNotExist();
      assertThat(dir.resolve("pwned-backtick")).doesNotExist();
      assertThat(dir.resolve("redirected")).doesNotExist();
    }
  }

  @Test
  void reportsNothingWhenNothingChanged() {
    TestRepositories.writeFile(lease.path(), "only.log", "ignored files do not count\n");

    assertThat(changes.commit(lease, "nothing", AUTHOR)).isEmpty();
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());
  }

  @Test
  void reportsTheBranchTipWhenTheAgentAlreadyCommitted() {
    TestRepositories.writeFile(lease.path(), "a.txt", "agent\n");
    TestRepositories.git(lease.path(), "commit", "--quiet", "-am", "the agent's own commit");
    String agentCommit = TestRepositories.git(lease.path(), "rev-parse", "HEAD").strip();

    assertThat(changes.commit(lease, "nothing left", AUTHOR)).contains(agentCommit);
  }

  @Test
  void aRepositoryHookNeverRunsOutsideTheSandboxSoItCannotRejectTheCommit() throws Exception {
    Path hook = repo.path().resolve(".git/hooks/pre-commit");
    Files.createDirectories(hook.getParent());
    Files.writeString(hook, "#!/bin/sh\necho 'lint failed: a.txt is ugly' >&2\nexit 1\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
    TestRepositories.writeFile(lease.path(), "a.txt", "ugly\n");

    String sha =
        changes.commit(lease, "lands: hooks are not the library's to run", AUTHOR).orElseThrow();

    assertThat(repo.resolve("swarm/cell")).isEqualTo(sha);
  }

  @Test
  void refusesToCommitWhenTheWorktreeLeftTheCellBranch() {
    TestRepositories.git(lease.path(), "checkout", "--quiet", "--detach");
    TestRepositories.writeFile(lease.path(), "a.txt", "x\n");

    assertThatThrownBy(() -> changes.commit(lease, "m", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT);
              assertThat(e.getMessage())
                  .contains("is no longer on branch swarm/cell (HEAD is detached)");
            });
  }

  @Test
  void refusesToCommitWhenTheWorktreeSwitchedToAnotherBranch() {
    TestRepositories.git(lease.path(), "checkout", "--quiet", "-b", "elsewhere");
    TestRepositories.writeFile(lease.path(), "a.txt", "x\n");

    assertThatThrownBy(() -> changes.commit(lease, "m", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.BRANCH_CONFLICT);
              assertThat(e.getMessage()).contains("(HEAD is refs/heads/elsewhere)");
            });
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());
  }

  @Test
  void commitsOnABranchWhoseRefWasPacked() {
    repo.git("pack-refs", "--all");
    TestRepositories.writeFile(lease.path(), "a.txt", "after packing\n");

    String sha = changes.commit(lease, "packed", AUTHOR).orElseThrow();

    assertThat(repo.resolve("swarm/cell")).isEqualTo(sha);
    assertThat(repo.git("rev-parse", sha + "^")).isEqualTo(lease.baseCommit() + "\n");
  }

  @Test
  void rejectsMessagesGitCannotTake() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> changes.commit(lease, " \n", AUTHOR))
        .withMessage("message must not be blank");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> changes.commit(lease, "a\0b", AUTHOR))
        .withMessage("message must not contain a NUL character");
  }

  @Test
  void listsChangesAgainstTheBaseWithoutTouchingTheIndex() throws Exception {
    Path wt = lease.path();
    TestRepositories.writeFile(wt, "committed.txt", "c\n");
    TestRepositories.git(wt, "add", "committed.txt");
    TestRepositories.git(wt, "commit", "--quiet", "-m", "agent commit");
    TestRepositories.writeFile(wt, "a.txt", "modified\n");
    TestRepositories.writeFile(wt, "staged.txt", "s\n");
    TestRepositories.git(wt, "add", "staged.txt");
    delete(wt.resolve("b.txt"));
    Files.move(wt.resolve("dir/c.txt"), wt.resolve("dir/renamed.txt"));
    TestRepositories.writeFile(wt, "untracked/u.txt", "u\n");
    TestRepositories.writeFile(wt, "x.log", "ignored\n");
    String statusBefore = TestRepositories.git(wt, "status", "--porcelain");

    List<WorktreeChanges.ChangedFile> files = changes.changedFiles(lease);

    assertThat(files)
        .containsExactly(
            new WorktreeChanges.ChangedFile("a.txt", Change.MODIFIED),
            new WorktreeChanges.ChangedFile("b.txt", Change.DELETED),
            new WorktreeChanges.ChangedFile("committed.txt", Change.ADDED),
            new WorktreeChanges.ChangedFile("dir/c.txt", Change.DELETED),
            new WorktreeChanges.ChangedFile("dir/renamed.txt", Change.ADDED),
            new WorktreeChanges.ChangedFile("staged.txt", Change.ADDED),
            new WorktreeChanges.ChangedFile("untracked/u.txt", Change.ADDED));
    assertThat(TestRepositories.git(wt, "status", "--porcelain")).isEqualTo(statusBefore);
  }

  @Test
  void listsChangesOfACellThatDidNotCommitLikeADiffAgainstTheBase() throws Exception {
    Path wt = lease.path();
    TestRepositories.writeFile(wt, "a.txt", "staged\n");
    TestRepositories.git(wt, "add", "a.txt");
    TestRepositories.writeFile(wt, "a.txt", "a\n");
    TestRepositories.writeFile(wt, "gone.txt", "added, then deleted\n");
    TestRepositories.git(wt, "add", "gone.txt");
    delete(wt.resolve("gone.txt"));
    TestRepositories.git(wt, "rm", "--quiet", "--cached", "b.txt");
    TestRepositories.writeFile(wt, "b.txt", "untracked now\n");
    TestRepositories.writeFile(wt, "dir/new.txt", "n\n");

    assertThat(changes.changedFiles(lease))
        .containsExactly(
            new WorktreeChanges.ChangedFile("b.txt", Change.MODIFIED),
            new WorktreeChanges.ChangedFile("dir/new.txt", Change.ADDED));
  }

  @Test
  void listsNothingForAnUntouchedWorktree() {
    assertThat(changes.changedFiles(lease)).isEmpty();
  }

  @Test
  void revertThrowsAwayEverythingIncludingTheAgentsCommits() throws Exception {
    Path wt = lease.path();
    TestRepositories.writeFile(wt, "a.txt", "agent\n");
    TestRepositories.git(wt, "commit", "--quiet", "-am", "agent commit");
    TestRepositories.writeFile(wt, "b.txt", "unstaged\n");
    TestRepositories.writeFile(wt, "staged.txt", "staged\n");
    TestRepositories.git(wt, "add", "staged.txt");
    TestRepositories.writeFile(wt, "untracked/u.txt", "u\n");
    TestRepositories.writeFile(wt, "x.log", "ignored\n");

    changes.revert(lease);

    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());
    assertThat(TestRepositories.git(wt, "symbolic-ref", "HEAD"))
        .isEqualTo("refs/heads/swarm/cell\n");
    assertThat(TestRepositories.git(wt, "status", "--porcelain", "--ignored")).isEmpty();
    assertThat(TestRepositories.files(wt)).isEqualTo(repo.tree(lease.baseCommit()));
    assertThat(changes.changedFiles(lease)).isEmpty();
    assertThat(changes.commit(lease, "nothing after revert", AUTHOR)).isEmpty();

    lease.close();
    assertThat(repo.hasBranch("swarm/cell")).as("a reverted branch holds nothing new").isFalse();
  }

  @Test
  void revertCanKeepIgnoredFiles() {
    GitWorktreeChanges keeping = GitWorktreeChanges.newBuilder().preserveIgnored(true).build();
    TestRepositories.writeFile(lease.path(), "cache.log", "cache\n");
    TestRepositories.writeFile(lease.path(), "a.txt", "changed\n");

    keeping.revert(lease);

    assertThat(lease.path().resolve("cache.log")).hasContent("cache");
    assertThat(lease.path().resolve("a.txt")).hasContent("a");
  }

  @Test
  void aRevertThatRemovesIgnoredFilesForgetsWhatTheSetUpInstalledAndOneThatKeepsThemDoesNot() {
    lease.recordSetupStamp("npm ci for package-lock.json 1a2b");
    GitWorktreeChanges.newBuilder().preserveIgnored(true).build().revert(lease);
    assertThat(lease.setupStamp()).contains("npm ci for package-lock.json 1a2b");

    changes.revert(lease);

    assertThat(lease.setupStamp())
        .as("node_modules is gone, so the worktree is not set up")
        .isEmpty();
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
