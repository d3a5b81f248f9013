package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.FileEdit;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code testNetwork(NONE)}: the test command, which runs the code the agent wrote, cannot reach
 * the worker's embedded Temporal server (or any other service on the host); on the shared network
 * it can. The "test" here is a probe that passes when the port cannot be reached, so the cell
 * commits exactly when the test run was cut off.
 */
class TestNetworkIT {

  private static final String PROBE =
      String.join(
          "\n",
          "import socket, sys",
          "host, port = sys.argv[1].rsplit(':', 1)",
          "s = socket.socket()",
          "s.settimeout(3)",
          "sys.exit(1 if s.connect_ex((host, int(port))) == 0 else 0)");

  @TempDir Path temp;

  @ParameterizedTest(name = "test network {0}")
  @EnumSource(NetworkAccess.class)
  void theTestRunReachesTheHostsServicesOnlyOnTheSharedNetwork(NetworkAccess network) {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve("repo"));
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .edits(prompt -> List.of(FileEdit.write("work.txt", prompt)))
            .build();
    try (SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .connection(ConnectionOptions.newBuilder().hostId("network-host").build())
            .tests(TestOptions.newBuilder().command(List.of("true")).network(network).build())
            .agent(agent)
            .sandbox(SandboxMode.BUBBLEWRAP)
            .ports(new PortRange(24840, 24849))
            .start()) {
      CellOutcome outcome =
          worker
              .client()
              .runTcr(
                  TaskSpec.of("probe", "probe the control plane", "main")
                      .withTestCommand(List.of("python3", "-c", PROBE, worker.temporalTarget())));

      assertThat(outcome.status())
          .as("%s", outcome)
          .isEqualTo(network == NetworkAccess.NONE ? CellStatus.COMMITTED : CellStatus.REVERTED);
    }
  }
}
