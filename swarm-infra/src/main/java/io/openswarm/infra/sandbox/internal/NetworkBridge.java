package io.openswarm.infra.sandbox.internal;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of a sandboxed command's private network: the only connections that cross it,
 * each carried over a Unix socket by {@code socat} inside and a relay thread outside.
 *
 * <ul>
 *   <li><b>Exposed port</b> {@code P}: the worker listens on the host's {@code 127.0.0.1:P} and on
 *       a socket in the read-only folder; inside, {@value #SLOTS} loops keep a connection to that
 *       socket open, each waiting for one byte before it connects to {@code 127.0.0.1:P} inside. A
 *       connection to the host port takes such a waiting connection, sends the byte, and is carried
 *       over it. The worker thus never connects to a path inside the sandbox: a socket file the
 *       cell could replace with a link (to a host socket such as Redis's or Docker's, resolved in
 *       the worker's view) would turn the worker's own requests against the host.
 *   <li><b>Loopback endpoint</b> {@code 127.0.0.1:P} (or {@code localhost:P}): {@code socat}
 *       listens on the same address inside and forwards to a socket the worker listens on in a
 *       folder bound read-only ({@code /run/openswarm/net}); the worker connects to the endpoint on
 *       the host.
 *   <li><b>Any other endpoint</b>: an HTTP proxy that answers {@code CONNECT host:port} for the
 *       allowed endpoints only (and 403 for anything else), named in the command's {@code
 *       HTTPS_PROXY}/{@code HTTP_PROXY}, with {@code NO_PROXY} naming the loopback addresses the
 *       relays above serve.
 * </ul>
 *
 * Each bridge carries at most {@link #MAX_CONNECTIONS} connections at a time, so a cell cannot
 * exhaust the worker's threads. Thread-safe; closing it closes every listener and connection and
 * deletes its folder.
 */
public final class NetworkBridge implements CellSandbox.Bridge {

  /**
   * Where the bridge's folders appear inside the sandbox (under {@code /run}, which the sandbox
   * hides).
   */
  public static final Path INSIDE = Path.of("/run/openswarm");

  /** The most connections one bridge carries at the same time; more are closed at once. */
  public static final int MAX_CONNECTIONS = 64;

  /** How long a connection to an endpoint may take to open. */
  static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** How long closing waits for the relay threads to stop. */
  static final long CLOSE_WAIT_MILLIS = 5_000;

  /** The largest proxy request head read before the request is refused. */
  static final int MAX_HEAD_BYTES = 8192;

  private static final Logger LOG = LoggerFactory.getLogger(NetworkBridge.class);
  private static final Path INSIDE_NET = INSIDE.resolve("net");

  /** Connections kept waiting from inside per exposed port. */
  static final int SLOTS = 4;

  /** How long a connection to an exposed port waits for a free connection from inside. */
  static final long SLOT_WAIT_MILLIS = 15_000;

  private static final int FIRST_PROXY_PORT = 3128;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final String description;
  private final Path hostDirectory;
  private final List<String> launcher = new ArrayList<>();
  private final Map<String, String> environment = new LinkedHashMap<>();
  private final List<ServerSocketChannel> listeners = new ArrayList<>();
  private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
  private final Set<String> denied = ConcurrentHashMap.newKeySet();
  private final Semaphore permits = new Semaphore(MAX_CONNECTIONS);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<Integer, BlockingQueue<SocketChannel>> slots = new ConcurrentHashMap<>();
  private final ExecutorService threads;
  private final Set<SandboxPolicy.Endpoint> proxied;

  private NetworkBridge(
      String description, Path hostDirectory, Set<SandboxPolicy.Endpoint> proxied) {
    this.description = description;
    this.hostDirectory = hostDirectory;
    this.proxied = Set.copyOf(proxied);
    this.threads =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "openswarm-relay-" + THREADS.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Opens the worker's side of {@code policy}'s exposed ports and allowed endpoints: a private
   * folder under {@code java.io.tmpdir} with the sockets, and the host listeners for exposed ports.
   *
   * @param policy a policy with a private network
   * @param socat the {@code socat} program, visible inside the sandbox at the same path
   * @param sleep the {@code sleep} program, visible inside the sandbox at the same path
   * @param dd the {@code dd} program, visible inside the sandbox at the same path
   * @param description what the sandbox runs, for logs
   * @throws IOException if the folder, a socket or a listener cannot be created (an exposed port
   *     already in use on the host, say)
   */
  public static NetworkBridge open(
      SandboxPolicy policy, Path socat, Path sleep, Path dd, String description)
      throws IOException {
    Objects.requireNonNull(policy, "policy cannot be null");
    Path folder = Files.createTempDirectory("openswarm-net-");
    // The proxy serves every allowed endpoint (a client that tunnels to a loopback one works too),
    // but is only set
    // up when some endpoint needs it.
    Set<SandboxPolicy.Endpoint> proxied = new LinkedHashSet<>();
    if (!policy.allowedEndpoints().stream().allMatch(NetworkBridge::relayedAtSameAddress)) {
      proxied.addAll(policy.allowedEndpoints());
    }
    NetworkBridge bridge = new NetworkBridge(description, folder, proxied);
    try {
      bridge.build(policy, socat, sleep, dd);
    } catch (IOException | RuntimeException e) {
      bridge.close();
      throw e;
    }
    return bridge;
  }

  /**
   * Whether the endpoint is relayed at its own address and port inside (IPv4 loopback), not through
   * the proxy.
   */
  static boolean relayedAtSameAddress(SandboxPolicy.Endpoint endpoint) {
    return endpoint.isLoopback() && endpoint.host().indexOf(':') < 0;
  }

  private void build(SandboxPolicy policy, Path socat, Path sleep, Path dd) throws IOException {
    StringBuilder script = new StringBuilder("set -u\n");
    List<String> ready = new ArrayList<>();
    Set<Integer> insidePorts = new LinkedHashSet<>(policy.exposedPorts());
    Map<String, SandboxPolicy.Endpoint> loopback = new LinkedHashMap<>();
    for (SandboxPolicy.Endpoint endpoint : policy.allowedEndpoints()) {
      if (relayedAtSameAddress(endpoint)) {
        String address = endpoint.host().equals("localhost") ? "127.0.0.1" : endpoint.host();
        loopback.putIfAbsent(address + ":" + endpoint.port(), endpoint);
      }
    }
    int index = 0;
    for (Map.Entry<String, SandboxPolicy.Endpoint> entry : loopback.entrySet()) {
      SandboxPolicy.Endpoint endpoint = entry.getValue();
      String address = entry.getKey().substring(0, entry.getKey().lastIndexOf(':'));
      String socket = "out-" + index++ + ".sock";
      InetSocketAddress target =
          InetSocketAddress.createUnresolved(
              endpoint.host().equals("localhost") ? "127.0.0.1" : endpoint.host(), endpoint.port());
      listenUnix(hostDirectory.resolve(socket), channel -> relayTo(channel, target));
      script
          .append(quote(socat))
          .append(" TCP-LISTEN:")
          .append(endpoint.port())
          .append(",bind=")
          .append(address)
          .append(",fork,reuseaddr UNIX-CONNECT:")
          .append(INSIDE_NET.resolve(socket))
          .append(" &\n");
      ready.add(procNetTcp(address, endpoint.port()));
      insidePorts.add(endpoint.port());
    }
    if (!proxied.isEmpty()) {
      int proxyPort = FIRST_PROXY_PORT;
      while (insidePorts.contains(proxyPort)) {
        proxyPort++;
      }
      listenUnix(hostDirectory.resolve("proxy.sock"), this::proxy);
      script
          .append(quote(socat))
          .append(" TCP-LISTEN:")
          .append(proxyPort)
          .append(",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:")
          .append(INSIDE_NET.resolve("proxy.sock"))
          .append(" &\n");
      ready.add(procNetTcp("127.0.0.1", proxyPort));
      String proxyUrl = "http://127.0.0.1:" + proxyPort;
      for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")) {
        environment.put(name, proxyUrl);
      }
      environment.put("NO_PROXY", "localhost,127.0.0.1");
      environment.put("no_proxy", "localhost,127.0.0.1");
    }
    for (int port : policy.exposedPorts()) {
      String socket = "in-" + port + ".sock";
      BlockingQueue<SocketChannel> waiting = new ArrayBlockingQueue<>(SLOTS * 4);
      slots.put(port, waiting);
      listenUnix(hostDirectory.resolve(socket), channel -> offerSlot(waiting, channel));
      listenTcp(port);
      // Each loop keeps one connection to the worker waiting; dd reads exactly the one byte that
      // says "use me" and
      // leaves the rest of the stream to the socat that then connects to the port inside.
      String dial =
          plain(dd)
              + " bs=1 count=1 status=none >/dev/null && exec "
              + plain(socat)
              + " STDIO TCP:127.0.0.1:"
              + port;
      for (int i = 0; i < SLOTS; i++) {
        script
            .append("(while :; do ")
            .append(quote(socat))
            .append(" UNIX-CONNECT:")
            .append(INSIDE_NET.resolve(socket))
            .append(" SYSTEM:")
            .append(quote(dial.replace(":", "\\:").replace(",", "\\,")))
            .append(" 2>/dev/null || ")
            .append(quote(sleep))
            .append(" 0.2; done) &\n");
      }
    }
    // The command starts once every relay listens, so its first connection never races them.
    script.append("ready() {\n");
    for (String entry : ready) {
      script
          .append("  found=0\n")
          .append("  while read -r _ local _ state _; do\n")
          .append("    if [ \"$local\" = ")
          .append(entry)
          .append(" ] && [ \"$state\" = 0A ]; then found=1; break; fi\n")
          .append("  done < /proc/net/tcp\n")
          .append("  [ $found = 1 ] || return 1\n");
    }
    script
        .append("  return 0\n}\n")
        .append("n=0\n")
        .append("until ready; do\n")
        .append("  n=$((n+1))\n")
        .append(
            "  if [ $n -ge 1000 ]; then echo 'openswarm: the relays of the sandbox network did not start "
                + "within 10 s' >&2; exit 125; fi\n")
        .append("  ")
        .append(quote(sleep))
        .append(" 0.01\n")
        .append("done\n")
        .append("exec \"$@\"\n");
    launcher.add("/bin/sh");
    launcher.add("-c");
    launcher.add(script.toString());
    launcher.add("openswarm-network");
  }

  /**
   * The bubblewrap arguments that make the bridge's folders appear inside; after {@code /run} is
   * hidden.
   */
  public List<String> mountArguments() {
    return List.of("--ro-bind", hostDirectory.toString(), INSIDE_NET.toString());
  }

  /**
   * The command that starts the relays inside, waits until they listen, and then becomes {@code
   * command}.
   */
  public List<String> wrap(List<String> command) {
    List<String> wrapped = new ArrayList<>(launcher);
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Variables to add to the command's environment: the proxy's address when an endpoint goes
   * through it.
   */
  public Map<String, String> environment() {
    return Map.copyOf(environment);
  }

  @Override
  public void attach(ProcessHandle launcher) {
    // Nothing needs the process: connections into the sandbox come from inside.
    Objects.requireNonNull(launcher, "launcher cannot be null");
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ServerSocketChannel listener : listeners) {
      closeQuietly(listener);
    }
    for (SocketChannel connection : connections) {
      closeQuietly(connection);
    }
    threads.shutdownNow();
    // A listener closed while its thread waits in accept() keeps its port until that thread has
    // left accept(): wait
    // for the threads, so the port is free (for the next cell) once close() returns.
    try {
      if (!threads.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "the network relays of {} did not stop within {} ms", description, CLOSE_WAIT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.list(hostDirectory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(hostDirectory);
    } catch (IOException e) {
      LOG.warn(
          "could not delete the network relay folder {} of {}: {}",
          hostDirectory,
          description,
          e.toString());
    }
  }

  @Override
  public String toString() {
    return "NetworkBridge{"
        + hostDirectory
        + ", listeners="
        + listeners.size()
        + ", proxied="
        + proxied
        + "}";
  }

  /** Thrown by a handler that hands its accepted connection on instead of finishing with it. */
  private static final class Kept extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Kept() {
      super(null, null, false, false);
    }
  }

  /** Closes an accepted connection and returns its permit; once per accepted connection. */
  private void release(SocketChannel accepted) {
    if (connections.remove(accepted)) {
      closeQuietly(accepted);
      permits.release();
    }
  }

  private interface Handler {
    void handle(SocketChannel accepted) throws IOException;
  }

  private void listenUnix(Path socket, Handler handler) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listeners.add(listener);
    try {
      listener.bind(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on " + socket + " for the sandbox network of " + description + ": " + e,
          e);
    }
    threads.execute(() -> acceptLoop(listener, handler));
  }

  private void listenTcp(int port) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open();
    listeners.add(listener);
    try {
      // The previous cell on this port may have left connections in TIME_WAIT.
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on 127.0.0.1:"
              + port
              + " for the exposed port of "
              + description
              + " (is something else using it?): "
              + e,
          e);
    }
    threads.execute(() -> acceptLoop(listener, channel -> relayInto(channel, port)));
  }

  private void acceptLoop(ServerSocketChannel listener, Handler handler) {
    while (!closed.get()) {
      SocketChannel accepted;
      try {
        accepted = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (!permits.tryAcquire()) {
        LOG.warn(
            "refused a connection of {}: it already has {} open", description, MAX_CONNECTIONS);
        closeQuietly(accepted);
        continue;
      }
      connections.add(accepted);
      try {
        threads.execute(
            () -> {
              try {
                handler.handle(accepted);
              } catch (Kept kept) {
                return;
              } catch (IOException | RuntimeException e) {
                LOG.debug("relay of {} ended: {}", description, e.toString());
              }
              release(accepted);
            });
      } catch (RuntimeException e) {
        // Rejected because the bridge is closing.
        connections.remove(accepted);
        closeQuietly(accepted);
        permits.release();
        return;
      }
    }
  }

  /** A connection from inside to a loopback endpoint on the host. */
  private void relayTo(SocketChannel inside, InetSocketAddress target) throws IOException {
    SocketChannel outside = connect(target);
    try {
      pipe(inside, outside, ByteBuffer.allocate(0));
    } finally {
      connections.remove(outside);
    }
  }

  /** Keeps a connection from inside waiting until the worker connects to the exposed port. */
  private void offerSlot(BlockingQueue<SocketChannel> waiting, SocketChannel fromInside)
      throws IOException {
    if (!waiting.offer(fromInside)) {
      // More than the loops inside keep open: not the relay's doing; closed at once.
      return;
    }
    // The connection is now the queue's; keep it (and its permit) until the worker takes it or the
    // bridge closes.
    throw new Kept();
  }

  /**
   * A connection from the worker to an exposed port inside, carried over a connection that waits
   * from inside.
   */
  private void relayInto(SocketChannel fromWorker, int port) throws IOException {
    // Its queue is registered before the port is listened on.
    BlockingQueue<SocketChannel> waiting = Objects.requireNonNull(slots.get(port));
    SocketChannel inside;
    try {
      inside = waiting.poll(SLOT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (inside == null) {
      // The command inside never started its relays (or is gone): the worker sees a closed
      // connection.
      return;
    }
    try {
      inside.write(ByteBuffer.wrap(new byte[] {'!'}));
    } catch (IOException e) {
      release(inside);
      return;
    }
    pipe(fromWorker, inside, ByteBuffer.allocate(0));
    release(inside);
  }

  /** An HTTP {@code CONNECT} proxy that opens tunnels to the allowed endpoints only. */
  private void proxy(SocketChannel client) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(MAX_HEAD_BYTES);
    int end = -1;
    while (end < 0) {
      if (!head.hasRemaining() || client.read(head) < 0) {
        respond(
            client, 400, "the request head is missing or longer than " + MAX_HEAD_BYTES + " bytes");
        return;
      }
      end = headEnd(head);
    }
    String text = new String(head.array(), 0, end, StandardCharsets.ISO_8859_1);
    String requestLine = text.substring(0, Math.max(0, text.indexOf("\r\n")));
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[0].equals("CONNECT")) {
      respond(
          client,
          405,
          "only CONNECT host:port is served here (a tunnel to an allowed endpoint), not '"
              + abbreviate(requestLine)
              + "'");
      return;
    }
    SandboxPolicy.Endpoint target;
    try {
      target = SandboxPolicy.Endpoint.parse(parts[1]);
    } catch (IllegalArgumentException e) {
      respond(client, 400, Objects.requireNonNullElse(e.getMessage(), "bad target"));
      return;
    }
    if (!proxied.contains(target)) {
      if (denied.add(target.toString()) && denied.size() <= 100) {
        LOG.warn(
            "{} asked for a connection to {}, which is not an allowed endpoint (allowed: {}); refused",
            description,
            target,
            proxied);
      }
      respond(
          client, 403, target + " is not an allowed endpoint of this sandbox; allowed: " + proxied);
      return;
    }
    SocketChannel outside;
    try {
      outside = connect(InetSocketAddress.createUnresolved(target.host(), target.port()));
    } catch (IOException e) {
      respond(client, 502, "cannot connect to " + target + ": " + e.getMessage());
      return;
    }
    client.write(
        ByteBuffer.wrap(
            "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    ByteBuffer early = ByteBuffer.wrap(head.array(), end, head.position() - end);
    try {
      pipe(client, outside, early);
    } finally {
      connections.remove(outside);
    }
  }

  private SocketChannel connect(InetSocketAddress unresolved) throws IOException {
    SocketChannel channel = SocketChannel.open();
    connections.add(channel);
    try {
      InetSocketAddress address =
          new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
      channel.socket().connect(address, CONNECT_TIMEOUT_MILLIS);
      return channel;
    } catch (IOException | RuntimeException e) {
      connections.remove(channel);
      closeQuietly(channel);
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
  }

  /**
   * Copies both ways until both directions have ended, then closes both: {@code early} (bytes read
   * past a proxy's request head) goes to {@code b} first. An end of input on one side is passed on
   * as a half-close, so a reply still on its way is delivered; a connection that never ends is cut
   * when the bridge closes.
   */
  private void pipe(SocketChannel a, SocketChannel b, ByteBuffer early) throws IOException {
    try {
      while (early.hasRemaining()) {
        b.write(early);
      }
      CountDownLatch reverse = new CountDownLatch(1);
      try {
        threads.execute(
            () -> {
              try {
                copy(b, a);
              } finally {
                reverse.countDown();
              }
            });
      } catch (RuntimeException e) {
        return;
      }
      copy(a, b);
      try {
        reverse.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      closeQuietly(a);
      closeQuietly(b);
    }
  }

  private static void copy(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static int headEnd(ByteBuffer head) {
    byte[] bytes = head.array();
    for (int i = 3; i < head.position(); i++) {
      if (bytes[i - 3] == '\r'
          && bytes[i - 2] == '\n'
          && bytes[i - 1] == '\r'
          && bytes[i] == '\n') {
        return i + 1;
      }
    }
    return -1;
  }

  private static void respond(SocketChannel client, int status, String message) throws IOException {
    String reason =
        switch (status) {
          case 400 -> "Bad Request";
          case 403 -> "Forbidden";
          case 405 -> "Method Not Allowed";
          default -> "Bad Gateway";
        };
    byte[] body = ("openswarm: " + message + "\n").getBytes(StandardCharsets.UTF_8);
    String headers =
        "HTTP/1.1 "
            + status
            + " "
            + reason
            + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    client.write(ByteBuffer.wrap(headers.getBytes(StandardCharsets.US_ASCII)));
    client.write(ByteBuffer.wrap(body));
  }

  private static String abbreviate(String text) {
    return text.length() <= 120 ? text : text.substring(0, 120) + "...";
  }

  /**
   * The local address column of {@code /proc/net/tcp} for an IPv4 address and port: {@code
   * 0100007F:0FAA}.
   */
  static String procNetTcp(String ipv4, int port) {
    String[] octets = ipv4.split("\\.");
    StringBuilder hex = new StringBuilder();
    for (int i = 3; i >= 0; i--) {
      hex.append(String.format(Locale.ROOT, "%02X", Integer.parseInt(octets[i])));
    }
    return hex + ":" + String.format(Locale.ROOT, "%04X", port);
  }

  /**
   * A program path for socat's {@code SYSTEM} address, which has its own quoting: plain characters
   * only.
   */
  private static String plain(Path path) {
    String text = path.toString();
    if (!text.matches("[A-Za-z0-9/._+-]+")) {
      throw new IllegalArgumentException(
          "the sandbox network relays need "
              + path.getFileName()
              + " at a path of "
              + "letters, digits and / . _ + - only, but it is at "
              + text);
    }
    return text;
  }

  static String quote(Path path) {
    return quote(path.toString());
  }

  /** {@code text} as one word for {@code sh}. */
  static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      // Closing on the way out; nothing else to do.
    }
  }
}
