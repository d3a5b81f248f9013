package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cell with a private network reaches exactly what its policy allows, on real bubblewrap and
 * socat: its allowed endpoints (directly at the same loopback address, or through the proxy),
 * nothing else on the host (other loopback ports, abstract sockets); and the worker reaches its
 * exposed port, and nothing a cell can redirect it to.
 */
class PrivateNetworkIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path worktree;
  private Path state;
  private Path hiddenRoot;
  private ProcessSupervisor supervisor;
  private final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    worktree = Files.createDirectories(temp.resolve("pool/cell-a"));
    state = Files.createDirectories(temp.resolve("state/cells/cell-a"));
    hiddenRoot = temp.resolve("state");
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .hiddenPaths(List.of(hiddenRoot, temp.resolve("pool")))
            .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    supervisor.close();
    for (Process server : servers) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anAllowedLoopbackEndpointIsReachedAtItsOwnAddressAndNoOtherHostPortIs() throws Exception {
    int allowed = startTcpServer("model-answered");
    int other = startTcpServer("other-answered");
    String abstractName = "@openswarm-it-" + UUID.randomUUID();
    startUnixServer(abstractName);

    ProcessResult result =
        inCell(
            policy().allowEndpoint(SandboxPolicy.Endpoint.parse("127.0.0.1:" + allowed)),
            "python3",
            "-c",
            TCP_CLIENT + "\n" + UNIX_CLIENT,
            "127.0.0.1:" + allowed,
            "127.0.0.1:" + other,
            "localhost:" + other,
            abstractName);

    assertThat(result.outputTail())
        .contains("127.0.0.1:" + allowed + " -> model-answered")
        .contains("127.0.0.1:" + other + " -> refused")
        .contains("localhost:" + other + " -> refused")
        .contains(abstractName + " -> refused")
        .doesNotContain("other-answered")
        .doesNotContain("unix-answered");
  }

  @Test
  void theProxyTunnelsToAllowedEndpointsOnlyAndSaysWhyItRefusedTheRest() throws Exception {
    int allowed = startTcpServer("model-answered");
    int other = startTcpServer("other-answered");

    ProcessResult result =
        inCell(
            policy()
                .allowEndpoint(SandboxPolicy.Endpoint.parse("api.model.invalid:443"))
                .allowEndpoint(SandboxPolicy.Endpoint.parse("127.0.0.1:" + allowed)),
            "python3",
            "-c",
            PROXY_CLIENT,
            "127.0.0.1:" + allowed,
            "127.0.0.1:" + other,
            "metadata.google.internal:80",
            "169.254.169.254:80");

    assertThat(result.outputTail())
        .contains(
            "127.0.0.1:" + allowed + " -> HTTP/1.1 200 Connection established | model-answered")
        .contains("127.0.0.1:" + other + " -> HTTP/1.1 403 Forbidden")
        .contains("metadata.google.internal:80 -> HTTP/1.1 403 Forbidden")
        .contains("169.254.169.254:80 -> HTTP/1.1 403 Forbidden")
        .contains("is not an allowed endpoint of this sandbox")
        .doesNotContain("other-answered");
  }

  @Test
  void theWorkerReachesAnExposedPortInsideAndTheBridgeIsGoneAfterwards() throws Exception {
    int port = freePort();
    List<String> bridgesBefore = bridgeFolders();
    SupervisedProcess cell =
        startInCell(
            policy().exposePort(port),
            "python3",
            "-c",
            TCP_SERVER,
            "inside-answered",
            Integer.toString(port));
    try {
      assertThat(readFromPort(port, Duration.ofSeconds(20))).isEqualTo("inside-answered");
      assertThat(readFromPort(port, Duration.ofSeconds(5)))
          .as("a second connection")
          .isEqualTo("inside-answered");
    } finally {
      cell.stop(Duration.ofSeconds(5));
    }

    assertThat(cell.waitFor().exitCode()).isNotZero();
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
    assertThat(bridgeFolders()).isEqualTo(bridgesBefore);
  }

  private static List<String> bridgeFolders() throws IOException {
    try (var folders = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return folders
          .map(Path::getFileName)
          .map(Path::toString)
          .filter(name -> name.startsWith("openswarm-net-"))
          .sorted()
          .toList();
    }
  }

  @Test
  void theCellCannotReplaceTheBridgeSocketsWithALinkToAHostSocket() throws Exception {
    // In the home folder, which the sandbox hides; a short path, since a socket's path holds at
    // most 107 bytes.
    Path hostSocket =
        Path.of(
            System.getProperty("user.home"),
            ".osw-" + UUID.randomUUID().toString().substring(0, 8) + ".sock");
    startUnixServer(hostSocket.toString());
    int port = freePort();
    String socket = "/run/openswarm/net/in-" + port + ".sock";
    SupervisedProcess cell =
        startInCell(
            policy().exposePort(port),
            "sh",
            "-c",
            "(rm -f "
                + socket
                + " && ln -s "
                + hostSocket
                + " "
                + socket
                + ") 2>&1; "
                + "(ln -s "
                + hostSocket
                + " /run/openswarm/net/extra.sock) 2>&1; echo attempted; "
                + "exec python3 -c \"$0\" inside-answered "
                + port,
            TCP_SERVER);
    try {
      awaitOutput(cell, "attempted");

      String answer = readFromPort(port, Duration.ofSeconds(20));

      assertThat(answer).isEqualTo("inside-answered");
      assertThat(Files.readString(cell.spec().logFile())).contains("Read-only file system");
    } finally {
      cell.stop(Duration.ofSeconds(5));
      Files.deleteIfExists(hostSocket);
    }
  }

  @Test
  void exposedPortsAndEndpointsNeedAPrivateNetwork() {
    assertThatThrownBy(
            () -> SandboxPolicy.forCell(worktree, state).toBuilder().exposePort(20000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NetworkAccess.NONE");
  }

  private SandboxPolicy.Builder policy() {
    return SandboxPolicy.forCell(worktree, state).toBuilder().network(NetworkAccess.NONE);
  }

  private ProcessResult inCell(SandboxPolicy.Builder policy, String... command) throws Exception {
    return startInCell(policy, command).waitFor();
  }

  private SupervisedProcess startInCell(SandboxPolicy.Builder policy, String... command)
      throws Exception {
    return supervisor.start(
        ProcessSpec.newBuilder()
            .command(command)
            .workingDirectory(worktree)
            .environment(ProcessEnvironment.newBuilder().inheritDefaults().build())
            .logFile(state.resolve("logs/attempt-" + UUID.randomUUID() + ".log"))
            .sandboxPolicy(policy.build())
            .timeout(Duration.ofSeconds(60))
            .description("attempt in cell-a")
            .build());
  }

  /**
   * For each {@code host:port} argument, connects and prints what the server said, or "refused".
   */
  private static final String TCP_CLIENT =
      String.join(
          "\n",
          "import socket, sys",
          "for target in sys.argv[1:]:",
          "    if target.startswith('@'):",
          "        continue",
          "    host, port = target.rsplit(':', 1)",
          "    try:",
          "        with socket.create_connection((host, int(port)), timeout=5) as s:",
          "            print(target, '->', s.recv(100).decode(), flush=True)",
          "    except OSError as e:",
          "        print(target, '-> refused', e, flush=True)");

  /**
   * For each {@code @name} argument, connects to that abstract Unix socket and prints the answer,
   * or "refused".
   */
  private static final String UNIX_CLIENT =
      String.join(
          "\n",
          "for target in sys.argv[1:]:",
          "    if not target.startswith('@'):",
          "        continue",
          "    s = socket.socket(socket.AF_UNIX)",
          "    try:",
          "        s.connect('\\0' + target[1:])",
          "        print(target, '->', s.recv(100).decode(), flush=True)",
          "    except OSError as e:",
          "        print(target, '-> refused', e, flush=True)");

  /**
   * For each {@code host:port}, asks the proxy in HTTPS_PROXY for a tunnel and prints its status
   * and answer.
   */
  private static final String PROXY_CLIENT =
      String.join(
          "\n",
          "import os, socket, sys",
          "proxy = os.environ['HTTPS_PROXY'].split('//')[1]",
          "phost, pport = proxy.rsplit(':', 1)",
          "for target in sys.argv[1:]:",
          "    with socket.create_connection((phost, int(pport)), timeout=10) as s:",
          "        s.sendall(('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n').encode())",
          "        data = b''",
          "        while b'\\r\\n\\r\\n' not in data:",
          "            chunk = s.recv(1000)",
          "            if not chunk:",
          "                break",
          "            data += chunk",
          "        head, _, rest = data.partition(b'\\r\\n\\r\\n')",
          "        status = head.split(b'\\r\\n')[0].decode()",
          "        if status.split(' ')[1] == '200':",
          "            rest = rest or s.recv(100)",
          "        else:",
          "            rest = rest + s.recv(1000)",
          "        print(target, '->', status, '|', rest.decode().strip(), flush=True)");

  /** Listens on 127.0.0.1:argv[2] and answers argv[1] to every connection. */
  private static final String TCP_SERVER =
      String.join(
          "\n",
          "import socket, sys",
          "s = socket.socket()",
          "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
          "s.bind(('127.0.0.1', int(sys.argv[2])))",
          "s.listen(8)",
          "print('ready', flush=True)",
          "while True:",
          "    c, _ = s.accept()",
          "    c.sendall(sys.argv[1].encode())",
          "    c.close()");

  private static final String UNIX_SERVER =
      String.join(
          "\n",
          "import socket, sys",
          "name = sys.argv[1]",
          "address = '\\0' + name[1:] if name.startswith('@') else name",
          "s = socket.socket(socket.AF_UNIX)",
          "s.bind(address)",
          "s.listen(8)",
          "print('ready', flush=True)",
          "while True:",
          "    c, _ = s.accept()",
          "    c.sendall(b'unix-answered')",
          "    c.close()");

  private int startTcpServer(String answer) throws IOException {
    int port = freePort();
    startServer(TCP_SERVER, answer, Integer.toString(port));
    return port;
  }

  private void startUnixServer(String name) throws IOException {
    startServer(UNIX_SERVER, name);
  }

  private void startServer(String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("python3", "-c", script));
    command.addAll(List.of(args));
    Process server = new ProcessBuilder(command).redirectErrorStream(true).start();
    servers.add(server);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("ready");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }

  /**
   * Connects to the host's 127.0.0.1:port until something answers or {@code patience} passed, and
   * returns the answer ("" when nothing answered): while the command inside starts, the relay
   * accepts and closes at once.
   */
  private static String readFromPort(int port, Duration patience) {
    AtomicReference<String> answer = new AtomicReference<>("");
    try {
      await()
          .atMost(patience)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                answer.set(readOnce(port));
                return !answer.get().isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      // Nothing answered within the patience: the caller asserts on "".
    }
    return answer.get();
  }

  private static String readOnce(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
      socket.setSoTimeout(5000);
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void awaitOutput(SupervisedProcess process, String text) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .alias("the cell prints '" + text + "'")
        .until(() -> Files.readString(process.spec().logFile()).contains(text));
  }
}
