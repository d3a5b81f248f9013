package io.openswarm.testkit.opencode;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.testkit.LeakCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenCode under bubblewrap with a private network ({@code network(NONE)} plus the model's
 * endpoint): the worker still drives it through its port, it still reaches its model, and from its
 * bash tool nothing else on the host answers: not a loopback service (a stand-in for the worker's
 * Temporal port), not an abstract Unix socket.
 */
class OpenCodePrivateNetworkIT {

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private FakeModelServer model;
  private TemporaryRepository repo;
  private ProcessSupervisor supervisor;
  private PortManager ports;
  private WorktreePool pool;
  private CellSteps steps;
  private ServerSocket controlPlane;
  private Process abstractServer;

  @BeforeEach
  void setUp() throws Exception {
    model = FakeModelServer.start();
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("check.sh", "#!/bin/sh\ntest \"$(cat greeting.txt 2>/dev/null)\" = hello\n")
            .executable("check.sh")
            .commit("a project whose test wants a greeting");
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
    ports =
        PortManager.newBuilder()
            .range(21340, 21350)
            .leaseDirectory(temp.resolve("state/ports"))
            .build();
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("worktrees"))
            .minIdle(0)
            .maxIdle(1)
            .maxTotal(2)
            .build();
    pool.start();
    OpenCodeOptions options =
        OpenCodeOptions.newBuilder()
            .model(model.openCodeModel())
            .providerConfigJson(model.openCodeProviderConfig())
            .network(NetworkAccess.NONE)
            .allowEndpoint("127.0.0.1:" + model.port())
            .build();
    steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(pool)
            .changes(GitWorktreeChanges.create())
            .agent(OpenCodeAgent.create(supervisor, options))
            .tests(
                CommandTestRunner.newBuilder(supervisor)
                    .command(List.of("sh", "check.sh"))
                    .timeout(Duration.ofMinutes(1))
                    .build())
            .cellsDirectory(temp.resolve("state/cells"))
            .readyTimeout(Duration.ofSeconds(60))
            .build();
    controlPlane = new ServerSocket();
    controlPlane.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread answering =
        new Thread(
            () -> {
              while (!controlPlane.isClosed()) {
                try (Socket client = controlPlane.accept();
                    OutputStream out = client.getOutputStream()) {
                  out.write("control-answered".getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                  return;
                }
              }
            },
            "control-plane-stand-in");
    answering.setDaemon(true);
    answering.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (abstractServer != null) {
      abstractServer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    controlPlane.close();
    LeakCheck.of(ports, pool, steps).repository(repo).grace(Duration.ofSeconds(10)).assertClean();
    pool.close();
    supervisor.close();
    model.close();
  }

  @Test
  void theAgentReachesItsModelAndTheWorkerReachesTheAgentButNothingElseOnTheHostAnswers()
      throws Exception {
    String abstractName = "@openswarm-it-" + UUID.randomUUID();
    abstractServer =
        new ProcessBuilder("python3", "-c", ABSTRACT_SERVER, abstractName)
            .redirectErrorStream(true)
            .start();
    assertThat(
            new BufferedReader(
                    new InputStreamReader(abstractServer.getInputStream(), StandardCharsets.UTF_8))
                .readLine())
        .isEqualTo("ready");
    CellId cell = CellId.of("private-net");
    String prompt = "Create greeting.txt saying hello";
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .write("greeting.txt", "hello\n")
            .bash(
                "python3 -c \"$(printf '%s' '"
                    + PROBE
                    + "')\" 127.0.0.1:"
                    + controlPlane.getLocalPort()
                    + " "
                    + abstractName
                    + "; echo proxy=${HTTPS_PROXY:-none}")
            .thenText("Created greeting.txt."));

    steps.bootstrap(cell, "main");
    try {
      CellSteps.Execution executed = steps.execute(cell, prompt, Duration.ofMinutes(2), line -> {});

      assertThat(executed.summary()).isEqualTo("Created greeting.txt.");
      assertThat(model.chatRequests()).as("every model request crossed the relay").hasSize(3);
      String bashOutput = model.chatRequests().get(2).body();
      assertThat(bashOutput)
          .contains("127.0.0.1:" + controlPlane.getLocalPort() + " -> refused")
          .contains(abstractName + " -> refused")
          .contains("proxy=none")
          .doesNotContain("control-answered")
          .doesNotContain("unix-answered");
      TestRunner.Result tested = steps.test(cell);
      assertThat(tested.passed()).as(tested.report()).isTrue();
      assertThat(steps.commit(cell, "Greet").commit()).isNotNull();
    } finally {
      assertThat(steps.teardown(cell).errors()).isEmpty();
    }
  }

  /**
   * Connects to each {@code host:port} or {@code @abstract} argument and prints the answer or
   * "refused".
   */
  private static final String PROBE =
      String.join(
          "\n",
          "import socket, sys",
          "for target in sys.argv[1:]:",
          "    try:",
          "        if target.startswith(\"@\"):",
          "            s = socket.socket(socket.AF_UNIX)",
          "            s.settimeout(5)",
          "            s.connect(\"\\0\" + target[1:])",
          "        else:",
          "            host, port = target.rsplit(\":\", 1)",
          "            s = socket.create_connection((host, int(port)), timeout=5)",
          "        print(target, \"->\", s.recv(100).decode())",
          "    except OSError as e:",
          "        print(target, \"-> refused\", e)");

  private static final String ABSTRACT_SERVER =
      String.join(
          "\n",
          "import socket, sys",
          "s = socket.socket(socket.AF_UNIX)",
          "s.bind('\\0' + sys.argv[1][1:])",
          "s.listen(8)",
          "print('ready', flush=True)",
          "while True:",
          "    c, _ = s.accept()",
          "    c.sendall(b'unix-answered')",
          "    c.close()");
}
