package io.openswarm.testkit.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.infra.opencode.OpenCodeBinary;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.opencode.internal.OpenCodeClient;
import io.openswarm.infra.opencode.internal.OpenCodeException;
import io.openswarm.infra.opencode.internal.OpenCodeLaunch;
import io.openswarm.infra.opencode.internal.SessionInfo;
import io.openswarm.infra.opencode.internal.TurnListener;
import io.openswarm.infra.opencode.internal.TurnProgress;
import io.openswarm.infra.opencode.internal.TurnResult;
import io.openswarm.infra.opencode.internal.TurnStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real OpenCode ({@value OpenCodeBinary#PINNED_VERSION}, found by {@link OpenCodeBinary}: a
 * missing binary fails the class, it never skips) driven by the {@link FakeModelServer}, started
 * the way the process supervisor will start it: exactly the launch plan's argument list, working
 * directory and environment.
 *
 * <p>One server is shared by all tests (a start costs about 3 s and 300 MB). Failsafe puts {@value
 * #SECRET_VARIABLE} into the test JVM's environment; the agent must never see it.
 */
class OpenCodeServerIT {

  static final String SECRET_VARIABLE = "OPENSWARM_TEST_SECRET";

  private static final Logger LOG = LoggerFactory.getLogger(OpenCodeServerIT.class);
  private static final Duration IDLE = Duration.ofSeconds(60);
  private static final Duration LIMIT = Duration.ofMinutes(3);

  @TempDir static Path root;

  private static FakeModelServer model;
  private static Path worktree;
  private static Path state;
  private static OpenCodeLaunch launch;
  private static Process server;
  private static OpenCodeClient client;

  @BeforeAll
  static void startServer() throws Exception {
    assertThat(System.getenv(SECRET_VARIABLE))
        .as("Failsafe must set %s for this test", SECRET_VARIABLE)
        .isNotBlank();
    Path binary = OpenCodeBinary.locate(null);
    model = FakeModelServer.start();
    worktree = gitRepository(root.resolve("worktree"));
    state = root.resolve("state/cells/cell-1");
    OpenCodeOptions options =
        OpenCodeOptions.newBuilder()
            .model(model.openCodeModel())
            .providerConfigJson(model.openCodeProviderConfig())
            .turnIdleTimeout(IDLE)
            .build();
    launch =
        OpenCodeLaunch.newBuilder()
            .options(options)
            .binary(binary)
            .worktree(worktree)
            .port(freePort())
            .stateDirectory(state)
            .build();
    launch.prepareFileSystem();

    ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(worktree.toFile());
    builder.environment().clear();
    builder.environment().putAll(launch.environment());
    builder.redirectErrorStream(true);
    builder.redirectOutput(serverLog().toFile());
    long start = System.nanoTime();
    server = builder.start();
    client = launch.newClient();
    client.awaitReady(options.readyTimeout(), server::isAlive);
    LOG.info(
        "OpenCode {} ready in {} ms, RSS {} MB (pid {})",
        client.health().version(),
        Duration.ofNanos(System.nanoTime() - start).toMillis(),
        rssMegabytes(server.toHandle()),
        server.pid());
    // One complete turn first, so the provider and model are loaded before any test aborts a turn:
    // OpenCode 1.18.33
    // interrupted while it loads the model keeps failing every later turn with "All fibers
    // interrupted" (seen on a
    // loaded machine, where the first test's abort came before the load finished).
    model.enqueue(FakeModelServer.script().thenText("warm"));
    TurnResult warm =
        client.runTurn(
            client.createSession("it: warm-up").id(),
            "warm up",
            Duration.ofMinutes(1),
            Duration.ofMinutes(2),
            progress -> {});
    assertThat(warm.status()).as("the warm-up turn: %s", warm).isEqualTo(TurnStatus.COMPLETED);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      List<ProcessHandle> tree = new ArrayList<>(server.descendants().toList());
      tree.forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("server reaped").isTrue();
      for (ProcessHandle child : tree) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
      }
    }
    if (model != null) {
      model.close();
    }
  }

  @BeforeEach
  void freshScript() {
    model.reset();
  }

  @Test
  void aScriptedWriteCreatesTheFileAndTheTurnEndsIdleWithTheFinalText() throws Exception {
    Path hello = worktree.resolve("hello.txt");
    model.enqueue(
        FakeModelServer.script()
            .write(hello.toString(), "hello from the fake model\n")
            .thenText("Wrote hello.txt."));
    SessionInfo session = client.createSession("it: write");
    List<TurnProgress> progress = new CopyOnWriteArrayList<>();

    try {
      TurnResult result =
          client.runTurn(session.id(), "Create hello.txt", IDLE, LIMIT, progress::add);

      assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
      assertThat(result.summary()).isEqualTo("Wrote hello.txt.");
      assertThat(result.error()).isEmpty();
      assertThat(result.tokens())
          .hasValueSatisfying(
              tokens -> {
                assertThat(tokens.input()).isPositive();
                assertThat(tokens.output()).isPositive();
              });
      assertThat(hello).hasContent("hello from the fake model");
      assertThat(gitStatus()).containsExactly("?? hello.txt");
      assertThat(Path.of(session.directory())).isEqualTo(worktree);
      assertThat(progress).extracting(TurnProgress::activity).contains("tool write completed");
      assertThat(model.chatRequests()).hasSize(2);
      assertThat(model.chatRequests().get(0).toolNames()).contains("write", "bash", "read");
      assertThat(model.chatRequests().get(0).toolNames()).doesNotContain("question", "webfetch");
      assertThat(model.chatRequests().get(0).lastUserText()).isEqualTo("Create hello.txt");
      assertThat(model.unscriptedRequests()).isZero();
      LOG.info(
          "after one turn: RSS {} MB, turn took {} ms",
          rssMegabytes(server.toHandle()),
          result.duration().toMillis());
    } finally {
      Files.deleteIfExists(hello);
    }
  }

  @Test
  void requestsWithoutTheRightPasswordAreRefused() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (String path : List.of("/global/health", "/event", "/session", "/doc")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(launch.baseUri() + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertThat(response.headers().firstValue("www-authenticate"))
          .as(path)
          .hasValueSatisfying(value -> assertThat(value).startsWith("Basic"));
    }

    OpenCodeClient wrong =
        OpenCodeClient.newBuilder(launch.baseUri(), "not-" + launch.password()).build();
    try {
      wrong.health();
      throw new AssertionError("a wrong password was accepted");
    } catch (OpenCodeException e) {
      assertThat(e.statusCode()).hasValue(401);
      assertThat(e.getMessage()).doesNotContain(launch.password());
    }
  }

  @Test
  void theAgentSeesOnlyItsAllowlistedEnvironment() throws Exception {
    String secret = System.getenv(SECRET_VARIABLE);
    byte[] serverEnvironment =
        Files.readAllBytes(Path.of("/proc", Long.toString(server.pid()), "environ"));
    Map<String, String> env = parseEnviron(serverEnvironment);
    assertThat(env)
        .doesNotContainKey(SECRET_VARIABLE)
        .containsEntry("OPENCODE_SERVER_PASSWORD", launch.password());
    assertThat(new String(serverEnvironment, StandardCharsets.UTF_8)).doesNotContain(secret);
    assertThat(env.keySet()).isEqualTo(launch.environment().keySet());

    Path dump = worktree.resolve("agent-env.txt");
    model.enqueue(
        FakeModelServer.script().bash("env > agent-env.txt").thenText("environment dumped"));
    try {
      TurnResult result =
          client.runTurn(
              client.createSession("it: env").id(),
              "Dump your environment",
              IDLE,
              LIMIT,
              TurnListener.none());

      assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
      String agentEnvironment = Files.readString(dump);
      assertThat(agentEnvironment)
          .contains("HOME=" + launch.homeDirectory())
          .doesNotContain(SECRET_VARIABLE)
          .doesNotContain(secret);
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  @Test
  void abortingAHangingTurnEndsItPromptly() throws Exception {
    model.enqueue(FakeModelServer.script().hang());
    SessionInfo session = client.createSession("it: abort");
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<TurnResult> turn =
          runner.submit(
              () ->
                  client.runTurn(session.id(), "Think forever", IDLE, LIMIT, TurnListener.none()));
      await().atMost(Duration.ofSeconds(60)).until(() -> model.chatRequests().size() == 1);

      long start = System.nanoTime();
      client.abort(session.id());
      TurnResult result = turn.get(30, TimeUnit.SECONDS);

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      LOG.info("abort of a hanging turn took {} ms", took.toMillis());
      assertThat(took).isLessThan(Duration.ofSeconds(10));
      assertThat(result.status()).isEqualTo(TurnStatus.ABORTED);
      assertThat(result.error())
          .hasValueSatisfying(error -> assertThat(error).startsWith("MessageAbortedError"));
    } finally {
      runner.shutdownNow();
    }
  }

  @Test
  void aTurnThatGoesSilentIsAbortedAtTheIdleTimeoutAndTheServerStaysUsable() throws Exception {
    model.enqueue(FakeModelServer.script().hang());
    SessionInfo session = client.createSession("it: silence");
    long start = System.nanoTime();

    TurnResult silent =
        client.runTurn(
            session.id(), "Think forever", Duration.ofSeconds(3), LIMIT, TurnListener.none());

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(silent.status()).isEqualTo(TurnStatus.TIMED_OUT);
    assertThat(silent.error())
        .hasValueSatisfying(
            error ->
                assertThat(error)
                    .startsWith("no event from session " + session.id() + " for PT3S")
                    .doesNotContain("did not confirm"));
    assertThat(took).isLessThan(Duration.ofSeconds(20));

    // OpenCode emits nothing between "busy" and the model's first bytes, and on a loaded machine
    // its work before the
    // model call (snapshot of the worktree, tool set-up) can outlast the 3 s idle timeout: then the
    // abort lands
    // before the model was asked, the scripted hang is still queued and would answer the next turn,
    // which then
    // stays silent as well. Drop what the aborted turn did not consume; the server itself is
    // unaffected either way.
    LOG.info(
        "silent turn ended with the model {}",
        model.pendingReplies() == 0
            ? "hanging (as scripted)"
            : "not yet asked (the hang was still queued)");
    model.reset();
    model.enqueue(FakeModelServer.script().text("still here"));
    TurnResult next =
        client.runTurn(session.id(), "Are you there?", IDLE, LIMIT, TurnListener.none());
    assertThat(next.status()).isEqualTo(TurnStatus.COMPLETED);
    assertThat(next.summary()).isEqualTo("still here");
  }

  @Test
  void aTurnAbortedBeforeTheModelWasAskedLeavesItsScriptQueuedAndTheSessionUsable()
      throws Exception {
    model.enqueue(FakeModelServer.script().hang());
    SessionInfo session = client.createSession("it: early abort");

    TurnResult early =
        client.runTurn(
            session.id(), "Think forever", Duration.ofMillis(1), LIMIT, TurnListener.none());

    assertThat(early.status()).isEqualTo(TurnStatus.TIMED_OUT);
    assertThat(early.error())
        .hasValueSatisfying(error -> assertThat(error).doesNotContain("did not confirm"));
    assertThat(model.chatRequests()).as("the abort came before OpenCode asked the model").isEmpty();
    assertThat(model.pendingReplies()).as("so the scripted hang is still queued").isEqualTo(1);

    model.reset();
    model.enqueue(FakeModelServer.script().text("still here"));
    TurnResult next =
        client.runTurn(session.id(), "Are you there?", IDLE, LIMIT, TurnListener.none());
    assertThat(next.status()).isEqualTo(TurnStatus.COMPLETED);
    assertThat(next.summary()).isEqualTo("still here");
  }

  @Test
  void openCodeWritesOnlyIntoTheWorktreeAndTheCellStateFolder() throws Exception {
    model.enqueue(FakeModelServer.script().text("nothing to do"));
    assertThat(
            client
                .runTurn(
                    client.createSession("it: files").id(),
                    "Say hi",
                    IDLE,
                    LIMIT,
                    TurnListener.none())
                .status())
        .isEqualTo(TurnStatus.COMPLETED);

    Map<String, String> env =
        parseEnviron(Files.readAllBytes(Path.of("/proc", Long.toString(server.pid()), "environ")));
    for (String name :
        List.of(
            "HOME",
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
            "TMPDIR")) {
      assertThat(Path.of(env.get(name)).startsWith(state)).as(name + "=" + env.get(name)).isTrue();
    }
    assertThat(state.resolve("data/opencode/opencode.db")).isRegularFile();
    assertThat(launch.openCodeLogDirectory()).isNotEmptyDirectory();
    assertThat(launch.tmpDirectory().resolve("opencode"))
        .as("OpenCode used TMPDIR, not /tmp")
        .isDirectory();
    assertThat(launch.openCodeConfigDirectory().resolve("node_modules"))
        .as("the offline .npmrc kept the plugin install from downloading anything")
        .doesNotExist();

    List<String> writable = new ArrayList<>();
    for (ProcessHandle process :
        Stream.concat(Stream.of(server.toHandle()), server.descendants()).toList()) {
      writable.addAll(writableFiles(process.pid()));
    }
    // stdout/stderr were redirected by this test (as the supervisor will, to the worker's log
    // folder).
    writable.removeIf(file -> file.equals(serverLog().toString()));
    assertThat(writable)
        .isNotEmpty()
        .allSatisfy(
            file ->
                assertThat(
                        file.startsWith(state.toString())
                            || file.startsWith(worktree.toString())
                            || file.startsWith("/dev/"))
                    .as("open for writing: " + file)
                    .isTrue());
    assertThat(gitStatus()).isEmpty();
  }

  private static Path serverLog() {
    return root.resolve("opencode-server.log");
  }

  private static List<String> gitStatus() throws IOException, InterruptedException {
    Process git =
        new ProcessBuilder(List.of("git", "status", "--porcelain", "--untracked-files=all"))
            .directory(worktree.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(git.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(git.exitValue()).as(out).isZero();
    return out.lines().toList();
  }

  @Test
  void theServerListensOnTheLoopbackAddressOnlyAndNeverLogsItsPassword() throws Exception {
    // The server's listening sockets, as the kernel reports them: /proc/net/tcp{,6} rows in LISTEN
    // state (0A) whose
    // inode is one of the sockets the server's process tree holds.
    List<String> listening = new ArrayList<>();
    for (ProcessHandle process :
        Stream.concat(Stream.of(server.toHandle()), server.descendants()).toList()) {
      List<String> inodes = socketInodes(process.pid());
      for (String table : List.of("tcp", "tcp6")) {
        Path file = Path.of("/proc", Long.toString(process.pid()), "net", table);
        for (String row : Files.readAllLines(file).stream().skip(1).toList()) {
          String[] f = row.trim().split("\\s+");
          if (f[3].equals("0A") && inodes.contains(f[9])) {
            listening.add(f[1]);
          }
        }
      }
    }

    String port = String.format("%04X", launch.port());
    assertThat(listening)
        .as("listening sockets (hex address:port)")
        .isNotEmpty()
        .anySatisfy(address -> assertThat(address).endsWith(":" + port))
        .allSatisfy(
            address ->
                assertThat(address)
                    .as("a loopback address")
                    .isIn(
                        "0100007F:" + address.substring(address.indexOf(':') + 1),
                        "0000000000000000FFFF00000100007F:"
                            + address.substring(address.indexOf(':') + 1),
                        "00000000000000000000000001000000:"
                            + address.substring(address.indexOf(':') + 1)));
    assertThat(Files.readString(serverLog())).doesNotContain(launch.password());
  }

  private static List<String> socketInodes(long pid) {
    List<String> inodes = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      // the process ended meanwhile
    }
    return inodes;
  }

  private static Path gitRepository(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("README.md"), "# test repository\n");
    git(dir, "init", "-q");
    git(dir, "add", "README.md");
    git(
        dir,
        "-c",
        "user.name=Open Swarm",
        "-c",
        "user.email=swarm@example.invalid",
        "commit",
        "-q",
        "-m",
        "initial commit");
    return dir.toRealPath();
  }

  private static void git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("git %s: %s", command, out).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Map<String, String> parseEnviron(byte[] environ) {
    Map<String, String> env = new HashMap<>();
    for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return env;
  }

  /**
   * Files the process holds open for writing, from /proc/PID/fd and the access mode in
   * /proc/PID/fdinfo.
   */
  private static List<String> writableFiles(long pid) throws IOException {
    List<String> files = new ArrayList<>();
    Path fdDir = Path.of("/proc", Long.toString(pid), "fd");
    List<Path> fds;
    try (Stream<Path> list = Files.list(fdDir)) {
      fds = list.toList();
    } catch (IOException e) {
      return files; // the process ended meanwhile
    }
    for (Path fd : fds) {
      String target;
      String flags;
      try {
        target = Files.readSymbolicLink(fd).toString();
        flags =
            Files.readAllLines(
                    Path.of("/proc", Long.toString(pid), "fdinfo", fd.getFileName().toString()))
                .stream()
                .filter(line -> line.startsWith("flags:"))
                .findFirst()
                .orElse("flags: 0");
      } catch (IOException e) {
        continue; // closed meanwhile
      }
      int accessMode = Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & 3;
      if (target.startsWith("/") && accessMode != 0) {
        files.add(target.replace(" (deleted)", ""));
      }
    }
    return files;
  }

  private static long rssMegabytes(ProcessHandle process) throws IOException {
    long kb = 0;
    for (ProcessHandle p : Stream.concat(Stream.of(process), process.descendants()).toList()) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
          if (line.startsWith("VmRSS:")) {
            kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException e) {
        // the process ended meanwhile
      }
    }
    return kb / 1024;
  }
}
