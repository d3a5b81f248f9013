package io.openswarm.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThroughputCurveSettingsTest {

  @TempDir Path temp;

  @Test
  void defaultsAreTheGuidesLevelsWithTwoSecondsOfThinking() {
    ThroughputCurve.Settings settings = ThroughputCurve.Settings.parse(new String[0]);

    assertThat(settings.levels).containsExactly(1, 5, 10, 20, 30, 40, 50);
    assertThat(settings.think).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.rounds).isEqualTo(3);
    assertThat(settings.testCommand).containsExactly("true");
    assertThat(settings.repository).isNull();
  }

  @Test
  void everyOptionIsRead() {
    ThroughputCurve.Settings settings =
        ThroughputCurve.Settings.parse(
            new String[] {
              "--levels",
              "2, 4,8",
              "--think",
              "1.5s",
              "--rounds",
              "5",
              "--warmup",
              "0",
              "--repository",
              temp.toString(),
              "--base",
              "v1.0",
              "--test-command",
              "./gradlew  test --offline",
              "--ports",
              "30000-30009"
            });

    assertThat(settings.levels).containsExactly(2, 4, 8);
    assertThat(settings.think).isEqualTo(Duration.ofMillis(1500));
    assertThat(settings.rounds).isEqualTo(5);
    assertThat(settings.warmup).isZero();
    assertThat(settings.repository).isEqualTo(temp);
    assertThat(settings.base).isEqualTo("v1.0");
    assertThat(settings.testCommand).isEqualTo(List.of("./gradlew", "test", "--offline"));
    assertThat(settings.minPort).isEqualTo(30_000);
    assertThat(settings.maxPort).isEqualTo(30_009);
  }

  @Test
  void durationsTakeMillisecondsSecondsMinutesOrIso8601() {
    assertThat(ThroughputCurve.Settings.duration("--think", "250ms"))
        .isEqualTo(Duration.ofMillis(250));
    assertThat(ThroughputCurve.Settings.duration("--think", "0s")).isZero();
    assertThat(ThroughputCurve.Settings.duration("--think", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(ThroughputCurve.Settings.duration("--think", "PT3S"))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void invalidValuesAreNamedInTheMessage() {
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--think", "2x"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--think must be a duration from 0 to 1 hour such as 2s, 500ms or 1m but was \"2x\"");
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--levels", "1,0"}))
        .hasMessage(
            "--levels must be a comma-separated list of numbers from 1 to 500 but was \"1,0\"");
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--rounds", "none"}))
        .hasMessage("--rounds must be a whole number of at least 1 but was \"none\"");
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--ports", "80-90"}))
        .hasMessage("--ports must be MIN-MAX within 1024-65535 but was \"80-90\"");
    assertThatThrownBy(
            () ->
                ThroughputCurve.Settings.parse(
                    new String[] {"--repository", temp.resolve("missing").toString()}))
        .hasMessageStartingWith("--repository must be an existing directory");
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--levels"}))
        .hasMessage("--levels needs a value");
    assertThatThrownBy(() -> ThroughputCurve.Settings.parse(new String[] {"--cells", "3"}))
        .hasMessage("unknown option --cells");
  }

  @Test
  void thePortRangeMustHoldTheLargestLevel() {
    assertThatThrownBy(
            () ->
                ThroughputCurve.Settings.parse(
                    new String[] {"--levels", "10", "--ports", "30000-30005"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--ports 30000-30005 holds 6 ports but the largest level needs 11");
  }
}
