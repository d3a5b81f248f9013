package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.OutsideTmpDirFactory;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's hooks as a check inside the cell's sandbox: taken from the user's checkout or
 * the repository's git directory, never from the cell's worktree, run on the staged change under
 * real bubblewrap; a failing hook rejects the change, a passing one lets it land, and a hook cannot
 * write outside the cell.
 */
class RepositoryHooksIT {

  private static final CommitAuthor AUTHOR = CommitAuthor.of("Swarm Cell", "cell@swarm.example");

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private ProcessSupervisor supervisor;
  private WorktreePool pool;
  private WorktreeLease lease;

  @AfterEach
  void tearDown() {
    if (lease != null) {
      lease.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (supervisor != null) {
      supervisor.close();
    }
  }

  private GitWorktreeChanges changes(TestRepository repo, List<String> hooks) {
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .hiddenPaths(List.of(repo.path(), temp.resolve("state")))
            .build();
    pool = WorktreePool.newBuilder().repository(repo.path()).root(temp.resolve("pool")).build();
    pool.start();
    lease = pool.acquire(CellId.of("cell"), "main");
    return GitWorktreeChanges.newBuilder()
        .beforeCommit(
            RepositoryHooks.newBuilder(supervisor)
                .repository(repo.path())
                .stateDirectory(temp.resolve("state/hooks"))
                .hooks(hooks)
                .build())
        .build();
  }

  @Test
  void aHuskyStylePreCommitFromTheUsersCheckoutRejectsTheChangeWhateverTheCellDidToItsCopy()
      throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(
            ".githooks/pre-commit",
            String.join(
                "\n",
                "#!/bin/sh",
                "touch '" + temp.resolve("repo/escaped") + "' 2>/dev/null",
                "if git diff --cached --name-only | grep -q forbidden; then echo 'lint: forbidden file staged'; exit 1; fi",
                "echo \"lint ok in $(pwd)\"",
                ""))
        .makeExecutable(".githooks/pre-commit")
        .commit("a pre-commit hook, husky style");
    repo.git("config", "core.hooksPath", ".githooks");
    GitWorktreeChanges changes = changes(repo, List.of("pre-commit"));
    // The cell disarms its own copy of the hook and stages a forbidden file.
    TestRepositories.writeFile(lease.path(), ".githooks/pre-commit", "#!/bin/sh\nexit 0\n");
    TestRepositories.writeFile(lease.path(), "forbidden.txt", "x\n");

    assertThatThrownBy(() -> changes.commit(lease, "sneak it in", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.COMMIT_REJECTED))
        .hasMessageContaining("pre-commit hook")
        .hasMessageContaining("lint: forbidden file staged");
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());

    TestRepositories.git(lease.path(), "rm", "-q", "--cached", "forbidden.txt");
    java.nio.file.Files.delete(lease.path().resolve("forbidden.txt"));
    TestRepositories.writeFile(lease.path(), "fine.txt", "ok\n");
    assertThat(changes.commit(lease, "a fine change", AUTHOR)).isPresent();
    assertThat(temp.resolve("repo/escaped")).as("the hook ran inside the sandbox").doesNotExist();
  }

  @Test
  void aHookInTheRepositorysGitDirectoryAndACommitMsgHookRunAsChecks() throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(
            ".git/hooks/commit-msg",
            "#!/bin/sh\ngrep -q '^JIRA-[0-9]' \"$1\" || { echo 'no ticket'; exit 1; }\n")
        .makeExecutable(".git/hooks/commit-msg");
    GitWorktreeChanges changes = changes(repo, List.of("pre-commit", "commit-msg"));
    TestRepositories.writeFile(lease.path(), "a.txt", "a\n");

    assertThatThrownBy(() -> changes.commit(lease, "no ticket here", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.COMMIT_REJECTED))
        .hasMessageContaining("commit-msg hook")
        .hasMessageContaining("no ticket");
    assertThat(changes.commit(lease, "JIRA-7: with a ticket", AUTHOR)).isPresent();
    assertThat(temp.resolve("state/hooks/cell")).as("the hook's folder is gone").doesNotExist();
  }

  /**
   * A pre-commit hook runs the cell's own code (as `npm test` in a hook would); that code links the
   * message file the worker writes next, for the commit-msg hook, to a file outside. The worker
   * writes the message without following the link.
   */
  @Test
  void codeAHookRunsCannotRedirectTheMessageFileTheWorkerWritesNext() throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\nsh ./plant.sh\n")
        .makeExecutable(".git/hooks/pre-commit")
        .write(".git/hooks/commit-msg", "#!/bin/sh\nexit 0\n")
        .makeExecutable(".git/hooks/commit-msg");
    Path target = java.nio.file.Files.writeString(temp.resolve("target.txt"), "untouched\n");
    GitWorktreeChanges changes = changes(repo, List.of("pre-commit", "commit-msg"));
    // The hooks' home is <state>/home: the message file is written beside it.
    TestRepositories.writeFile(
        lease.path(),
        "plant.sh",
        "ln -sf '"
            + target
            + "' \"$HOME/../COMMIT_EDITMSG\"\nls -l \"$HOME/../COMMIT_EDITMSG\" > planted.txt\n");

    // The link is removed, not followed: the message goes into a new file, the commit lands.
    assertThat(changes.commit(lease, "#!/bin/sh\nwritten through the link", AUTHOR)).isPresent();
    assertThat(lease.path().resolve("planted.txt")).content().contains("-> " + target);
    assertThat(target).hasContent("untouched");
  }

  @Test
  void rejectsAHookThatCannotRunAsACheck() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                RepositoryHooks.newBuilder(ProcessSupervisor.newBuilder().build())
                    .hooks(List.of("post-commit")))
        .withMessage(
            "hook \"post-commit\" cannot run as a check; supported: pre-commit, commit-msg");
  }
}
