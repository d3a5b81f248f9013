package io.openswarm.core.worktree;

import java.util.Objects;

/**
 * The name and e-mail address a cell's commits are made under (used as both author and committer).
 *
 * <p>Immutable and thread-safe; a record so that it travels between Temporal activities.
 *
 * @param name the display name, for example {@code Open Swarm}; not blank, at most 256 characters,
 *     without {@code <}, {@code >} or control characters
 * @param email the e-mail address, for example {@code swarm@example.com}; not blank, at most 256
 *     characters, without {@code <}, {@code >}, whitespace or control characters
 */
public record CommitAuthor(String name, String email) {

  private static final int MAX_LENGTH = 256;

  /**
   * Validates and creates an author.
   *
   * @param name the name; not blank, at most 256 characters, no {@code <}, {@code >} or control
   *     character
   * @param email the e-mail address; not blank, at most 256 characters, no {@code <}, {@code >},
   *     control character or white space
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is blank, too long or contains a character git
   *     cannot store in an identity
   */
  public CommitAuthor {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(email, "email cannot be null");
    check("name", name, false);
    check("email", email, true);
  }

  /**
   * Returns the author {@code name <email>}.
   *
   * @param name the name; not blank, at most 256 characters, no {@code <}, {@code >} or control
   *     character
   * @param email the e-mail address; not blank, at most 256 characters, no {@code <}, {@code >},
   *     control character or white space
   * @return the author
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if an argument is not valid (see {@link CommitAuthor})
   */
  public static CommitAuthor of(String name, String email) {
    return new CommitAuthor(name, email);
  }

  private static void check(String what, String value, boolean rejectWhitespace) {
    if (value.isBlank() || value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          String.format(
              "%s must be 1 to %d characters and not blank but was \"%s\"",
              what, MAX_LENGTH, printable(value)));
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '<'
          || c == '>'
          || Character.isISOControl(c)
          || (rejectWhitespace && Character.isWhitespace(c))) {
        throw new IllegalArgumentException(
            String.format(
                "%s must not contain '<', '>', control characters%s but was \"%s\"",
                what, rejectWhitespace ? " or whitespace" : "", printable(value)));
      }
    }
  }

  private static String printable(String value) {
    StringBuilder out = new StringBuilder();
    value
        .codePoints()
        .limit(MAX_LENGTH + 1)
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    return out.toString();
  }

  @Override
  public String toString() {
    return name + " <" + email + ">";
  }
}
