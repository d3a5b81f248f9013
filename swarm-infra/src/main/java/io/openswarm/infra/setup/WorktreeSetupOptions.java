package io.openswarm.infra.setup;

import io.openswarm.core.sandbox.NetworkAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a worktree needs before a cell works in it: a set-up command (say {@code npm ci}) with the
 * tracked files whose change makes it run again (say {@code package-lock.json}), untracked files
 * copied from the user's checkout (say {@code .env}), and the repository's submodules.
 *
 * <pre>{@code
 * WorktreeSetupOptions setup = WorktreeSetupOptions.newBuilder()
 *     .command("npm", "ci")
 *     .inputs("package-lock.json")
 *     .copyFromCheckout(".env")
 *     .build();
 * }</pre>
 *
 * <p>Paths ({@link Builder#inputs inputs}, {@link Builder#copyFromCheckout copies}) are relative to
 * the top of the repository, use {@code /} between names, and may not be absolute, contain {@code
 * ..} or reach into {@code .git}.
 *
 * <p>Immutable and thread-safe.
 */
public final class WorktreeSetupOptions {

  /** Default time limit of one set-up command: 10 minutes. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  /** Default largest file {@link Builder#copyFromCheckout} copies: 1 MiB. */
  public static final long DEFAULT_MAX_COPY_BYTES = 1024 * 1024;

  /**
   * The largest value {@link Builder#maxCopyBytes} accepts: 64 MiB (the file is held in memory
   * while copied).
   */
  public static final long MAX_COPY_BYTES_LIMIT = 64L * 1024 * 1024;

  private static final WorktreeSetupOptions DEFAULT = newBuilder().build();

  private final List<String> command;
  private final List<String> inputs;
  private final List<String> copyFromCheckout;
  private final boolean submodules;
  private final Duration timeout;
  private final NetworkAccess network;
  private final List<Path> writablePaths;
  private final long maxCopyBytes;

  private WorktreeSetupOptions(Builder b) {
    this.command = List.copyOf(b.command);
    this.inputs = List.copyOf(b.inputs);
    this.copyFromCheckout = List.copyOf(b.copyFromCheckout);
    this.submodules = b.submodules;
    this.timeout = b.timeout;
    this.network = b.network;
    this.writablePaths = List.copyOf(b.writablePaths);
    this.maxCopyBytes = b.maxCopyBytes;
  }

  /**
   * A builder with the defaults: nothing to set up.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder initialised with the values of {@code options}.
   *
   * @param options the options to start from
   * @return a new builder holding the values of {@code options}
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(WorktreeSetupOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder b = new Builder();
    b.command = options.command;
    b.inputs.addAll(options.inputs);
    b.copyFromCheckout.addAll(options.copyFromCheckout);
    b.submodules = options.submodules;
    b.timeout = options.timeout;
    b.network = options.network;
    b.writablePaths.addAll(options.writablePaths);
    b.maxCopyBytes = options.maxCopyBytes;
    return b;
  }

  /**
   * The options that set nothing up.
   *
   * @return the shared default options
   */
  public static WorktreeSetupOptions getDefaultInstance() {
    return DEFAULT;
  }

  /**
   * The set-up command (program and arguments), or an empty list for none.
   *
   * @return the command, unmodifiable; empty for none
   */
  public List<String> command() {
    return command;
  }

  /**
   * The tracked files (or folders) whose content at the base commit decides whether a warm worktree
   * is set up again.
   *
   * @return the paths, unmodifiable; may be empty
   */
  public List<String> inputs() {
    return inputs;
  }

  /**
   * The untracked files copied from the user's checkout into each worktree.
   *
   * @return the paths, unmodifiable; may be empty
   */
  public List<String> copyFromCheckout() {
    return copyFromCheckout;
  }

  /**
   * Whether the repository's submodules are checked out in each worktree.
   *
   * @return true when submodules are checked out
   */
  public boolean submodules() {
    return submodules;
  }

  /**
   * The time limit of one set-up command (and of the submodule update).
   *
   * @return the limit; positive
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Whether the set-up command shares the host's network under the sandbox.
   *
   * @return the network access
   */
  public NetworkAccess network() {
    return network;
  }

  /**
   * Paths outside the cell the set-up command may write as well (a package manager's cache).
   *
   * @return the paths, unmodifiable; may be empty
   */
  public List<Path> writablePaths() {
    return writablePaths;
  }

  /**
   * The largest file {@link #copyFromCheckout()} copies, in bytes.
   *
   * @return the limit, in bytes
   */
  public long maxCopyBytes() {
    return maxCopyBytes;
  }

  /**
   * Whether anything is set up at all.
   *
   * @return true when a command, a copy or submodules are configured
   */
  public boolean isConfigured() {
    return !command.isEmpty() || !copyFromCheckout.isEmpty() || submodules;
  }

  /**
   * Whether worktrees must keep their ignored files between cells for this set-up to be reused
   * warm: a set-up command's outputs ({@code node_modules}, {@code .venv}, {@code target/}) are
   * ignored files.
   *
   * @return true when a set-up command is configured
   */
  public boolean keepsIgnoredFiles() {
    return !command.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof WorktreeSetupOptions that)) {
      return false;
    }
    return submodules == that.submodules
        && maxCopyBytes == that.maxCopyBytes
        && command.equals(that.command)
        && inputs.equals(that.inputs)
        && copyFromCheckout.equals(that.copyFromCheckout)
        && timeout.equals(that.timeout)
        && network == that.network
        && writablePaths.equals(that.writablePaths);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        command,
        inputs,
        copyFromCheckout,
        submodules,
        timeout,
        network,
        writablePaths,
        maxCopyBytes);
  }

  @Override
  public String toString() {
    return "WorktreeSetupOptions{command="
        + command
        + ", inputs="
        + inputs
        + ", copyFromCheckout="
        + copyFromCheckout
        + ", submodules="
        + submodules
        + ", timeout="
        + timeout
        + ", network="
        + network
        + ", writablePaths="
        + writablePaths
        + ", maxCopyBytes="
        + maxCopyBytes
        + "}";
  }

  /**
   * Checks a path relative to the top of the repository.
   *
   * @throws IllegalArgumentException if it is blank, absolute, has an empty, {@code .} or {@code
   *     ..} part, reaches into {@code .git}, or holds a backslash or a control character
   */
  static String checkRelative(String option, String path) {
    Objects.requireNonNull(path, option + " cannot hold null");
    String problem = null;
    if (path.isBlank()) {
      problem = "it is blank";
    } else if (path.startsWith("/")) {
      problem = "it is absolute";
    } else if (path.indexOf('\\') >= 0 || path.chars().anyMatch(Character::isISOControl)) {
      problem = "it holds a backslash or a control character";
    } else {
      for (String part : path.split("/", -1)) {
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
          problem = "it has an empty, '.' or '..' part";
          break;
        }
      }
      if (problem == null && (path.equals(".git") || path.startsWith(".git/"))) {
        problem = "it reaches into .git";
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          option
              + " takes paths relative to the top of the repository (no leading "
              + "'/', no '.' or '..' part, not in .git, '/' between names) but was \""
              + path.replaceAll("\\p{Cntrl}", "?")
              + "\": "
              + problem);
    }
    return path;
  }

  /** Builds {@link WorktreeSetupOptions}; every setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private List<String> command = List.of();
    private final Set<String> inputs = new LinkedHashSet<>();
    private final Set<String> copyFromCheckout = new LinkedHashSet<>();
    private boolean submodules;
    private Duration timeout = DEFAULT_TIMEOUT;
    private NetworkAccess network = NetworkAccess.SHARED;
    private final Set<Path> writablePaths = new LinkedHashSet<>();
    private long maxCopyBytes = DEFAULT_MAX_COPY_BYTES;

    private Builder() {}

    /**
     * Sets the set-up command: the program and its arguments, each passed unchanged (no shell), run
     * in the worktree inside the cell's sandbox. It runs on a worktree the pool just created, and
     * on a warm one when an {@linkplain #inputs input} changed since the worktree was last set up.
     * An empty list (the default) runs nothing.
     *
     * @param command the program and its arguments; empty for none
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     * @throws IllegalArgumentException if the program name is blank
     */
    public Builder command(List<String> command) {
      Objects.requireNonNull(command, "command cannot be null");
      List<String> copy = List.copyOf(command);
      if (!copy.isEmpty() && copy.get(0).isBlank()) {
        throw new IllegalArgumentException(
            "command must start with a program name but was " + copy);
      }
      this.command = copy;
      return this;
    }

    /**
     * Sets the set-up command; see {@link #command(List)}.
     *
     * @param command the program and its arguments; none for no command
     * @return this builder
     */
    public Builder command(String... command) {
      return command(List.of(Objects.requireNonNull(command, "command cannot be null")));
    }

    /**
     * Names tracked files (or folders) whose content at the cell's base commit the set-up depends
     * on, such as {@code package-lock.json}, {@code requirements.txt} or {@code pom.xml}: a warm
     * worktree is set up again when one of them differs from when it was last set up (a missing one
     * counts as a content of its own). Without inputs, a worktree is set up once, when it is
     * created. Adds to those named before.
     *
     * @param paths the tracked paths, relative to the worktree's top
     * @return this builder
     * @throws NullPointerException if {@code paths} is or holds null
     * @throws IllegalArgumentException if a path is not relative to the top of the repository (see
     *     the class comment)
     */
    public Builder inputs(String... paths) {
      Objects.requireNonNull(paths, "inputs cannot be null");
      List<String> checked = new ArrayList<>();
      for (String path : paths) {
        checked.add(checkRelative("inputs", path));
      }
      inputs.addAll(checked);
      return this;
    }

    /**
     * Names untracked files of the user's checkout (say {@code .env}) that each worktree gets a
     * copy of, at the same path, before the set-up command runs. Each must be a regular file (not a
     * link) of at most {@link #maxCopyBytes} bytes, and ignored in the worktree (by {@code
     * .gitignore}), or the commit step would commit it; otherwise the set-up fails. The copy is
     * written without following links and readable by the worker's user only. Adds to those named
     * before.
     *
     * @param paths the untracked paths, relative to the checkout's top
     * @return this builder
     * @throws NullPointerException if {@code paths} is or holds null
     * @throws IllegalArgumentException if a path is not relative to the top of the repository (see
     *     the class comment)
     */
    public Builder copyFromCheckout(String... paths) {
      Objects.requireNonNull(paths, "copyFromCheckout cannot be null");
      List<String> checked = new ArrayList<>();
      for (String path : paths) {
        checked.add(checkRelative("copyFromCheckout", path));
      }
      copyFromCheckout.addAll(checked);
      return this;
    }

    /**
     * Whether each worktree gets the repository's submodules ({@code git submodule update --init
     * --recursive}, run by the library's hermetic git outside the sandbox, since the sandbox cannot
     * write git's directory); false by default. Local submodule URLs (paths, {@code file://}) are
     * allowed only when {@code .gitmodules} names one.
     *
     * @param submodules true to check out submodules
     * @return this builder
     */
    public Builder submodules(boolean submodules) {
      this.submodules = submodules;
      return this;
    }

    /**
     * Sets the time limit of the set-up command and of the submodule update; default {@link
     * #DEFAULT_TIMEOUT}. Keep it below the worker's bootstrap timeout: the set-up is part of
     * bringing a cell up.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout cannot be null");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets whether the set-up command shares the host's network under the sandbox; default {@link
     * NetworkAccess#SHARED}, since installing dependencies downloads them. {@link
     * NetworkAccess#NONE} suits a set-up that works offline from a cache named with {@link
     * #writablePath} or bound read-only.
     *
     * @param network the network access
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder network(NetworkAccess network) {
      this.network = Objects.requireNonNull(network, "network cannot be null");
      return this;
    }

    /**
     * Lets the set-up command write {@code path} as well, typically a package manager's cache
     * shared by every cell ({@code ~/.npm}, {@code ~/.m2}, {@code ~/.cache/pip}); a shared writable
     * cache is a choice: every cell's set-up can then write it.
     *
     * @param path an absolute path
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute or is the filesystem root
     */
    public Builder writablePath(Path path) {
      Objects.requireNonNull(path, "path cannot be null");
      if (!path.isAbsolute() || path.normalize().getParent() == null) {
        throw new IllegalArgumentException(
            "writable path must be absolute and not the filesystem root but was " + path);
      }
      writablePaths.add(path.normalize());
      return this;
    }

    /**
     * Sets the largest file {@link #copyFromCheckout} copies; default {@link
     * #DEFAULT_MAX_COPY_BYTES}.
     *
     * @param bytes the limit, in bytes; 1 to {@link #MAX_COPY_BYTES_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1 or above {@link
     *     #MAX_COPY_BYTES_LIMIT}
     */
    public Builder maxCopyBytes(long bytes) {
      if (bytes < 1 || bytes > MAX_COPY_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxCopyBytes must be between 1 and " + MAX_COPY_BYTES_LIMIT + " but was " + bytes);
      }
      this.maxCopyBytes = bytes;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if inputs are named without a command (they would decide
     *     nothing)
     */
    public WorktreeSetupOptions build() {
      if (command.isEmpty() && !inputs.isEmpty()) {
        throw new IllegalArgumentException(
            "inputs "
                + inputs
                + " were named without a set-up command: they decide "
                + "when the command runs again; set command(...) too");
      }
      return new WorktreeSetupOptions(this);
    }
  }
}
