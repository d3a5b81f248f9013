package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.ProcessSupervisor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe's contract where no sandbox is needed; {@link SandboxProbeIT} runs it on real
 * bubblewrap.
 */
class SandboxProbeTest {

  @TempDir Path temp;
  private final ProcessSupervisor unsandboxed =
      ProcessSupervisor.newBuilder().sandbox(CellSandbox.none()).build();

  @AfterEach
  void closeSupervisor() {
    unsandboxed.close();
  }

  @Test
  void aSandboxThatDoesNotIsolateHidesNothingSoNothingIsMissing() {
    List<String> missing =
        SandboxProbe.missing(
            unsandboxed,
            temp.resolve("probe"),
            temp.resolve("repo"),
            List.of("/nonexistent/agent"),
            "/usr/bin:/bin");

    assertThat(missing).isEmpty();
    assertThat(temp).as("nothing was run, so nothing was created").isEmptyDirectory();
  }

  @Test
  void rejectsNullArgumentsWithTheirNames() {
    Path folder = temp.resolve("probe");
    assertThatThrownBy(() -> SandboxProbe.missing(null, folder, temp, List.of(), "/bin"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("supervisor cannot be null");
    assertThatThrownBy(() -> SandboxProbe.missing(unsandboxed, null, temp, List.of(), "/bin"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("folder cannot be null");
    assertThatThrownBy(() -> SandboxProbe.missing(unsandboxed, folder, null, List.of(), "/bin"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("repository cannot be null");
    assertThatThrownBy(() -> SandboxProbe.missing(unsandboxed, folder, temp, null, "/bin"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("programs cannot be null");
    assertThatThrownBy(() -> SandboxProbe.missing(unsandboxed, folder, temp, List.of(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("path cannot be null");
  }
}
