package io.openswarm.testkit.agent;

import java.util.List;
import java.util.Objects;

/**
 * A tiny prompt language for scripted agents, so that a test says what the agent does in the prompt
 * itself:
 *
 * <ul>
 *   <li>{@code write PATH CONTENT}: writes {@code CONTENT} (everything after the second space,
 *       spaces and newlines included) to {@code PATH};
 *   <li>{@code delete PATH}: deletes {@code PATH};
 *   <li>{@code hang}: the turn never finishes by itself (it ends when aborted or timed out);
 *   <li>{@code fail}: the turn fails as a model error would;
 *   <li>anything else: the turn finishes without editing.
 * </ul>
 *
 * <p>Package-private: users reach it through {@link ScriptedAgent.Builder#promptCommands()} or
 * {@link ChildProcessAgent.Builder#promptCommands()}, whose Javadoc documents the language. The
 * words are matched exactly and case-sensitively; a {@code write} without content writes an empty
 * file.
 *
 * <p>Thread-safe (stateless).
 */
final class PromptCommands {

  private PromptCommands() {}

  /**
   * The edits that {@code prompt} asks for: one for {@code write} and {@code delete}, none
   * otherwise.
   *
   * @param prompt the prompt
   * @return the edits; empty for a prompt that is no {@code write} or {@code delete}
   * @throws NullPointerException if {@code prompt} is null
   * @throws IllegalArgumentException if a {@code write} or {@code delete} names no path
   */
  public static List<ScriptedAgent.FileEdit> edits(String prompt) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    String[] words = prompt.split(" ", 3);
    return switch (words[0]) {
      case "write" ->
          List.of(
              ScriptedAgent.FileEdit.write(path(words, prompt), words.length > 2 ? words[2] : ""));
      case "delete" -> List.of(ScriptedAgent.FileEdit.delete(path(words, prompt)));
      default -> List.of();
    };
  }

  /**
   * How the turn for {@code prompt} behaves: {@link ScriptedAgent.Turn#HANG} for {@code hang},
   * {@link ScriptedAgent.Turn#FAIL} for {@code fail}, {@link ScriptedAgent.Turn#NORMAL} otherwise.
   *
   * @param prompt the prompt
   * @return the turn's behaviour
   * @throws NullPointerException if {@code prompt} is null
   */
  public static ScriptedAgent.Turn turn(String prompt) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    return switch (prompt) {
      case "hang" -> ScriptedAgent.Turn.HANG;
      case "fail" -> ScriptedAgent.Turn.FAIL;
      default -> ScriptedAgent.Turn.NORMAL;
    };
  }

  private static String path(String[] words, String prompt) {
    if (words.length < 2 || words[1].isEmpty()) {
      throw new IllegalArgumentException(
          "a \""
              + words[0]
              + "\" prompt must name a path (\""
              + words[0]
              + " PATH ...\") but was \""
              + prompt
              + "\"");
    }
    return words[1];
  }
}
