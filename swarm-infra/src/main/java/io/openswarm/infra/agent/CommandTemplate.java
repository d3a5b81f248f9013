package io.openswarm.infra.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The argument list of a command-line agent, with placeholders for what changes from turn to turn.
 *
 * <pre>{@code
 * CommandTemplate.of("aider", "--yes", "--no-auto-commits", "--message", "{prompt}");
 * CommandTemplate.of("my-agent", "--task-file", "{promptFile}", "--repo", "{worktree}");
 * }</pre>
 *
 * <h2>The substitution rule</h2>
 * An argument that is exactly one placeholder is replaced by the value as one whole argument, byte for byte: quotes,
 * {@code $(...)}, backticks, spaces and newlines in a prompt reach the agent unchanged and are never interpreted,
 * because no shell is involved. Placeholders are never substituted inside a longer argument: a template argument
 * such as {@code --message={prompt}} is rejected when the template is made (write {@code "--message", "{prompt}"}
 * instead), so nothing is silently passed on literally. The program (the first argument) cannot be a placeholder.
 * <ul>
 *   <li>{@value #PROMPT} — the prompt text;
 *   <li>{@value #PROMPT_FILE} — the absolute path of a UTF-8 file holding the prompt, for agents that read their task
 *       from a file and for prompts beyond the operating system's limit on one argument (128 KiB on Linux);
 *   <li>{@value #WORKTREE} — the absolute path of the cell's worktree (also the working directory);
 *   <li>{@value #PORT} — the port leased for the cell, in decimal.
 * </ul>
 * A template must use {@value #PROMPT} or {@value #PROMPT_FILE}; otherwise the agent would never see its task.
 *
 * <p>Immutable and thread-safe.
 */
public final class CommandTemplate {

  /** Replaced by the prompt text. */
  public static final String PROMPT = "{prompt}";
  /** Replaced by the path of a file holding the prompt. */
  public static final String PROMPT_FILE = "{promptFile}";
  /** Replaced by the worktree's absolute path. */
  public static final String WORKTREE = "{worktree}";
  /** Replaced by the cell's port. */
  public static final String PORT = "{port}";

  private static final List<String> PLACEHOLDERS = List.of(PROMPT, PROMPT_FILE, WORKTREE, PORT);

  private final List<String> arguments;

  private CommandTemplate(List<String> arguments) {
    this.arguments = arguments;
  }

  /**
   * Makes a template from an argument list.
   *
   * @throws NullPointerException if {@code arguments} or one of them is null
   * @throws IllegalArgumentException if the list is empty, the program is empty or a placeholder, an argument holds
   *     a placeholder inside other text or a NUL character, or neither {@value #PROMPT} nor {@value #PROMPT_FILE}
   *     is used
   */
  public static CommandTemplate of(List<String> arguments) {
    Objects.requireNonNull(arguments, "arguments cannot be null");
    List<String> copy = List.copyOf(arguments);
    if (copy.isEmpty() || copy.get(0).isBlank()) {
      throw new IllegalArgumentException("command template must start with a program but was " + copy);
    }
    if (PLACEHOLDERS.contains(copy.get(0))) {
      throw new IllegalArgumentException("the program of a command template cannot be a placeholder but was "
          + copy.get(0));
    }
    boolean prompted = false;
    for (int i = 0; i < copy.size(); i++) {
      String argument = copy.get(i);
      if (argument.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("command template argument " + i + " must not contain a NUL character");
      }
      if (PLACEHOLDERS.contains(argument)) {
        prompted |= argument.equals(PROMPT) || argument.equals(PROMPT_FILE);
        continue;
      }
      for (String placeholder : PLACEHOLDERS) {
        if (argument.contains(placeholder)) {
          throw new IllegalArgumentException("command template argument " + i + " '" + argument + "' holds "
              + placeholder + " inside other text, but placeholders are replaced only as whole arguments; split it "
              + "into separate arguments, e.g. \"--message\", \"{prompt}\" instead of \"--message={prompt}\"");
        }
      }
    }
    if (!prompted) {
      throw new IllegalArgumentException("command template " + copy + " must pass the task with " + PROMPT
          + " or " + PROMPT_FILE);
    }
    return new CommandTemplate(copy);
  }

  /**
   * Makes a template from arguments.
   *
   * @throws NullPointerException if {@code arguments} or one of them is null
   * @throws IllegalArgumentException as {@link #of(List)}
   */
  public static CommandTemplate of(String... arguments) {
    Objects.requireNonNull(arguments, "arguments cannot be null");
    return of(List.of(arguments));
  }

  /** The template's arguments, placeholders included. */
  public List<String> arguments() {
    return arguments;
  }

  /** The program, the first argument. */
  public String program() {
    return arguments.get(0);
  }

  /** Whether the template passes the prompt through a file ({@value #PROMPT_FILE}). */
  public boolean usesPromptFile() {
    return arguments.contains(PROMPT_FILE);
  }

  /**
   * The argument list for one turn, each placeholder argument replaced by its value.
   *
   * @param prompt the prompt text
   * @param promptFile the file holding the prompt
   * @param worktree the cell's worktree
   * @param port the cell's port
   * @throws NullPointerException if an argument is null
   */
  public List<String> render(String prompt, Path promptFile, Path worktree, int port) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    Objects.requireNonNull(promptFile, "promptFile cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    List<String> rendered = new ArrayList<>(arguments.size());
    for (String argument : arguments) {
      rendered.add(switch (argument) {
        case PROMPT -> prompt;
        case PROMPT_FILE -> promptFile.toAbsolutePath().toString();
        case WORKTREE -> worktree.toAbsolutePath().toString();
        case PORT -> Integer.toString(port);
        default -> argument;
      });
    }
    return List.copyOf(rendered);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CommandTemplate && ((CommandTemplate) o).arguments.equals(arguments);
  }

  @Override
  public int hashCode() {
    return arguments.hashCode();
  }

  @Override
  public String toString() {
    return String.join(" ", arguments);
  }
}
