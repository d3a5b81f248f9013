package io.openswarm.infra.worktree.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SymlinkTargetsTest {

  @ParameterizedTest(name = "{0} -> {1}: escapes {2}")
  @CsvSource({
    "link, README.md, false",
    "link, ./README.md, false",
    "docs/link, ../README.md, false",
    "a/b/c/link, ../../../x, false",
    "a/b/link, ../c/../../d, false",
    "link, /etc/passwd, true",
    "link, /, true",
    "link, .., true",
    "link, ../x, true",
    "docs/link, ../../x, true",
    "a/link, b/../../../x, true",
    "a/b/link, ../../.., true",
    "link, '', true",
  })
  void aTargetEscapesWhenItIsAbsoluteOrClimbsAboveTheTop(
      String link, String target, boolean escapes) {
    assertThat(SymlinkTargets.escapes(link, target)).isEqualTo(escapes);
  }
}
