package io.openswarm.core.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxPolicyTest {

  @Test
  void forCellMakesWorktreeAndStateWritableAndProtectsTheGitEntry() {
    SandboxPolicy policy =
        SandboxPolicy.forCell(Path.of("/pool/cell-1"), Path.of("/state/cells/cell-1"));

    assertThat(policy.writablePaths())
        .containsExactly(Path.of("/pool/cell-1"), Path.of("/state/cells/cell-1"));
    assertThat(policy.readOnlyPaths()).containsExactly(Path.of("/pool/cell-1/.git"));
    assertThat(policy.hiddenPaths()).isEmpty();
    assertThat(policy.network()).isEqualTo(NetworkAccess.SHARED);
  }

  @Test
  void pathsAreNormalizedAndDeduplicated() {
    SandboxPolicy policy =
        SandboxPolicy.newBuilder().writable(Path.of("/a/b/../c")).writable(Path.of("/a/c")).build();

    assertThat(policy.writablePaths()).containsExactly(Path.of("/a/c"));
  }

  @Test
  void rejectsRelativePathsWithTheValueInTheMessage() {
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().writable(Path.of("relative/dir")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("writable path must be absolute but was relative/dir");
  }

  @Test
  void rejectsTheRootAsWritableOrHidden() {
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().writable(Path.of("/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be the filesystem root");
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().hidden(Path.of("/x/..")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be the filesystem root");
  }

  @Test
  void rejectsAPathInTwoRoles() {
    SandboxPolicy.Builder builder =
        SandboxPolicy.newBuilder().writable(Path.of("/a")).hidden(Path.of("/a"));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("given twice: [/a]");
  }

  @Test
  void rejectsNullWithTheParameterName() {
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().network(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("network cannot be null");
    assertThatThrownBy(() -> SandboxPolicy.forCell(null, Path.of("/s")))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("worktree cannot be null");
  }

  @Test
  void toBuilderCopiesEverythingAndEqualityIsByValue() {
    SandboxPolicy policy =
        SandboxPolicy.newBuilder()
            .writable(Path.of("/w"))
            .readOnly(Path.of("/w/.git"))
            .hidden(Path.of("/h"))
            .network(NetworkAccess.NONE)
            .build();

    SandboxPolicy copy = policy.toBuilder().build();

    assertThat(copy).isEqualTo(policy).hasSameHashCodeAs(policy);
    assertThat(copy.toString()).contains("/w", "/h", "NONE");
    assertThat(policy.toBuilder().network(NetworkAccess.SHARED).build()).isNotEqualTo(policy);
  }
}
