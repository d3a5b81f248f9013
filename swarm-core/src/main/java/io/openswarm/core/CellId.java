package io.openswarm.core;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The identity of one cell: a short name that is safe to use as a directory name, inside a git
 * branch name, in log lines and in Temporal identifiers.
 *
 * <p>A valid id is 1 to 64 characters from {@code [A-Za-z0-9._-]}, is not {@code .} or {@code ..},
 * and does not start with {@code -} (so it can never be read as a command-line option). Because it
 * contains no separator, a path built as {@code root.resolve(id)} always stays directly inside
 * {@code root}.
 *
 * <p>The cell's branch is {@code swarm/<id>}, so an id also obeys git's rules for a part of a ref
 * name ({@code git help check-ref-format}); checking them here refuses a bad id when the task is
 * submitted rather than when its worktree is created. The character set already excludes control
 * characters, space, {@code ~ ^ : ? * [ \ /} and {@code @} (so <code>@&#123;</code>, a lone
 * {@code @}, {@code //} and a trailing {@code /} cannot occur); the rules left are those on dots:
 * an id does not contain {@code ..}, does not start with {@code .}, and ends neither with {@code .}
 * nor with {@code .lock}.
 *
 * <p>Instances are immutable and thread-safe. The record form lets Temporal's default Jackson
 * converter carry it between activities.
 *
 * @param value the validated id
 */
public record CellId(String value) {

  /** The largest allowed length, in characters. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._-]+");

  /**
   * Validates and wraps {@code value}.
   *
   * @param value the id: 1 to {@value #MAX_LENGTH} characters from {@code [A-Za-z0-9._-]},
   *     following the rules above
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is not a valid cell id
   */
  public CellId {
    Objects.requireNonNull(value, "cellId cannot be null");
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          String.format(
              "cellId must be 1 to %d characters long but was %d characters: %s",
              MAX_LENGTH, value.length(), quote(value)));
    }
    if (!ALLOWED.matcher(value).matches()) {
      throw new IllegalArgumentException(
          String.format(
              "cellId may contain only letters, digits, '.', '_' and '-' but was %s",
              quote(value)));
    }
    if (value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException("cellId must not be '.' or '..' but was " + quote(value));
    }
    if (value.startsWith("-")) {
      throw new IllegalArgumentException("cellId must not start with '-' but was " + quote(value));
    }
    String refRule = brokenRefRule(value);
    if (refRule != null) {
      throw new IllegalArgumentException(
          String.format(
              "cellId %s (a rule of git branch names; the cell's branch is swarm/<id>) but was %s",
              refRule, quote(value)));
    }
  }

  /**
   * Which of git's ref-name rules {@code value} breaks, given it is made of {@link #ALLOWED}
   * characters.
   */
  private static @Nullable String brokenRefRule(String value) {
    if (value.contains("..")) {
      return "must not contain \"..\"";
    }
    if (value.startsWith(".")) {
      return "must not start with '.'";
    }
    if (value.endsWith(".lock")) {
      return "must not end with \".lock\"";
    }
    if (value.endsWith(".")) {
      return "must not end with '.'";
    }
    return null;
  }

  /**
   * Returns the cell id for {@code value}.
   *
   * @param value the id: 1 to {@value #MAX_LENGTH} characters from {@code [A-Za-z0-9._-]},
   *     following the rules in the class description
   * @return the validated id
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is not a valid cell id
   */
  public static CellId of(String value) {
    return new CellId(value);
  }

  @Override
  public String toString() {
    return value;
  }

  /**
   * Quotes a user-supplied value for an error message, escaping control characters so the message
   * stays one line.
   */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    value
        .codePoints()
        .limit(200)
        .forEach(
            cp -> {
              if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
              } else if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    if (value.codePointCount(0, value.length()) > 200) {
      out.append("...");
    }
    return out.append('"').toString();
  }
}
