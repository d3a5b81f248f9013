package io.openswarm.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ResultLimitsTest {

  @Test
  void aShortListIsKeptWhole() {
    assertThat(ResultLimits.firstFiles(List.of("a.txt", "b.txt")))
        .containsExactly("a.txt", "b.txt");
  }

  @Test
  void aLongListKeepsItsFirstThousandPaths() {
    List<String> files =
        IntStream.range(0, 50_000).mapToObj(i -> "src/file-" + i + ".txt").toList();

    assertThat(ResultLimits.firstFiles(files))
        .hasSize(ResultLimits.MAX_LISTED_FILES)
        .isEqualTo(files.subList(0, ResultLimits.MAX_LISTED_FILES));
  }

  @Test
  void longPathsAreListedUpToTheCharacterBudget() {
    // 1,000 paths of 4,000 characters would be 4 MB: only as many as fit in the budget are kept.
    List<String> files =
        IntStream.range(0, 1_000)
            .mapToObj(i -> String.format("%04d", i) + "x".repeat(3_996))
            .toList();

    List<String> first = ResultLimits.firstFiles(files);

    assertThat(first)
        .hasSize(ResultLimits.MAX_LISTED_FILE_CHARS / 4_000)
        .isEqualTo(files.subList(0, first.size()));
  }

  @Test
  void aLongTextKeepsItsBeginningAndSaysHowMuchWasCutWithinTheBound() {
    String text = "y".repeat(ResultLimits.MAX_TEXT_CHARS + 10);

    String cut = ResultLimits.truncate(text);

    assertThat(cut)
        .hasSizeLessThanOrEqualTo(ResultLimits.MAX_TEXT_CHARS)
        .isEqualTo(
            "y".repeat(ResultLimits.MAX_TEXT_CHARS - 64) + "\n[... 74 more characters not kept]");
    assertThat(ResultLimits.truncate(cut)).as("cutting again changes nothing").isEqualTo(cut);
    assertThat(ResultLimits.truncate("short")).isEqualTo("short");
  }

  @Test
  void truncationNeverSplitsASurrogatePair() {
    String text = "y".repeat(ResultLimits.MAX_TEXT_CHARS - 65) + "\uD83D\uDE00" + "y".repeat(100);

    assertThat(ResultLimits.truncate(text))
        .startsWith("y".repeat(ResultLimits.MAX_TEXT_CHARS - 65) + "\n[... 102 more");
  }
}
