package io.openswarm.infra.git;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One git invocation: the directory it runs in, its arguments (without the leading {@code git}),
 * optional standard input, extra environment variables, an optional timeout overriding the
 * runner's, and whether it may be retried when git reports that another process holds a lock.
 *
 * <p>Arguments are passed to git as they are, one argv element each; nothing is ever interpreted by
 * a shell. Callers put {@code --} (or {@code --end-of-options}) before anything that comes from
 * users, so that git cannot read it as an option.
 *
 * <p>Immutable and thread-safe.
 */
public final class GitCommand {

  private final Path directory;
  private final List<String> args;
  private final byte @Nullable [] stdin;
  private final Map<String, String> environment;
  private final @Nullable Duration timeout;
  private final boolean retryOnLockContention;

  private GitCommand(Builder builder) {
    this.directory = builder.directory;
    this.args = List.copyOf(builder.args);
    this.stdin = builder.stdin;
    this.environment = Map.copyOf(builder.environment);
    this.timeout = builder.timeout;
    this.retryOnLockContention = builder.retryOnLockContention;
  }

  /**
   * Starts a command that runs in {@code directory}.
   *
   * @param directory the working directory of the process
   * @return a new builder
   * @throws NullPointerException if {@code directory} is null
   */
  public static Builder in(Path directory) {
    return new Builder(Objects.requireNonNull(directory, "directory cannot be null"));
  }

  /**
   * A command with the given arguments that runs in {@code directory}, with the runner's defaults
   * for everything else.
   *
   * @param directory the working directory of the process
   * @param args the arguments after {@code git}; at least one, none holding a NUL character
   * @return the command
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code args} is empty or an argument contains a NUL
   *     character
   */
  public static GitCommand of(Path directory, String... args) {
    return in(directory).args(args).build();
  }

  /**
   * The working directory of the process.
   *
   * @return the working directory
   */
  public Path directory() {
    return directory;
  }

  /**
   * The arguments after {@code git}.
   *
   * @return the arguments, unmodifiable; never empty
   */
  public List<String> args() {
    return args;
  }

  /**
   * The bytes written to standard input before it is closed; empty when standard input is closed at
   * once.
   *
   * @return the input bytes, or empty
   */
  public Optional<byte[]> stdin() {
    return Optional.ofNullable(stdin).map(byte[]::clone);
  }

  /**
   * Environment variables set for this command on top of the runner's environment.
   *
   * @return the extra variables, unmodifiable; may be empty
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * The timeout of one attempt, when it differs from the runner's default.
   *
   * @return the timeout of one attempt, or empty for the runner's default
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Whether the command is run again, after a backoff, when it fails because another git process
   * holds a lock.
   *
   * @return true when lock contention is retried
   */
  public boolean retryOnLockContention() {
    return retryOnLockContention;
  }

  @Override
  public String toString() {
    return "git " + String.join(" ", args) + " (in " + directory + ")";
  }

  /** Builds a {@link GitCommand}. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private final List<String> args = new ArrayList<>();
    private byte @Nullable [] stdin;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable Duration timeout;
    private boolean retryOnLockContention = true;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * Appends arguments.
     *
     * @param args the arguments to append
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if an argument contains a NUL character (it cannot be passed
     *     to a process)
     */
    public Builder args(String... args) {
      Objects.requireNonNull(args, "args cannot be null");
      return args(Arrays.asList(args));
    }

    /**
     * Appends arguments.
     *
     * @param args the arguments to append
     * @return this builder
     * @throws NullPointerException if the list or an argument is null
     * @throws IllegalArgumentException if an argument contains a NUL character (it cannot be passed
     *     to a process)
     */
    public Builder args(List<String> args) {
      Objects.requireNonNull(args, "args cannot be null");
      for (String arg : args) {
        Objects.requireNonNull(arg, "args cannot contain null");
        if (arg.indexOf('\0') >= 0) {
          throw new IllegalArgumentException(
              "a git argument must not contain a NUL character but was \""
                  + arg.replace("\0", "\\0")
                  + "\"");
        }
        this.args.add(arg);
      }
      return this;
    }

    /**
     * Writes {@code input} as UTF-8 to the command's standard input, then closes it.
     *
     * @param input the text to write
     * @return this builder
     * @throws NullPointerException if {@code input} is null
     */
    public Builder stdin(String input) {
      Objects.requireNonNull(input, "input cannot be null");
      this.stdin = input.getBytes(StandardCharsets.UTF_8);
      return this;
    }

    /**
     * Sets an environment variable for this command, on top of the runner's environment.
     *
     * @param name the variable's name; not empty, no {@code =} or NUL
     * @param value its value; no NUL
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is empty or contains {@code =} or NUL, or
     *     {@code value} contains NUL
     */
    public Builder environment(String name, String value) {
      Objects.requireNonNull(name, "name cannot be null");
      Objects.requireNonNull(value, "value cannot be null");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "an environment variable name must be non-empty without '=' or NUL but was \""
                + name
                + "\"");
      }
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "the value of environment variable " + name + " must not contain NUL");
      }
      environment.put(name, value);
      return this;
    }

    /**
     * Sets the timeout of one attempt, overriding the runner's default.
     *
     * @param timeout the timeout of one attempt; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout cannot be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Whether to retry, after a backoff, when git fails because another process holds one of its
     * lock files ({@code index.lock}, a ref lock, {@code config.lock}). Default {@code true}: git
     * takes its locks before it changes anything, so such a failure left nothing behind.
     *
     * @param retry false to run the command only once
     * @return this builder
     */
    public Builder retryOnLockContention(boolean retry) {
      this.retryOnLockContention = retry;
      return this;
    }

    /**
     * Builds the command.
     *
     * @return the command
     * @throws IllegalArgumentException if no argument was given
     */
    public GitCommand build() {
      if (args.isEmpty()) {
        throw new IllegalArgumentException(
            "a git command needs at least one argument (the subcommand)");
      }
      return new GitCommand(this);
    }
  }
}
