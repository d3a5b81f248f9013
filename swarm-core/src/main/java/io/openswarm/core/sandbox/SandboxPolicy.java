package io.openswarm.core.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a sandboxed cell process may touch: everything is readable and nothing is writable except
 * the {@linkplain #writablePaths() writable paths}; {@linkplain #readOnlyPaths() read-only paths}
 * stay read-only even inside a writable path; {@linkplain #hiddenPaths() hidden paths} appear
 * empty. When paths nest, the rule of the innermost path applies (a writable worktree inside a
 * hidden pool directory is visible and writable).
 *
 * <p>The usual policy is {@link #forCell(Path, Path)}: the cell's worktree and its state folder
 * (HOME, XDG directories, TMPDIR) writable, the worktree's {@code .git} entry read-only. The
 * repository's own git directory (where a linked worktree's {@code .git} file points) is outside
 * both and therefore read-only: inside the sandbox {@code git status}, {@code git diff} and {@code
 * git log} work, {@code git add} and {@code git commit} fail, and the library commits from outside
 * the sandbox. Protecting the {@code .git} entry also stops a cell from repointing its worktree at
 * another repository before the library runs git there.
 *
 * <p>The network is shared with the host unless the policy says {@link NetworkAccess#NONE}. A
 * private network can still let connections through, each one named: {@linkplain #exposedPorts()
 * exposed ports} the worker connects to (an agent server's port) and {@linkplain
 * #allowedEndpoints() allowed endpoints} the command connects to (its model). Nothing else crosses
 * it, in either direction.
 *
 * <p>Immutable and thread-safe; build with {@link #newBuilder()}.
 */
public final class SandboxPolicy {

  private final List<Path> writablePaths;
  private final List<Path> readOnlyPaths;
  private final List<Path> hiddenPaths;
  private final NetworkAccess network;
  private final long tmpSizeBytes;
  private final List<Integer> exposedPorts;
  private final List<Endpoint> allowedEndpoints;
  private final List<Bind> binds;

  /**
   * A host path that appears at another path inside the sandbox, such as the worker's {@code ~/.m2}
   * at {@code .m2} in a cell's home folder.
   *
   * @param source the absolute, normalized host path; it must exist when the command starts
   * @param target the absolute, normalized path inside the sandbox
   * @param writable whether the command may write it
   */
  public record Bind(Path source, Path target, boolean writable) {
    /**
     * Validates the bind.
     *
     * @param source the host path; absolute, not the root (normalized)
     * @param target the path inside the sandbox; absolute, not the root (normalized)
     * @param writable whether the command may write it
     * @throws NullPointerException if a path is null
     * @throws IllegalArgumentException if a path is not absolute or is the filesystem root
     */
    public Bind {
      source = Builder.checkPath("bind source", source, false);
      target = Builder.checkPath("bind target", target, false);
    }
  }

  private SandboxPolicy(Builder builder) {
    this.writablePaths = List.copyOf(builder.writable);
    this.readOnlyPaths = List.copyOf(builder.readOnly);
    this.hiddenPaths = List.copyOf(builder.hidden);
    this.network = builder.network;
    this.tmpSizeBytes = builder.tmpSizeBytes;
    this.exposedPorts = List.copyOf(builder.exposedPorts);
    this.allowedEndpoints = List.copyOf(builder.allowedEndpoints);
    this.binds = List.copyOf(builder.binds);
  }

  /**
   * The policy for one cell: {@code worktree} and {@code stateDirectory} writable, {@code
   * worktree/.git} read-only, network shared.
   *
   * @param worktree the cell's worktree; absolute, not the root
   * @param stateDirectory the cell's state directory; absolute, not the root
   * @return the policy
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a path is not absolute or is the filesystem root
   */
  public static SandboxPolicy forCell(Path worktree, Path stateDirectory) {
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    return newBuilder()
        .writable(worktree)
        .writable(stateDirectory)
        .readOnly(worktree.resolve(".git"))
        .build();
  }

  /**
   * A new builder with nothing writable and the network shared.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A new builder initialised with the settings of this policy.
   *
   * @return a new builder holding this policy's settings
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.writable.addAll(writablePaths);
    builder.readOnly.addAll(readOnlyPaths);
    builder.hidden.addAll(hiddenPaths);
    builder.network = network;
    builder.tmpSizeBytes = tmpSizeBytes;
    builder.exposedPorts.addAll(exposedPorts);
    builder.allowedEndpoints.addAll(allowedEndpoints);
    builder.binds.addAll(binds);
    return builder;
  }

  /**
   * Absolute, normalized paths the command may write, in the order they were added.
   *
   * @return the writable paths, unmodifiable; may be empty
   */
  public List<Path> writablePaths() {
    return writablePaths;
  }

  /**
   * Absolute, normalized paths that stay read-only even when they lie inside a writable path. A
   * path that does not exist when the command starts has nothing to protect and is skipped.
   *
   * @return the read-only paths, unmodifiable; may be empty
   */
  public List<Path> readOnlyPaths() {
    return readOnlyPaths;
  }

  /**
   * Absolute, normalized paths hidden from the command: a directory appears empty, except for
   * writable or read-only paths nested inside it; a file appears empty. A path that does not exist
   * when the command starts is skipped.
   *
   * @return the hidden paths, unmodifiable; may be empty
   */
  public List<Path> hiddenPaths() {
    return hiddenPaths;
  }

  /**
   * Whether the command shares the host's network.
   *
   * @return the network access; never null
   */
  public NetworkAccess network() {
    return network;
  }

  /**
   * The size of the command's private {@code /tmp} and {@code /dev/shm}; 0 for the kernel's
   * default.
   *
   * @return the size, in bytes; 0 or more
   */
  public long tmpSizeBytes() {
    return tmpSizeBytes;
  }

  /**
   * Ports the command listens on ({@code 127.0.0.1}) inside its private network that the worker
   * reaches at the same port on the host's {@code 127.0.0.1}, in ascending order; empty unless the
   * network is {@link NetworkAccess#NONE}.
   *
   * @return the exposed ports, unmodifiable
   */
  public List<Integer> exposedPorts() {
    return exposedPorts;
  }

  /**
   * Endpoints the command may connect to from its private network, in the order added; empty unless
   * the network is {@link NetworkAccess#NONE}.
   *
   * @return the allowed endpoints, unmodifiable
   */
  public List<Endpoint> allowedEndpoints() {
    return allowedEndpoints;
  }

  /**
   * Host paths that appear at another path inside the sandbox, in the order added. A sandbox that
   * does not isolate ignores them: the command sees the host's file system as it is.
   *
   * @return the binds, unmodifiable; may be empty
   */
  public List<Bind> binds() {
    return binds;
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
    return writablePaths.equals(that.writablePaths)
        && readOnlyPaths.equals(that.readOnlyPaths)
        && hiddenPaths.equals(that.hiddenPaths)
        && network == that.network
        && tmpSizeBytes == that.tmpSizeBytes
        && exposedPorts.equals(that.exposedPorts)
        && allowedEndpoints.equals(that.allowedEndpoints)
        && binds.equals(that.binds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        writablePaths,
        readOnlyPaths,
        hiddenPaths,
        network,
        tmpSizeBytes,
        exposedPorts,
        allowedEndpoints,
        binds);
  }

  @Override
  public String toString() {
    return "SandboxPolicy{writable="
        + writablePaths
        + ", readOnly="
        + readOnlyPaths
        + ", hidden="
        + hiddenPaths
        + ", network="
        + network
        + (exposedPorts.isEmpty() ? "" : ", exposedPorts=" + exposedPorts)
        + (allowedEndpoints.isEmpty() ? "" : ", allowedEndpoints=" + allowedEndpoints)
        + (binds.isEmpty() ? "" : ", binds=" + binds)
        + (tmpSizeBytes == 0 ? "" : ", tmpSizeBytes=" + tmpSizeBytes)
        + "}";
  }

  /** Builds a {@link SandboxPolicy}. Not thread-safe. */
  public static final class Builder {

    private final Set<Path> writable = new LinkedHashSet<>();
    private final Set<Path> readOnly = new LinkedHashSet<>();
    private final Set<Path> hidden = new LinkedHashSet<>();
    private NetworkAccess network = NetworkAccess.SHARED;
    private long tmpSizeBytes;
    private final Set<Integer> exposedPorts = new TreeSet<>();
    private final Set<Endpoint> allowedEndpoints = new LinkedHashSet<>();
    private final Set<Bind> binds = new LinkedHashSet<>();

    private Builder() {}

    /**
     * Makes the host path {@code source} appear at {@code target} inside the sandbox, writable or
     * read-only; for a cache or a configuration file the user named, placed in the cell's home
     * folder. Where the target lies inside a hidden or read-only path, the bind still applies (it
     * is deeper).
     *
     * @param source the host path; absolute, not the root
     * @param target the path inside the sandbox; absolute, not the root
     * @param writable whether the command may write it
     * @return this builder
     * @throws NullPointerException if a path is null
     * @throws IllegalArgumentException if a path is not absolute or is the filesystem root
     */
    public Builder bind(Path source, Path target, boolean writable) {
      binds.add(new Bind(source, target, writable));
      return this;
    }

    /**
     * Lets the worker reach {@code port}, on which the command listens at {@code 127.0.0.1} inside
     * its private network, at the same port on the host's {@code 127.0.0.1} (an agent server's
     * port). Only with {@link NetworkAccess#NONE}.
     *
     * @param port the port the command listens on; 1024 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 1024 to 65535 (the command
     *     listens without privileges)
     */
    public Builder exposePort(int port) {
      if (port < 1024 || port > 65535) {
        throw new IllegalArgumentException(
            "exposed port must be between 1024 and 65535 (the command listens on it "
                + "without privileges) but was "
                + port);
      }
      exposedPorts.add(port);
      return this;
    }

    /**
     * Lets the command connect to each of {@code endpoints} (see {@link #allowEndpoint}).
     *
     * @param endpoints the endpoints; not null, no null element
     * @return this builder
     * @throws NullPointerException if {@code endpoints} or an element is null
     * @throws IllegalArgumentException as {@link #allowEndpoint} does
     */
    public Builder allowEndpoints(java.util.Collection<Endpoint> endpoints) {
      Objects.requireNonNull(endpoints, "endpoints cannot be null").forEach(this::allowEndpoint);
      return this;
    }

    /**
     * Lets the command connect to {@code endpoint} from its private network. Only with {@link
     * NetworkAccess#NONE}. A loopback endpoint ({@code 127.0.0.1:4010}, {@code localhost:4010}) is
     * reached at the same address and port inside; any other endpoint through an HTTP proxy ({@code
     * CONNECT}) that the sandbox names in the command's {@code HTTPS_PROXY} and {@code HTTP_PROXY}
     * variables and that lets through nothing but the allowed endpoints.
     *
     * @param endpoint the endpoint; a loopback one on a port of at least 1024
     * @return this builder
     * @throws NullPointerException if {@code endpoint} is null
     * @throws IllegalArgumentException if a loopback endpoint's port is below 1024 (its relay
     *     inside listens on the same port without privileges)
     */
    public Builder allowEndpoint(Endpoint endpoint) {
      Objects.requireNonNull(endpoint, "endpoint cannot be null");
      if (endpoint.isLoopback() && endpoint.port() < 1024) {
        throw new IllegalArgumentException(
            "a loopback endpoint must have a port of 1024 or more (its relay inside "
                + "the sandbox listens on the same port without privileges) but was "
                + endpoint);
      }
      allowedEndpoints.add(endpoint);
      return this;
    }

    /**
     * Sets the size of the command's private {@code /tmp} and {@code /dev/shm}; 0 (the default)
     * leaves the kernel's default, half the machine's memory.
     *
     * @param bytes the size, in bytes; 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder tmpSizeBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "tmpSizeBytes must be 0 (the kernel's default) or positive but was " + bytes);
      }
      this.tmpSizeBytes = bytes;
      return this;
    }

    /**
     * Lets the command write {@code path} and everything below it.
     *
     * @param path the path; absolute, not the root
     * @return this builder
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
     * @param path the path; absolute
     * @return this builder
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
     * @param path the path; absolute, not the root
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute or is the filesystem root
     */
    public Builder hidden(Path path) {
      hidden.add(checkPath("hidden", path, false));
      return this;
    }

    /**
     * Sets whether the command shares the host's network; the default is {@link
     * NetworkAccess#SHARED}.
     *
     * @param network the network access; not null
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder network(NetworkAccess network) {
      this.network = Objects.requireNonNull(network, "network cannot be null");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if one path was given in two roles (say, both writable and
     *     hidden)
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
            "a path may be only one of writable, readOnly or hidden, but these were given twice: "
                + conflicts);
      }
      if (network == NetworkAccess.SHARED
          && !(exposedPorts.isEmpty() && allowedEndpoints.isEmpty())) {
        throw new IllegalArgumentException(
            "exposed ports and allowed endpoints apply only to a private network "
                + "(NetworkAccess.NONE), but the network is SHARED and was given exposed ports "
                + exposedPorts
                + " and allowed endpoints "
                + allowedEndpoints);
      }
      Set<Path> targets = new java.util.HashSet<>();
      for (Bind bind : binds) {
        if (!targets.add(bind.target())) {
          throw new IllegalArgumentException(
              "two binds have the same target " + bind.target() + ": " + binds);
        }
      }
      for (Endpoint endpoint : allowedEndpoints) {
        if (endpoint.isLoopback() && exposedPorts.contains(endpoint.port())) {
          throw new IllegalArgumentException(
              "port "
                  + endpoint.port()
                  + " cannot be both exposed and an allowed "
                  + "loopback endpoint ("
                  + endpoint
                  + "): inside the sandbox only one of them can listen on it");
        }
      }
      return new SandboxPolicy(this);
    }

    static Path checkPath(String role, Path path, boolean rootAllowed) {
      Objects.requireNonNull(path, role + " path cannot be null");
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException(role + " path must be absolute but was " + path);
      }
      Path normalized = path.normalize();
      if (!rootAllowed && normalized.getParent() == null) {
        throw new IllegalArgumentException(
            role
                + " path must not be the filesystem root (that would disable the sandbox) but was "
                + path);
      }
      return normalized;
    }
  }

  /**
   * A host and port a sandboxed command with a private network may still connect to, such as the
   * agent's model endpoint {@code api.anthropic.com:443} or a local model server {@code
   * 127.0.0.1:4010}.
   *
   * <p>The host is a DNS name, an IPv4 address or an IPv6 address (written {@code [::1]:8080} when
   * parsed); names are kept in lower case and compared exactly, so {@code example.com} does not
   * allow {@code api.example.com}.
   *
   * @param host the host name or address, in lower case, without brackets
   * @param port the TCP port, 1 to 65535
   */
  public record Endpoint(String host, int port) {

    private static final Pattern NAME =
        Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV4 =
        Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*");

    /**
     * Validates the endpoint.
     *
     * @param host a DNS name, an IPv4 or an IPv6 address (without brackets); kept in lower case
     * @param port the TCP port, 1 to 65535
     * @throws NullPointerException if {@code host} is null
     * @throws IllegalArgumentException if {@code host} is not a DNS name, IPv4 or IPv6 address, or
     *     {@code port} is outside 1 to 65535
     */
    public Endpoint {
      Objects.requireNonNull(host, "host cannot be null");
      host = host.toLowerCase(Locale.ROOT);
      if (!validHost(host)) {
        throw new IllegalArgumentException(
            "endpoint host must be a DNS name, an IPv4 or an IPv6 address but was '" + host + "'");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "endpoint port must be between 1 and 65535 but was " + port + " (host " + host + ")");
      }
    }

    /**
     * Parses {@code host:port}, such as {@code api.openai.com:443}, {@code 127.0.0.1:4010} or
     * {@code [::1]:8080}.
     *
     * @param hostAndPort the text to parse; surrounding white space is ignored
     * @return the endpoint
     * @throws NullPointerException if {@code hostAndPort} is null
     * @throws IllegalArgumentException if the text is not {@code host:port} with a valid host and a
     *     port of 1 to 65535
     */
    public static Endpoint parse(String hostAndPort) {
      Objects.requireNonNull(hostAndPort, "hostAndPort cannot be null");
      String text = hostAndPort.strip();
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException(
            "endpoint must be host:port (such as api.anthropic.com:443 or "
                + "127.0.0.1:4010) but was '"
                + hostAndPort
                + "'");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "endpoint with an IPv6 address must put it in brackets, such as [::1]:8080,"
                + " but was '"
                + hostAndPort
                + "'");
      }
      int port;
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "endpoint port must be a number between 1 and 65535 but was '"
                + text.substring(colon + 1)
                + "' in '"
                + hostAndPort
                + "'");
      }
      return new Endpoint(host, port);
    }

    /**
     * Whether the host is this machine's loopback: {@code localhost}, an address in {@code
     * 127.0.0.0/8} or {@code ::1}.
     *
     * @return true for a loopback host
     */
    public boolean isLoopback() {
      return host.equals("localhost")
          || host.equals("::1")
          || (IPV4.matcher(host).matches() && host.startsWith("127."));
    }

    /** {@code host:port}, with an IPv6 address in brackets. */
    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static boolean validHost(String host) {
      var ipv4 = IPV4.matcher(host);
      if (ipv4.matches()) {
        for (int i = 1; i <= 4; i++) {
          if (Integer.parseInt(ipv4.group(i)) > 255) {
            return false;
          }
        }
        return true;
      }
      if (host.indexOf(':') >= 0) {
        return IPV6.matcher(host).matches() && host.length() <= 45;
      }
      return NAME.matcher(host).matches()
          && !host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }
  }
}
