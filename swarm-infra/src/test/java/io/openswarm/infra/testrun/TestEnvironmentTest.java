package io.openswarm.infra.testrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.infra.process.ProcessEnvironment;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestEnvironmentTest {

  private static final Path HOME = Path.of("/home/ada");

  @Test
  void theDefaultsAreCiTheUsersNameAndJavaHomeOnTopOfTheUsualVariables() {
    TestEnvironment defaults = TestEnvironment.newBuilder().home(HOME).build();

    ProcessEnvironment run =
        defaults.environment(
            Map.of("PATH", "/usr/bin", "JAVA_HOME", "/opt/jdk", "SECRET_TOKEN", "x", "TZ", "UTC"),
            Path.of("/state/cell/home"),
            Path.of("/state/cell/tmp"));

    assertThat(run.asMap())
        .containsEntry("CI", "true")
        .containsEntry("JAVA_HOME", "/opt/jdk")
        .containsEntry("PATH", "/usr/bin")
        .containsEntry("TZ", "UTC")
        .containsEntry("HOME", "/state/cell/home")
        .containsEntry("TMPDIR", "/state/cell/tmp")
        .containsKey("USER")
        .doesNotContainKey("SECRET_TOKEN");
  }

  @Test
  void namedVariablesAreInheritedAndExplicitValuesWin() {
    TestEnvironment environment =
        TestEnvironment.newBuilder().home(HOME).inherit("MAVEN_OPTS").put("CI", "false").build();

    ProcessEnvironment run =
        environment.environment(Map.of("MAVEN_OPTS", "-Xmx1g"), Path.of("/h"), Path.of("/t"));

    assertThat(run.asMap()).containsEntry("MAVEN_OPTS", "-Xmx1g").containsEntry("CI", "false");
    assertThat(environment.toString()).doesNotContain("-Xmx1g").doesNotContain("false");
  }

  @Test
  void cachesAndHomeFilesArePlacedInTheCellsHomeFolder() {
    TestEnvironment environment =
        TestEnvironment.newBuilder()
            .home(HOME)
            .cache(HOME.resolve(".m2"))
            .cache(Path.of("/var/cache/pip"))
            .homeFile(HOME.resolve(".npmrc"))
            .build();
    Path cellHome = Path.of("/state/cells/a/home");

    assertThat(environment.targetIn(cellHome, HOME.resolve(".m2")))
        .isEqualTo(cellHome.resolve(".m2"));
    assertThat(environment.targetIn(cellHome, Path.of("/var/cache/pip")))
        .isEqualTo(Path.of("/var/cache/pip"));
    assertThat(environment.targetIn(cellHome, HOME.resolve(".npmrc")))
        .isEqualTo(cellHome.resolve(".npmrc"));
  }

  @Test
  void badInputIsRefusedWithWhatWasGivenAndWhatIsAllowed() {
    TestEnvironment.Builder builder = TestEnvironment.newBuilder().home(HOME);
    assertThatThrownBy(() -> builder.put("HOME", "/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HOME");
    assertThatThrownBy(() -> builder.inherit("1BAD"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1BAD'");
    assertThatThrownBy(() -> builder.cache(Path.of("relative")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> builder.cache(HOME))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("home folder");
    assertThatThrownBy(() -> builder.homeFile(Path.of("/etc/passwd")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inside the worker's home folder");
  }
}
