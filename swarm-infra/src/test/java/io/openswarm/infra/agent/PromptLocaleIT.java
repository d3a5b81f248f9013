package io.openswarm.infra.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.infra.process.Scripts;
import io.openswarm.infra.sandbox.OutsideTmpDirFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM started with no {@code LANG}/{@code LC_*} (the POSIX locale, whose charset is ASCII)
 * and a command agent asked to write {@code notes/café.txt}: the prompt reaches the agent byte for
 * byte in UTF-8 through {@code {promptFile}}, and through {@code {prompt}} it is refused with a
 * message that names the remedies, instead of reaching the agent as {@code caf?}. In a UTF-8 locale
 * {@code {prompt}} carries it unchanged.
 */
class PromptLocaleIT {

  private static final byte[] PROMPT_BYTES =
      PromptLocaleChild.PROMPT.getBytes(StandardCharsets.UTF_8);

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path script;
  private Path worktree;
  private Path state;

  @BeforeEach
  void setUp() throws IOException {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    state = Files.createDirectories(temp.resolve("state/cell-1"));
    // Records the bytes it was given and does what the prompt says, as a real agent would.
    script =
        Scripts.write(
            Files.createDirectories(temp.resolve("tools")),
            "agent.sh",
            String.join(
                "\n",
                "if [ \"$1\" = promptFile ]; then prompt=$(cat \"$2\"); else prompt=$2; fi",
                "printf '%s' \"$prompt\" > received.bin",
                "mkdir -p notes && : > \"${prompt#write }\""));
  }

  @Test
  void inThePosixLocaleThePromptFileCarriesNonAsciiTextUnchanged() throws Exception {
    List<String> output = runChild(Map.of(), "promptFile");

    assertThat(output)
        .as("the child ran in an ASCII locale")
        .anyMatch(l -> l.startsWith("ENCODING ANSI_X3.4-1968"));
    assertThat(output).contains("DONE");
    assertThat(worktree.resolve("received.bin")).hasBinaryContent(PROMPT_BYTES);
    assertThat(worktree.resolve("notes").resolve("caf\u00e9.txt")).exists();
  }

  @Test
  void inThePosixLocaleAPromptOnTheCommandLineIsRefusedInsteadOfCorrupted() throws Exception {
    List<String> output = runChild(Map.of(), "prompt");

    assertThat(output)
        .as("the child ran in an ASCII locale")
        .anyMatch(l -> l.startsWith("ENCODING ANSI_X3.4-1968"));
    assertThat(output).noneMatch(l -> l.equals("DONE"));
    assertThat(output)
        .anyMatch(
            l ->
                l.startsWith("REFUSED prompt holds ")
                    && l.contains("cannot pass on a command line")
                    && l.contains("LANG=C.UTF-8")
                    && l.contains("{promptFile}"));
    assertThat(worktree.resolve("received.bin")).as("no agent was started").doesNotExist();
    assertThat(worktree.resolve("notes")).doesNotExist();
  }

  @Test
  void inAUtf8LocaleAPromptOnTheCommandLineArrivesUnchanged() throws Exception {
    List<String> output = runChild(Map.of("LC_ALL", "C.UTF-8"), "prompt");

    assertThat(output).anyMatch(l -> l.startsWith("ENCODING UTF-8"));
    assertThat(output).contains("DONE");
    assertThat(worktree.resolve("received.bin")).hasBinaryContent(PROMPT_BYTES);
    assertThat(worktree.resolve("notes").resolve("caf\u00e9.txt")).exists();
  }

  /**
   * Runs {@link PromptLocaleChild} with no locale variables but {@code locale}, and returns what it
   * printed.
   */
  private List<String> runChild(Map<String, String> locale, String mode) throws Exception {
    Path log = temp.resolve("child-" + mode + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                PromptLocaleChild.class.getName(),
                mode,
                script.toString(),
                worktree.toString(),
                state.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder
        .environment()
        .keySet()
        .removeIf(name -> name.equals("LANG") || name.equals("LANGUAGE") || name.startsWith("LC_"));
    builder.environment().putAll(locale);
    Process child = builder.start();
    try {
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child JVM finished").isTrue();
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertThat(child.exitValue())
        .as("exit of the child JVM; its output:\n%s", String.join("\n", lines))
        .isZero();
    return lines;
  }
}
