package io.openswarm.core.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.openswarm.core.worktree.WorktreeChanges.ChangedFile.Change;
import org.junit.jupiter.api.Test;

class WorktreeChangesTest {

  @Test
  void holdsPathAndChange() {
    WorktreeChanges.ChangedFile file =
        new WorktreeChanges.ChangedFile("src/Main.java", Change.MODIFIED);

    assertThat(file.path()).isEqualTo("src/Main.java");
    assertThat(file.change()).isEqualTo(Change.MODIFIED);
  }

  @Test
  void rejectsEmptyAndNull() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new WorktreeChanges.ChangedFile("", Change.ADDED))
        .withMessage("path must not be empty");
    assertThatNullPointerException()
        .isThrownBy(() -> new WorktreeChanges.ChangedFile(null, Change.ADDED))
        .withMessage("path cannot be null");
    assertThatNullPointerException()
        .isThrownBy(() -> new WorktreeChanges.ChangedFile("a", null))
        .withMessage("change cannot be null");
  }
}
