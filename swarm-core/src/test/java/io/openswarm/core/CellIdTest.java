package io.openswarm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CellIdTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "task-1",
        "Cell_2.retry-3",
        "a.b.c",
        "x.lock.y",
        "lock",
        "a.LOCK",
        "HEAD",
        "0"
      })
  void acceptsSafeNames(String value) {
    assertThat(CellId.of(value).value()).isEqualTo(value);
    assertThat(CellId.of(value)).hasToString(value).isEqualTo(new CellId(value));
  }

  @Test
  void acceptsExactlySixtyFourCharacters() {
    assertThat(CellId.of("x".repeat(64)).value()).hasSize(64);
  }

  @Test
  void rejectsTraversalSeparatorsAndControlCharacters() {
    assertThatThrownBy(() -> CellId.of("../x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"../x\"");
    assertThatThrownBy(() -> CellId.of("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"a/b\"");
    assertThatThrownBy(() -> CellId.of("a\\b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId may contain only letters, digits, '.', '_' and '-' but was \"a\\\\b\"");
    assertThatThrownBy(() -> CellId.of("a\nb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "cellId may contain only letters, digits, '.', '_' and '-' but was \"a\\u000ab\"");
    assertThatThrownBy(() -> CellId.of("caf\u00e9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was \"caf\u00e9\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
      a..b        | must not contain ".."
      ..a         | must not contain ".."
      a..         | must not contain ".."
      .hidden     | must not start with '.'
      .lock       | must not start with '.'
      x.lock      | must not end with ".lock"
      a.b.lock    | must not end with ".lock"
      trailing.   | must not end with '.'
      """)
  void rejectsIdsThatGitRefusesInABranchNameAndNamesTheRule(String value, String rule) {
    assertThatThrownBy(() -> CellId.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "cellId %s (a rule of git branch names; the cell's branch is swarm/<id>) but was \"%s\"",
            rule, value);
  }

  @Test
  void agreesWithGitCheckRefFormatOnTheCellBranchForTrickyIds(@TempDir Path temp) throws Exception {
    List<String> tricky =
        new ArrayList<>(
            List.of(
                "a..b",
                "..",
                ".",
                ".hidden",
                ".lock",
                "x.lock",
                "x.lock.y",
                "a.LOCK",
                "trailing.",
                "a.",
                "a.b",
                "HEAD",
                "head",
                "@",
                "a@{1}",
                "a@b",
                "a b",
                "a~1",
                "a^",
                "a:b",
                "a?",
                "a*",
                "a[b",
                "a\\b",
                "a/b",
                "a//b",
                "a/",
                "/a",
                "a\u0001b",
                "a\u007fb",
                "a\tb",
                "-rf",
                "-",
                "_",
                "lock",
                "cell-1",
                "Cell_2.retry-3",
                "x".repeat(64),
                "y".repeat(65)));
    String alphabet = "a._-";
    for (char c1 : alphabet.toCharArray()) {
      tricky.add("" + c1);
      for (char c2 : alphabet.toCharArray()) {
        tricky.add("" + c1 + c2);
        for (char c3 : alphabet.toCharArray()) {
          tricky.add("" + c1 + c2 + c3);
        }
      }
    }
    int bothAccept = 0;
    int bothRefuse = 0;
    for (String id : tricky) {
      boolean gitAccepts = gitAcceptsBranch(temp, "swarm/" + id);
      // CellId may be stricter than git only by its own rules (safe as a directory name and an
      // argument, short);
      // wherever those allow an id, git decides.
      boolean expected = gitAccepts && !refusedByOwnRules(id);
      assertThat(isCellId(id))
          .as("CellId accepts \"%s\" (git accepts swarm/%s: %s)", id, id, gitAccepts)
          .isEqualTo(expected);
      if (expected) {
        bothAccept++;
      } else if (!gitAccepts) {
        bothRefuse++;
      }
    }
    assertThat(bothAccept).as("ids both accept").isGreaterThan(15);
    assertThat(bothRefuse).as("ids git refuses").isGreaterThan(40);
  }

  private static boolean refusedByOwnRules(String id) {
    return id.isEmpty()
        || id.length() > CellId.MAX_LENGTH
        || id.startsWith("-")
        || !id.matches("[A-Za-z0-9._-]+");
  }

  private static boolean gitAcceptsBranch(Path directory, String name)
      throws IOException, InterruptedException {
    Process git =
        new ProcessBuilder("git", "check-ref-format", "--branch", name)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!git.waitFor(30, TimeUnit.SECONDS)) {
      git.destroyForcibly().waitFor();
      throw new AssertionError("git check-ref-format did not finish for " + name);
    }
    return git.exitValue() == 0;
  }

  private static boolean isCellId(String id) {
    try {
      CellId.of(id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Test
  void rejectsDotNamesLeadingDashesEmptyAndTooLong() {
    assertThatThrownBy(() -> CellId.of("."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId must not be '.' or '..' but was \".\"");
    assertThatThrownBy(() -> CellId.of(".."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId must not be '.' or '..' but was \"..\"");
    assertThatThrownBy(() -> CellId.of("-rf"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId must not start with '-' but was \"-rf\"");
    assertThatThrownBy(() -> CellId.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cellId must be 1 to 64 characters long but was 0 characters: \"\"");
    assertThatThrownBy(() -> CellId.of("y".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "cellId must be 1 to 64 characters long but was 65 characters: \"yyy");
    assertThatThrownBy(() -> CellId.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cellId cannot be null");
  }
}
