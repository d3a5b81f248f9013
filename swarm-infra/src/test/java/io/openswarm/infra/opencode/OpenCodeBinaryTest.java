package io.openswarm.infra.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenCodeBinaryTest {

  @TempDir Path dir;

  @Test
  void explicitPathWinsOverEverythingElse() throws IOException {
    Path explicit = executable(dir.resolve("explicit/opencode"));
    Path onPath = executable(dir.resolve("bin/opencode"));

    Path found =
        OpenCodeBinary.locate(
            explicit,
            Map.of(
                "PATH",
                onPath.getParent().toString(),
                OpenCodeBinary.ENV_VARIABLE,
                onPath.toString()),
            dir);

    assertThat(found).isEqualTo(explicit);
  }

  @Test
  void aMissingExplicitPathIsAnErrorNotAFallback() throws IOException {
    Path onPath = executable(dir.resolve("bin/opencode"));
    Path missing = dir.resolve("nope/opencode");

    assertThatThrownBy(
            () ->
                OpenCodeBinary.locate(missing, Map.of("PATH", onPath.getParent().toString()), dir))
        .isInstanceOf(OpenCodeBinaryNotFoundException.class)
        .hasMessageContaining("explicit path " + missing + " (does not exist)");
  }

  @Test
  void environmentVariableComesBeforePath() throws IOException {
    Path fromEnv = executable(dir.resolve("env/opencode"));
    Path onPath = executable(dir.resolve("bin/opencode"));

    Path found =
        OpenCodeBinary.locate(
            null,
            Map.of(
                OpenCodeBinary.ENV_VARIABLE,
                fromEnv.toString(),
                "PATH",
                onPath.getParent().toString()),
            dir);

    assertThat(found).isEqualTo(fromEnv);
  }

  @Test
  void pathIsSearchedInOrderSkippingNonExecutablesAndRelativeEntries() throws IOException {
    Path notExecutable = dir.resolve("first/opencode");
    Files.createDirectories(notExecutable.getParent());
    Files.writeString(notExecutable, "#!/bin/sh\n");
    Path second = executable(dir.resolve("second/opencode"));
    Path third = executable(dir.resolve("third/opencode"));
    String path =
        String.join(
            ":",
            "relative/bin",
            notExecutable.getParent().toString(),
            second.getParent().toString(),
            third.getParent().toString());

    assertThat(OpenCodeBinary.locate(null, Map.of("PATH", path), dir)).isEqualTo(second);
  }

  @Test
  void projectLocalInstallIsFoundByWalkingUpFromTheWorkingDirectory() throws IOException {
    Path project = dir.resolve("project");
    Path local = executable(project.resolve(OpenCodeBinary.PROJECT_LOCAL_PATH));
    Path deep = Files.createDirectories(project.resolve("module/src/main"));

    assertThat(OpenCodeBinary.locate(null, Map.of("PATH", "/nonexistent-bin"), deep))
        .isEqualTo(local);
  }

  @Test
  void aMissBinaryNamesEveryPlaceSearched() throws IOException {
    Path start = Files.createDirectories(dir.resolve("work"));
    Map<String, String> env =
        Map.of(
            OpenCodeBinary.ENV_VARIABLE,
            dir.resolve("gone").toString(),
            "PATH",
            "/nonexistent-a:/nonexistent-b");

    assertThatThrownBy(() -> OpenCodeBinary.locate(null, env, start))
        .isInstanceOfSatisfying(
            OpenCodeBinaryNotFoundException.class,
            e -> {
              assertThat(e.searched()).hasSize(3);
              assertThat(e.getMessage())
                  .contains("$OPENSWARM_OPENCODE_BIN=" + dir.resolve("gone") + " (does not exist)")
                  .contains("'opencode' in the 2 folders of PATH (not found)")
                  .doesNotContain("/nonexistent-a", "/nonexistent-b")
                  .contains(
                      ".tools/opencode/node_modules/.bin/opencode in "
                          + start
                          + " and each parent directory")
                  .contains("npm install --prefix .tools/opencode opencode-ai@1.18.33");
            });
  }

  @Test
  void unsetVariablesAreReportedAsNotSet() throws IOException {
    Path start = Files.createDirectories(dir.resolve("work"));

    assertThatThrownBy(() -> OpenCodeBinary.locate(null, Map.of(), start))
        .hasMessageContaining("$OPENSWARM_OPENCODE_BIN (not set)")
        .hasMessageContaining("PATH (not set)");
  }

  private static Path executable(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/bin/sh\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }
}
