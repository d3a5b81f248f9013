package io.openswarm.infra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {

  private static final Path PROMPT_FILE = Path.of("/state/cell-1/agent/prompt-1.txt");
  private static final Path WORKTREE = Path.of("/pool/cell-1");

  @Test
  void placeholdersAreReplacedAsWholeArgumentsAndEverythingElseStaysAsItIs() {
    CommandTemplate template = CommandTemplate.of("agent", "--message", "{prompt}", "--file", "{promptFile}",
        "--repo", "{worktree}", "--port", "{port}", "{literal}", "{ prompt }");

    assertThat(template.render("fix it", PROMPT_FILE, WORKTREE, 8123)).containsExactly("agent", "--message",
        "fix it", "--file", PROMPT_FILE.toString(), "--repo", WORKTREE.toString(), "--port", "8123", "{literal}",
        "{ prompt }");
    assertThat(template.usesPromptFile()).isTrue();
    assertThat(template.program()).isEqualTo("agent");
  }

  @Test
  void aHostilePromptIsOneArgumentByteForByte() {
    String hostile = "it's \"quoted\" $(touch /tmp/pwned) `id` ${HOME} \\ ; rm -rf / &\nsecond line\n{prompt}";
    List<String> argv = CommandTemplate.of("agent", "{prompt}").render(hostile, PROMPT_FILE, WORKTREE, 1);

    assertThat(argv).containsExactly("agent", hostile);
  }

  @Test
  void aPromptThatLooksLikeAPlaceholderIsNotSubstitutedAgain() {
    List<String> argv = CommandTemplate.of("agent", "{prompt}", "{port}").render("{port}", PROMPT_FILE, WORKTREE,
        9);

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
    assertThatThrownBy(() -> CommandTemplate.of(List.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with a program");
    assertThatThrownBy(() -> CommandTemplate.of(" ", "{prompt}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CommandTemplate.of("{prompt}", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be a placeholder");
  }

  @Test
  void nullsAndNulCharactersAreRejected() {
    assertThatThrownBy(() -> CommandTemplate.of((List<String>) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("arguments cannot be null");
    assertThatThrownBy(() -> CommandTemplate.of(Arrays.asList("agent", null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> CommandTemplate.of("agent", "{prompt}", "a\0b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 2 must not contain a NUL");
  }

  @Test
  void theTemplateIsAValue() {
    CommandTemplate a = CommandTemplate.of("agent", "{prompt}");
    assertThat(a).isEqualTo(CommandTemplate.of(List.of("agent", "{prompt}"))).hasSameHashCodeAs(
        CommandTemplate.of("agent", "{prompt}"));
    assertThat(a).isNotEqualTo(CommandTemplate.of("agent", "--", "{prompt}"));
    assertThat(a.arguments()).containsExactly("agent", "{prompt}");
    assertThat(a).hasToString("agent {prompt}");
  }
}
