package io.openswarm.core.history;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How much of what cells did is kept after they are gone: each cell run's logs (and, after red
 * tests, the named report folders) in a history folder under the worker's state directory, and each
 * reverted change as a ref {@code refs/swarm/rejected/<cellId>}.
 *
 * <ul>
 *   <li>{@link #maxRuns()}: how many cell runs are kept; default 200; 0 keeps nothing (no history,
 *       no refs);
 *   <li>{@link #maxAge()}: runs older than this are removed; default 14 days;
 *   <li>{@link #maxBytes()}: the history folder's total size; default 2 GiB;
 *   <li>{@link #maxRunBytes()}: what one run may copy (logs and reports together) and the largest
 *       change kept as a ref; default 64 MiB;
 *   <li>{@link #keepReports()}: folders of the worktree, relative to its top, copied after red
 *       tests (for example {@code target/surefire-reports}, {@code build/test-results}); none by
 *       default.
 * </ul>
 *
 * Retention removes the oldest runs first, with their refs, until every rule holds; it runs when
 * the worker starts and after each teardown.
 *
 * <p>Immutable and thread-safe; build with {@link #newBuilder()}.
 */
public final class HistoryOptions {

  private static final HistoryOptions DEFAULT = newBuilder().build();

  private final int maxRuns;
  private final Duration maxAge;
  private final long maxBytes;
  private final long maxRunBytes;
  private final List<String> keepReports;

  private HistoryOptions(Builder builder) {
    this.maxRuns = builder.maxRuns;
    this.maxAge = builder.maxAge;
    this.maxBytes = builder.maxBytes;
    this.maxRunBytes = builder.maxRunBytes;
    this.keepReports = List.copyOf(builder.keepReports);
  }

  /**
   * The defaults: 200 runs, 14 days, 2 GiB in all, 64 MiB per run, no report folders.
   *
   * @return the shared default options
   */
  public static HistoryOptions getDefaultInstance() {
    return DEFAULT;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder starting from {@code options}.
   *
   * @param options the options to start from; not null
   * @return a new builder holding the values of {@code options}
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(HistoryOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder builder = new Builder();
    builder.maxRuns = options.maxRuns;
    builder.maxAge = options.maxAge;
    builder.maxBytes = options.maxBytes;
    builder.maxRunBytes = options.maxRunBytes;
    builder.keepReports.addAll(options.keepReports);
    return builder;
  }

  /**
   * How many cell runs are kept; 0 keeps nothing.
   *
   * @return the number of runs kept; 0 or more
   */
  public int maxRuns() {
    return maxRuns;
  }

  /**
   * How long a run is kept.
   *
   * @return the age after which a run is removed; positive
   */
  public Duration maxAge() {
    return maxAge;
  }

  /**
   * The most bytes all kept runs may hold together.
   *
   * @return the size limit of the whole history, in bytes; at least 1 MiB
   */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * The most bytes one run copies, and the largest change kept as a ref.
   *
   * @return the size limit of one run, in bytes; at least 1 MiB
   */
  public long maxRunBytes() {
    return maxRunBytes;
  }

  /**
   * The worktree-relative folders copied after red tests, in the order given.
   *
   * @return the folders, unmodifiable; empty when no report is copied
   */
  public List<String> keepReports() {
    return keepReports;
  }

  /**
   * Whether anything is kept at all.
   *
   * @return true when {@link #maxRuns()} is positive
   */
  public boolean enabled() {
    return maxRuns > 0;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HistoryOptions)) {
      return false;
    }
    HistoryOptions that = (HistoryOptions) o;
    return maxRuns == that.maxRuns
        && maxAge.equals(that.maxAge)
        && maxBytes == that.maxBytes
        && maxRunBytes == that.maxRunBytes
        && keepReports.equals(that.keepReports);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxRuns, maxAge, maxBytes, maxRunBytes, keepReports);
  }

  @Override
  public String toString() {
    return "HistoryOptions{runs="
        + maxRuns
        + ", age="
        + maxAge
        + ", bytes="
        + maxBytes
        + ", runBytes="
        + maxRunBytes
        + ", reports="
        + keepReports
        + "}";
  }

  /** Builds {@link HistoryOptions}. Not thread-safe. */
  public static final class Builder {
    private int maxRuns = 200;
    private Duration maxAge = Duration.ofDays(14);
    private long maxBytes = 2L * 1024 * 1024 * 1024;
    private long maxRunBytes = 64L * 1024 * 1024;
    private final List<String> keepReports = new ArrayList<>();

    private Builder() {}

    /**
     * How many cell runs are kept; 0 keeps nothing at all (no logs, no reports, no refs).
     *
     * @param runs how many runs to keep; 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code runs} is negative
     */
    public Builder maxRuns(int runs) {
      if (runs < 0) {
        throw new IllegalArgumentException(
            "maxRuns must be 0 (keep nothing) or positive but was " + runs);
      }
      this.maxRuns = runs;
      return this;
    }

    /**
     * How long a run is kept.
     *
     * @param age how long a run is kept; positive
     * @return this builder
     * @throws NullPointerException if {@code age} is null
     * @throws IllegalArgumentException if {@code age} is not positive
     */
    public Builder maxAge(Duration age) {
      Objects.requireNonNull(age, "maxAge cannot be null");
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive but was " + age);
      }
      this.maxAge = age;
      return this;
    }

    /**
     * The most bytes all kept runs may hold together.
     *
     * @param bytes the limit, in bytes; at least 1 MiB (1048576)
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1 MiB
     */
    public Builder maxBytes(long bytes) {
      this.maxBytes = atLeastOneMebibyte("maxBytes", bytes);
      return this;
    }

    /**
     * The most bytes one run copies (logs and reports together; what is over is left out and the
     * record says so), and the largest change kept as a ref.
     *
     * @param bytes the limit, in bytes; at least 1 MiB (1048576)
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1 MiB
     */
    public Builder maxRunBytes(long bytes) {
      this.maxRunBytes = atLeastOneMebibyte("maxRunBytes", bytes);
      return this;
    }

    /**
     * Folders of the worktree, relative to its top, copied into the history after red tests, such
     * as {@code keepReports("target/surefire-reports", "build/test-results")}. Replaces the folders
     * given before. They are copied without following symbolic links: a link, a device or a pipe
     * the cell put there is left out.
     *
     * @param folders the folders, relative to the worktree's top; none to copy no report
     * @return this builder
     * @throws NullPointerException if {@code folders} is or holds null
     * @throws IllegalArgumentException if a folder is empty, absolute, or names {@code .}, {@code
     *     ..} or {@code .git}
     */
    public Builder keepReports(String... folders) {
      Objects.requireNonNull(folders, "keepReports cannot be null");
      List<String> checked = new ArrayList<>();
      for (String folder : folders) {
        checked.add(checkFolder(folder));
      }
      keepReports.clear();
      keepReports.addAll(checked);
      return this;
    }

    /**
     * Builds the options; every setter validated its value.
     *
     * @return the options
     */
    public HistoryOptions build() {
      return new HistoryOptions(this);
    }

    private static String checkFolder(String folder) {
      Objects.requireNonNull(folder, "keepReports cannot hold null");
      String allowed =
          "; allowed: a relative folder inside the worktree, such as target/surefire-reports";
      if (folder.isBlank()
          || folder.indexOf('\0') >= 0
          || folder.startsWith("/")
          || folder.indexOf('\\') >= 0) {
        throw new IllegalArgumentException(
            "keepReports folder must be a relative path but was \"" + folder + "\"" + allowed);
      }
      Path path;
      try {
        path = Path.of(folder);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException(
            "keepReports folder is not a valid path: \"" + folder + "\"" + allowed, e);
      }
      for (Path part : path) {
        String name = part.toString();
        if (name.equals(".") || name.equals("..") || name.equals(".git")) {
          throw new IllegalArgumentException(
              "keepReports folder must not name " + name + " but was \"" + folder + "\"" + allowed);
        }
      }
      return path.toString();
    }

    private static long atLeastOneMebibyte(String name, long bytes) {
      if (bytes < 1024 * 1024) {
        throw new IllegalArgumentException(
            name + " must be at least 1 MiB (1048576 bytes) but was " + bytes);
      }
      return bytes;
    }
  }
}
