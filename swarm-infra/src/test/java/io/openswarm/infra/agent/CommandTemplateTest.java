package io.openswarm.infra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {

  private static final Path PROMPT_FILE = Path.of("/state/cell-1/agent/prompt-1.txt");
  private static final Path WORKTREE = Path.of("/pool/cell-1");

  @Test
  void placeholdersAreReplacedAsWholeArgumentsAndEverythingElseStaysAsItIs() {
    CommandTemplate template =
        CommandTemplate.of(
            "agent",
            "--message",
            "{prompt}",
            "--file",
            "{promptFile}",
            "--repo",
            "{worktree}",
            "--port",
            "{port}",
            "{literal}",
            "{ prompt }");

    assertThat(template.render("fix it", PROMPT_FILE, WORKTREE, 8123))
        .containsExactly(
            "agent",
            "--message",
            "fix it",
            "--file",
            PROMPT_FILE.toString(),
            "--repo",
            WORKTREE.toString(),
            "--port",
            "8123",
            "{literal}",
            "{ prompt }");
    assertThat(template.usesPromptFile()).isTrue();
    assertThat(template.program()).isEqualTo("agent");
  }

  @Test
  void aHostilePromptIsOneArgumentByteForByte() {
    String hostile =
        "it's \"quoted\" $(touch /tmp/pwned) `id` ${HOME} \\ ; rm -rf / &\nsecond line\n{prompt}";
    List<String> argv =
        CommandTemplate.of("agent", "{prompt}").render(hostile, PROMPT_FILE, WORKTREE, 1);

    assertThat(argv).containsExactly("agent", hostile);
  }

  @Test
  void aPromptThatLooksLikeAPlaceholderIsNotSubstitutedAgain() {
    List<String> argv =
        CommandTemplate.of("agent", "{prompt}", "{port}")
            .render("{port}", PROMPT_FILE, WORKTREE, 9);

    assertThat(argv).containsExactly("agent", "{port}", "9");
  }

  @Test
  void aPlaceholderInsideALongerArgumentIsRejectedWithTheFix() {
    assertThatThrownBy(() -> CommandTemplate.of("aider", "--message={prompt}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 1 '--message={prompt}'")
        .hasMessageContaining("\"--message\", \"{prompt}\"");
    assertThatThrownBy(() -> CommandTemplate.of("agent", "{prompt}", "--cwd={worktree}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{worktree} inside other text");
    assertThatThrownBy(() -> CommandTemplate.of("agent", "{prompt}", "{port}{port}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTaskMustReachTheAgent() {
    assertThatThrownBy(() -> CommandTemplate.of("agent", "--repo", "{worktree}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must pass the task with {prompt} or {promptFile}");
    assertThat(CommandTemplate.of("agent", "{promptFile}").usesPromptFile()).isTrue();
  }

  @Test
  void theProgramIsRequiredAndCannotBeAPlaceholder() {
    assertThatThrownBy(() -> CommandTemplate.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with a program");
    assertThatThrownBy(() -> CommandTemplate.of(" ", "{prompt}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandTemplate.of("{prompt}", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be a placeholder");
  }

  @Test
  void nullsAndNulCharactersAreRejected() {
    assertThatThrownBy(() -> CommandTemplate.of((List<String>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("arguments cannot be null");
    assertThatThrownBy(() -> CommandTemplate.of(Arrays.asList("agent", null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> CommandTemplate.of("agent", "{prompt}", "a\0b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 2 must not contain a NUL");
  }

  @Test
  void theTemplateIsAValue() {
    CommandTemplate a = CommandTemplate.of("agent", "{prompt}");
    assertThat(a)
        .isEqualTo(CommandTemplate.of(List.of("agent", "{prompt}")))
        .hasSameHashCodeAs(CommandTemplate.of("agent", "{prompt}"));
    assertThat(a).isNotEqualTo(CommandTemplate.of("agent", "--", "{prompt}"));
    assertThat(a.arguments()).containsExactly("agent", "{prompt}");
    assertThat(a).hasToString("agent {prompt}");
  }

  @Test
  void aPromptOnTheCommandLineMustFitOneArgumentAndTheMessageNamesThePromptFile() {
    CommandTemplate template = CommandTemplate.of("agent", "--message", "{prompt}");
    Set<java.nio.charset.Charset> utf8 = Set.of(StandardCharsets.UTF_8);

    template.checkPrompt("x".repeat(CommandTemplate.MAX_ARGUMENT_BYTES), utf8);
    assertThatThrownBy(() -> template.checkPrompt("x".repeat(150_000), utf8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "prompt is 150000 characters (150000 bytes in UTF-8), too long to pass as {prompt}: one "
                + "command-line argument can hold at most 131071 bytes (Linux's MAX_ARG_STRLEN is 131072 bytes with the "
                + "terminating NUL). Pass long prompts with {promptFile}: the agent gets the path of a UTF-8 file holding "
                + "the prompt");
    // Bytes count, not characters: 65,536 two-byte characters are one byte too many.
    assertThatThrownBy(() -> template.checkPrompt("\u00e9".repeat(65_536), utf8))
        .hasMessageStartingWith("prompt is 65536 characters (131072 bytes in UTF-8)");
    CommandTemplate.of("agent", "--file", "{promptFile}").checkPrompt("x".repeat(150_000), utf8);
  }

  @Test
  void aPromptTheLocaleCannotSpellIsRefusedOnTheCommandLineButNotInAFile() {
    Set<java.nio.charset.Charset> posix = Set.of(StandardCharsets.US_ASCII);

    assertThatThrownBy(
            () ->
                CommandTemplate.of("agent", "{prompt}")
                    .checkPrompt("write notes/caf\u00e9.txt", posix))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "prompt holds '\u00e9' (U+00E9) at index 15, which this JVM cannot pass on a command line: it "
                + "encodes command lines in US-ASCII, the charset of the locale the worker was started in, and the agent "
                + "would receive '?' instead. Start the worker in a UTF-8 locale (e.g. LANG=C.UTF-8) or pass the prompt "
                + "with {promptFile} (written in UTF-8) instead of {prompt}");
    CommandTemplate.of("agent", "{prompt}").checkPrompt("write notes/cafe.txt", posix);
    CommandTemplate.of("agent", "{promptFile}").checkPrompt("write notes/caf\u00e9.txt", posix);
    CommandTemplate.of("agent", "{prompt}")
        .checkPrompt("write notes/caf\u00e9.txt \ud83d\ude00", Set.of(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> CommandTemplate.of("agent", "{promptFile}").checkPrompt("a\0b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL character");
  }
}
