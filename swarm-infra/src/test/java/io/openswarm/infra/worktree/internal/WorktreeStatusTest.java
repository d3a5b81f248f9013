package io.openswarm.infra.worktree.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.openswarm.core.worktree.WorktreeChanges.ChangedFile.Change;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorktreeStatusTest {

  @TempDir Path temp;
  private TestRepository repo;

  @BeforeEach
  void createRepository() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "*.log\n")
        .write("a.txt", "a\n")
        .write("b.txt", "b\n")
        .write("dir/c.txt", "c\n")
        .write("with space.txt", "s\n")
        .commit("files");
  }

  private WorktreeStatus status() {
    List<String> args = new ArrayList<>(WorktreeStatus.ARGS);
    args.add("--untracked-files=all");
    args.add("--ignored=matching");
    return WorktreeStatus.parse(repo.git(args.toArray(String[]::new)));
  }

  @Test
  void readsTheBranchAndTheHeadCommit() {
    WorktreeStatus status = status();

    assertThat(status.branch()).contains("main");
    assertThat(status.headCommit()).contains(repo.head());
    assertThat(status.entries()).isEmpty();
    assertThat(status.hasChangesToStage()).isFalse();
    assertThat(status.changesFromHead()).contains(Map.of());

    repo.git("checkout", "--quiet", "--detach");
    assertThat(status().branch()).isEmpty();
  }

  @Test
  void tellsWhatDiffersFromHeadLikeGitDiffDoes() throws Exception {
    repo.write("a.txt", "modified\n");
    Files.delete(repo.path().resolve("b.txt"));
    repo.write("staged.txt", "new\n");
    repo.git("add", "staged.txt");
    repo.write("gone.txt", "added then deleted\n");
    repo.git("add", "gone.txt");
    Files.delete(repo.path().resolve("gone.txt"));
    repo.git("rm", "--quiet", "--cached", "dir/c.txt");
    repo.write("dir/c.txt", "back as an untracked file\n");
    repo.write("with space.txt", "changed\n");
    repo.write("untracked/u.txt", "u\n");
    repo.write("debug.log", "ignored\n");

    WorktreeStatus status = status();

    assertThat(status.hasChangesToStage()).isTrue();
    assertThat(status.changesFromHead())
        .contains(
            Map.of(
                "a.txt", Change.MODIFIED,
                "b.txt", Change.DELETED,
                "staged.txt", Change.ADDED,
                "dir/c.txt", Change.MODIFIED,
                "with space.txt", Change.MODIFIED,
                "untracked/u.txt", Change.ADDED));
    assertThat(diffAgainstHead())
        .containsExactlyInAnyOrder("a.txt", "b.txt", "staged.txt", "dir/c.txt", "with space.txt");
  }

  @Test
  void givesUpWhenAFileChangedInTheIndexAndAgainOnDisk() {
    repo.write("a.txt", "staged\n");
    repo.git("add", "a.txt");
    repo.write("a.txt", "a\n");

    assertThat(status().changesFromHead()).isEmpty();
    assertThat(diffAgainstHead()).as("the file is back to HEAD's content").isEmpty();
  }

  @Test
  void onlyIgnoredFilesAreNothingToStage() {
    repo.write("debug.log", "ignored\n");

    assertThat(status().hasChangesToStage()).isFalse();
    assertThat(status().changesFromHead()).contains(Map.of());
  }

  @Test
  void changesInsideASubmoduleAreNotForTheOuterRepositoryToStage() {
    WorktreeStatus contentOnly =
        WorktreeStatus.parse(
            "# branch.oid "
                + "a".repeat(40)
                + "\0# branch.head main\0"
                + "1 .M S.M. 160000 160000 160000 "
                + "b".repeat(40)
                + " "
                + "b".repeat(40)
                + " lib\0");
    WorktreeStatus newCommit =
        WorktreeStatus.parse(
            "1 .M SC.. 160000 160000 160000 " + "b".repeat(40) + " " + "b".repeat(40) + " lib\0");

    assertThat(contentOnly.hasChangesToStage()).isFalse();
    assertThat(newCommit.hasChangesToStage()).isTrue();
  }

  @Test
  void rejectsWhatIsNotPorcelainVersionTwo() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> WorktreeStatus.parse(" M a.txt\0"))
        .withMessageContaining("unknown git status entry");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> WorktreeStatus.parse("1 M a.txt\0"))
        .withMessageContaining("malformed git status entry");
  }

  private List<String> diffAgainstHead() {
    String out = repo.git("diff", "--name-only", "-z", "--no-renames", "HEAD", "--");
    List<String> paths = new ArrayList<>();
    for (String path : out.split("\0")) {
      if (!path.isEmpty()) {
        paths.add(path);
      }
    }
    return paths;
  }
}
