package io.openswarm.infra.process.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {

  @TempDir Path temp;

  @Test
  void findsProgramsOnThePathInOrder() throws Exception {
    Path first = Files.createDirectories(temp.resolve("first"));
    Path second = Files.createDirectories(temp.resolve("second"));
    executable(second.resolve("tool"));
    executable(first.resolve("tool"));

    assertThat(Executables.resolve("tool", first + ":" + second, temp))
        .contains(first.resolve("tool"));
    assertThat(Executables.resolve("tool", second.toString(), temp))
        .contains(second.resolve("tool"));
    assertThat(Executables.resolve("tool", temp.toString(), temp)).isEmpty();
  }

  @Test
  void namesWithASlashAreRelativeToTheWorkingDirectory() throws Exception {
    executable(temp.resolve("gradlew"));
    Files.writeString(temp.resolve("notes.txt"), "not a program");

    assertThat(Executables.resolve("./gradlew", "/usr/bin", temp))
        .contains(temp.resolve("gradlew"));
    assertThat(Executables.resolve("./notes.txt", "/usr/bin", temp)).isEmpty();
    assertThat(Executables.resolve("/bin/sh", null, temp)).isPresent();
  }

  @Test
  void findsSystemTools() {
    assertThat(Executables.resolveSystemTool("setsid")).isPresent();
    assertThat(Executables.resolveSystemTool("kill")).isPresent();
    assertThat(Executables.resolveSystemTool("no-such-tool-xyz")).isEmpty();
  }

  @Test
  void whereAProgramWasSoughtIsSaidWithoutTheFoldersOfPath() {
    Path work = Path.of("/pool/cell-1");

    assertThat(Executables.whereSought("agent", "/home/me/bin:/usr/bin:/bin", work))
        .isEqualTo("in any of the 3 folders of PATH");
    assertThat(Executables.whereSought("agent", "/opt/bin", work))
        .isEqualTo("in the one folder of PATH");
    assertThat(Executables.whereSought("agent", null, work))
        .isEqualTo("in the system folders (PATH is not set)");
    assertThat(Executables.whereSought("./agent.sh", "/usr/bin", work))
        .isEqualTo("in /pool/cell-1");
  }

  private static void executable(Path file) throws Exception {
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
  }
}
