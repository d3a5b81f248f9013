package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two workers with different host ids on one embedded server: every step of a cell runs on the host
 * that bootstrapped it. ({@code HostFailoverIT} kills the host of a running cell; the cell then
 * completes on the other.)
 */
class HostRoutingIT {

  @TempDir Path temp;

  private final EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
  private final List<SwarmWorker> workers = new ArrayList<>();

  /** Which host's agent ran each prompt. */
  private final Map<String, String> promptHost = new ConcurrentHashMap<>();

  @AfterEach
  void stopWorkers() {
    for (int i = workers.size() - 1; i >= 0; i--) {
      workers.get(i).close();
    }
    server.close();
  }

  private SwarmWorker worker(TemporaryRepository repo, String host, int firstPort, Duration turn) {
    ScriptedAgent agent =
        ScriptedAgent.newBuilder()
            .edits(
                prompt -> {
                  promptHost.put(prompt, host);
                  return List.of(ScriptedAgent.FileEdit.write(prompt + ".txt", host));
                })
            .turnDelay(turn)
            .build();
    SwarmWorkerBuilder builder =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state-" + host))
            .testCommand(List.of("true"))
            .connection(
                ConnectionOptions.newBuilder()
                    .hostId(host)
                    .target(server.target())
                    .embeddedServerToken(server.token())
                    .build())
            .timeouts(
                CellTimeouts.newBuilder()
                    .heartbeat(Duration.ofSeconds(3))
                    .hostScheduleToStart(Duration.ofSeconds(3))
                    .build())
            .agent(agent)
            .ports(new PortRange(firstPort, firstPort + 20));
    SwarmWorker worker = builder.start();
    workers.add(worker);
    return worker;
  }

  @Test
  void everyStepOfACellRunsOnTheHostThatBootstrappedIt() {
    TemporaryRepository repo = TemporaryRepository.create(temp.resolve("repo"));
    SwarmWorker first = worker(repo, "host-a", 21200, Duration.ofMillis(200));
    worker(repo, "host-b", 21230, Duration.ofMillis(200));
    SwarmClient client = first.client();

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(client.startTcr(TaskSpec.of("task-" + i, "task-" + i, "main")));
    }
    List<CellOutcome> outcomes =
        ids.stream().map(client::resultAsync).map(CompletableFuture::join).toList();

    assertThat(outcomes)
        .allSatisfy(
            outcome -> {
              assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
              // The agent that did the work lives on the host the outcome names, and wrote its name
              // into the commit.
              assertThat(promptHost.get(outcome.cellId().value())).isEqualTo(outcome.host());
              assertThat(repo.show(outcome.commit(), outcome.cellId() + ".txt"))
                  .isEqualTo(outcome.host());
            });
    for (SwarmWorker worker : workers) {
      LeakCheck.of(worker).repository(repo).assertClean();
    }
  }
}
