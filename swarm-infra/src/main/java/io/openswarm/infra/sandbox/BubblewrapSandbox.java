package io.openswarm.infra.sandbox;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.core.sandbox.SandboxRequest;
import io.openswarm.core.sandbox.SandboxedCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Confines a cell's processes with bubblewrap ({@code bwrap}), without a container engine.
 *
 * <p>The profile:
 * <ul>
 *   <li>the whole filesystem read-only ({@code --ro-bind / /}), with a fresh {@code /dev} and a private {@code /tmp};
 *   <li>the policy's writable paths (the cell's worktree and state folder) bound read-write; its read-only paths
 *       (the worktree's {@code .git} entry) re-bound read-only on top; its hidden directories replaced by empty ones.
 *       Where paths nest, the innermost rule applies, because mounts are applied from the shallowest path down;
 *   <li>a new PID namespace with its own {@code /proc}: other cells' processes, and their environments with their
 *       secrets, are invisible and cannot be signalled;
 *   <li>no capabilities ({@code --cap-drop ALL}), so even a worker running as root cannot remount the filesystem
 *       read-write from inside; a private IPC namespace;
 *   <li>{@code --new-session} (no terminal injection) and {@code --die-with-parent}: when the worker JVM dies, even
 *       by SIGKILL, the kernel kills the sandbox and everything in it;
 *   <li>the network shared unless the policy says {@link NetworkAccess#NONE} ({@code --unshare-net}).
 * </ul>
 * What is not isolated: reading files the worker can read, the network by default, CPU and memory.
 *
 * <p>The started process is the {@code bwrap} launcher ({@link SandboxedCommand#rootIsLauncher()}); when the
 * command inside exits, the namespace's init exits and the kernel kills whatever was left inside.
 *
 * <p>Obtain one from {@link SandboxDetector}, which checks that {@code bwrap} works. Immutable and thread-safe.
 */
public final class BubblewrapSandbox implements CellSandbox {

  private final Path executable;
  private final String version;

  BubblewrapSandbox(Path executable, String version) {
    this.executable = Objects.requireNonNull(executable, "executable cannot be null");
    this.version = Objects.requireNonNull(version, "version cannot be null");
  }

  /** The {@code bwrap} binary. */
  public Path executable() {
    return executable;
  }

  /** The version {@code bwrap --version} reported, such as {@code 0.8.0}. */
  public String version() {
    return version;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if a writable path does not exist (bubblewrap can only bind what exists)
   */
  @Override
  public SandboxedCommand wrap(SandboxRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    SandboxPolicy policy = request.policy();
    List<String> args = new ArrayList<>();
    args.add(executable.toString());
    args.add("--die-with-parent");
    args.add("--new-session");
    args.add("--unshare-pid");
    args.add("--unshare-ipc");
    if (policy.network() == NetworkAccess.NONE) {
      args.add("--unshare-net");
    }
    args.add("--cap-drop");
    args.add("ALL");
    args.add("--ro-bind");
    args.add("/");
    args.add("/");
    args.add("--dev");
    args.add("/dev");
    args.add("--proc");
    args.add("/proc");
    args.add("--tmpfs");
    args.add("/tmp");
    for (Mount mount : mounts(policy)) {
      args.addAll(mount.arguments());
    }
    args.add("--chdir");
    args.add(request.workingDirectory().toString());
    args.add("--");
    args.addAll(request.command());
    return new SandboxedCommand(args, request.environment(), true);
  }

  private static List<Mount> mounts(SandboxPolicy policy) {
    List<Mount> mounts = new ArrayList<>();
    for (Path hidden : policy.hiddenPaths()) {
      if (Files.isDirectory(hidden)) {
        mounts.add(new Mount(Kind.HIDDEN, real(hidden)));
      }
    }
    for (Path writable : policy.writablePaths()) {
      if (!Files.exists(writable)) {
        throw new IllegalArgumentException(
            "writable path " + writable + " does not exist; bubblewrap can only bind existing files and directories");
      }
      mounts.add(new Mount(Kind.WRITABLE, real(writable)));
    }
    for (Path readOnly : policy.readOnlyPaths()) {
      if (Files.exists(readOnly)) {
        mounts.add(new Mount(Kind.READ_ONLY, real(readOnly)));
      }
    }
    // Shallower mounts first, so a deeper one lands on top of it and its rule wins; sort is stable.
    mounts.sort(Comparator.comparingInt((Mount m) -> m.path.getNameCount()).thenComparing(m -> m.kind));
    return mounts;
  }

  /** Binds the resolved path: inside the sandbox the same symlinks lead to it, whatever path the caller used. */
  private static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }

  private enum Kind { HIDDEN, WRITABLE, READ_ONLY }

  private static final class Mount {
    final Kind kind;
    final Path path;

    Mount(Kind kind, Path path) {
      this.kind = kind;
      this.path = path;
    }

    List<String> arguments() {
      String p = path.toString();
      switch (kind) {
        case HIDDEN:
          return List.of("--tmpfs", p);
        case WRITABLE:
          return List.of("--bind", p, p);
        default:
          return List.of("--ro-bind-try", p, p);
      }
    }
  }

  @Override
  public String name() {
    return "bubblewrap";
  }

  @Override
  public String description() {
    return "bubblewrap " + version + " (" + executable + ")";
  }

  @Override
  public boolean isolating() {
    return true;
  }

  @Override
  public String toString() {
    return "BubblewrapSandbox{" + description() + "}";
  }
}
