package io.openswarm.infra.worktree.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GitFiles} against repositories real git wrote: every answer it gives must be git's own,
 * and every form it does not read (packed refs and objects, symbolic refs, the reftable layout)
 * must come back as "unknown".
 */
class GitFilesTest {

  @TempDir Path temp;
  private TestRepository repo;
  private Path commonDir;
  private String base;

  @BeforeEach
  void repository() throws IOException {
    repo = TestRepositories.create(temp.resolve("repo"));
    commonDir = repo.path().resolve(".git").toRealPath();
    base = repo.head();
  }

  @Test
  void findsTheGitDirectoriesOfTheMainTreeAndOfALinkedWorktree() throws IOException {
    Path linked = temp.resolve("linked");
    repo.git("worktree", "add", "--quiet", "-b", "swarm/cell-1", linked.toString());

    assertThat(GitFiles.gitDir(repo.path())).contains(repo.path().resolve(".git"));
    Path linkedGitDir = GitFiles.gitDir(linked).orElseThrow();
    assertThat(linkedGitDir.toRealPath()).isEqualTo(commonDir.resolve("worktrees/linked"));
    assertThat(GitFiles.commonDir(linkedGitDir).orElseThrow().toRealPath()).isEqualTo(commonDir);
    assertThat(GitFiles.commonDir(repo.path().resolve(".git")))
        .contains(repo.path().resolve(".git"));
    assertThat(GitFiles.gitDir(temp)).isEmpty();
  }

  @Test
  void readsTheCheckedOutBranchAndNothingForADetachedHead() {
    Path linked = temp.resolve("linked");
    repo.git("worktree", "add", "--quiet", "-b", "swarm/cell-1", linked.toString());
    Path gitDir = GitFiles.gitDir(linked).orElseThrow();

    assertThat(GitFiles.headBranch(gitDir, commonDir)).contains("swarm/cell-1");
    assertThat(GitFiles.headBranch(repo.path().resolve(".git"), commonDir)).contains("main");

    TestRepositories.git(linked, "checkout", "--quiet", "--detach");
    assertThat(GitFiles.headBranch(gitDir, commonDir)).isEmpty();
  }

  @Test
  void readsLooseRefsOnlyAndLeavesPackedOnesToGit() {
    repo.git("branch", "swarm/cell-1");

    assertThat(GitFiles.looseRef(commonDir, "refs/heads/swarm/cell-1")).contains(base);
    assertThat(GitFiles.looseRef(commonDir, "refs/heads/missing")).isEmpty();

    repo.git("pack-refs", "--all");
    assertThat(repo.resolve("swarm/cell-1")).isEqualTo(base);
    assertThat(GitFiles.looseRef(commonDir, "refs/heads/swarm/cell-1")).isEmpty();

    // A ref written after packing is loose again, and overrides the packed entry, as git reads it.
    repo.write("a.txt", "a\n");
    String next = repo.commit("next");
    repo.git("update-ref", "refs/heads/swarm/cell-1", next);
    assertThat(GitFiles.looseRef(commonDir, "refs/heads/swarm/cell-1")).contains(next);
  }

  @Test
  void leavesSymbolicRefsAndNamesOutsideTheRefsToGit() {
    repo.git("symbolic-ref", "refs/heads/alias", "refs/heads/main");

    assertThat(repo.resolve("alias")).isEqualTo(base);
    assertThat(GitFiles.looseRef(commonDir, "refs/heads/alias")).isEmpty();
    for (String name :
        List.of("HEAD", "refs/heads/../../HEAD", "refs/heads//main", "refs/heads/", "config")) {
      assertThat(GitFiles.looseRef(commonDir, name)).as(name).isEmpty();
    }
  }

  @Test
  void readsNothingFromARepositoryThatKeepsItsRefsInAReftable() throws IOException {
    repo.git("branch", "swarm/cell-1");
    Files.createDirectories(commonDir.resolve("reftable"));

    assertThat(GitFiles.looseRef(commonDir, "refs/heads/swarm/cell-1")).isEmpty();
    assertThat(GitFiles.headBranch(repo.path().resolve(".git"), commonDir)).isEmpty();
  }

  @Test
  void provesDescentThroughLooseCommitsOnly() {
    repo.write("a.txt", "1\n");
    String first = repo.commit("first");
    repo.write("a.txt", "2\n");
    String second = repo.commit("second");

    assertThat(GitFiles.provenDescendant(commonDir, first, base, 8)).isTrue();
    assertThat(GitFiles.provenDescendant(commonDir, second, base, 8)).isTrue();
    assertThat(GitFiles.provenDescendant(commonDir, second, base, 1))
        .as("past the limit")
        .isFalse();
    assertThat(GitFiles.provenDescendant(commonDir, base, base, 8)).as("a commit itself").isFalse();
    assertThat(GitFiles.provenDescendant(commonDir, base, second, 8)).as("an ancestor").isFalse();
    assertThat(GitFiles.provenDescendant(commonDir, "not-a-sha", base, 8)).isFalse();

    repo.git("gc", "--quiet");
    assertThat(GitFiles.provenDescendant(commonDir, second, base, 8)).as("packed").isFalse();
  }

  @Test
  void readsEveryParentOfAMergeCommit() {
    repo.git("checkout", "--quiet", "-b", "side");
    repo.write("side.txt", "side\n");
    String side = repo.commit("side");
    repo.git("checkout", "--quiet", "main");
    repo.write("main.txt", "main\n");
    String main = repo.commit("main");
    repo.git("merge", "--quiet", "--no-edit", "side");
    String merge = repo.head();

    assertThat(GitFiles.looseCommitParents(commonDir, merge)).contains(List.of(main, side));
    assertThat(GitFiles.looseCommitParents(commonDir, base)).contains(List.of());
    assertThat(GitFiles.provenDescendant(commonDir, merge, side, 1)).isTrue();
    String tree = repo.git("rev-parse", "HEAD^{tree}").strip();
    assertThat(GitFiles.looseCommitParents(commonDir, tree)).as("not a commit").isEmpty();
  }
}
