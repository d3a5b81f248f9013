package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link SwarmClient} obtained while its worker ran, used after {@link SwarmWorker#close()}: each
 * call fails at once with an {@link IllegalStateException} that says the worker was closed, as
 * {@code worker.client()} does, instead of blocking for a minute on the closed connection and
 * failing with {@code UNAVAILABLE}.
 */
class ClosedWorkerClientIT {

  @TempDir Path temp;

  @Test
  void aClientKeptPastCloseFailsAtOnceOnEveryCall() {
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\nexit 0\n")
            .executable("test.sh")
            .commit("a project");
    SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("closed-host").build())
            .agent(ScriptedAgent.writing(ScriptedAgent.FileEdit.write("done.txt", "yes")))
            .ports(new PortRange(21390, 21399))
            .start();
    SwarmClient client;
    String workflowId;
    try {
      client = worker.client();
      workflowId = client.startTcr(TaskSpec.of("before-close", "finish it", "main"));
      assertThat(client.result(workflowId).status()).isEqualTo(CellStatus.COMMITTED);
    } finally {
      worker.close();
    }

    String id = workflowId;
    TaskGraph graph = TaskGraph.of(GraphTask.of("t1", "finish it"));
    Map<String, Consumer<SwarmClient>> calls =
        Map.of(
            "start a TCR workflow",
                c -> c.startTcr(TaskSpec.of("after-close", "finish it", "main")),
            "wait for a TCR result", c -> c.result(id),
            "ask a TCR workflow its progress", c -> c.progress(id),
            "start a DAG workflow", c -> c.startDag(DagRequest.of("after-close", graph, "main")),
            "wait for a DAG result", c -> c.dagResultAsync("dag-after-close"),
            "ask a DAG workflow its progress", c -> c.dagProgress("dag-after-close"),
            "cancel a workflow", c -> c.cancel(id),
            "get the workflow client", SwarmClient::workflowClient);
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            calls.forEach(
                (action, call) ->
                    assertThatThrownBy(() -> call.accept(client))
                        .as(action)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage(
                            "attempted to "
                                + action
                                + " while in STOPPED state: the worker closed-host that made this "
                                + "client was closed; get a client from a running worker")));
    assertThatThrownBy(worker::client)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to get the client while in STOPPED state");
  }
}
