package io.openswarm.infra.process;

import io.openswarm.core.sandbox.SandboxPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What to start: the command as an argument list (never through a shell), where, with which
 * environment, where its output goes and how it may be stopped.
 *
 * <p>The output (stdout and stderr merged, in the order the process wrote them) goes to {@link
 * #logFile()}, which must be outside the working directory so logs never end up in a commit; the
 * log stops growing at {@link #logCapBytes()}, and the last {@link #tailBytes()} are kept in memory
 * for error messages.
 *
 * <p>Immutable and thread-safe; build with {@link #newBuilder()}.
 */
public final class ProcessSpec {

  /** Default cap of the log file: 16 MiB. */
  public static final long DEFAULT_LOG_CAP_BYTES = 16L * 1024 * 1024;

  /** Default size of the in-memory output tail: 64 KiB. */
  public static final int DEFAULT_TAIL_BYTES = 64 * 1024;

  /** Largest allowed in-memory output tail: 16 MiB. */
  public static final int MAX_TAIL_BYTES = 16 * 1024 * 1024;

  /** Default time between TERM and KILL when stopping: 5 seconds. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

  private final List<String> command;
  private final Path workingDirectory;
  private final ProcessEnvironment environment;
  private final Path logFile;
  private final long logCapBytes;
  private final int tailBytes;
  private final @Nullable Duration timeout;
  private final Duration stopGrace;
  private final SandboxPolicy sandboxPolicy;
  private final String description;

  private ProcessSpec(Builder b, List<String> command, Path workingDirectory, Path logFile) {
    this.command = command;
    this.workingDirectory = workingDirectory;
    this.logFile = logFile;
    this.environment = b.environment != null ? b.environment : ProcessEnvironment.defaults();
    this.logCapBytes = b.logCapBytes;
    this.tailBytes = b.tailBytes;
    this.timeout = b.timeout;
    this.stopGrace = b.stopGrace;
    this.sandboxPolicy =
        b.sandboxPolicy != null
            ? b.sandboxPolicy
            : SandboxPolicy.newBuilder().writable(workingDirectory).build();
    this.description =
        b.description != null
            ? b.description
            : String.valueOf(Path.of(command.get(0)).getFileName());
  }

  /**
   * A new builder; command, working directory and log file are required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder initialised with the settings of this spec.
   *
   * @return a new builder holding this spec's settings
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.command = command;
    b.workingDirectory = workingDirectory;
    b.environment = environment;
    b.logFile = logFile;
    b.logCapBytes = logCapBytes;
    b.tailBytes = tailBytes;
    b.timeout = timeout;
    b.stopGrace = stopGrace;
    b.sandboxPolicy = sandboxPolicy;
    b.description = description;
    return b;
  }

  /**
   * The program and its arguments; each argument reaches the program unchanged.
   *
   * @return the command, unmodifiable; never empty
   */
  public List<String> command() {
    return command;
  }

  /**
   * The absolute directory the process runs in.
   *
   * @return the working directory
   */
  public Path workingDirectory() {
    return workingDirectory;
  }

  /**
   * The complete environment of the process.
   *
   * @return the environment
   */
  public ProcessEnvironment environment() {
    return environment;
  }

  /**
   * The absolute path of the log file, outside the working directory; truncated at start.
   *
   * @return the log file
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * How many bytes of output the log file keeps at most.
   *
   * @return the limit, in bytes
   */
  public long logCapBytes() {
    return logCapBytes;
  }

  /**
   * How many bytes of the end of the output are kept in memory.
   *
   * @return the limit, in bytes; 1 to {@link #MAX_TAIL_BYTES}
   */
  public int tailBytes() {
    return tailBytes;
  }

  /**
   * How long the process may run before its tree is stopped, if limited.
   *
   * @return the limit, or empty when not limited
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * How long a stop waits between TERM and KILL.
   *
   * @return the grace period
   */
  public Duration stopGrace() {
    return stopGrace;
  }

  /**
   * What the process may write when the supervisor's sandbox isolates; by default only its working
   * directory.
   *
   * @return the policy
   */
  public SandboxPolicy sandboxPolicy() {
    return sandboxPolicy;
  }

  /**
   * What the process is, for logs and the {@link ProcessListener}.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "ProcessSpec{description="
        + description
        + ", program="
        + command.get(0)
        + ", arguments="
        + (command.size() - 1)
        + ", workingDirectory="
        + workingDirectory
        + ", logFile="
        + logFile
        + ", timeout="
        + timeout
        + ", environment="
        + environment
        + "}";
  }

  /** Builds a {@link ProcessSpec}. Not thread-safe. */
  public static final class Builder {

    private @Nullable List<String> command;
    private @Nullable Path workingDirectory;
    private @Nullable ProcessEnvironment environment;
    private @Nullable Path logFile;
    private long logCapBytes = DEFAULT_LOG_CAP_BYTES;
    private int tailBytes = DEFAULT_TAIL_BYTES;
    private @Nullable Duration timeout;
    private Duration stopGrace = DEFAULT_STOP_GRACE;
    private @Nullable SandboxPolicy sandboxPolicy;
    private @Nullable String description;

    private Builder() {}

    /**
     * Sets the program and its arguments. Required.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     */
    public Builder command(List<String> command) {
      Objects.requireNonNull(command, "command cannot be null");
      this.command = List.copyOf(command);
      return this;
    }

    /**
     * Sets the program and its arguments. Required.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     */
    public Builder command(String... command) {
      Objects.requireNonNull(command, "command cannot be null");
      return command(List.of(command));
    }

    /**
     * Sets the absolute directory to run in. Required.
     *
     * @param workingDirectory an absolute directory
     * @return this builder
     * @throws NullPointerException if {@code workingDirectory} is null
     */
    public Builder workingDirectory(Path workingDirectory) {
      this.workingDirectory =
          Objects.requireNonNull(workingDirectory, "workingDirectory cannot be null");
      return this;
    }

    /**
     * Sets the complete environment; the default is {@link ProcessEnvironment#defaults()}.
     *
     * @param environment the complete environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder environment(ProcessEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment cannot be null");
      return this;
    }

    /**
     * Sets the absolute path of the log file, outside the working directory. Required.
     *
     * @param logFile an absolute file outside the working directory
     * @return this builder
     * @throws NullPointerException if {@code logFile} is null
     */
    public Builder logFile(Path logFile) {
      this.logFile = Objects.requireNonNull(logFile, "logFile cannot be null");
      return this;
    }

    /**
     * Sets how many bytes of output the log file keeps at most; default {@link
     * #DEFAULT_LOG_CAP_BYTES}.
     *
     * @param logCapBytes the limit, in bytes; checked by {@link #build()}
     * @return this builder
     */
    public Builder logCapBytes(long logCapBytes) {
      this.logCapBytes = logCapBytes;
      return this;
    }

    /**
     * Sets how many bytes of the end of the output are kept in memory; default {@link
     * #DEFAULT_TAIL_BYTES}.
     *
     * @param tailBytes the limit, in bytes; 1 to {@link #MAX_TAIL_BYTES}, checked by {@link
     *     #build()}
     * @return this builder
     */
    public Builder tailBytes(int tailBytes) {
      this.tailBytes = tailBytes;
      return this;
    }

    /**
     * Limits how long the process may run; by default it is not limited.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets how long a stop waits between TERM and KILL; default {@link #DEFAULT_STOP_GRACE}.
     *
     * @param stopGrace the grace period; not negative
     * @return this builder
     * @throws NullPointerException if {@code stopGrace} is null
     */
    public Builder stopGrace(Duration stopGrace) {
      this.stopGrace = Objects.requireNonNull(stopGrace, "stopGrace cannot be null");
      return this;
    }

    /**
     * Sets what the process may write under a sandbox; by default only its working directory.
     *
     * @param sandboxPolicy the policy
     * @return this builder
     * @throws NullPointerException if {@code sandboxPolicy} is null
     */
    public Builder sandboxPolicy(SandboxPolicy sandboxPolicy) {
      this.sandboxPolicy = Objects.requireNonNull(sandboxPolicy, "sandboxPolicy cannot be null");
      return this;
    }

    /**
     * Describes the process for logs, for example {@code "agent cell-7"}; by default the program's
     * file name.
     *
     * @param description the description
     * @return this builder
     * @throws NullPointerException if {@code description} is null
     */
    public Builder description(String description) {
      this.description = Objects.requireNonNull(description, "description cannot be null");
      return this;
    }

    /**
     * Validates the settings and builds the spec.
     *
     * @return the spec
     * @throws IllegalStateException if the command, working directory or log file was not set
     * @throws IllegalArgumentException if a value is out of range: an empty command or program
     *     name, an argument with a NUL character, a relative path, a log file inside the working
     *     directory, a negative log cap, a tail outside 1 byte to {@link #MAX_TAIL_BYTES}, a
     *     timeout that is not positive, a negative stop grace
     */
    public ProcessSpec build() {
      if (command == null) {
        throw new IllegalStateException("command is required but was not set");
      }
      if (workingDirectory == null) {
        throw new IllegalStateException("workingDirectory is required but was not set");
      }
      if (logFile == null) {
        throw new IllegalStateException("logFile is required but was not set");
      }
      if (command.isEmpty() || command.get(0).isEmpty()) {
        throw new IllegalArgumentException(
            "command must start with a program name but was " + command);
      }
      for (int i = 0; i < command.size(); i++) {
        if (command.get(i).indexOf('\0') >= 0) {
          throw new IllegalArgumentException(
              "command argument " + i + " must not contain a NUL character");
        }
      }
      if (!workingDirectory.isAbsolute()) {
        throw new IllegalArgumentException(
            "workingDirectory must be absolute but was " + workingDirectory);
      }
      if (!logFile.isAbsolute()) {
        throw new IllegalArgumentException("logFile must be absolute but was " + logFile);
      }
      Path dir = workingDirectory.normalize();
      Path log = logFile.normalize();
      if (log.startsWith(dir) || log.getParent() == null) {
        throw new IllegalArgumentException(
            "logFile must be outside the working directory "
                + dir
                + " (logs would end up in commits) but was "
                + logFile);
      }
      if (logCapBytes < 0) {
        throw new IllegalArgumentException("logCapBytes must be 0 or more but was " + logCapBytes);
      }
      if (tailBytes < 1 || tailBytes > MAX_TAIL_BYTES) {
        throw new IllegalArgumentException(
            "tailBytes must be between 1 and " + MAX_TAIL_BYTES + " but was " + tailBytes);
      }
      if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("stopGrace must not be negative but was " + stopGrace);
      }
      if (description != null && description.isBlank()) {
        throw new IllegalArgumentException(
            "description must not be blank but was \"" + description + "\"");
      }
      return new ProcessSpec(this, command, dir, log);
    }
  }
}
