package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.port.PortRange;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the worker's builder takes one options object per concern, and what its build() checks across
 * them.
 */
class SwarmWorkerOptionsTest {

  @TempDir Path temp;

  private Path repository() throws IOException {
    // Options only look for the .git of a working tree; nothing here runs git.
    Files.createDirectories(temp.resolve("repo/.git"));
    return temp.resolve("repo");
  }

  private SwarmWorkerBuilder builder() throws IOException {
    return SwarmWorker.newBuilder()
        .repository(repository())
        .stateDirectory(temp.resolve("state"))
        .testCommand("true")
        .agent(
            supervisor -> {
              throw new AssertionError("not started");
            });
  }

  @Test
  void defaultsComeFromTheProfileAndTheStateDirectory() throws IOException {
    SwarmWorkerOptions options =
        builder()
            .capacity(CapacityOptions.newBuilder().profile(SwarmProfile.STAGING).build())
            .build()
            .options();

    assertThat(options.timeouts().startToClose()).contains(Duration.ofMinutes(10));
    assertThat(options.timeouts().heartbeat()).contains(Duration.ofSeconds(30));
    assertThat(options.timeouts().execute()).contains(Duration.ofMinutes(10).minusSeconds(30));
    assertThat(options.ports()).isEqualTo(new PortRange(8000, 9000));
    assertThat(options.hostId()).isNotBlank();
    assertThat(options.hostQueue()).isEqualTo("reactor-task-queue@" + options.hostId());
    assertThat(options.worktrees().root())
        .isEqualTo(temp.resolve("state/worktrees").toAbsolutePath());
    assertThat(options.worktrees().repository()).isEqualTo(temp.resolve("repo").toAbsolutePath());
    assertThat(options.worktrees().minIdle()).isEqualTo(1);
    assertThat(options.worktrees().maxTotal()).isEqualTo(50);
    assertThat(options.worktrees().maxIdle()).isEqualTo(50);
    assertThat(options.setup().timeout()).isEqualTo(Duration.ofMinutes(5).minusSeconds(30));
    assertThat(options.activityOptions().startToClose()).isEqualTo(Duration.ofMinutes(10));
    assertThat(options.tests().command()).containsExactly("true");
  }

  @Test
  void eachConcernsOptionsReachTheWorkerAsGiven() throws IOException {
    ConnectionOptions connection =
        ConnectionOptions.newBuilder().taskQueue("q").hostId("h1").build();
    TestOptions tests =
        TestOptions.newBuilder().command("make", "test").timeout(Duration.ofMinutes(2)).build();
    WorktreePoolOptions worktrees =
        WorktreePoolOptions.newBuilder()
            .repository(repository())
            .root(temp.resolve("trees"))
            .minIdle(0)
            .maxTotal(3)
            .build();

    SwarmWorkerOptions options =
        SwarmWorker.newBuilder()
            .worktrees(worktrees)
            .tests(tests)
            .connection(connection)
            .ports(new PortRange(20000, 20009))
            .agent(
                supervisor -> {
                  throw new AssertionError("not started");
                })
            .stateDirectory(temp.resolve("state"))
            .build()
            .options();

    assertThat(options.repository())
        .as("taken from the worktrees")
        .isEqualTo(worktrees.repository());
    assertThat(options.worktrees()).isEqualTo(worktrees);
    assertThat(options.tests()).isEqualTo(tests);
    assertThat(options.connection()).isEqualTo(connection);
    assertThat(options.hostQueue()).isEqualTo("q@h1");
    assertThat(options.cellCapacity().maxCells()).isEqualTo(3);
  }

  @Test
  void anAgentAndOpenCodeAreOneSettingNotTwo() throws IOException {
    OpenCodeOptions openCode =
        OpenCodeOptions.newBuilder().model("anthropic/claude-sonnet-4-5").build();

    assertThatThrownBy(() -> builder().openCode(openCode))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "the agent was already set by agent(...); set it once, with either agent(...) or openCode(...),"
                + " not both");
    assertThatThrownBy(() -> SwarmWorker.newBuilder().openCode(openCode).openCode(openCode))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set by openCode(...)");
  }

  @Test
  void aTestCommandAndTestOptionsAreOneSettingNotTwo() throws IOException {
    assertThatThrownBy(() -> builder().tests(TestOptions.of("make", "test")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the tests were already set by testCommand(...)")
        .hasMessageContaining("either testCommand(...) or tests(...)");
  }

  @Test
  void settingAConcernTwiceIsAnError() throws IOException {
    assertThatThrownBy(
            () ->
                builder()
                    .timeouts(CellTimeouts.getDefaultInstance())
                    .timeouts(CellTimeouts.getDefaultInstance()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("timeouts was already set to CellTimeouts{");
    assertThatThrownBy(() -> builder().repository(temp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("repository was already set to ");
    assertThatThrownBy(() -> builder().ports(new PortRange(80, 90)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("privileged");
  }

  @Test
  void whatIsMissingIsNamed() {
    assertThatThrownBy(() -> SwarmWorker.newBuilder().testCommand("true").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("repository(path) must be set before build()");
    assertThatThrownBy(() -> SwarmWorker.newBuilder().repository(temp).testCommand("true").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("agent(...) or openCode(...) must be set before build()");
    assertThatThrownBy(
            () -> SwarmWorker.newBuilder().repository(temp).agent(supervisor -> null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("testCommand(...) or tests(TestOptions) must be set before build()");
  }

  @Test
  void limitsOfOneConcernAreCheckedAgainstAnother() throws IOException {
    assertThatThrownBy(
            () ->
                builder()
                    .timeouts(
                        CellTimeouts.newBuilder()
                            .startToClose(Duration.ofMinutes(5))
                            .heartbeat(Duration.ofSeconds(30))
                            .build())
                    .build())
        .as("the test limit (10 min by default) against the step limit")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("testTimeout (PT10M) must not exceed startToClose (PT5M)");
    assertThatThrownBy(
            () ->
                builder()
                    .setup(
                        WorktreeSetupOptions.newBuilder()
                            .command("npm", "ci")
                            .timeout(Duration.ofMinutes(5))
                            .build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must leave 30 s of the bootstrap timeout (PT5M)")
        .hasMessageContaining("at most PT4M30S, but was PT5M");
    assertThat(
            builder()
                .timeouts(CellTimeouts.newBuilder().bootstrap(Duration.ofMinutes(20)).build())
                .setup(
                    WorktreeSetupOptions.newBuilder()
                        .command("npm", "ci")
                        .timeout(Duration.ofMinutes(15))
                        .build())
                .build()
                .options()
                .setup()
                .timeout())
        .isEqualTo(Duration.ofMinutes(15));
    assertThatThrownBy(
            () ->
                builder()
                    .worktrees(
                        WorktreePoolOptions.newBuilder()
                            .repository(temp)
                            .root(temp.resolve("trees"))
                            .build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("worktrees must be of the worker's repository");
  }

  @Test
  void theStateDirectoryMustBeOutsideTheRepository() throws IOException {
    Path repo = repository();

    assertThatThrownBy(
            () ->
                SwarmWorker.newBuilder()
                    .repository(repo)
                    .stateDirectory(repo.resolve("state"))
                    .testCommand("true")
                    .agent(supervisor -> null)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the repository");
  }
}
