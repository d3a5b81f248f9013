package io.openswarm.infra.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.infra.opencode.internal.TokenUsage;
import io.openswarm.infra.opencode.internal.TurnResult;
import io.openswarm.infra.opencode.internal.TurnStatus;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's own logic with stand-in binaries (scripts that exit or never answer): building,
 * starting, readiness failures and the mapping of turn results. The real OpenCode runs in the
 * testkit's ITs.
 */
class OpenCodeAgentTest {

  @TempDir Path temp;
  private ProcessSupervisor supervisor;
  private AgentRuntime.Context context;
  private OpenCodeOptions.Builder options;

  @BeforeEach
  void setUp() throws Exception {
    supervisor = ProcessSupervisor.newBuilder().build();
    Path worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    Path state = Files.createDirectories(temp.resolve("state/cells/cell-1"));
    context = new AgentRuntime.Context(CellId.of("cell-1"), worktree, freePort(), state);
    options = OpenCodeOptions.newBuilder().model("fake/fake-model");
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void theBuilderValidatesAndFindsTheBinaryOnce() {
    Path binary = Scripts.write(mkdirs("bin"), "opencode", "exit 0");
    assertThatThrownBy(() -> OpenCodeAgent.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("supervisor cannot be null");
    assertThatThrownBy(() -> OpenCodeAgent.newBuilder(supervisor).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("options are required but were not set");
    assertThatThrownBy(
            () ->
                OpenCodeAgent.newBuilder(supervisor)
                    .options(options.binary(binary).build())
                    .stopGrace(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stopGrace must not be negative");
    assertThatThrownBy(
            () ->
                OpenCodeAgent.newBuilder(supervisor)
                    .options(options.binary(binary).apiKeyVariable("FAKE_PROVIDER_KEY").build())
                    .workerEnvironment(Map.of("PATH", "/usr/bin"))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "environment variable FAKE_PROVIDER_KEY (named by OpenCodeOptions.apiKeyVariable) "
                + "is not set");

    OpenCodeAgent agent =
        OpenCodeAgent.newBuilder(supervisor)
            .options(OpenCodeOptions.newBuilder().model("fake/fake-model").binary(binary).build())
            .build();
    assertThat(agent.binary()).isEqualTo(binary);
    assertThat(agent.name()).isEqualTo("opencode");
    assertThat(agent.toString()).contains(binary.toString(), "fake/fake-model");
  }

  @Test
  void aMissingBinaryFailsTheBuildAndNamesWhereItLooked() {
    Path missing = temp.resolve("nowhere/opencode");

    assertThatThrownBy(() -> OpenCodeAgent.create(supervisor, options.binary(missing).build()))
        .isInstanceOf(OpenCodeBinaryNotFoundException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void aBinaryRemovedAfterTheBuildFailsTheStart() throws Exception {
    Path binary = Scripts.write(mkdirs("bin"), "opencode", "exec sleep 300");
    OpenCodeAgent agent = OpenCodeAgent.create(supervisor, options.binary(binary).build());
    Files.delete(binary);

    assertThatThrownBy(() -> agent.start(context))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.START_FAILED))
        .hasMessageContaining("cannot launch OpenCode for cell cell-1: OpenCode binary not found")
        .hasMessageContaining(binary + " (does not exist)");
  }

  @Test
  void aServerThatExitsAtStartFailsReadinessAtOnceWithItsOutput() {
    Path binary =
        Scripts.write(
            mkdirs("bin"),
            "opencode",
            "echo 'opencode: starting'\necho \"Error: Configuration is invalid at $OPENCODE_CONFIG_CONTENT\" >&2\nexit 3");
    AgentSession session =
        OpenCodeAgent.create(supervisor, options.binary(binary).build()).start(context);
    long start = System.nanoTime();
    try {
      assertThatThrownBy(() -> session.awaitReady(Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.START_FAILED))
          .hasMessageContaining("OpenCode server of cell cell-1 (pid")
          .hasMessageContaining("exited with code 3 before it became healthy")
          .hasMessageContaining("opencode: starting")
          .hasMessageContaining("Error: Configuration is invalid");
    } finally {
      session.close();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aServerThatNeverAnswersIsNotReadyAtTheDeadlineAndCloseStopsIt() throws Exception {
    Path binary = Scripts.write(mkdirs("bin"), "opencode", "echo 'listening soon'\nexec sleep 300");
    AgentSession session =
        OpenCodeAgent.create(supervisor, options.binary(binary).build()).start(context);
    try {
      assertThatThrownBy(() -> session.awaitReady(Duration.ofSeconds(2)))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.NOT_READY))
          .hasMessageContaining("not healthy within PT2S")
          .hasMessageContaining("port " + context.port())
          .hasMessageContaining("listening soon");
    } finally {
      session.close();
    }
    session.close();
    assertThatThrownBy(() -> session.awaitReady(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to await readiness while in CLOSED state");
  }

  @Test
  void theServerRunsInTheWorktreeWithExactlyTheLaunchEnvironmentAndLogsInTheCellState()
      throws Exception {
    Path binary =
        Scripts.write(
            mkdirs("bin"),
            "opencode",
            "pwd > \"$TMPDIR/pwd.txt\"\nenv > \"$TMPDIR/env.txt\"\necho \"args: $*\"\nexec sleep 300");
    OpenCodeAgent agent =
        OpenCodeAgent.newBuilder(supervisor)
            .options(options.binary(binary).build())
            .workerEnvironment(Map.of("PATH", "/usr/bin:/bin", "WORKER_SECRET", "must-not-leak"))
            .build();
    AgentSession session = agent.start(context);
    Path cellState = context.stateDirectory();
    Path tmp = cellState.resolve("opencode/tmp");
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  Files.exists(tmp.resolve("env.txt"))
                      && Files.readString(cellState.resolve("logs/opencode.log"))
                          .contains("args:"));
    } finally {
      session.close();
    }

    assertThat(Files.readString(tmp.resolve("pwd.txt")).strip())
        .isEqualTo(context.worktree().toString());
    String env = Files.readString(tmp.resolve("env.txt"));
    assertThat(env)
        .contains(
            "HOME=" + cellState.resolve("opencode/home"),
            "OPENCODE_SERVER_PASSWORD=",
            "OPENCODE_CONFIG_CONTENT=")
        .doesNotContain("WORKER_SECRET", "must-not-leak");
    assertThat(cellState.resolve("logs/opencode.log"))
        .content()
        .contains("args: serve --hostname 127.0.0.1 --port " + context.port());
    assertThat(context.worktree()).isEmptyDirectory();
  }

  @Test
  void droppingEventStreamsCutsNothingWhereNoTurnIsFollowedAndNeedsACell() {
    Path binary = Scripts.write(mkdirs("bin"), "opencode", "exec sleep 300");
    OpenCodeAgent agent = OpenCodeAgent.create(supervisor, options.binary(binary).build());
    AgentSession session = agent.start(context);
    try {
      assertThat(agent.dropEventStreams(context.cellId())).as("a session without a turn").isZero();
      assertThat(agent.dropEventStreams(CellId.of("other")))
          .as("a cell without a session")
          .isZero();
      assertThatThrownBy(() -> agent.dropEventStreams(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("cell cannot be null");
    } finally {
      session.close();
    }
    assertThat(agent.dropEventStreams(context.cellId())).as("a closed session").isZero();
  }

  @Test
  void completedTurnsCarryTheSummaryAndTokensWhenKnown() {
    TurnResult withTokens =
        new TurnResult(
            "ses_1",
            TurnStatus.COMPLETED,
            "Wrote hello.txt.",
            Optional.of(new TokenUsage(120, 30, 0, 0, 0, 0)),
            Optional.empty(),
            Duration.ofSeconds(2),
            0);
    TurnResult withoutTokens =
        new TurnResult(
            "ses_1",
            TurnStatus.COMPLETED,
            "",
            Optional.empty(),
            Optional.empty(),
            Duration.ofSeconds(2),
            0);

    assertThat(OpenCodeAgent.toAgentTurn(withTokens))
        .isEqualTo(new AgentSession.Turn("Wrote hello.txt.", 120, 30));
    assertThat(OpenCodeAgent.toAgentTurn(withoutTokens))
        .isEqualTo(new AgentSession.Turn("", -1, -1));
  }

  @Test
  void turnStatusesMapToStableReasons() {
    assertThat(OpenCodeAgent.reasonOf(TurnStatus.FAILED))
        .isEqualTo(AgentException.Reason.TURN_FAILED);
    assertThat(OpenCodeAgent.reasonOf(TurnStatus.TIMED_OUT))
        .isEqualTo(AgentException.Reason.TURN_TIMED_OUT);
    assertThat(OpenCodeAgent.reasonOf(TurnStatus.ABORTED)).isEqualTo(AgentException.Reason.ABORTED);
    assertThatThrownBy(() -> OpenCodeAgent.reasonOf(TurnStatus.COMPLETED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorMessagesQuoteOnlyTheEndOfTheOutput() {
    assertThat(OpenCodeAgent.tail("  \n")).isEqualTo("(no output)");
    assertThat(OpenCodeAgent.tail("boot\nfailed\n")).isEqualTo("boot\nfailed");
    assertThat(OpenCodeAgent.tail("x".repeat(10_000) + "LAST"))
        .startsWith("...")
        .endsWith("LAST")
        .hasSize(OpenCodeAgent.TAIL_CHARS + 3);
  }

  private Path mkdirs(String name) {
    try {
      return Files.createDirectories(temp.resolve(name));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
