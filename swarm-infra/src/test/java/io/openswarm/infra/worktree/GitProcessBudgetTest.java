package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git processes are most of what a cell's worktree costs (a few milliseconds each), so the number
 * each step runs is part of the contract: these tests run git through a wrapper that logs every
 * invocation and pin the list for a committed and for a reverted cell.
 */
class GitProcessBudgetTest {

  private static final CommitAuthor AUTHOR = CommitAuthor.of("Swarm Cell", "cell@swarm.example");

  @TempDir Path temp;
  private TestRepository repo;
  private Path log;
  private WorktreePool pool;
  private GitWorktreeChanges changes;

  @BeforeEach
  void startPool() throws IOException {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "*.log\n").write("a.txt", "a\n").commit("files");
    log = temp.resolve("git.log");
    Path wrapper = temp.resolve("git-logging");
    Files.writeString(
        wrapper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec git \"$@\"\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    GitRunner git = GitRunner.newBuilder().executable(wrapper.toString()).build();
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .git(git)
            .minIdle(1)
            .maxIdle(1)
            .maxTotal(1)
            .build();
    pool.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> pool.idleCount() == 1);
    changes = GitWorktreeChanges.newBuilder().git(git).build();
    Files.deleteIfExists(log);
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  @Test
  void aCommittedCellRunsSevenGitProcesses() throws IOException {
    String sha;
    try (WorktreeLease lease = pool.acquire(CellId.of("committed"), repo.head())) {
      TestRepositories.writeFile(lease.path(), "notes/result.txt", "done\n");
      changes.changedFiles(lease);
      sha = changes.commit(lease, "the cell's work", AUTHOR).orElseThrow();
    }

    assertThat(subcommands())
        .containsExactly(
            "checkout -b", // acquire: create the branch and check it out
            "status", // execute: what changed
            "add",
            "diff", // commit: stage, refuse gitlinks and links out of the worktree
            "commit", // branch and new tip read from git's files
            "checkout --detach",
            "clean"); // release: restore; the branch is kept, as its files show
    assertThat(repo.resolve("swarm/committed")).isEqualTo(sha);
  }

  @Test
  void aRevertedCellRunsSevenGitProcesses() throws IOException {
    try (WorktreeLease lease = pool.acquire(CellId.of("reverted"), repo.head())) {
      TestRepositories.writeFile(lease.path(), "a.txt", "broken\n");
      changes.changedFiles(lease);
      changes.revert(lease);
    }

    assertThat(subcommands())
        .containsExactly(
            "checkout -b",
            "status",
            "checkout -B",
            "clean", // revert
            "checkout --detach",
            "clean",
            "update-ref -d"); // release: restore, delete the branch still at the base
    assertThat(repo.hasBranch("swarm/reverted")).isFalse();
  }

  /**
   * Where git's files are not in their plain form, git is asked: the cell costs more processes,
   * never a wrong answer.
   */
  @Test
  void aRepositoryWhoseRefsOnlyGitCanReadCostsMoreProcessesButTheSameResult() throws IOException {
    Files.createDirectories(repo.path().resolve(".git/reftable"));
    String sha;
    try (WorktreeLease lease = pool.acquire(CellId.of("committed"), repo.head())) {
      TestRepositories.writeFile(lease.path(), "notes/result.txt", "done\n");
      sha = changes.commit(lease, "the cell's work", AUTHOR).orElseThrow();
    }

    assertThat(subcommands())
        .containsExactly(
            "checkout -b",
            "status",
            "add",
            "diff",
            "commit",
            "rev-parse",
            "checkout --detach",
            "clean",
            "for-each-ref");
    assertThat(repo.resolve("swarm/committed")).isEqualTo(sha);
  }

  /**
   * A cell's commits that were packed meanwhile cannot be read as files; git then decides to keep
   * the branch.
   */
  @Test
  void aBranchWhoseCommitsWerePackedIsKeptAfterAskingGit() throws IOException {
    String sha;
    try (WorktreeLease lease = pool.acquire(CellId.of("packed"), repo.head())) {
      TestRepositories.writeFile(lease.path(), "notes/result.txt", "done\n");
      sha = changes.commit(lease, "the cell's work", AUTHOR).orElseThrow();
      repo.git("gc", "--quiet");
      Files.deleteIfExists(log);
    }

    assertThat(subcommands()).containsExactly("checkout --detach", "clean", "for-each-ref");
    assertThat(repo.resolve("swarm/packed")).isEqualTo(sha);
  }

  /**
   * Each logged invocation as its subcommand, plus the option that tells the checkouts and
   * update-refs apart.
   */
  private List<String> subcommands() throws IOException {
    return Files.readAllLines(log).stream()
        .map(
            line -> {
              List<String> words = List.of(line.split(" "));
              String command =
                  words.get(0).equals("--no-optional-locks") ? words.get(1) : words.get(0);
              for (String option : List.of("-b", "-B", "--detach", "-d")) {
                if ((command.equals("checkout") || command.equals("update-ref"))
                    && words.contains(option)) {
                  return command + " " + option;
                }
              }
              return command;
            })
        .collect(Collectors.toList());
  }
}
