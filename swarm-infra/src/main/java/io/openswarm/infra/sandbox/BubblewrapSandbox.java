package io.openswarm.infra.sandbox;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.internal.Executables;
import io.openswarm.infra.sandbox.internal.NetworkBridge;
import io.openswarm.infra.sandbox.internal.ProgramFolders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Confines a cell's processes with bubblewrap ({@code bwrap}), without a container engine.
 *
 * <p>The profile:
 *
 * <ul>
 *   <li>the filesystem read-only ({@code --ro-bind / /}), with a fresh {@code /dev}, a fresh {@code
 *       /proc} and a private {@code /tmp};
 *   <li>what a cell has no business reading hidden ({@link #SYSTEM_HIDDEN}): every home folder
 *       ({@code /home}, {@code /root} and the worker's {@code user.home}), {@code /run} (and so
 *       {@code /var/run} and {@code $XDG_RUNTIME_DIR}, where the sockets of D-Bus, ssh-agent,
 *       Docker and the like live), {@code /var/tmp}, mounts under {@code /mnt} and {@code /media},
 *       logs, mail and spools; files that hold system secrets masked with an empty file ({@link
 *       #SYSTEM_MASKED}: {@code /etc/shadow}, {@code /etc/gshadow}, {@code /etc/sudoers}, the ssh
 *       host keys). A worker running as root reads all of these; its cells do not;
 *   <li>the policy's hidden paths (the worker's state root, worktree root, checkout and credential
 *       files) hidden the same way; its writable paths (the cell's worktree and state folder) bound
 *       read-write; its read-only paths (the worktree's {@code .git} entry, the prompt folder)
 *       re-bound read-only on top. Where paths nest, the innermost rule applies, because mounts are
 *       applied from the shallowest path down;
 *   <li>what the cell needs from inside a hidden folder re-bound read-only: the repository's git
 *       directory (where a writable worktree's {@code .git} file points), each folder on the
 *       command's {@code PATH}, and the folder above a {@code bin} or {@code shims} entry
 *       (toolchains under a home folder, such as nvm, pyenv or sdkman, keep their {@code lib}
 *       beside {@code bin}) unless it is the home folder or its {@code .local}, {@code .cargo} or
 *       {@code .config}, which hold credentials beside programs, the program's own folder, and the
 *       target of {@code /etc/resolv.conf} when it points into {@code /run};
 *   <li>a new PID namespace with its own {@code /proc}: other cells' processes, and their
 *       environments with their secrets, are invisible and cannot be signalled;
 *   <li>no capabilities ({@code --cap-drop ALL}), so even a worker running as root cannot remount
 *       the filesystem read-write from inside; a private IPC namespace;
 *   <li>{@code --new-session} (no terminal injection) and {@code --die-with-parent}: when the
 *       worker JVM dies, even by SIGKILL, the kernel kills the sandbox and everything in it;
 *   <li>the network shared unless the policy says {@link NetworkAccess#NONE} ({@code
 *       --unshare-net}). With a shared network, abstract Unix sockets (X11, some D-Bus buses) and
 *       every service on the loopback address stay reachable. A private network lets through only
 *       what the policy names: its exposed ports (the worker connects to the host's {@code
 *       127.0.0.1:P} and reaches the command's {@code 127.0.0.1:P} inside) and its allowed
 *       endpoints (loopback ones at the same address and port inside, others through an HTTP {@code
 *       CONNECT} proxy named in {@code HTTPS_PROXY}/{@code HTTP_PROXY} that refuses every other
 *       destination). {@code socat} inside and the worker outside carry them over Unix sockets (see
 *       {@code NetworkBridge}); this needs {@code socat} installed (Debian package {@code socat}).
 * </ul>
 *
 * What is not isolated: reading the rest of the file system (programs, libraries, {@code /etc}),
 * the network by default, CPU and memory.
 *
 * <p>The started process is the {@code bwrap} launcher ({@link
 * CellSandbox.Command#rootIsLauncher()}); when the command inside exits, the namespace's init exits
 * and the kernel kills whatever was left inside.
 *
 * <p>Obtain one from {@link SandboxDetector}, which checks that {@code bwrap} works. Immutable and
 * thread-safe.
 */
public final class BubblewrapSandbox implements CellSandbox {

  /** Folders hidden from every cell (where they exist), whatever the policy says. */
  public static final List<Path> SYSTEM_HIDDEN =
      List.of(
          Path.of("/home"),
          Path.of("/root"),
          Path.of("/run"),
          Path.of("/var/run"),
          Path.of("/var/tmp"),
          Path.of("/mnt"),
          Path.of("/media"),
          Path.of("/srv"),
          Path.of("/var/log"),
          Path.of("/var/mail"),
          Path.of("/var/spool"),
          Path.of("/var/backups"),
          Path.of("/var/lib/docker"),
          Path.of("/var/lib/containerd"),
          Path.of("/etc/ssl/private"));

  /**
   * Files replaced by an empty one in every cell (where they exist): system secrets a root worker
   * could read.
   */
  public static final List<Path> SYSTEM_MASKED =
      List.of(
          Path.of("/etc/shadow"),
          Path.of("/etc/shadow-"),
          Path.of("/etc/gshadow"),
          Path.of("/etc/gshadow-"),
          Path.of("/etc/sudoers"),
          Path.of("/etc/security/opasswd"),
          Path.of("/etc/ssh/ssh_host_rsa_key"),
          Path.of("/etc/ssh/ssh_host_ecdsa_key"),
          Path.of("/etc/ssh/ssh_host_ed25519_key"),
          Path.of("/etc/ssh/ssh_host_dsa_key"));

  private final Path executable;
  private final String version;

  /**
   * Machine facts every wrap uses, resolved once: the system folders and the home folder to hide,
   * as real paths.
   */
  private final Set<Path> systemHidden;

  /** The files of {@link #SYSTEM_MASKED} that exist here. */
  private final List<Path> systemMasked;

  /**
   * Where {@code /etc/resolv.conf} leads when it is a link (into {@code /run}, say); null when it
   * is a file.
   */
  private final @Nullable Path resolvTarget;

  private final @Nullable Path home;

  /**
   * {@code socat} and {@code sleep}, which carry and wait for a private network's relays; null when
   * missing.
   */
  private final @Nullable Path socat;

  private final @Nullable Path sleep;
  private final @Nullable Path dd;

  BubblewrapSandbox(Path executable, String version) {
    this.executable = Objects.requireNonNull(executable, "executable cannot be null");
    this.version = Objects.requireNonNull(version, "version cannot be null");
    this.home = userHome();
    Set<Path> hidden = new LinkedHashSet<>();
    SYSTEM_HIDDEN.forEach(path -> hidden.add(real(path)));
    if (home != null && home.getNameCount() > 0) {
      hidden.add(real(home));
    }
    this.systemHidden = Set.copyOf(hidden);
    this.systemMasked =
        SYSTEM_MASKED.stream()
            .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
            .toList();
    Path resolv = real(Path.of("/etc/resolv.conf"));
    this.resolvTarget = resolv.equals(Path.of("/etc/resolv.conf")) ? null : resolv;
    this.socat = Executables.resolveSystemTool("socat").orElse(null);
    this.sleep = Executables.resolveSystemTool("sleep").orElse(null);
    this.dd = Executables.resolveSystemTool("dd").orElse(null);
  }

  /**
   * The {@code bwrap} binary.
   *
   * @return the binary's path
   */
  public Path executable() {
    return executable;
  }

  /**
   * The version {@code bwrap --version} reported, such as {@code 0.8.0}.
   *
   * @return the version
   */
  public String version() {
    return version;
  }

  /**
   * {@inheritDoc}
   *
   * <p>A private network with exposed ports or allowed endpoints opens its relays on the worker's
   * side here; the returned command's {@linkplain CellSandbox.Command#bridge() bridge} must be
   * closed by the caller.
   *
   * @throws IllegalArgumentException if a writable path does not exist (bubblewrap can only bind
   *     what exists), or the policy names exposed ports or allowed endpoints and {@code socat} is
   *     not installed
   * @throws UncheckedIOException if the relays of a private network cannot be opened (an exposed
   *     port in use)
   */
  @Override
  public CellSandbox.Command wrap(CellSandbox.Request request) {
    Objects.requireNonNull(request, "request cannot be null");
    SandboxPolicy policy = request.policy();
    NetworkBridge bridge = null;
    if (policy.network() == NetworkAccess.NONE
        && !(policy.exposedPorts().isEmpty() && policy.allowedEndpoints().isEmpty())) {
      if (socat == null || sleep == null || dd == null) {
        throw new IllegalArgumentException(
            "a private network with exposed ports "
                + policy.exposedPorts()
                + " and allowed endpoints "
                + policy.allowedEndpoints()
                + " needs socat, which was not found on the "
                + "worker's PATH or in the system folders; install it (Debian package socat)");
      }
      try {
        bridge = NetworkBridge.open(policy, socat, sleep, dd, describe(request.command()));
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    try {
      return wrap(request, policy, bridge);
    } catch (RuntimeException e) {
      if (bridge != null) {
        bridge.close();
      }
      throw e;
    }
  }

  private static String describe(List<String> command) {
    String text = String.join(" ", command);
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  private CellSandbox.Command wrap(
      CellSandbox.Request request, SandboxPolicy policy, @Nullable NetworkBridge bridge) {
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
    if (policy.tmpSizeBytes() > 0) {
      args.add("--size");
      args.add(Long.toString(policy.tmpSizeBytes()));
    }
    args.add("--tmpfs");
    args.add("/tmp");
    if (policy.tmpSizeBytes() > 0) {
      // bubblewrap's /dev keeps shm in its own RAM-backed folder; a sized tmpfs bounds it like
      // /tmp.
      args.add("--size");
      args.add(Long.toString(policy.tmpSizeBytes()));
      args.add("--tmpfs");
      args.add("/dev/shm");
    }
    for (Mount mount : mounts(policy, request, bridge != null)) {
      args.addAll(mount.arguments());
    }
    for (SandboxPolicy.Bind bind : policy.binds()) {
      // Last: a bind's target lies inside the cell's own folders (a cache in its home), which must
      // exist first.
      if (!Files.exists(bind.source())) {
        throw new IllegalArgumentException(
            "bind source "
                + bind.source()
                + " does not exist; bubblewrap can only bind"
                + " existing files and directories");
      }
      args.add(bind.writable() ? "--bind" : "--ro-bind");
      args.add(real(bind.source()).toString());
      args.add(bind.target().toString());
    }
    if (bridge != null) {
      // After /run is hidden: the relays' folders live under it.
      args.addAll(bridge.mountArguments());
    }
    args.add("--chdir");
    args.add(request.workingDirectory().toString());
    args.add("--");
    if (bridge == null) {
      args.addAll(request.command());
      return new CellSandbox.Command(args, request.environment(), true);
    }
    args.addAll(bridge.wrap(request.command()));
    Map<String, String> environment = new HashMap<>(request.environment());
    environment.putAll(bridge.environment());
    return new CellSandbox.Command(args, environment, true, bridge);
  }

  private List<Mount> mounts(SandboxPolicy policy, CellSandbox.Request request, boolean bridged) {
    List<Mount> mounts = new ArrayList<>();
    Set<Path> hidden = new LinkedHashSet<>(systemHidden);
    for (Path path : policy.hiddenPaths()) {
      hidden.add(real(path));
    }
    Set<Path> taken = new HashSet<>();
    for (Path writable : policy.writablePaths()) {
      if (!Files.exists(writable)) {
        throw new IllegalArgumentException(
            "writable path "
                + writable
                + " does not exist; bubblewrap can only bind existing files and directories");
      }
      Path path = real(writable);
      if (taken.add(path)) {
        mounts.add(new Mount(Kind.WRITABLE, path));
      }
    }
    for (Path readOnly : policy.readOnlyPaths()) {
      if (Files.exists(readOnly)) {
        Path path = real(readOnly);
        if (taken.add(path)) {
          mounts.add(new Mount(Kind.READ_ONLY, path));
        }
      }
    }
    for (Path path : hidden) {
      if (taken.contains(path) || path.getNameCount() == 0) {
        continue;
      }
      if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        taken.add(path);
        mounts.add(new Mount(Kind.HIDDEN, path));
      } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        taken.add(path);
        mounts.add(new Mount(Kind.MASKED, path));
      }
    }
    for (Path path : systemMasked) {
      if (taken.add(path)) {
        mounts.add(new Mount(Kind.MASKED, path));
      }
    }
    // What the cell needs from inside a hidden folder (or the private /tmp) comes back read-only,
    // unless the policy
    // already decided about it.
    Set<Path> covered = new LinkedHashSet<>(hidden);
    covered.add(Path.of("/tmp"));
    Set<Path> decided = new HashSet<>();
    policy.writablePaths().forEach(p -> decided.add(real(p)));
    policy.readOnlyPaths().forEach(p -> decided.add(real(p)));
    List<Path> wanted = needed(policy, request);
    if (bridged && socat != null && sleep != null && dd != null) {
      for (Path tool : List.of(socat, sleep, dd)) {
        wanted.add(tool.getParent());
        wanted.add(real(tool).getParent());
      }
    }
    for (Path needed : wanted) {
      Path path = real(needed);
      if (!taken.contains(path)
          && Files.exists(path)
          && insideAny(path, covered)
          && !covered.contains(path)
          && !insideAny(path, decided)) {
        taken.add(path);
        mounts.add(new Mount(Kind.READ_ONLY, path));
      }
    }
    // Shallower mounts first, so a deeper one lands on top of it and its rule wins; sort is stable.
    mounts.sort(
        Comparator.comparingInt((Mount m) -> m.path.getNameCount()).thenComparing(m -> m.kind));
    return mounts;
  }

  /**
   * What a cell's command needs to read wherever it lives: the git directories its worktrees point
   * at, the folders on its {@code PATH} with their parents, its program's folder, and the file
   * {@code /etc/resolv.conf} leads to.
   */
  private List<Path> needed(SandboxPolicy policy, CellSandbox.Request request) {
    List<Path> needed = new ArrayList<>();
    for (Path writable : policy.writablePaths()) {
      gitDirectories(writable).forEach(needed::add);
    }
    String path = request.environment().get("PATH");
    if (path != null) {
      for (String entry : path.split(":")) {
        if (entry.isEmpty() || !entry.startsWith("/")) {
          continue;
        }
        Path folder = Path.of(entry).normalize();
        needed.add(folder);
        Path parent = folder.getParent();
        if (parent != null && toolchainRoot(folder)) {
          needed.add(parent);
        }
        if (home != null && folder.equals(home.resolve(".cargo/bin"))) {
          // rustup's proxies in ~/.cargo/bin run the toolchains in ~/.rustup; ~/.cargo itself holds
          // credentials.
          needed.add(home.resolve(".rustup"));
        }
      }
    }
    String program = request.command().isEmpty() ? "" : request.command().get(0);
    if (program.startsWith("/")) {
      needed.addAll(ProgramFolders.of(Path.of(program)));
    }
    if (resolvTarget != null) {
      needed.add(resolvTarget);
    }
    return needed;
  }

  /**
   * Whether the folder holding the {@code PATH} entry {@code folder} is a toolchain's root, to be
   * re-bound with it: the entry is a {@code bin} or {@code shims} folder (nvm's version folder and
   * pyenv's root keep {@code lib}, {@code libexec} and {@code versions} beside it), and the folder
   * above is neither a top-level folder, nor the home folder, nor one of the home folder's shared
   * dot-folders that hold credentials next to programs ({@code ~/.local} with {@code share/},
   * {@code ~/.cargo} with {@code credentials.toml}, {@code ~/.config}).
   */
  private boolean toolchainRoot(Path folder) {
    Path parent = folder.getParent();
    String name = folder.getFileName() == null ? "" : folder.getFileName().toString();
    if (parent == null
        || parent.getNameCount() < 2
        || !(name.equals("bin") || name.equals("shims"))) {
      return false;
    }
    return home == null
        || !(parent.equals(home)
            || parent.equals(home.resolve(".local"))
            || parent.equals(home.resolve(".cargo"))
            || parent.equals(home.resolve(".config")));
  }

  private static @Nullable Path userHome() {
    String home = System.getProperty("user.home");
    if (home == null || home.isBlank() || !home.startsWith("/")) {
      return null;
    }
    return Path.of(home).normalize();
  }

  /**
   * The git directory and common directory a worktree's {@code .git} file names, read as plain
   * text.
   */
  private static List<Path> gitDirectories(Path worktree) {
    Path dotGit = worktree.resolve(".git");
    if (!Files.isRegularFile(dotGit, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try {
      String line = Files.readString(dotGit).strip();
      if (!line.startsWith("gitdir:")) {
        return List.of();
      }
      Path gitDir = worktree.resolve(line.substring("gitdir:".length()).strip()).normalize();
      Path commonFile = gitDir.resolve("commondir");
      Path common =
          Files.isRegularFile(commonFile)
              ? gitDir.resolve(Files.readString(commonFile).strip()).normalize()
              : gitDir;
      return common.equals(gitDir) ? List.of(gitDir) : List.of(common, gitDir);
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private static boolean insideAny(Path path, Set<Path> folders) {
    for (Path folder : folders) {
      if (path.startsWith(folder)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Binds the resolved path: inside the sandbox the same symlinks lead to it, whatever path the
   * caller used.
   */
  private static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }

  private enum Kind {
    HIDDEN,
    MASKED,
    WRITABLE,
    READ_ONLY
  }

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
          // Empty, tiny and not writable (no capability overrides the mode inside), so that it is
          // not a second,
          // unlimited /tmp; cheaper than remounting it read-only once what comes back inside is
          // mounted.
          return List.of("--perms", "0555", "--size", "65536", "--tmpfs", p);
        case MASKED:
          return List.of("--ro-bind", "/dev/null", p);
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
