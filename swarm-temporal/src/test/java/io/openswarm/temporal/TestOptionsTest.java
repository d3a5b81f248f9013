package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.testrun.TestEnvironment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestOptionsTest {

  @Test
  void onlyTheCommandIsRequiredAndTheRestHasDefaults() {
    TestOptions options = TestOptions.of("mvn", "-o", "test");

    assertThat(options.command()).containsExactly("mvn", "-o", "test");
    assertThat(options.timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(options.verifyBase()).isFalse();
    assertThat(options.network()).isEqualTo(NetworkAccess.SHARED);
    assertThat(options.environment()).isEqualTo(TestEnvironment.defaults());
    assertThatThrownBy(() -> TestOptions.newBuilder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command(...) must be set before build()");
  }

  @Test
  void eachSetterRejectsABadValueNamingTheOptionAndTheValue() {
    assertThatThrownBy(() -> TestOptions.newBuilder().command(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("testCommand must name a program as its first argument but was []");
    assertThatThrownBy(() -> TestOptions.newBuilder().command(" ", "test"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[ , test]");
    assertThatThrownBy(() -> TestOptions.newBuilder().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("testTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> TestOptions.newBuilder().network(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("network cannot be null");
    assertThatThrownBy(() -> TestOptions.newBuilder().environment(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("environment cannot be null");
  }

  @Test
  void settingAValueTwiceIsAnError() {
    assertThatThrownBy(() -> TestOptions.newBuilder().command("a").command("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command was already set to [a]");
    assertThatThrownBy(() -> TestOptions.newBuilder().verifyBase(true).verifyBase(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("verifyBase was already set to true");
  }

  @Test
  void aBuilderFromExistingOptionsRebuildsThemAndMayChangeEachOnce() {
    TestOptions options =
        TestOptions.newBuilder()
            .command("npm", "test")
            .timeout(Duration.ofMinutes(3))
            .verifyBase(true)
            .network(NetworkAccess.NONE)
            .environment(TestEnvironment.newBuilder().put("CI", "1").build())
            .build();

    assertThat(TestOptions.newBuilder(options).build())
        .isEqualTo(options)
        .hasSameHashCodeAs(options)
        .hasToString(options.toString());
    TestOptions changed =
        TestOptions.newBuilder(options).command("npm", "run", "test:unit").build();
    assertThat(changed).isNotEqualTo(options);
    assertThat(changed.command()).containsExactly("npm", "run", "test:unit");
    assertThat(changed.network()).isEqualTo(NetworkAccess.NONE);
  }
}
