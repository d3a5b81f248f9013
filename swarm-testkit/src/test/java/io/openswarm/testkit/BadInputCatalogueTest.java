package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.openswarm.core.CellId;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.graph.TaskGraphException;
import io.openswarm.core.port.PortExhaustedException;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.graph.TaskGraphJson;
import io.openswarm.infra.opencode.OpenCodeBinary;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue of inputs a user can get wrong: each is refused with the exact exception type and a
 * message that names the value given and what is allowed, and nothing is created on disk.
 */
class BadInputCatalogueTest {

  @TempDir static Path temp;
  static TemporaryRepository repo;
  static Path bare;
  static Path plainDirectory;

  /**
   * A bad input: what to do, the exception type it must raise, and fragments its message must
   * contain.
   */
  record Case(String name, Action action, Class<? extends Throwable> type, List<String> fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  static Case bad(
      String name, Class<? extends Throwable> type, Action action, String... fragments) {
    return new Case(name, action, type, List.of(fragments));
  }

  @BeforeAll
  static void repositories() throws Exception {
    repo = TemporaryRepository.create(temp.resolve("repo"));
    bare = temp.resolve("bare.git");
    Files.createDirectories(bare);
    GitRunner.create().run(bare, "init", "--bare", "--quiet").requireSuccess("init --bare");
    plainDirectory = Files.createDirectories(temp.resolve("not-a-repo"));
  }

  static SwarmWorkerBuilder worker() {
    return worker(repo.path(), temp.resolve("never-created"));
  }

  static SwarmWorkerBuilder worker(Path repository, Path stateDirectory) {
    return SwarmWorker.newBuilder()
        .repository(repository)
        .testCommand(List.of("true"))
        .agent(ScriptedAgent.newBuilder().build())
        .stateDirectory(stateDirectory);
  }

  static Stream<Case> catalogue() {
    String longId = "x".repeat(65);
    return Stream.of(
        // Ports
        bad(
            "port range starting at 0",
            IllegalArgumentException.class,
            () -> PortManager.of(0, 10),
            "min",
            "between 1 and 65535",
            "was 0"),
        bad(
            "port range beyond 65535",
            IllegalArgumentException.class,
            () -> PortManager.of(9000, 70000),
            "max",
            "between 1 and 65535",
            "was 70000"),
        bad(
            "inverted port range",
            IllegalArgumentException.class,
            () -> PortManager.of(9000, 8000),
            "must not exceed",
            "9000-8000"),
        bad(
            "privileged ports",
            IllegalArgumentException.class,
            () -> PortManager.of(80, 90),
            "80-90",
            "privileged",
            "allowPrivilegedPorts(true)"),
        bad(
            "zero quarantine",
            IllegalArgumentException.class,
            () -> PortManager.newBuilder().range(8000, 8001).quarantine(Duration.ZERO).build(),
            "quarantine must be positive",
            "PT0S"),
        bad(
            "negative port wait",
            IllegalArgumentException.class,
            () -> PortManager.of(8000, 8001).allocate(Duration.ofSeconds(-1)),
            "maxWait",
            "PT-1S"),
        // Cell and task ids
        bad(
            "cell id with traversal",
            IllegalArgumentException.class,
            () -> CellId.of("../x"),
            "letters, digits",
            "\"../x\""),
        bad(
            "cell id with a separator",
            IllegalArgumentException.class,
            () -> CellId.of("a/b"),
            "letters, digits",
            "\"a/b\""),
        bad(
            "cell id with a control character",
            IllegalArgumentException.class,
            () -> CellId.of("a\u0007b"),
            "letters, digits",
            "\\u0007"),
        bad(
            "cell id over 64 characters",
            IllegalArgumentException.class,
            () -> CellId.of(longId),
            "1 to 64 characters",
            "65 characters"),
        bad(
            "empty cell id",
            IllegalArgumentException.class,
            () -> CellId.of(""),
            "1 to 64",
            "0 characters"),
        bad(
            "cell id read as an option",
            IllegalArgumentException.class,
            () -> CellId.of("-rf"),
            "must not start with '-'",
            "\"-rf\""),
        bad(
            "task id with traversal",
            IllegalArgumentException.class,
            () -> TaskSpec.of("../../etc", "p", "main"),
            "taskId",
            "\"../../etc\""),
        // Ids git refuses in the cell's branch swarm/<id>: refused when the task is made, not at
        // WORKTREE.
        bad(
            "task id with \"..\"",
            IllegalArgumentException.class,
            () -> TaskSpec.of("a..b", "p", "main"),
            "taskId",
            "must not contain \"..\"",
            "git branch names",
            "\"a..b\""),
        bad(
            "task id ending with .lock",
            IllegalArgumentException.class,
            () -> TaskSpec.of("x.lock", "p", "main"),
            "taskId",
            "must not end with \".lock\"",
            "\"x.lock\""),
        bad(
            "task id starting with a dot",
            IllegalArgumentException.class,
            () -> TaskSpec.of(".hidden", "p", "main"),
            "taskId",
            "must not start with '.'",
            "\".hidden\""),
        bad(
            "task id ending with a dot",
            IllegalArgumentException.class,
            () -> TaskSpec.of("trailing.", "p", "main"),
            "taskId",
            "must not end with '.'",
            "\"trailing.\""),
        bad(
            "graph task id git refuses",
            IllegalArgumentException.class,
            () -> TaskGraph.newBuilder().task("a..b", "p").build(),
            "task id",
            "must not contain \"..\"",
            "\"a..b\""),
        bad(
            "oversized commit message",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "p", "main").withCommitMessage("m".repeat(10 * 1024 * 1024)),
            "commitMessage must be at most 65536 characters",
            "10485760 characters"),
        bad(
            "commit message with a NUL character",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "p", "main").withCommitMessage("fix\0it"),
            "commitMessage",
            "NUL character",
            "\\u0000"),
        bad(
            "base ref read as an option",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "p", "--upload-pack=touch /tmp/pwned"),
            "baseRef",
            "not starting with '-'",
            "--upload-pack"),
        bad(
            "blank prompt",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "  ", "main"),
            "prompt must not be blank"),
        bad(
            "oversized prompt",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "p".repeat(TaskSpec.MAX_PROMPT_LENGTH + 1), "main"),
            "at most 262144",
            "262145"),
        bad(
            "empty test command of a task",
            IllegalArgumentException.class,
            () -> TaskSpec.of("t", "p", "main").withTestCommand(List.of()),
            "testCommand",
            "[]"),
        // Task graphs
        bad(
            "task graph with a cycle",
            TaskGraphException.class,
            () ->
                TaskGraph.newBuilder()
                    .task("a", "p", "c")
                    .task("b", "p", "a")
                    .task("c", "p", "b")
                    .build(),
            "cycle",
            "a -> ",
            "-> a"),
        bad(
            "task depending on itself",
            TaskGraphException.class,
            () -> TaskGraph.newBuilder().task("a", "p", "a").build(),
            "self-dependency",
            "a"),
        bad(
            "unknown dependency",
            TaskGraphException.class,
            () -> TaskGraph.newBuilder().task("a", "p", "ghost").build(),
            "unknown dependency",
            "ghost"),
        bad(
            "duplicate task ids",
            TaskGraphException.class,
            () -> TaskGraph.newBuilder().task("a", "p").task("a", "q").build(),
            "duplicate id",
            "a"),
        bad(
            "empty task graph",
            TaskGraphException.class,
            () -> TaskGraph.newBuilder().build(),
            "empty graph"),
        bad(
            "oversized task graph",
            TaskGraphException.class,
            () -> {
              TaskGraph.Builder graph = TaskGraph.newBuilder();
              for (int i = 0; i <= TaskGraph.MAX_TASKS; i++) {
                graph.task("t" + i, "p");
              }
              graph.build();
            },
            "too many tasks",
            "500"),
        bad(
            "base check in a task graph file that is not a boolean",
            IllegalArgumentException.class,
            () ->
                TaskGraphJson.parse(
                    "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"verifyBase\": \"yes\"}]}"),
            "tasks[0].verifyBase must be true or false",
            "the string \"yes\""),
        // Worker options
        bad(
            "worker without a repository",
            IllegalStateException.class,
            () ->
                SwarmWorker.newBuilder()
                    .testCommand(List.of("true"))
                    .agent(ScriptedAgent.newBuilder().build())
                    .build(),
            "repository(path) must be set"),
        bad(
            "repository that does not exist",
            IllegalArgumentException.class,
            () -> worker(temp.resolve("nowhere"), temp.resolve("never-created")).build(),
            "existing directory",
            "nowhere"),
        bad(
            "task queue with '@'",
            IllegalArgumentException.class,
            () -> ConnectionOptions.newBuilder().taskQueue("a@b"),
            "taskQueue",
            "'@'",
            "a@b"),
        bad(
            "target without a port",
            IllegalArgumentException.class,
            () -> ConnectionOptions.newBuilder().target("localhost"),
            "host:port",
            "\"localhost\""),
        bad(
            "heartbeat not shorter than the step",
            IllegalArgumentException.class,
            () ->
                worker()
                    .timeouts(CellTimeouts.newBuilder().heartbeat(Duration.ofMinutes(20)).build())
                    .build(),
            "heartbeat (PT20M)",
            "shorter than startToClose (PT15M)"),
        bad(
            "TLS without a target",
            IllegalArgumentException.class,
            () -> ConnectionOptions.newBuilder().apiKey("secret").build(),
            "target(\"host:port\")"),
        bad(
            "embedded server token without a target",
            IllegalArgumentException.class,
            () -> ConnectionOptions.newBuilder().embeddedServerToken("abc").build(),
            "embeddedServerToken",
            "target(\"host:port\")",
            "temporalTarget()"),
        bad(
            "embedded server token with an API key",
            IllegalArgumentException.class,
            () ->
                ConnectionOptions.newBuilder()
                    .target("127.0.0.1:7233")
                    .apiKey("k")
                    .embeddedServerToken("abc")
                    .build(),
            "embeddedServerToken cannot be combined with",
            "apiKey",
            "neither TLS nor API keys"),
        bad(
            "embedded server token that is no token",
            IllegalArgumentException.class,
            () ->
                ConnectionOptions.newBuilder()
                    .target("127.0.0.1:7233")
                    .embeddedServerToken("Bearer secret-value"),
            "embeddedServerToken must be what another worker's embeddedServerToken() returned",
            "base64url",
            "not shown"),
        bad(
            "privileged worker ports",
            IllegalArgumentException.class,
            () -> worker().ports(new PortRange(80, 90)),
            "80-90",
            "privileged"),
        bad(
            "empty worker test command",
            IllegalArgumentException.class,
            () -> SwarmWorker.newBuilder().testCommand(List.of()),
            "testCommand must name a program",
            "[]"),
        bad(
            "host id with a separator",
            IllegalArgumentException.class,
            () -> ConnectionOptions.newBuilder().hostId("a/b"),
            "hostId",
            "\"a/b\""),
        bad(
            "zero closed-workflow sweep interval",
            IllegalArgumentException.class,
            () -> CellTimeouts.newBuilder().closedWorkflowSweepInterval(Duration.ZERO),
            "closedWorkflowSweepInterval must be positive",
            "PT0S"),
        bad(
            "a repository hook that cannot run as a check",
            IllegalArgumentException.class,
            () -> worker().repositoryHooks("post-commit"),
            "repositoryHooks may name pre-commit and commit-msg",
            "\"post-commit\""),
        bad(
            "cell limits with too few processes",
            IllegalArgumentException.class,
            () -> io.openswarm.core.sandbox.CellLimits.newBuilder().maxProcesses(4),
            "maxProcesses must be 0 (no limit) or at least 16 but was 4"),
        bad(
            "no cell attempts",
            IllegalArgumentException.class,
            () -> CellTimeouts.newBuilder().maxCellAttempts(0),
            "maxCellAttempts",
            "between 1 and 10",
            "0"),
        bad(
            "agent turn longer than the step",
            IllegalArgumentException.class,
            () ->
                worker()
                    .timeouts(CellTimeouts.newBuilder().execute(Duration.ofMinutes(30)).build())
                    .build(),
            "execute (PT30M)",
            "startToClose (PT15M)"),
        bad(
            "set-up longer than the bootstrap allows",
            IllegalArgumentException.class,
            () ->
                worker()
                    .setup(
                        WorktreeSetupOptions.newBuilder()
                            .command("npm", "ci")
                            .timeout(Duration.ofMinutes(5))
                            .build())
                    .build(),
            "setup's timeout must leave 30 s of the bootstrap timeout (PT5M)",
            "at most PT4M30S",
            "PT5M",
            "raise CellTimeouts.bootstrap"),
        bad(
            "set-up input outside the repository",
            IllegalArgumentException.class,
            () -> WorktreeSetupOptions.newBuilder().inputs("../package-lock.json"),
            "inputs takes paths relative",
            "\"../package-lock.json\"",
            "'..' part"),
        bad(
            "set-up inputs without a set-up command",
            IllegalArgumentException.class,
            () -> WorktreeSetupOptions.newBuilder().inputs("package-lock.json").build(),
            "without a set-up command",
            "package-lock.json"),
        bad(
            "absolute file to copy from the checkout",
            IllegalArgumentException.class,
            () -> WorktreeSetupOptions.newBuilder().copyFromCheckout("/home/user/.env"),
            "copyFromCheckout",
            "\"/home/user/.env\"",
            "absolute"),
        bad(
            "blank set-up program",
            IllegalArgumentException.class,
            () -> WorktreeSetupOptions.newBuilder().command(" ", "ci"),
            "command must start with a program name",
            "[ , ci]"),
        bad(
            "two agents",
            IllegalStateException.class,
            () ->
                worker()
                    .openCode(
                        io.openswarm.infra.opencode.OpenCodeOptions.newBuilder()
                            .model("a/b")
                            .build()),
            "the agent was already set by agent(...)",
            "either agent(...) or openCode(...)"),
        bad(
            "a test command and test options",
            IllegalStateException.class,
            () -> worker().tests(io.openswarm.temporal.TestOptions.of("make", "test")),
            "the tests were already set by testCommand(...)",
            "[true]",
            "either testCommand(...) or tests(...)"),
        bad(
            "worker option set twice",
            IllegalStateException.class,
            () ->
                worker()
                    .sandbox(io.openswarm.core.sandbox.CellSandbox.Mode.NONE)
                    .sandbox(io.openswarm.core.sandbox.CellSandbox.Mode.AUTO),
            "sandbox was already set to NONE"),
        bad(
            "worktrees of another repository",
            IllegalArgumentException.class,
            () ->
                worker()
                    .worktrees(
                        WorktreePoolOptions.newBuilder()
                            .repository(plainDirectory)
                            .root(temp.resolve("wt-other"))
                            .build())
                    .build(),
            "worktrees must be of the worker's repository",
            plainDirectory.toString()),
        bad(
            "state directory inside the repository",
            IllegalArgumentException.class,
            () -> worker(repo.path(), repo.path().resolve("state")).build(),
            "outside the repository"),
        // Repositories, worktrees, binaries
        bad(
            "pool on a directory that is not a repository",
            io.openswarm.core.worktree.WorktreeException.class,
            () -> startPool(plainDirectory, temp.resolve("wt-plain")),
            plainDirectory.toString()),
        bad(
            "worker on a bare repository",
            IllegalArgumentException.class,
            () -> worker(bare, temp.resolve("never-created")).build(),
            "bare repository",
            bare.toString()),
        bad(
            "worker on a directory that is not a repository",
            IllegalArgumentException.class,
            () -> worker(plainDirectory, temp.resolve("never-created")).build(),
            "git working tree",
            plainDirectory.toString()),
        bad(
            "worktree root inside .git",
            io.openswarm.core.worktree.WorktreeException.class,
            () -> startPool(repo.path(), repo.path().resolve(".git/cells")),
            "inside the git directory"),
        bad(
            "missing git binary",
            io.openswarm.core.worktree.WorktreeException.class,
            () ->
                GitRunner.newBuilder()
                    .executable("/nonexistent/git")
                    .build()
                    .run(repo.path(), "status"),
            "/nonexistent/git"),
        bad(
            "missing OpenCode binary",
            RuntimeException.class,
            () -> OpenCodeBinary.locate(temp.resolve("no-opencode")),
            "no-opencode"),
        // History, disk, network and the tests' world
        bad(
            "negative history run count",
            IllegalArgumentException.class,
            () -> io.openswarm.core.history.HistoryOptions.newBuilder().maxRuns(-1),
            "maxRuns",
            "-1"),
        bad(
            "disk floor above the warning level",
            IllegalArgumentException.class,
            () ->
                io.openswarm.temporal.SwarmHealth.Thresholds.newBuilder()
                    .minFreeDisk(1L << 30, 0.05)
                    .diskFloor(2L << 30, 0.02)
                    .build(),
            "2147483648"),
        bad(
            "disk fraction of 1",
            IllegalArgumentException.class,
            () ->
                io.openswarm.temporal.SwarmHealth.Thresholds.newBuilder().diskFloor(0, 1.0).build(),
            "1.0"),
        bad(
            "endpoint without a port",
            IllegalArgumentException.class,
            () -> io.openswarm.core.sandbox.SandboxPolicy.Endpoint.parse("api.openai.com"),
            "api.openai.com",
            "host:port"),
        bad(
            "allowed endpoint on the shared network",
            IllegalArgumentException.class,
            () ->
                io.openswarm.infra.opencode.OpenCodeOptions.newBuilder()
                    .model("a/b")
                    .allowEndpoint("api.openai.com:443")
                    .build(),
            "api.openai.com:443",
            "network(NONE)"),
        bad(
            "test variable HOME",
            IllegalArgumentException.class,
            () -> io.openswarm.infra.testrun.TestEnvironment.newBuilder().put("HOME", "/x"),
            "HOME"),
        bad(
            "home file outside the home folder",
            IllegalArgumentException.class,
            () ->
                io.openswarm.infra.testrun.TestEnvironment.newBuilder()
                    .homeFile(Path.of("/etc/passwd")),
            "/etc/passwd",
            "home folder"),
        bad(
            "sparse checkout directory outside the repository",
            IllegalArgumentException.class,
            () -> WorktreePoolOptions.newBuilder().sparseCheckout(List.of("../elsewhere")),
            "../elsewhere",
            "relative to the repository"));
  }

  static void startPool(Path repository, Path root) {
    try (WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repository)
            .root(root)
            .minIdle(0)
            .maxIdle(0)
            .maxTotal(1)
            .build()) {
      pool.start();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogue")
  void isRefusedClearlyAndCreatesNothing(Case bad) throws Exception {
    List<Path> before = listing();

    Throwable thrown = catchThrowable(bad.action()::run);

    assertThat(thrown).as(bad.name()).isNotNull();
    if (bad.type() == RuntimeException.class) {
      assertThat(thrown).isInstanceOf(RuntimeException.class);
    } else {
      assertThat(thrown).isExactlyInstanceOf(bad.type());
    }
    for (String fragment : bad.fragments()) {
      assertThat(thrown.getMessage()).as("message of %s", bad.name()).contains(fragment);
    }
    assertThat(listing()).as("files after %s", bad.name()).isEqualTo(before);
  }

  @Test
  void catalogueHasAtLeastThirtyCases() {
    assertThat(catalogue().count()).isGreaterThanOrEqualTo(30);
  }

  @Test
  void everyPortHeldByAForeignProcessIsExhaustionNotAHang() throws Exception {
    List<ServerSocket> held = new ArrayList<>();
    try {
      ServerSocket first = new ServerSocket();
      first.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      held.add(first);
      int port = first.getLocalPort();
      PortManager ports = PortManager.newBuilder().range(port, port).build();

      Throwable thrown = catchThrowable(() -> ports.allocate(Duration.ofMillis(200)));

      assertThat(thrown)
          .isExactlyInstanceOf(PortExhaustedException.class)
          .hasMessage(
              "no available ports in range %d-%d (0 of 1 ports allocated, 1 held by other processes) "
                  + "after waiting 200 ms",
              port, port);
    } finally {
      for (ServerSocket socket : held) {
        socket.close();
      }
    }
  }

  /** Everything under the temporary directory except the repositories' own git internals. */
  private static List<Path> listing() throws Exception {
    try (Stream<Path> paths = Files.walk(temp)) {
      return paths
          .filter(path -> !path.toString().contains("/.git/") && !path.startsWith(bare))
          .sorted()
          .toList();
    }
  }
}
