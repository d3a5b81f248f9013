package io.openswarm.core.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.openswarm.core.worktree.WorktreeException.Reason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class WorktreeExceptionTest {

  @Test
  void carriesTheFailedGitCommand() {
    List<String> command = new ArrayList<>(List.of("git", "worktree", "add", "--", "/tmp/x"));
    WorktreeException e =
        new WorktreeException(
            Reason.GIT_FAILED, "could not add", command, OptionalInt.of(128), "fatal: boom", null);
    command.clear();

    assertThat(e.reason()).isEqualTo(Reason.GIT_FAILED);
    assertThat(e.getMessage()).isEqualTo("could not add");
    assertThat(e.command()).containsExactly("git", "worktree", "add", "--", "/tmp/x");
    assertThat(e.exitCode()).hasValue(128);
    assertThat(e.stderrTail()).isEqualTo("fatal: boom");
    assertThat(e.getCause()).isNull();
  }

  @Test
  void aKilledCommandHasNoExitCode() {
    WorktreeException e =
        new WorktreeException(
            Reason.TIMED_OUT, "timed out", List.of("git", "status"), OptionalInt.empty(), "", null);

    assertThat(e.exitCode()).isEmpty();
  }

  @Test
  void aFailureWithoutGitCommandHasEmptyDetails() {
    IOException cause = new IOException("disk full");
    WorktreeException e = new WorktreeException(Reason.IO_FAILED, "could not write", cause);

    assertThat(e.command()).isEmpty();
    assertThat(e.exitCode()).isEmpty();
    assertThat(e.stderrTail()).isEmpty();
    assertThat(e.getCause()).isSameAs(cause);
  }

  @Test
  void rejectsNulls() {
    assertThatNullPointerException()
        .isThrownBy(() -> new WorktreeException(null, "m"))
        .withMessage("reason cannot be null");
    assertThatNullPointerException()
        .isThrownBy(() -> new WorktreeException(Reason.GIT_FAILED, null))
        .withMessage("message cannot be null");
  }
}
