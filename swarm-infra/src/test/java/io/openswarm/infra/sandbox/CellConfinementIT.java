package io.openswarm.infra.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cell may read: its own folders and what its programs need, nothing of the worker's. Cell
 * A, sandboxed by bubblewrap under a supervisor that hides the worker's state root, worktree root,
 * checkout and credential file (as {@code SwarmWorker} sets it up), tries to read cell B's files,
 * the lease journal, the user's uncommitted files, the worker's home, system secrets, and to reach
 * sockets on the host. Each attempt is checked against the same read done outside the sandbox, so a
 * failure is the sandbox's doing.
 */
class CellConfinementIT {

  private static final String SECRET = "secret-" + UUID.randomUUID();

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path repo;
  private Path stateRoot;
  private Path poolRoot;
  private Path worktreeA;
  private Path worktreeB;
  private Path stateA;
  private Path stateB;
  private Path credential;
  private Path inHome;
  private ProcessSupervisor supervisor;
  private final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(temp.resolve("repo"));
    Git.run(repo, "init", "-q");
    Files.writeString(repo.resolve("README.md"), "hello\n");
    Git.run(repo, "add", "README.md");
    Git.run(repo, "commit", "-q", "-m", "initial");
    Files.writeString(repo.resolve(".env"), "API_KEY=" + SECRET + "\n");
    poolRoot = temp.resolve("pool");
    worktreeA = poolRoot.resolve("cell-a");
    worktreeB = poolRoot.resolve("cell-b");
    Git.run(repo, "worktree", "add", "-q", "-b", "swarm/cell-a", worktreeA.toString());
    Git.run(repo, "worktree", "add", "-q", "-b", "swarm/cell-b", worktreeB.toString());
    Files.writeString(worktreeB.resolve("work-in-progress.txt"), SECRET + "\n");
    stateRoot = temp.resolve("state");
    stateA = Files.createDirectories(stateRoot.resolve("cells/cell-a"));
    stateB = Files.createDirectories(stateRoot.resolve("cells/cell-b"));
    Files.writeString(
        Files.createDirectories(stateB.resolve("logs")).resolve("agent.log"), SECRET + "\n");
    Files.writeString(
        Files.createDirectories(stateRoot.resolve("journal")).resolve("lease.json"), SECRET + "\n");
    credential =
        Files.writeString(
            Files.createDirectories(temp.resolve("credentials")).resolve("client.key"),
            SECRET + "\n");
    inHome =
        Files.createDirectories(
            Path.of(System.getProperty("user.home"), ".openswarm-it-" + UUID.randomUUID()));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .hiddenPaths(List.of(stateRoot, poolRoot, repo, credential))
            .build();
  }

  @AfterEach
  void tearDown() throws Exception {
    supervisor.close();
    for (Process server : servers) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try (var walk = Files.walk(inHome)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private ProcessResult inCellA(String... command) throws Exception {
    return inCellA(
        NetworkAccess.SHARED, ProcessEnvironment.newBuilder().inheritDefaults().build(), command);
  }

  private ProcessResult inCellA(
      NetworkAccess network, ProcessEnvironment environment, String... command) throws Exception {
    return supervisor
        .start(
            ProcessSpec.newBuilder()
                .command(command)
                .workingDirectory(worktreeA)
                .environment(environment)
                .logFile(stateA.resolve("logs/attempt.log"))
                .sandboxPolicy(
                    SandboxPolicy.forCell(worktreeA, stateA).toBuilder().network(network).build())
                .timeout(Duration.ofSeconds(30))
                .description("attempt in cell-a")
                .build())
        .waitFor();
  }

  @Test
  void anotherCellsWorktreeAndStateAndTheJournalCannotBeRead() throws Exception {
    assertThat(inCellA("cat", worktreeA.resolve("README.md").toString()).outputTail())
        .contains("hello");

    List<ProcessResult> attempts =
        List.of(
            inCellA("cat", worktreeB.resolve("work-in-progress.txt").toString()),
            inCellA("cat", stateB.resolve("logs/agent.log").toString()),
            inCellA("cat", stateRoot.resolve("journal/lease.json").toString()),
            inCellA(
                "sh",
                "-c",
                "grep -r "
                    + SECRET
                    + " "
                    + temp
                    + " 2>/dev/null; ls -R "
                    + stateRoot
                    + " "
                    + poolRoot));

    assertThat(attempts).allSatisfy(r -> assertThat(r.outputTail()).doesNotContain(SECRET));
    assertThat(attempts.get(3).outputTail()).doesNotContain("cell-b").doesNotContain("journal");
  }

  @Test
  void theUsersCheckoutIsHiddenWhileGitStillWorksInTheCell() throws Exception {
    ProcessResult env = inCellA("cat", repo.resolve(".env").toString());
    ProcessResult log = inCellA("git", "log", "--oneline");
    ProcessResult status = inCellA("git", "status", "--porcelain");

    assertThat(env.exitCode()).isNotZero();
    assertThat(env.outputTail()).doesNotContain(SECRET);
    assertThat(log.exitCode()).as(log.outputTail()).isZero();
    assertThat(log.outputTail()).contains("initial");
    assertThat(status.exitCode()).as(status.outputTail()).isZero();
  }

  @Test
  void credentialFilesGivenToTheWorkerReadEmpty() throws Exception {
    ProcessResult attempt = inCellA("cat", credential.toString());

    assertThat(Files.readString(credential)).contains(SECRET);
    assertThat(attempt.outputTail()).doesNotContain(SECRET);
  }

  @Test
  void theWorkersHomeAndSystemSecretsAreHidden() throws Exception {
    Path canary = Files.writeString(inHome.resolve("canary"), SECRET + "\n");
    Path shadow = Path.of("/etc/shadow");

    ProcessResult home = inCellA("cat", canary.toString());
    ProcessResult listing = inCellA("ls", "-a", System.getProperty("user.home"));
    ProcessResult secrets = inCellA("sh", "-c", "cat /etc/shadow /etc/gshadow 2>/dev/null | wc -c");

    assertThat(home.outputTail()).doesNotContain(SECRET);
    assertThat(listing.outputTail()).doesNotContain(inHome.getFileName().toString());
    if (Files.isReadable(shadow)) {
      assertThat(Files.size(shadow)).as("outside the sandbox the worker reads it").isPositive();
    }
    assertThat(secrets.outputTail().strip()).isEqualTo("0");
  }

  @Test
  void aToolchainInstalledUnderTheHomeFolderStillRuns() throws Exception {
    Path tool = inHome.resolve("toolchain");
    Path bin = Files.createDirectories(tool.resolve("bin"));
    Files.writeString(
        Files.createDirectories(tool.resolve("lib")).resolve("greeting"),
        "hello from the toolchain\n");
    Path hello =
        Files.writeString(
            bin.resolve("hello"), "#!/bin/sh\ncat \"$(dirname \"$0\")/../lib/greeting\"\n");
    Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(inHome.resolve("not-on-path"), SECRET + "\n");
    ProcessEnvironment environment =
        ProcessEnvironment.newBuilder()
            .inheritDefaults()
            .put("PATH", bin + ":/usr/bin:/bin")
            .build();

    ProcessResult run = inCellA(NetworkAccess.SHARED, environment, "hello");
    ProcessResult beside =
        inCellA(NetworkAccess.SHARED, environment, "cat", inHome.resolve("not-on-path").toString());

    assertThat(run.exitCode()).as(run.outputTail()).isZero();
    assertThat(run.outputTail()).contains("hello from the toolchain");
    assertThat(beside.outputTail()).doesNotContain(SECRET);
  }

  @Test
  void aUnixSocketInTheHomeFolderOrInRunCannotBeReached() throws Exception {
    List<Path> sockets = new ArrayList<>(List.of(inHome.resolve("agent.sock")));
    Path run = Path.of("/run");
    if (Files.isWritable(run)) {
      sockets.add(run.resolve("openswarm-it-" + UUID.randomUUID() + ".sock"));
    }
    for (Path socket : sockets) {
      startSocketServer(socket.toString());
      try {
        assertThat(connect(socket.toString()).outputTail())
            .as("outside the sandbox")
            .contains("answered");

        ProcessResult inside = inCellA("python3", "-c", CLIENT, socket.toString());

        assertThat(inside.outputTail()).as(socket.toString()).doesNotContain("answered");
      } finally {
        Files.deleteIfExists(socket);
      }
    }
  }

  @Test
  void anAbstractSocketIsReachableOnTheSharedNetworkAndUnreachableWithoutIt() throws Exception {
    String name = "@openswarm-it-" + UUID.randomUUID();
    startSocketServer(name);

    ProcessResult shared = inCellA("python3", "-c", CLIENT, name);
    ProcessResult none =
        inCellA(
            NetworkAccess.NONE,
            ProcessEnvironment.newBuilder().inheritDefaults().build(),
            "python3",
            "-c",
            CLIENT,
            name);

    assertThat(shared.outputTail())
        .as("what docs/security.md says a shared network gives away")
        .contains("answered");
    assertThat(none.outputTail()).doesNotContain("answered");
  }

  /**
   * Connects to the Unix socket {@code argv[1]} ({@code @name} for the abstract namespace) and
   * prints its answer.
   */
  private static final String CLIENT =
      String.join(
          "\n",
          "import socket, sys",
          "name = sys.argv[1]",
          "address = '\\0' + name[1:] if name.startswith('@') else name",
          "s = socket.socket(socket.AF_UNIX)",
          "try:",
          "    s.connect(address)",
          "    print(s.recv(100).decode())",
          "except OSError as e:",
          "    print('refused:', e)");

  private static final String SERVER =
      String.join(
          "\n",
          "import socket, sys",
          "name = sys.argv[1]",
          "address = '\\0' + name[1:] if name.startswith('@') else name",
          "s = socket.socket(socket.AF_UNIX)",
          "s.bind(address)",
          "s.listen(8)",
          "print('ready', flush=True)",
          "while True:",
          "    c, _ = s.accept()",
          "    c.sendall(b'answered')",
          "    c.close()");

  private void startSocketServer(String name) throws IOException {
    Process server =
        new ProcessBuilder("python3", "-c", SERVER, name).redirectErrorStream(true).start();
    servers.add(server);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("ready");
  }

  private ProcessResult connect(String name) throws Exception {
    try (ProcessSupervisor plain = ProcessSupervisor.newBuilder().build()) {
      return plain
          .start(
              ProcessSpec.newBuilder()
                  .command("python3", "-c", CLIENT, name)
                  .workingDirectory(inHome)
                  .environment(ProcessEnvironment.newBuilder().inheritDefaults().build())
                  .logFile(temp.resolve("connect.log"))
                  .timeout(Duration.ofSeconds(30))
                  .description("connect outside")
                  .build())
          .waitFor();
    }
  }
}
