package io.openswarm.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The bounds on what step results and outcomes carry, so that every result fits in one Temporal
 * message.
 *
 * <p>Why: results travel between activities and workflows as single payloads, and Temporal refuses
 * a message above 4 MiB (the server's own payload limit is 2 MiB). A result that does not fit is
 * not delivered at all; the workflow then sees its activity time out, as if the host were lost, and
 * runs the whole step again. A change of 50,000 files, or an agent's answer of megabytes, must
 * therefore be carried as counts and a bounded sample, never whole:
 *
 * <ul>
 *   <li>lists of file paths keep their first {@value #MAX_LISTED_FILES} entries, and no more than
 *       {@value #MAX_LISTED_FILE_CHARS} characters of paths in all, beside the total count;
 *   <li>free texts (an agent's summary, an error, a test report) keep their first {@value
 *       #MAX_TEXT_CHARS} characters, followed by a note of how many were cut.
 * </ul>
 *
 * Activities check the serialized size of what they return against {@value #MAX_RESULT_BYTES} bytes
 * as a last resort and fail with the non-retryable type {@value #RESULT_TOO_LARGE} rather than send
 * a message that cannot arrive.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResultLimits {

  /**
   * How many file paths a result lists at most; the count beside the list says how many there were.
   */
  public static final int MAX_LISTED_FILES = 1_000;

  /**
   * How many characters of file paths a result lists at most, in all (a path may be 4,096 bytes
   * long).
   */
  public static final int MAX_LISTED_FILE_CHARS = 256 * 1024;

  /** How many characters of one free text (summary, error, test report) a result keeps. */
  public static final int MAX_TEXT_CHARS = 64 * 1024;

  /** The largest serialized result an activity returns; half of Temporal's 4 MiB message limit. */
  public static final int MAX_RESULT_BYTES = 2 * 1024 * 1024;

  /**
   * The failure type of an activity whose result would exceed {@link #MAX_RESULT_BYTES}; never
   * retried.
   */
  public static final String RESULT_TOO_LARGE = "ResultTooLarge";

  /** Room left for the note that says how much of a text was cut. */
  private static final int NOTE_CHARS = 64;

  private ResultLimits() {}

  /**
   * The first paths of {@code files}: at most {@link #MAX_LISTED_FILES} of them and {@link
   * #MAX_LISTED_FILE_CHARS} characters in all; {@code files} itself (copied) when it is within both
   * bounds.
   *
   * @param files the paths to bound; not null, no null element
   * @return an unmodifiable list of the first paths; the whole list when it is within both bounds
   * @throws NullPointerException if {@code files} or one of its elements is null
   */
  public static List<String> firstFiles(List<String> files) {
    Objects.requireNonNull(files, "files cannot be null");
    if (files.size() <= MAX_LISTED_FILES && totalChars(files) <= MAX_LISTED_FILE_CHARS) {
      return List.copyOf(files);
    }
    List<String> first = new ArrayList<>(Math.min(files.size(), MAX_LISTED_FILES));
    long chars = 0;
    for (String file : files) {
      chars += file.length();
      if (first.size() == MAX_LISTED_FILES || chars > MAX_LISTED_FILE_CHARS) {
        break;
      }
      first.add(file);
    }
    return List.copyOf(first);
  }

  /**
   * {@code text} cut to its beginning and a note saying how many characters were left out, together
   * at most {@link #MAX_TEXT_CHARS} characters; {@code text} itself when it is within the bound.
   * Never splits a surrogate pair; cutting a cut text changes nothing.
   *
   * @param text the text to bound; not null
   * @return {@code text} when it has at most {@link #MAX_TEXT_CHARS} characters, else its beginning
   *     and the note
   */
  public static String truncate(String text) {
    Objects.requireNonNull(text, "text cannot be null");
    if (text.length() <= MAX_TEXT_CHARS) {
      return text;
    }
    // The note fits in the bound too, so that a text cut once is never cut again (results are read
    // back through
    // the same constructors).
    int end = MAX_TEXT_CHARS - NOTE_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end)
        + "\n[... "
        + (text.length() - end)
        + " more characters not kept]";
  }

  private static long totalChars(List<String> files) {
    long chars = 0;
    for (String file : files) {
      chars += file.length();
    }
    return chars;
  }
}
