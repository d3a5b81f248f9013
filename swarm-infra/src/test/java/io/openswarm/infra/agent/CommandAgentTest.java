package io.openswarm.infra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessSupervisor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder's validation and what a cell gets before any process runs; real turns are in
 * CommandAgentIT.
 */
class CommandAgentTest {

  @TempDir Path temp;
  private ProcessSupervisor supervisor;
  private AgentRuntime.Context context;

  @BeforeEach
  void setUp() throws Exception {
    supervisor = ProcessSupervisor.newBuilder().build();
    context =
        new AgentRuntime.Context(
            CellId.of("cell-1"),
            Files.createDirectories(temp.resolve("worktree")),
            8123,
            temp.resolve("state"));
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
  }

  @Test
  void theBuilderValidatesEverything() {
    assertThatThrownBy(() -> CommandAgent.newBuilder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("supervisor cannot be null");
    assertThatThrownBy(() -> CommandAgent.newBuilder(supervisor).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("command is required but was not set");
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor).command("aider", "--message={prompt}").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole arguments");
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor).command("agent", "{prompt}").name(" ").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name must not be blank");
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor)
                    .command("agent", "{prompt}")
                    .stopGrace(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stopGrace must not be negative");
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor)
                    .command("agent", "{prompt}")
                    .logCapBytes(-1)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("logCapBytes must be 0 or more");
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor)
                    .command("agent", "{prompt}")
                    .tailBytes(0)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tailBytes must be between 1 and");
    assertThatThrownBy(() -> CommandAgent.newBuilder(supervisor).environment(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("environment cannot be null");
  }

  @Test
  void allowedEndpointsNeedAPrivateNetwork() {
    assertThatThrownBy(
            () ->
                CommandAgent.newBuilder(supervisor)
                    .command("aider", "{prompt}")
                    .allowEndpoint("api.openai.com:443")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[api.openai.com:443]")
        .hasMessageContaining("network(NONE)");
    assertThatThrownBy(() -> CommandAgent.newBuilder(supervisor).allowEndpoint("api.openai.com"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host:port");
    assertThat(
            CommandAgent.newBuilder(supervisor)
                .command("aider", "{prompt}")
                .network(io.openswarm.core.sandbox.NetworkAccess.NONE)
                .allowEndpoint("api.openai.com:443")
                .build())
        .isNotNull();
  }

  @Test
  void theNameDefaultsToTheProgramsFileName() {
    assertThat(
            CommandAgent.newBuilder(supervisor)
                .command("/opt/tools/aider", "{prompt}")
                .build()
                .name())
        .isEqualTo("aider");
    assertThat(
            CommandAgent.newBuilder(supervisor)
                .command("aider", "{prompt}")
                .name("aider-gpt")
                .build()
                .name())
        .isEqualTo("aider-gpt");
  }

  @Test
  void aMissingProgramFailsTheStartAndNamesItWithoutTheWorkersPath() {
    CommandAgent agent =
        CommandAgent.newBuilder(supervisor)
            .command("no-such-agent-7f3a", "{prompt}")
            .environment(
                ProcessEnvironment.newBuilder(java.util.Map.of())
                    .put("PATH", "/home/me/secret-tools:/usr/bin")
                    .build())
            .build();

    assertThatThrownBy(() -> agent.start(context))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.START_FAILED))
        .hasMessageContaining("cell-1")
        .hasMessageContaining(
            "'no-such-agent-7f3a' was not found or is not executable in any of the 2 folders of "
                + "PATH")
        .message()
        .doesNotContain("secret-tools", "/usr/bin");
  }

  @Test
  void aStartedCellIsReadyAtOnceAndGetsItsFoldersOutsideTheWorktree() {
    CommandAgent agent = CommandAgent.newBuilder(supervisor).command("true", "{prompt}").build();

    AgentSession session = agent.start(context);
    session.awaitReady(Duration.ofMillis(1));

    assertThat(temp.resolve("state/agent/home")).isDirectory();
    assertThat(temp.resolve("state/agent/tmp")).isDirectory();
    assertThat(temp.resolve("state/logs")).isDirectory();
    assertThat(temp.resolve("worktree")).isEmptyDirectory();
    session.abort();
    session.close();
    session.close();
    assertThatThrownBy(
            () -> session.prompt("x", Duration.ofSeconds(1), AgentSession.Progress.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to prompt while in CLOSED state");
    assertThatThrownBy(() -> session.awaitReady(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void promptsThatNoArgumentCanCarryAreRefused() {
    AgentSession session =
        CommandAgent.newBuilder(supervisor).command("true", "{prompt}").build().start(context);
    try {
      assertThatThrownBy(
              () -> session.prompt("a\0b", Duration.ofSeconds(1), AgentSession.Progress.none()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("NUL");
      assertThatThrownBy(() -> session.prompt("x", Duration.ZERO, AgentSession.Progress.none()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timeout must be positive but was PT0S");
    } finally {
      session.close();
    }
  }

  @Test
  void summariesKeepTheEndOfLongOutput() {
    String longOutput = "x".repeat(5_000) + "THE END\n";
    assertThat(CommandAgent.lastChars(longOutput))
        .startsWith("...")
        .endsWith("THE END")
        .hasSize(CommandAgent.SUMMARY_CHARS + 3);
    assertThat(CommandAgent.lastChars("  short\n")).isEqualTo("short");
  }
}
