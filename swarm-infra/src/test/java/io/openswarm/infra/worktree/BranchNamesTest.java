package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.infra.git.GitRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool checks a cell's branch name in Java (saving a git process per acquire) after git itself
 * checked the prefix, so the Java rules must agree with {@code git check-ref-format --branch} on
 * everything a cell id can add.
 */
class BranchNamesTest {

  @TempDir Path temp;

  @Test
  void agreesWithGitOnEveryPrefixAndCellIdCombination() {
    GitRunner git = GitRunner.create();
    List<String> ids =
        new ArrayList<>(
            List.of(
                "x.lock",
                "lock",
                "HEAD",
                "a..b",
                ".hidden",
                "ends.",
                "-rf",
                "a.lock.b",
                "LOCK",
                "cell-1",
                "_",
                "..a",
                "a.",
                "head"));
    String alphabet = "a.-_";
    for (char c1 : alphabet.toCharArray()) {
      ids.add("" + c1);
      for (char c2 : alphabet.toCharArray()) {
        ids.add("" + c1 + c2);
        for (char c3 : alphabet.toCharArray()) {
          ids.add("" + c1 + c2 + c3);
        }
      }
    }
    int checked = 0;
    for (String prefix : List.of("swarm/", "", "a.")) {
      assertThat(git.run(temp, "check-ref-format", "--branch", prefix + "cell").isSuccess())
          .as(prefix)
          .isTrue();
      for (String id : ids) {
        if (!isCellId(id)) {
          continue;
        }
        String name = prefix + id;
        boolean gitAccepts =
            !name.startsWith("-")
                && git.run(temp, "check-ref-format", "--branch", name).isSuccess();
        assertThat(BranchNames.problem(name).isEmpty()).as("\"%s\"", name).isEqualTo(gitAccepts);
        checked++;
      }
    }
    // Cell ids obey git's rules for a ref name part themselves, so fewer of the candidates are ids
    // to check.
    assertThat(checked).isGreaterThan(100);
  }

  private static boolean isCellId(String id) {
    try {
      CellId.of(id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
