package io.openswarm.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessEnvironmentTest {

  private static final Map<String, String> WORKER =
      Map.of(
          "PATH", "/opt/bin:/usr/bin",
          "LANG", "C.UTF-8",
          "TZ", "UTC",
          "HOME", "/home/worker",
          "TEMPORAL_API_KEY", "tmprl-secret",
          "MY_SECRET", "hunter2",
          "OPENAI_API_KEY", "sk-secret",
          "JAVA_HOME", "/usr/lib/jvm/17");

  @Test
  void defaultsInheritOnlyTheAllowlist() {
    ProcessEnvironment env = ProcessEnvironment.newBuilder(WORKER).inheritDefaults().build();

    assertThat(env.asMap())
        .containsOnly(
            entry("PATH", "/opt/bin:/usr/bin"), entry("LANG", "C.UTF-8"), entry("TZ", "UTC"));
  }

  @Test
  void secretsReachTheChildOnlyWhenNamed() {
    ProcessEnvironment env =
        ProcessEnvironment.newBuilder(WORKER)
            .inheritDefaults()
            .inherit("JAVA_HOME", "OPENAI_API_KEY", "NOT_SET_ANYWHERE")
            .put("HOME", "/state/cell-1/home")
            .build();

    assertThat(env.asMap())
        .containsEntry("JAVA_HOME", "/usr/lib/jvm/17")
        .containsEntry("OPENAI_API_KEY", "sk-secret")
        .containsEntry("HOME", "/state/cell-1/home")
        .doesNotContainKeys("TEMPORAL_API_KEY", "MY_SECRET", "NOT_SET_ANYWHERE");
  }

  @Test
  void aWorkerWithoutPathStillGivesTheChildASystemPath() {
    ProcessEnvironment env = ProcessEnvironment.newBuilder(Map.of()).inheritDefaults().build();

    assertThat(env.get("PATH"))
        .hasValueSatisfying(path -> assertThat(path).contains("/usr/bin", "/bin"));
  }

  @Test
  void builderEditsAndCopies() {
    ProcessEnvironment env = ProcessEnvironment.newBuilder(WORKER).inheritDefaults().build();
    ProcessEnvironment edited =
        env.toBuilder()
            .remove("TZ")
            .putIfAbsent("LANG", "ignored")
            .putIfAbsent("TMPDIR", "/state/tmp")
            .build();

    assertThat(edited.asMap())
        .containsOnly(
            entry("PATH", "/opt/bin:/usr/bin"),
            entry("LANG", "C.UTF-8"),
            entry("TMPDIR", "/state/tmp"));
    assertThat(env.asMap()).containsKey("TZ");
    assertThat(env.toBuilder().build()).isEqualTo(env).hasSameHashCodeAs(env);
  }

  @Test
  void toStringNamesVariablesButNeverValues() {
    ProcessEnvironment env = ProcessEnvironment.newBuilder(WORKER).inherit("MY_SECRET").build();

    assertThat(env.toString()).contains("MY_SECRET").doesNotContain("hunter2");
  }

  @Test
  void rejectsInvalidNamesAndValues() {
    assertThatThrownBy(() -> ProcessEnvironment.newBuilder().put("A=B", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "environment variable name must be non-empty without '=' or NUL but was \"A=B\"");
    assertThatThrownBy(() -> ProcessEnvironment.newBuilder().put("", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessEnvironment.newBuilder().put("A", "x\0y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value of A must not contain a NUL character");
    assertThatThrownBy(() -> ProcessEnvironment.newBuilder().put("A", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value cannot be null");
    assertThatThrownBy(() -> ProcessEnvironment.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("workerEnvironment cannot be null");
  }
}
