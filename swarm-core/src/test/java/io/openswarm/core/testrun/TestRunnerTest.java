package io.openswarm.core.testrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TestRunnerTest {

  /** Configured like Temporal's JacksonJsonPayloadConverter.newDefaultObjectMapper(). */
  private static final ObjectMapper TEMPORAL_LIKE =
      new ObjectMapper()
          .configure(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE, false)
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Test
  void passedOnlyOnExitCodeZeroWithinTheTimeLimit() {
    assertThat(result(0, false).passed()).isTrue();
    assertThat(result(1, false).passed()).isFalse();
    assertThat(result(0, true).passed()).isFalse();
    assertThat(result(143, true).passed()).isFalse();
  }

  @Test
  void aRunTheLibraryStoppedNeverPassesAndSaysSo() {
    TestRunner.Result stopped =
        new TestRunner.Result(0, false, true, "half", false, 4, Duration.ofMillis(12));

    assertThat(stopped.passed()).isFalse();
    assertThat(stopped.killedByLibrary()).isTrue();
    assertThat(stopped.commandNotRunnable()).isFalse();
    assertThat(stopped.report()).isEqualTo("tests were stopped by the library after 12 ms\nhalf");
  }

  @Test
  void exitCodes126And127OfARunThatEndedByItselfMeanTheCommandCouldNotRun() {
    assertThat(result(127, false).commandNotRunnable()).isTrue();
    assertThat(result(126, false).commandNotRunnable()).isTrue();
    assertThat(result(127, false).report())
        .startsWith("the test command could not run: exit code 127 (a program " + "was not found)");
    assertThat(result(126, false).report())
        .startsWith(
            "the test command could not run: exit code 126 (a program " + "could not be executed)");
    assertThat(result(1, false).commandNotRunnable()).isFalse();
    assertThat(result(128, false).commandNotRunnable()).isFalse();
    assertThat(result(127, true).commandNotRunnable())
        .as("timed out: the library killed it")
        .isFalse();
    assertThat(result(127, true).killedByLibrary()).isTrue();
  }

  @Test
  void aResultWrittenBeforeStoppedExistedReadsAsNotStopped() throws Exception {
    String old =
        "{\"exitCode\":1,\"timedOut\":false,\"outputTail\":\"boom\",\"outputTruncated\":false,"
            + "\"outputBytes\":4,\"duration\":0.003}";

    TestRunner.Result read = TEMPORAL_LIKE.readValue(old, TestRunner.Result.class);

    assertThat(read)
        .isEqualTo(new TestRunner.Result(1, false, "boom", false, 4, Duration.ofMillis(3)));
    assertThat(read.stopped()).isFalse();
  }

  @Test
  void roundTripsThroughJacksonLikeTemporal() throws Exception {
    TestRunner.Result original =
        new TestRunner.Result(
            3,
            true,
            true,
            "line one\nzwei \uFFFD drei \u00e9",
            true,
            52_428_800L,
            Duration.ofMillis(1234));

    String json = TEMPORAL_LIKE.writeValueAsString(original);
    TestRunner.Result copy = TEMPORAL_LIKE.readValue(json, TestRunner.Result.class);

    assertThat(copy).isEqualTo(original);
  }

  @Test
  void requestRoundTripsThroughJacksonLikeTemporal() throws Exception {
    TestRunner.Request original =
        new TestRunner.Request(
            CellId.of("cell-7"), Path.of("/pool/cell-7"), Path.of("/state/cell-7"));

    String json = TEMPORAL_LIKE.writeValueAsString(original);
    TestRunner.Request copy = TEMPORAL_LIKE.readValue(json, TestRunner.Request.class);

    assertThat(copy).isEqualTo(original);
  }

  @Test
  void rejectsImpossibleValues() {
    assertThatThrownBy(() -> new TestRunner.Result(0, false, "", false, -1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("outputBytes must not be negative but was -1");
    assertThatThrownBy(() -> new TestRunner.Result(0, false, "", false, 0, Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must not be negative but was PT-0.005S");
    assertThatThrownBy(() -> new TestRunner.Result(0, false, null, false, 0, Duration.ZERO))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("outputTail cannot be null");
  }

  @Test
  void requestKeepsLogsOutOfTheWorktree() {
    assertThatThrownBy(
            () -> new TestRunner.Request(CellId.of("c"), Path.of("/w"), Path.of("/w/.swarm")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stateDirectory must not be inside the worktree /w");
    assertThatThrownBy(() -> new TestRunner.Request(CellId.of("c"), Path.of("w"), Path.of("/s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worktree must be absolute but was w");
  }

  @Test
  void toStringShowsTheVerdictWithoutTheOutput() {
    assertThat(
            new TestRunner.Result(1, false, "secret output", true, 10, Duration.ofSeconds(2))
                .toString())
        .contains("failed", "exitCode=1")
        .doesNotContain("secret output");
  }

  private static TestRunner.Result result(int exitCode, boolean timedOut) {
    return new TestRunner.Result(exitCode, timedOut, "", false, 0, Duration.ofSeconds(1));
  }
}
