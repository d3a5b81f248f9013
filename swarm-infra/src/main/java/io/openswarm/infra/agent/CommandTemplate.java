package io.openswarm.infra.agent;

import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
 *
 * An argument that is exactly one placeholder is replaced by the value as one whole argument, byte
 * for byte: quotes, {@code $(...)}, backticks, spaces and newlines in a prompt reach the agent
 * unchanged and are never interpreted, because no shell is involved. Placeholders are never
 * substituted inside a longer argument: a template argument such as {@code --message={prompt}} is
 * rejected when the template is made (write {@code "--message", "{prompt}"} instead), so nothing is
 * silently passed on literally. The program (the first argument) cannot be a placeholder.
 *
 * <ul>
 *   <li>{@value #PROMPT} — the prompt text;
 *   <li>{@value #PROMPT_FILE} — the absolute path of a UTF-8 file holding the prompt, for agents
 *       that read their task from a file and for prompts beyond the operating system's limit on one
 *       argument (128 KiB on Linux);
 *   <li>{@value #WORKTREE} — the absolute path of the cell's worktree (also the working directory);
 *   <li>{@value #PORT} — the port leased for the cell, in decimal.
 * </ul>
 *
 * A template must use {@value #PROMPT} or {@value #PROMPT_FILE}; otherwise the agent would never
 * see its task.
 *
 * <h2>What a command line can carry</h2>
 *
 * {@value #PROMPT_FILE} carries any prompt: the file is written in UTF-8, whatever the worker's
 * locale. A command line cannot, and {@link #checkPrompt(String)} refuses, before any process
 * starts, a prompt it would not deliver unchanged:
 *
 * <ul>
 *   <li>one longer than {@value #MAX_ARGUMENT_BYTES} bytes: Linux refuses a larger argument ({@code
 *       MAX_ARG_STRLEN} is 131072 bytes with the terminating NUL) with a bare "Argument list too
 *       long";
 *   <li>one holding a character the JVM cannot encode for a command line. The JVM encodes arguments
 *       with the charset of the locale it was started in ({@code file.encoding} up to Java 17,
 *       {@code sun.jnu.encoding} from Java 18 on; neither can be changed once the JVM runs), and
 *       replaces what that charset cannot spell with {@code ?} without a word: a worker started
 *       with no {@code LANG}/{@code LC_*} (the POSIX locale, ASCII) would hand {@code
 *       notes/café.txt} to the agent as {@code notes/caf?.txt}. Nothing inside the library can pass
 *       those bytes through {@code ProcessBuilder} unchanged, and a wrapper that decodes them would
 *       put a shell or a helper program between the worker and every agent, so such a prompt is
 *       refused with a message that names both remedies: start the worker in a UTF-8 locale (e.g.
 *       {@code LANG=C.UTF-8}) or use {@value #PROMPT_FILE}.
 * </ul>
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

  /**
   * The most bytes a prompt passed as {@value #PROMPT} may take: Linux's limit on one argument
   * ({@code MAX_ARG_STRLEN}, 131072 bytes) less its terminating NUL.
   */
  public static final int MAX_ARGUMENT_BYTES = 131_072 - 1;

  private static final List<String> PLACEHOLDERS = List.of(PROMPT, PROMPT_FILE, WORKTREE, PORT);

  /**
   * The charsets this JVM may encode a command line with: the default charset (what Java 17 uses)
   * and the native one of {@code sun.jnu.encoding} (what Java 18 and later use). A prompt must fit
   * both, so the check holds on every Java version without knowing its internals; the two differ
   * only when {@code file.encoding} was set by hand.
   */
  private static final Set<Charset> ARGUMENT_CHARSETS = argumentCharsets();

  private final List<String> arguments;

  private CommandTemplate(List<String> arguments) {
    this.arguments = arguments;
  }

  /**
   * Makes a template from an argument list.
   *
   * @param arguments the program and its arguments, with placeholders
   * @return the template
   * @throws NullPointerException if {@code arguments} or one of them is null
   * @throws IllegalArgumentException if the list is empty, the program is empty or a placeholder,
   *     an argument holds a placeholder inside other text or a NUL character, or neither {@value
   *     #PROMPT} nor {@value #PROMPT_FILE} is used
   */
  public static CommandTemplate of(List<String> arguments) {
    Objects.requireNonNull(arguments, "arguments cannot be null");
    List<String> copy = List.copyOf(arguments);
    if (copy.isEmpty() || copy.get(0).isBlank()) {
      throw new IllegalArgumentException(
          "command template must start with a program but was " + copy);
    }
    if (PLACEHOLDERS.contains(copy.get(0))) {
      throw new IllegalArgumentException(
          "the program of a command template cannot be a placeholder but was " + copy.get(0));
    }
    boolean prompted = false;
    for (int i = 0; i < copy.size(); i++) {
      String argument = copy.get(i);
      if (argument.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "command template argument " + i + " must not contain a NUL character");
      }
      if (PLACEHOLDERS.contains(argument)) {
        prompted |= argument.equals(PROMPT) || argument.equals(PROMPT_FILE);
        continue;
      }
      for (String placeholder : PLACEHOLDERS) {
        if (argument.contains(placeholder)) {
          throw new IllegalArgumentException(
              "command template argument "
                  + i
                  + " '"
                  + argument
                  + "' holds "
                  + placeholder
                  + " inside other text, but placeholders are replaced only as whole arguments; split it "
                  + "into separate arguments, e.g. \"--message\", \"{prompt}\" instead of \"--message={prompt}\"");
        }
      }
    }
    if (!prompted) {
      throw new IllegalArgumentException(
          "command template " + copy + " must pass the task with " + PROMPT + " or " + PROMPT_FILE);
    }
    return new CommandTemplate(copy);
  }

  /**
   * Makes a template from arguments.
   *
   * @param arguments the program and its arguments, with placeholders
   * @return the template
   * @throws NullPointerException if {@code arguments} or one of them is null
   * @throws IllegalArgumentException as {@link #of(List)}
   */
  public static CommandTemplate of(String... arguments) {
    Objects.requireNonNull(arguments, "arguments cannot be null");
    return of(List.of(arguments));
  }

  /**
   * The template's arguments, placeholders included.
   *
   * @return the arguments, unmodifiable; never empty
   */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * The program, the first argument.
   *
   * @return the program; never empty
   */
  public String program() {
    return arguments.get(0);
  }

  /**
   * Whether the template passes the prompt through a file ({@value #PROMPT_FILE}).
   *
   * @return true when a prompt file is passed
   */
  public boolean usesPromptFile() {
    return arguments.contains(PROMPT_FILE);
  }

  /**
   * Whether the template passes the prompt on the command line ({@value #PROMPT}).
   *
   * @return true when the prompt is passed as an argument
   */
  public boolean usesPromptArgument() {
    return arguments.contains(PROMPT);
  }

  /**
   * Checks that this template can hand {@code prompt} to a process unchanged: with {@value
   * #PROMPT}, it must fit one command-line argument and this JVM's encoding of command lines (see
   * the class comment); any prompt passed only as {@value #PROMPT_FILE} fits. Call it before
   * starting anything, so an impossible prompt is refused with a reason instead of failing in the
   * operating system or reaching the agent corrupted.
   *
   * @param prompt the prompt to check
   * @throws NullPointerException if {@code prompt} is null
   * @throws IllegalArgumentException if the prompt holds a NUL character, or the template passes it
   *     as {@value #PROMPT} and it is longer than {@value #MAX_ARGUMENT_BYTES} bytes or holds a
   *     character this JVM cannot put on a command line; the message says which, and names {@value
   *     #PROMPT_FILE}
   */
  public void checkPrompt(String prompt) {
    checkPrompt(prompt, ARGUMENT_CHARSETS);
  }

  /** {@link #checkPrompt(String)} against the given command-line charsets. */
  void checkPrompt(String prompt, Set<Charset> argumentCharsets) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    int nul = prompt.indexOf('\0');
    if (nul >= 0) {
      throw new IllegalArgumentException(
          "prompt must not contain a NUL character (no process argument or text "
              + "file the agent reads can carry one) but has one at index "
              + nul);
    }
    if (!usesPromptArgument()) {
      return;
    }
    for (Charset charset : argumentCharsets) {
      CharsetEncoder encoder = charset.newEncoder();
      if (!encoder.canEncode(prompt)) {
        int index = firstUnencodable(prompt, encoder);
        int codePoint = prompt.codePointAt(index);
        throw new IllegalArgumentException(
            String.format(
                "prompt holds %s (U+%04X) at index %d, which this JVM "
                    + "cannot pass on a command line: it encodes command lines in %s, the charset of the locale the "
                    + "worker was started in, and the agent would receive '?' instead. Start the worker in a UTF-8 locale "
                    + "(e.g. LANG=C.UTF-8) or pass the prompt with %s (written in UTF-8) instead of %s",
                quoted(codePoint), codePoint, index, charset.name(), PROMPT_FILE, PROMPT));
      }
      long bytes = prompt.getBytes(charset).length;
      if (bytes > MAX_ARGUMENT_BYTES) {
        throw new IllegalArgumentException(
            String.format(
                "prompt is %d characters (%d bytes in %s), too long to "
                    + "pass as %s: one command-line argument can hold at most %d bytes (Linux's MAX_ARG_STRLEN is 131072 "
                    + "bytes with the terminating NUL). Pass long prompts with %s: the agent gets the path of a UTF-8 file "
                    + "holding the prompt",
                prompt.length(), bytes, charset.name(), PROMPT, MAX_ARGUMENT_BYTES, PROMPT_FILE));
      }
    }
  }

  /**
   * The argument list for one turn, each placeholder argument replaced by its value. It does not
   * check the prompt: call {@link #checkPrompt(String)} first.
   *
   * @param prompt the prompt text
   * @param promptFile the file holding the prompt
   * @param worktree the cell's worktree
   * @param port the cell's port
   * @return the arguments to start the process with
   * @throws NullPointerException if an argument is null
   */
  public List<String> render(String prompt, Path promptFile, Path worktree, int port) {
    Objects.requireNonNull(prompt, "prompt cannot be null");
    Objects.requireNonNull(promptFile, "promptFile cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    List<String> rendered = new ArrayList<>(arguments.size());
    for (String argument : arguments) {
      rendered.add(
          switch (argument) {
            case PROMPT -> prompt;
            case PROMPT_FILE -> promptFile.toAbsolutePath().toString();
            case WORKTREE -> worktree.toAbsolutePath().toString();
            case PORT -> Integer.toString(port);
            default -> argument;
          });
    }
    return List.copyOf(rendered);
  }

  private static int firstUnencodable(String text, CharsetEncoder encoder) {
    for (int i = 0; i < text.length(); i = text.offsetByCodePoints(i, 1)) {
      if (!encoder.canEncode(new String(Character.toChars(text.codePointAt(i))))) {
        return i;
      }
    }
    return 0;
  }

  private static String quoted(int codePoint) {
    boolean printable =
        !Character.isISOControl(codePoint)
            && Character.isDefined(codePoint)
            && Character.getType(codePoint) != Character.SURROGATE;
    return printable ? "'" + new String(Character.toChars(codePoint)) + "'" : "a character";
  }

  private static Set<Charset> argumentCharsets() {
    Set<Charset> charsets = new LinkedHashSet<>();
    charsets.add(Charset.defaultCharset());
    String nativeName = System.getProperty("sun.jnu.encoding");
    try {
      charsets.add(nativeName == null ? Charset.defaultCharset() : Charset.forName(nativeName));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      // A charset the JVM cannot name cannot be checked either: only ASCII is safe then.
      charsets.add(StandardCharsets.US_ASCII);
    }
    return Collections.unmodifiableSet(charsets);
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
