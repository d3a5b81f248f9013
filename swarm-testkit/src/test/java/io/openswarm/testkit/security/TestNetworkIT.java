package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.SwarmExtension;
import io.openswarm.testkit.agent.ScriptedAgent;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
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

  /** A swarm whose tests run on the shared network. */
  @RegisterExtension static final SwarmExtension SHARED = swarm(NetworkAccess.SHARED);

  /** A swarm whose tests run with no network. */
  @RegisterExtension static final SwarmExtension NONE = swarm(NetworkAccess.NONE);

  private static SwarmExtension swarm(NetworkAccess network) {
    return SwarmExtension.newBuilder()
        .connection(ConnectionOptions.newBuilder().hostId("network-host").build())
        .tests(TestOptions.newBuilder().command(List.of("true")).network(network).build())
        .agent(
            ScriptedAgent.newBuilder()
                .edits(prompt -> List.of(ScriptedAgent.FileEdit.write("work.txt", prompt)))
                .build())
        .configure(worker -> worker.sandbox(CellSandbox.Mode.BUBBLEWRAP))
        .build();
  }

  @ParameterizedTest(name = "test network {0}")
  @EnumSource(NetworkAccess.class)
  void theTestRunReachesTheHostsServicesOnlyOnTheSharedNetwork(NetworkAccess network) {
    SwarmWorker worker = (network == NetworkAccess.NONE ? NONE : SHARED).worker();
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
