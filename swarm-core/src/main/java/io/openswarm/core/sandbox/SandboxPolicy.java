package io.openswarm.core.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a sandboxed cell process may touch: everything is readable and nothing is writable except the
 * {@linkplain #writablePaths() writable paths}; {@linkplain #readOnlyPaths() read-only paths} stay read-only even
 * inside a writable path; {@linkplain #hiddenPaths() hidden paths} appear empty. When paths nest, the rule of the
 * innermost path applies (a writable worktree inside a hidden pool directory is visible and writable).
 *
 * <p>The usual policy is {@link #forCell(Path, Path)}: the cell's worktree and its state folder (HOME, XDG
 * directories, TMPDIR) writable, the worktree's {@code .git} entry read-only. The repository's own git directory
 * (where a linked worktree's {@code .git} file points) is outside both and therefore read-only: inside the sandbox
 * {@code git status}, {@code git diff} and {@code git log} work, {@code git add} and {@code git commit} fail, and the
 * library commits from outside the sandbox. Protecting the {@code .git} entry also stops a cell from repointing its
 * worktree at another repository before the library runs git there.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}.
 */
public final class SandboxPolicy {

  private final List<Path> writablePaths;
  private final List<Path> readOnlyPaths;
  private final List<Path> hiddenPaths;
  private final NetworkAccess network;
  private final long tmpSizeBytes;

  private SandboxPolicy(Builder builder) {
    this.writablePaths = List.copyOf(builder.writable);
    this.readOnlyPaths = List.copyOf(builder.readOnly);
    this.hiddenPaths = List.copyOf(builder.hidden);
    this.network = builder.network;
    this.tmpSizeBytes = builder.tmpSizeBytes;
  }

  /**
   * The policy for one cell: {@code worktree} and {@code stateDirectory} writable, {@code worktree/.git}
   * read-only, network shared.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a path is not absolute or is the filesystem root
   */
  public static SandboxPolicy forCell(Path worktree, Path stateDirectory) {
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    return builder()
        .writable(worktree)
        .writable(stateDirectory)
        .readOnly(worktree.resolve(".git"))
        .build();
  }

  /** A new builder with nothing writable and the network shared. */
  public static Builder builder() {
    return new Builder();
  }

  /** A new builder initialised with the settings of this policy. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.writable.addAll(writablePaths);
    builder.readOnly.addAll(readOnlyPaths);
    builder.hidden.addAll(hiddenPaths);
    builder.network = network;
    builder.tmpSizeBytes = tmpSizeBytes;
    return builder;
  }

  /** Absolute, normalized paths the command may write, in the order they were added. */
  public List<Path> writablePaths() {
    return writablePaths;
  }

  /**
   * Absolute, normalized paths that stay read-only even when they lie inside a writable path. A path that does not
   * exist when the command starts has nothing to protect and is skipped.
   */
  public List<Path> readOnlyPaths() {
    return readOnlyPaths;
  }

  /**
   * Absolute, normalized paths hidden from the command: a directory appears empty, except for writable or read-only
   * paths nested inside it; a file appears empty. A path that does not exist when the command starts is skipped.
   */
  public List<Path> hiddenPaths() {
    return hiddenPaths;
  }

  /** Whether the command shares the host's network. */
  public NetworkAccess network() {
    return network;
  }

  /** The size of the command's private {@code /tmp} and {@code /dev/shm}; 0 for the kernel's default. */
  public long tmpSizeBytes() {
    return tmpSizeBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SandboxPolicy)) {
      return false;
    }
    SandboxPolicy that = (SandboxPolicy) o;
    return writablePaths.equals(that.writablePaths) && readOnlyPaths.equals(that.readOnlyPaths)
        && hiddenPaths.equals(that.hiddenPaths) && network == that.network && tmpSizeBytes == that.tmpSizeBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(writablePaths, readOnlyPaths, hiddenPaths, network, tmpSizeBytes);
  }

  @Override
  public String toString() {
    return "SandboxPolicy{writable=" + writablePaths + ", readOnly=" + readOnlyPaths + ", hidden=" + hiddenPaths
        + ", network=" + network + (tmpSizeBytes == 0 ? "" : ", tmpSizeBytes=" + tmpSizeBytes) + "}";
  }

  /** Builds a {@link SandboxPolicy}. Not thread-safe. */
  public static final class Builder {

    private final Set<Path> writable = new LinkedHashSet<>();
    private final Set<Path> readOnly = new LinkedHashSet<>();
    private final Set<Path> hidden = new LinkedHashSet<>();
    private NetworkAccess network = NetworkAccess.SHARED;
    private long tmpSizeBytes;

    private Builder() {}

    /**
     * Sets the size of the command's private {@code /tmp} and {@code /dev/shm}; 0 (the default) leaves the kernel's
     * default, half the machine's memory.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder tmpSizeBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("tmpSizeBytes must be 0 (the kernel's default) or positive but was "
            + bytes);
      }
      this.tmpSizeBytes = bytes;
      return this;
    }

    /**
     * Lets the command write {@code path} and everything below it.
     *
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute or is the filesystem root
     */
    public Builder writable(Path path) {
      writable.add(checkPath("writable", path, false));
      return this;
    }

    /**
     * Keeps {@code path} read-only even inside a writable path.
     *
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute
     */
    public Builder readOnly(Path path) {
      readOnly.add(checkPath("readOnly", path, true));
      return this;
    }

    /**
     * Hides {@code path} from the command: a directory appears empty, a file appears empty.
     *
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute or is the filesystem root
     */
    public Builder hidden(Path path) {
      hidden.add(checkPath("hidden", path, false));
      return this;
    }

    /**
     * Sets whether the command shares the host's network; the default is {@link NetworkAccess#SHARED}.
     *
     * @throws NullPointerException if {@code network} is null
     */
    public Builder network(NetworkAccess network) {
      this.network = Objects.requireNonNull(network, "network cannot be null");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException if one path was given in two roles (say, both writable and hidden)
     */
    public SandboxPolicy build() {
      List<Path> conflicts = new ArrayList<>();
      for (Path path : writable) {
        if (readOnly.contains(path) || hidden.contains(path)) {
          conflicts.add(path);
        }
      }
      for (Path path : readOnly) {
        if (hidden.contains(path)) {
          conflicts.add(path);
        }
      }
      if (!conflicts.isEmpty()) {
        throw new IllegalArgumentException(
            "a path may be only one of writable, readOnly or hidden, but these were given twice: " + conflicts);
      }
      return new SandboxPolicy(this);
    }

    private static Path checkPath(String role, Path path, boolean rootAllowed) {
      Objects.requireNonNull(path, role + " path cannot be null");
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException(role + " path must be absolute but was " + path);
      }
      Path normalized = path.normalize();
      if (!rootAllowed && normalized.getParent() == null) {
        throw new IllegalArgumentException(
            role + " path must not be the filesystem root (that would disable the sandbox) but was " + path);
      }
      return normalized;
    }
  }
}
