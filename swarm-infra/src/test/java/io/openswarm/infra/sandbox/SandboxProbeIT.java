package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.ProcessSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up probe sees what a cell's process would see, no more and no less, on real bubblewrap:
 * an npm launcher link inside a hidden home folder is visible (the sandbox binds its package tree,
 * as it does when it starts it), while a script whose interpreter lies in a hidden folder is
 * reported.
 */
class SandboxProbeIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path inHome;
  private Path repo;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws Exception {
    inHome =
        Files.createDirectories(
            Path.of(System.getProperty("user.home"), ".openswarm-probe-" + UUID.randomUUID()));
    repo = Files.createDirectories(temp.resolve("repo"));
    Git.run(repo, "init", "-q");
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .hiddenPaths(List.of(repo))
            .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    supervisor.close();
    try (Stream<Path> walk = Files.walk(inHome)) {
      walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void anNpmLauncherLinkInAHiddenFolderIsSeenAsTheSandboxWouldStartIt() throws Exception {
    Path real = executable(inHome.resolve("node_modules/tool/bin/tool"), "#!/bin/sh\nexit 0\n");
    Path launcher = Files.createDirectories(inHome.resolve("node_modules/.bin")).resolve("tool");
    Files.createSymbolicLink(launcher, launcher.getParent().relativize(real));

    List<String> missing =
        SandboxProbe.missing(
            supervisor, temp.resolve("probe"), repo, List.of(launcher.toString()), "/usr/bin:/bin");

    assertThat(missing).isEmpty();
  }

  @Test
  void aScriptWhoseInterpreterIsHiddenIsReported() throws Exception {
    Path interpreter = Files.createDirectories(inHome.resolve("venv/bin")).resolve("python-like");
    Files.createSymbolicLink(interpreter, Path.of("/bin/sh"));
    Path script = executable(inHome.resolve("tools/run-tests"), "#!" + interpreter + "\nexit 0\n");

    List<String> missing =
        SandboxProbe.missing(
            supervisor,
            temp.resolve("probe"),
            repo,
            List.of(script.toString(), "sh"),
            "/usr/bin:/bin");

    assertThat(missing).containsExactly(interpreter.toString());
  }

  private static Path executable(Path file, String content) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
