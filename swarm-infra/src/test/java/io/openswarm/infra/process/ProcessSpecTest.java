package io.openswarm.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.SandboxPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessSpecTest {

  private static ProcessSpec.Builder valid() {
    return ProcessSpec.newBuilder()
        .command("mvn", "-q", "test")
        .workingDirectory(Path.of("/pool/cell-1"))
        .logFile(Path.of("/state/cell-1/logs/tests.log"));
  }

  @Test
  void defaults() {
    ProcessSpec spec = valid().build();

    assertThat(spec.logCapBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(spec.tailBytes()).isEqualTo(64 * 1024);
    assertThat(spec.stopGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(spec.timeout()).isEmpty();
    assertThat(spec.description()).isEqualTo("mvn");
    assertThat(spec.sandboxPolicy())
        .isEqualTo(SandboxPolicy.newBuilder().writable(Path.of("/pool/cell-1")).build());
    assertThat(spec.environment().asMap()).containsKey("PATH");
    assertThat(spec.toBuilder().build().toString()).isEqualTo(spec.toString());
  }

  @Test
  void logsMustStayOutOfTheWorktree() {
    assertThatThrownBy(() -> valid().logFile(Path.of("/pool/cell-1/build/../tests.log")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "logFile must be outside the working directory /pool/cell-1 (logs would end up in commits) "
                + "but was /pool/cell-1/build/../tests.log");
  }

  @Test
  void requiredSettingsAreNamed() {
    assertThatThrownBy(() -> ProcessSpec.newBuilder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command is required but was not set");
    assertThatThrownBy(() -> ProcessSpec.newBuilder().command("true").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("workingDirectory is required but was not set");
    assertThatThrownBy(
            () -> ProcessSpec.newBuilder().command("true").workingDirectory(Path.of("/w")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("logFile is required but was not set");
  }

  @Test
  void rejectsValuesOutOfRangeWithTheValueInTheMessage() {
    assertThatThrownBy(() -> valid().command("").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command must start with a program name but was []");
    assertThatThrownBy(() -> valid().command("echo", "a\0b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command argument 1 must not contain a NUL character");
    assertThatThrownBy(() -> valid().workingDirectory(Path.of("relative")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workingDirectory must be absolute but was relative");
    assertThatThrownBy(() -> valid().tailBytes(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tailBytes must be between 1 and 16777216 but was 0");
    assertThatThrownBy(() -> valid().logCapBytes(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logCapBytes must be 0 or more but was -1");
    assertThatThrownBy(() -> valid().timeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive but was PT0S");
    assertThatThrownBy(() -> valid().stopGrace(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stopGrace must not be negative but was PT-1S");
    assertThatThrownBy(() -> valid().command((String) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void toStringDoesNotPrintArgumentsOrEnvironmentValues() {
    ProcessSpec spec =
        valid()
            .command("agent", "--prompt", "secret plan")
            .environment(ProcessEnvironment.newBuilder().put("API_KEY", "k-123").build())
            .build();

    assertThat(spec.toString()).contains("agent", "API_KEY").doesNotContain("secret plan", "k-123");
  }
}
