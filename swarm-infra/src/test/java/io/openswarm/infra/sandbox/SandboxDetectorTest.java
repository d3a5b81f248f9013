package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.CellSandbox;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxDetectorTest {

  @TempDir Path temp;

  @Test
  void bubblewrapIsDetectedAndWorksOnThisMachine() {
    SandboxDetector detector = SandboxDetector.system();

    assertThat(detector.bubblewrapProblem()).isEmpty();
    assertThat(detector.bubblewrap())
        .hasValueSatisfying(
            bwrap -> {
              assertThat(bwrap.version()).matches("\\d+\\.\\d+.*");
              assertThat(bwrap.executable().getFileName().toString()).isEqualTo("bwrap");
            });
    assertThat(detector.select(CellSandbox.Mode.AUTO))
        .isSameAs(detector.bubblewrap().orElseThrow());
    assertThat(detector.select(CellSandbox.Mode.BUBBLEWRAP))
        .isSameAs(detector.bubblewrap().orElseThrow());
    assertThat(detector.select(CellSandbox.Mode.NONE)).isSameAs(CellSandbox.none());
  }

  @Test
  void withoutBubblewrapAutoFallsBackWithAnErrorEachTimeAndAnExplicitRequestFails() {
    SandboxDetector detector = SandboxDetector.forExecutable(temp.resolve("bin/bwrap"));

    String stderr =
        captureStderr(
            () -> {
              assertThat(detector.select(CellSandbox.Mode.AUTO)).isSameAs(CellSandbox.none());
              assertThat(detector.select(CellSandbox.Mode.AUTO)).isSameAs(CellSandbox.none());
            });

    assertThat(stderr.lines().filter(l -> l.contains("ERROR"))).hasSize(2);
    assertThat(stderr)
        .contains(
            "cells are NOT isolated: sandbox mode AUTO fell back to none because bubblewrap was "
                + "not found at "
                + temp.resolve("bin/bwrap"),
            "apt-get install bubblewrap");
    assertThatThrownBy(() -> detector.select(CellSandbox.Mode.BUBBLEWRAP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "sandbox mode BUBBLEWRAP was requested but bubblewrap was not found at ")
        .hasMessageContaining("apt-get install bubblewrap");
  }

  @Test
  void anInstalledBubblewrapThatCannotCreateASandboxIsNotUsed() throws Exception {
    Path fake = temp.resolve("bwrap");
    Files.writeString(
        fake,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bubblewrap 9.9'; exit 0; fi\n"
            + "echo 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    SandboxDetector detector = SandboxDetector.forExecutable(fake);

    assertThat(detector.bubblewrap()).isEmpty();
    assertThat(detector.bubblewrapProblem())
        .hasValue(
            fake
                + " is installed but cannot create a sandbox here (exit code 1: bwrap: No permissions to create new "
                + "namespace)");
    assertThat(detector.toString()).contains("cannot create a sandbox");
    assertThatThrownBy(() -> detector.select(CellSandbox.Mode.BUBBLEWRAP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("No permissions to create new namespace");
  }

  private static String captureStderr(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
