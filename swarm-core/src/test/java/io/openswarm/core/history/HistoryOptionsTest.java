package io.openswarm.core.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HistoryOptionsTest {

  @Test
  void theDefaultsKeep200RunsFor14DaysWithin2GiB() {
    HistoryOptions options = HistoryOptions.getDefaultInstance();

    assertThat(options.maxRuns()).isEqualTo(200);
    assertThat(options.maxAge()).isEqualTo(Duration.ofDays(14));
    assertThat(options.maxBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(options.maxRunBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(options.keepReports()).isEmpty();
    assertThat(options.enabled()).isTrue();
  }

  @Test
  void aBuilderFromExistingOptionsKeepsEveryValue() {
    HistoryOptions options =
        HistoryOptions.newBuilder()
            .maxRuns(3)
            .maxAge(Duration.ofHours(1))
            .maxBytes(8L * 1024 * 1024)
            .maxRunBytes(2L * 1024 * 1024)
            .keepReports("target/surefire-reports")
            .build();

    assertThat(HistoryOptions.newBuilder(options).build())
        .isEqualTo(options)
        .hasSameHashCodeAs(options);
    assertThat(options.toString()).contains("runs=3").contains("target/surefire-reports");
  }

  @Test
  void zeroRunsKeepsNothing() {
    assertThat(HistoryOptions.newBuilder().maxRuns(0).build().enabled()).isFalse();
  }

  @Test
  void badValuesAreRefusedWithTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> HistoryOptions.newBuilder().maxRuns(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1")
        .hasMessageContaining("0 (keep");
    assertThatThrownBy(() -> HistoryOptions.newBuilder().maxAge(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> HistoryOptions.newBuilder().maxBytes(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 MiB")
        .hasMessageContaining("1000");
    assertThatThrownBy(() -> HistoryOptions.newBuilder().maxRunBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxRunBytes");
    assertThatThrownBy(() -> HistoryOptions.newBuilder().maxAge(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("maxAge cannot be null");
    assertThatThrownBy(() -> HistoryOptions.newBuilder().keepReports((String) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keepReports cannot hold null");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {"", " ", "/etc", "../outside", "target/../../x", "./target", ".git/hooks", "a\\b"})
  void reportFoldersMustStayInsideTheWorktree(String folder) {
    assertThatThrownBy(() -> HistoryOptions.newBuilder().keepReports(folder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepReports folder")
        .hasMessageContaining("target/surefire-reports");
  }

  @Test
  void reportFoldersAreKeptInTheOrderGivenAndReplaceEarlierOnes() {
    HistoryOptions options =
        HistoryOptions.newBuilder()
            .keepReports("x")
            .keepReports("target/surefire-reports", "build/test-results")
            .build();

    assertThat(options.keepReports())
        .containsExactly("target/surefire-reports", "build/test-results");
  }
}
