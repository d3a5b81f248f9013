package io.openswarm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CellIdTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "task-1", "Cell_2.retry-3", "..a", "a..", "0"})
  void acceptsSafeNames(String value) {
    assertThat(CellId.of(value).value()).isEqualTo(value);
    assertThat(CellId.of(value)).hasToString(value).isEqualTo(new CellId(value));
  }

  @Test
  void acceptsExactlySixtyFourCharacters() {
    assertThat(CellId.of("x".repeat(64)).value()).hasSize(64);
  }

  @Test
  void rejectsTraversalSeparatorsAndControlCharacters() {
    assertThatThrownBy(() -> CellId.of("../x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"../x\"");
    assertThatThrownBy(() -> CellId.of("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"a/b\"");
    assertThatThrownBy(() -> CellId.of("a\\b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"a\\\\b\"");
    assertThatThrownBy(() -> CellId.of("a\nb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"a\\u000ab\"");
    assertThatThrownBy(() -> CellId.of("caf\u00e9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was \"caf\u00e9\"");
  }

  @Test
  void rejectsDotNamesLeadingDashesEmptyAndTooLong() {
    assertThatThrownBy(() -> CellId.of("."))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cellId must not be '.' or '..' but was \".\"");
    assertThatThrownBy(() -> CellId.of(".."))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cellId must not be '.' or '..' but was \"..\"");
    assertThatThrownBy(() -> CellId.of("-rf"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cellId must not start with '-' but was \"-rf\"");
    assertThatThrownBy(() -> CellId.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId must be 1 to 64 characters long but was 0 characters: \"\"");
    assertThatThrownBy(() -> CellId.of("y".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cellId must be 1 to 64 characters long but was 65 characters: \"yyy");
    assertThatThrownBy(() -> CellId.of(null))
        .isInstanceOf(NullPointerException.class).hasMessage("cellId cannot be null");
  }
}
