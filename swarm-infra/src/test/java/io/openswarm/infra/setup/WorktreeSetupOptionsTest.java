package io.openswarm.infra.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.NetworkAccess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorktreeSetupOptionsTest {

  @Test
  void theDefaultSetsNothingUpAndKeepsNoIgnoredFiles() {
    WorktreeSetupOptions options = WorktreeSetupOptions.getDefaultInstance();

    assertThat(options.isConfigured()).isFalse();
    assertThat(options.keepsIgnoredFiles()).isFalse();
    assertThat(options.network()).isEqualTo(NetworkAccess.SHARED);
    assertThat(options.timeout()).isEqualTo(WorktreeSetupOptions.DEFAULT_TIMEOUT);
  }

  @Test
  void aSetUpCommandKeepsIgnoredFilesWhileCopiesAndSubmodulesAloneDoNot() {
    assertThat(WorktreeSetupOptions.newBuilder().command("npm", "ci").build().keepsIgnoredFiles())
        .isTrue();
    WorktreeSetupOptions copies =
        WorktreeSetupOptions.newBuilder().copyFromCheckout(".env").submodules(true).build();
    assertThat(copies.isConfigured()).isTrue();
    assertThat(copies.keepsIgnoredFiles()).isFalse();
  }

  @Test
  void aCopyOfTheOptionsEqualsTheOriginal() {
    WorktreeSetupOptions options =
        WorktreeSetupOptions.newBuilder()
            .command("npm", "ci")
            .inputs("package-lock.json")
            .copyFromCheckout(".env", "config/local.json")
            .submodules(true)
            .timeout(Duration.ofMinutes(3))
            .network(NetworkAccess.NONE)
            .writablePath(Path.of("/var/cache/npm"))
            .maxCopyBytes(4096)
            .build();

    WorktreeSetupOptions copy = WorktreeSetupOptions.newBuilder(options).build();

    assertThat(copy).isEqualTo(options).hasSameHashCodeAs(options);
    assertThat(copy.toString())
        .contains(
            "command=[npm, ci]",
            "inputs=[package-lock.json]",
            "copyFromCheckout=[.env, config/local.json]",
            "submodules=true",
            "network=NONE");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "/etc/passwd",
        "../secret",
        "a/../../b",
        "a//b",
        "./a",
        ".git",
        ".git/config",
        "a\\b",
        "a\nb",
        "dir/"
      })
  void pathsThatAreNotPlainRelativePathsAreRefusedWithTheValue(String path) {
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().copyFromCheckout(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "copyFromCheckout takes paths relative to the top of the repository")
        .hasMessageContaining("but was \"" + path.replace("\n", "?") + "\"");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().inputs(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("inputs takes paths relative to the top of the repository");
  }

  @Test
  void nestedPathsAndDotFilesAreAccepted() {
    WorktreeSetupOptions options =
        WorktreeSetupOptions.newBuilder()
            .command("pip", "install", "-e", ".")
            .inputs("requirements/dev.txt", ".python-version")
            .copyFromCheckout(".env.local")
            .build();

    assertThat(options.inputs()).containsExactly("requirements/dev.txt", ".python-version");
    assertThat(options.copyFromCheckout()).containsExactly(".env.local");
  }

  @Test
  void badValuesAreRefusedWithWhatIsAllowed() {
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().command(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command must start with a program name but was [ ]");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive but was PT0S");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().maxCopyBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxCopyBytes must be between 1 and 67108864 but was 0");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().writablePath(Path.of("cache")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("writable path must be absolute and not the filesystem root but was cache");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().inputs("package-lock.json").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputs [package-lock.json] were named without a set-up command");
    assertThatThrownBy(() -> WorktreeSetupOptions.newBuilder().copyFromCheckout((String) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("copyFromCheckout cannot hold null");
  }
}
