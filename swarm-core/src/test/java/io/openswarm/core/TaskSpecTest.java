package io.openswarm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskSpecTest {

  @Test
  void keepsHostileTextUnchanged() {
    String prompt = "write \"quotes\", $(rm -rf /), `backticks`\nand a second line";
    TaskSpec task = TaskSpec.of("t-1", prompt, "main").withCommitMessage("fix: 'it' $(now)");

    assertThat(task.prompt()).isEqualTo(prompt);
    assertThat(task.effectiveCommitMessage()).isEqualTo("fix: 'it' $(now)");
  }

  @Test
  void defaultCommitMessageIsTheTaskIdAndTheFirstLineOfThePromptOnly() {
    assertThat(TaskSpec.of("t-1", "  Add a README  ", "main").effectiveCommitMessage())
        .isEqualTo("t-1: Add a README");
    assertThat(
            TaskSpec.of("t-2", "Fix the build\nIt fails on Java 17", "main")
                .effectiveCommitMessage())
        .isEqualTo("t-2: Fix the build");
    assertThat(TaskSpec.of("t-3", "x".repeat(100), "main").effectiveCommitMessage())
        .isEqualTo("t-3: " + "x".repeat(69) + "...");
    assertThat(
            TaskSpec.of("t-4", "Plan\r\n" + "y".repeat(200_000), "main").effectiveCommitMessage())
        .isEqualTo("t-4: Plan");
    // A cut never splits a character outside the Basic Multilingual Plane.
    assertThat(TaskSpec.of("t-5", "\ud83d\ude80".repeat(80), "main").effectiveCommitMessage())
        .isEqualTo("t-5: " + "\ud83d\ude80".repeat(69) + "...");
  }

  @Test
  void overridesAreValidated() {
    TaskSpec task = TaskSpec.of("t-1", "do it", "main");
    assertThat(task.withTestCommand(List.of("mvn", "test")).testCommand())
        .containsExactly("mvn", "test");
    assertThat(task.withTestTimeout(Duration.ofMinutes(2)).testTimeout())
        .isEqualTo(Duration.ofMinutes(2));

    assertThatThrownBy(() -> task.withTestCommand(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("testCommand must name a program as its first argument but was []");
    assertThatThrownBy(() -> task.withExecuteTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("executeTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> task.withTestTimeout(Duration.ofSeconds(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("testTimeout must be positive but was PT-5S");
    assertThatThrownBy(() -> task.withCommitMessage(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("commitMessage must not be blank when given");
  }

  @Test
  void rejectsBadIdsPromptsAndRefs() {
    assertThatThrownBy(() -> TaskSpec.of("../etc", "p", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("taskId may contain only letters, digits, '.', '_' and '-' but was \"../etc\"");
    assertThatThrownBy(() -> TaskSpec.of("t", " \n", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prompt must not be blank");
    assertThatThrownBy(() -> TaskSpec.of("t", "x".repeat(TaskSpec.MAX_PROMPT_LENGTH + 1), "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prompt must be at most 262144 characters but was 262145 characters");
    assertThatThrownBy(() -> TaskSpec.of("t", "p", "--upload-pack=evil"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "baseRef must be a git revision (not blank, no control characters, not starting with '-') "
                + "but was \"--upload-pack=evil\"");
    assertThatThrownBy(() -> TaskSpec.of("t", "p", "main\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("but was \"main\\u000a\"");
    assertThatThrownBy(() -> TaskSpec.of(null, "p", "main"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("taskId cannot be null");
  }

  @Test
  void rejectsTaskIdsGitRefusesAsABranchNameBeforeAnyWorktreeIsMade() {
    assertThatThrownBy(() -> TaskSpec.of("a..b", "p", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "taskId must not contain \"..\" (a rule of git branch names; the cell's branch is swarm/<id>) "
                + "but was \"a..b\"");
    assertThatThrownBy(() -> TaskSpec.of("x.lock", "p", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("taskId must not end with \".lock\"")
        .hasMessageEndingWith("but was \"x.lock\"");
    assertThatThrownBy(() -> TaskSpec.of(".hidden", "p", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("taskId must not start with '.'")
        .hasMessageEndingWith("but was \".hidden\"");
    assertThatThrownBy(() -> TaskSpec.of("trailing.", "p", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("taskId must not end with '.'")
        .hasMessageEndingWith("but was \"trailing.\"");
  }

  @Test
  void boundsTheCommitMessageAndRefusesNulCharacters() {
    TaskSpec task = TaskSpec.of("t", "p", "main");
    String longest = "m".repeat(TaskSpec.MAX_COMMIT_MESSAGE_LENGTH);
    assertThat(task.withCommitMessage(longest).effectiveCommitMessage()).isEqualTo(longest);

    assertThatThrownBy(() -> task.withCommitMessage("m".repeat(10 * 1024 * 1024)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "commitMessage must be at most 65536 characters but was 10485760 characters: \"mmm")
        .hasMessageEndingWith("...\"");
    assertThatThrownBy(() -> task.withCommitMessage(longest + "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "commitMessage must be at most 65536 characters but was 65537 characters");
    assertThatThrownBy(() -> task.withCommitMessage("fix\0it"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "commitMessage must not contain a NUL character (git refuses it in a commit message) but has one "
                + "at index 3: \"fix\\u0000it\"");
    // The default commit message carries the prompt.
    assertThatThrownBy(() -> TaskSpec.of("t", "do\0it", "main"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("prompt must not contain a NUL character");
  }
}
