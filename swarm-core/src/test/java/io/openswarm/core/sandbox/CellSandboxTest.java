package io.openswarm.core.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CellSandboxTest {

  @Test
  void noneRunsTheCommandUnchanged() {
    List<String> command = List.of("sh", "-c", "echo \"$(id)\" `id`\nnext");
    CellSandbox.Request request =
        new CellSandbox.Request(
            command,
            Path.of("/w"),
            Map.of("PATH", "/usr/bin"),
            SandboxPolicy.forCell(Path.of("/w"), Path.of("/s")));

    CellSandbox.Command wrapped = CellSandbox.none().wrap(request);

    assertThat(wrapped.command()).isEqualTo(command);
    assertThat(wrapped.environment()).isEqualTo(Map.of("PATH", "/usr/bin"));
    assertThat(wrapped.rootIsLauncher()).isFalse();
    assertThat(CellSandbox.none().isolating()).isFalse();
    assertThat(CellSandbox.none().name()).isEqualTo("none");
    assertThat(CellSandbox.none().description()).contains("not isolated");
  }

  @Test
  void requestsNeverPrintEnvironmentValues() {
    CellSandbox.Request request =
        new CellSandbox.Request(
            List.of("true"),
            Path.of("/w"),
            Map.of("API_KEY", "s3cr3t-value"),
            SandboxPolicy.newBuilder().build());
    CellSandbox.Command wrapped = CellSandbox.none().wrap(request);

    assertThat(request.toString()).contains("API_KEY").doesNotContain("s3cr3t-value");
    assertThat(wrapped.toString()).contains("API_KEY").doesNotContain("s3cr3t-value");
  }

  @Test
  void requestValidatesItsArguments() {
    SandboxPolicy policy = SandboxPolicy.newBuilder().build();
    assertThatThrownBy(() -> new CellSandbox.Request(List.of(), Path.of("/w"), Map.of(), policy))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command must name a program but was empty");
    assertThatThrownBy(
            () -> new CellSandbox.Request(List.of("true"), Path.of("w"), Map.of(), policy))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workingDirectory must be absolute but was w");
    assertThatThrownBy(
            () -> new CellSandbox.Request(List.of("true"), Path.of("/w"), Map.of(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy cannot be null");
    assertThatThrownBy(() -> CellSandbox.none().wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request cannot be null");
  }
}
