package io.openswarm.infra.process.internal;

import io.openswarm.core.sandbox.CellLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each supervised process tree in cgroups of its own, with the {@link CellLimits} on
 * processes, memory and CPU, and kills everything left in them when the tree is done: a process
 * that left the tree (a double-forked daemon, with or without a sandbox) is still in its cgroup.
 *
 * <p>How it works: at construction it finds, from {@code /proc/self/cgroup}, the cgroups this JVM
 * is in and whether it may create children there: cgroup v1 controllers {@code pids}, {@code
 * memory} and {@code cpu} (each its own hierarchy), or a cgroup v2 group whose {@code
 * cgroup.subtree_control} already enables them (a delegated subtree). It creates {@code
 * openswarm-<session>} below each, removing empty ones that dead workers left. Each process tree
 * gets a child group per hierarchy, named after a counter, with its limits written before anything
 * runs; the process is started by a small {@code sh} that writes its own PID into the groups'
 * {@code cgroup.procs} and then {@code exec}s the real command (its arguments are passed as
 * arguments, never interpreted), so every descendant is born inside. Where nothing can be created,
 * no limit applies and {@link #description()} says so.
 *
 * <p>Thread-safe.
 */
public final class CgroupLimiter {

  private static final Logger log = LoggerFactory.getLogger(CgroupLimiter.class);
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
  private static final long CPU_PERIOD_MICROS = 100_000;

  /**
   * How long the members of a finished tree get to leave by themselves before they count as left
   * behind.
   */
  private static final long EXIT_GRACE_MILLIS = 100;

  /**
   * Writes its PID into each file given before the command, then replaces itself with the command.
   */
  private static final String ENTER =
      "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 125; "
          + "shift; n=$((n-1)); done; exec \"$@\"";

  private final boolean v2;
  private final Map<String, Path> roots;
  private final AtomicLong counter = new AtomicLong();

  private CgroupLimiter(boolean v2, Map<String, Path> roots) {
    this.v2 = v2;
    this.roots = roots;
  }

  /** A limiter for this machine, or one that limits nothing where no cgroup can be created. */
  public static CgroupLimiter detect(String session) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8);
      Map<String, Path> v1 = new LinkedHashMap<>();
      String v2Path = null;
      for (String line : lines) {
        String[] parts = line.split(":", 3);
        if (parts.length != 3) {
          continue;
        }
        if (parts[1].isEmpty()) {
          v2Path = parts[2];
          continue;
        }
        for (String controller : parts[1].split(",")) {
          if (controller.equals("pids")
              || controller.equals("memory")
              || controller.equals("cpu")) {
            for (Path mount :
                List.of(CGROUP_ROOT.resolve(controller), CGROUP_ROOT.resolve(parts[1]))) {
              Path own = mount.resolve(parts[2].substring(1));
              if (Files.isRegularFile(own.resolve("cgroup.procs")) && Files.isWritable(own)) {
                v1.putIfAbsent(controller, own);
                break;
              }
            }
          }
        }
      }
      Map<String, Path> roots = new LinkedHashMap<>();
      if (!v1.isEmpty()) {
        for (Map.Entry<String, Path> entry : v1.entrySet()) {
          createRoot(entry.getValue(), session).ifPresent(root -> roots.put(entry.getKey(), root));
        }
        return new CgroupLimiter(false, roots);
      }
      if (v2Path != null && Files.isRegularFile(CGROUP_ROOT.resolve("cgroup.controllers"))) {
        Path own = CGROUP_ROOT.resolve(v2Path.substring(1));
        String enabled = Files.readString(own.resolve("cgroup.subtree_control")).strip();
        if (List.of(enabled.split(" ")).containsAll(List.of("pids", "memory"))
            && Files.isWritable(own)) {
          Optional<Path> root = createRoot(own, session);
          if (root.isPresent()) {
            Files.writeString(
                root.get().resolve("cgroup.subtree_control"),
                "+pids +memory" + (enabled.contains("cpu") ? " +cpu" : ""));
            roots.put("unified", root.get());
            return new CgroupLimiter(true, roots);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot use cgroups here", e);
    }
    return new CgroupLimiter(false, Map.of());
  }

  private static Optional<Path> createRoot(Path own, String session) {
    removeStale(own);
    Path root = own.resolve("openswarm-" + session);
    try {
      Files.createDirectories(root);
      return Optional.of(root);
    } catch (IOException | RuntimeException e) {
      log.debug("cannot create the cgroup {}", root, e);
      return Optional.empty();
    }
  }

  /** A limiter that creates no cgroups. */
  public static CgroupLimiter disabled() {
    return new CgroupLimiter(false, Map.of());
  }

  /**
   * Removes the (empty) groups of dead workers: those named after a JVM that no longer runs. A live
   * JVM's groups stay, even when empty between two process trees; a group still holding processes
   * cannot be removed anyway.
   */
  private static void removeStale(Path own) {
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(own, "openswarm-*")) {
      for (Path group : stale) {
        if (ownerAlive(group.getFileName().toString())) {
          continue;
        }
        try (DirectoryStream<Path> children =
            Files.newDirectoryStream(group, p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
          for (Path child : children) {
            Files.deleteIfExists(child);
          }
          Files.deleteIfExists(group);
        } catch (IOException e) {
          // In use or not ours to remove.
        }
      }
    } catch (IOException e) {
      // Nothing to clean.
    }
  }

  /**
   * Whether the JVM whose PID (in hex) follows {@code openswarm-} in {@code name} still runs; true
   * if unknown.
   */
  private static boolean ownerAlive(String name) {
    String rest = name.substring("openswarm-".length());
    int dash = rest.indexOf('-');
    try {
      long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash), 16);
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** Whether process trees get cgroups (and so limits, and a kill of everything they started). */
  public boolean enabled() {
    return !roots.isEmpty();
  }

  /** Which limits are in force, for the start-up log line. */
  public String description() {
    if (roots.isEmpty()) {
      return "no cgroup can be created here: processes, memory and CPU are not limited per cell";
    }
    return (v2 ? "cgroup v2 " : "cgroup v1 ")
        + String.join("+", v2 ? List.of("pids", "memory", "cpu") : new ArrayList<>(roots.keySet()))
        + " under "
        + roots.values();
  }

  /**
   * Creates the groups of one process tree with {@code limits}, or returns empty when cgroups are
   * not available or cannot be created now (the tree then runs without limits; logged).
   */
  public Optional<Group> create(CellLimits limits) {
    if (roots.isEmpty()) {
      return Optional.empty();
    }
    String name = "p" + counter.incrementAndGet();
    List<Path> groups = new ArrayList<>();
    try {
      for (Map.Entry<String, Path> root : roots.entrySet()) {
        // Each hierarchy a process joins costs at its start and exit; one without a limit to apply
        // is skipped, as
        // long as one remains to find the tree's members by (pids where there is one).
        if (!v2 && !wanted(root.getKey(), limits) && !(groups.isEmpty() && isLast(root.getKey()))) {
          continue;
        }
        Path group = root.getValue().resolve(name);
        Files.createDirectories(group);
        groups.add(group);
        configure(root.getKey(), group, limits);
      }
      return Optional.of(new Group(groups));
    } catch (IOException | RuntimeException e) {
      log.warn(
          "could not create the cgroups of a process tree under {}; it runs without limits: {}",
          roots.values(),
          e.toString());
      new Group(groups).close(0);
      return Optional.empty();
    }
  }

  private static boolean wanted(String controller, CellLimits limits) {
    switch (controller) {
      case "pids":
        return true;
      case "memory":
        return limits.maxMemoryBytes() > 0;
      case "cpu":
        return limits.cpus() > 0;
      default:
        return false;
    }
  }

  private boolean isLast(String controller) {
    String last = null;
    for (String key : roots.keySet()) {
      last = key;
    }
    return controller.equals(last);
  }

  private void configure(String controller, Path group, CellLimits limits) throws IOException {
    boolean all = v2;
    if ((all || controller.equals("pids")) && limits.maxProcesses() > 0) {
      Files.writeString(group.resolve("pids.max"), Integer.toString(limits.maxProcesses()));
    }
    if ((all || controller.equals("memory")) && limits.maxMemoryBytes() > 0) {
      Files.writeString(
          group.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"),
          Long.toString(limits.maxMemoryBytes()));
      if (v2) {
        Files.writeString(group.resolve("memory.swap.max"), "0");
      }
    }
    if ((all || controller.equals("cpu")) && limits.cpus() > 0) {
      long quota = Math.max(1000, Math.round(limits.cpus() * CPU_PERIOD_MICROS));
      if (v2) {
        Path max = group.resolve("cpu.max");
        if (Files.exists(max)) {
          Files.writeString(max, quota + " " + CPU_PERIOD_MICROS);
        }
      } else {
        Files.writeString(group.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
        Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(quota));
      }
    }
  }

  /** The cgroups of one process tree. Thread-safe; {@link #close} is idempotent. */
  public static final class Group {
    private final List<Path> groups;

    Group(List<Path> groups) {
      this.groups = List.copyOf(groups);
    }

    /** {@code command} prefixed so that it starts inside these groups. */
    public List<String> enter(List<String> command) {
      List<String> argv = new ArrayList<>(command.size() + groups.size() + 5);
      argv.add("/bin/sh");
      argv.add("-c");
      argv.add(ENTER);
      argv.add("sh");
      argv.add(Integer.toString(groups.size()));
      for (Path group : groups) {
        argv.add(group.resolve("cgroup.procs").toString());
      }
      argv.addAll(command);
      return argv;
    }

    /** The PIDs still in the groups. */
    public List<Long> members() {
      List<Long> pids = new ArrayList<>();
      for (Path group : groups) {
        try {
          for (String line : Files.readAllLines(group.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
              long pid = Long.parseLong(line.strip());
              if (!pids.contains(pid)) {
                pids.add(pid);
              }
            }
          }
        } catch (IOException | NumberFormatException e) {
          // Gone already.
        }
      }
      return pids;
    }

    /**
     * Kills every process still in the groups (SIGKILL, repeated until they are empty or {@code
     * waitMillis} ran out), then removes the groups.
     *
     * @return how many processes had to be killed
     */
    public int close(long waitMillis) {
      int killed = killAll(waitMillis);
      remove(waitMillis);
      return killed;
    }

    /**
     * Kills every process still in the groups: SIGKILL, repeated until they are empty or {@code
     * waitMillis} ran out.
     *
     * @return how many processes had to be killed
     */
    public int killAll(long waitMillis) {
      int killed = 0;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
      // What is still exiting (a sandbox's init, right after its launcher) leaves within a moment
      // by itself.
      long settled = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_GRACE_MILLIS);
      while (!members().isEmpty() && System.nanoTime() < settled) {
        pause(1);
      }
      while (true) {
        List<Long> left = members();
        if (left.isEmpty()) {
          break;
        }
        for (long pid : left) {
          Optional<ProcessHandle> handle = ProcessHandle.of(pid);
          if (handle.isPresent() && handle.get().destroyForcibly()) {
            killed++;
          }
        }
        if (System.nanoTime() > deadline) {
          break;
        }
        pause(10);
      }
      return killed;
    }

    /**
     * Removes the (emptied) groups, retrying while the kernel still counts a member, for up to
     * {@code waitMillis}.
     */
    public void remove(long waitMillis) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
      for (Path group : groups) {
        remove(group, deadline);
      }
    }

    private static void remove(Path group, long deadline) {
      while (true) {
        try {
          Files.deleteIfExists(group);
          return;
        } catch (IOException e) {
          // Busy until the last member is reaped.
          if (System.nanoTime() > deadline) {
            log.warn("could not remove the cgroup {}: {}", group, e.toString());
            return;
          }
          pause(2);
        }
      }
    }

    private static void pause(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "Group" + groups;
    }
  }

  /** Removes this limiter's own folders; call once every group is closed. */
  public void close() {
    for (Path root : roots.values()) {
      try {
        Files.deleteIfExists(root);
      } catch (IOException e) {
        log.debug("cannot remove {}", root, e);
      }
    }
  }

  @Override
  public String toString() {
    return "CgroupLimiter{" + description() + "}";
  }
}
