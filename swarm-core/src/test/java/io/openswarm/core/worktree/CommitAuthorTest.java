package io.openswarm.core.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommitAuthorTest {

  @Test
  void acceptsAnOrdinaryIdentity() {
    CommitAuthor author = CommitAuthor.of("Open Swarm Bot", "swarm@example.com");

    assertThat(author.name()).isEqualTo("Open Swarm Bot");
    assertThat(author.email()).isEqualTo("swarm@example.com");
    assertThat(author).hasToString("Open Swarm Bot <swarm@example.com>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a<b", "a>b", "line\nbreak", "nul\u0000"})
  void rejectsNamesGitCannotStore(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CommitAuthor.of(name, "a@example.com"))
        .withMessageStartingWith("name must");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b@example.com", "<a@example.com>", "a@example.com\n"})
  void rejectsEmailsGitCannotStore(String email) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CommitAuthor.of("A", email))
        .withMessageStartingWith("email must");
  }

  @Test
  void rejectsTooLongValuesNamingTheLimit() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CommitAuthor.of("x".repeat(257), "a@example.com"))
        .withMessageContaining("1 to 256 characters");
  }

  @Test
  void rejectsNulls() {
    assertThatNullPointerException()
        .isThrownBy(() -> CommitAuthor.of(null, "a@example.com"))
        .withMessage("name cannot be null");
    assertThatNullPointerException()
        .isThrownBy(() -> CommitAuthor.of("A", null))
        .withMessage("email cannot be null");
  }
}
