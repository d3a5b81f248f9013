package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.agent.CommandAgent;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-agent soak: TCR after TCR on a real worker under real bubblewrap, with a command-line
 * agent that picks attacks at random (plant hooks, a nested repository with an fsmonitor, fill a
 * submodule, a gitlink to the main repository, links out of the worktree, a prompt file linked to a
 * hook, read the worker's secrets into the commit, write into the repository, a daemon that
 * double-forks, a bounded fork bomb, a filled {@code /tmp}), and a test command that is green or
 * red at random. After every task it looks for each attack's effect outside the sandbox; at the end
 * for leaks. Not part of the default build; run it with
 *
 * <pre>
 * mvn -B -pl swarm-testkit -am verify -Psoak -DskipTests -Dsoak.hostile.tasks=200
 * </pre>
 *
 * <p>Options: {@code soak.hostile.tasks} (200), {@code soak.seed} (7). Fails on any escape or leak.
 */
class HostileAgentSoak {

  private static final List<String> ATTACKS =
      List.of(
          "hookspath",
          "fsmonitor",
          "submodule",
          "gitlink",
          "symlink",
          "promptlink",
          "secrets",
          "outside",
          "daemon",
          "forkbomb",
          "tmpfill",
          "network");

  @TempDir Path temp;

  @Test
  void soak() throws Exception {
    int tasks = Integer.getInteger("soak.hostile.tasks", 200);
    long seed = Long.getLong("soak.seed", 7);
    String secret = "soak-secret-" + UUID.randomUUID();
    Path markers = Files.createDirectories(temp.resolve("markers"));
    Path homeSecrets =
        Files.createDirectories(
            Path.of(System.getProperty("user.home"), ".openswarm-soak-" + UUID.randomUUID()));
    Files.writeString(homeSecrets.resolve("secret"), secret + "\n");
    TemporaryRepository library = TemporaryRepository.create(temp.resolve("library"));
    TemporaryRepository repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\n[ ! -e red ]\n")
            .executable("test.sh")
            .commit("a project with a test");
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "--quiet",
        "add",
        library.path().toString(),
        "lib");
    repo.git("config", "core.hooksPath", ".githooks");
    repo.commit("a submodule; hooks in the tree, as husky sets them up");
    Files.writeString(repo.path().resolve(".env"), "API_KEY=" + secret + "\n");
    String configBefore = Files.readString(repo.path().resolve(".git/config"));
    Path agent =
        Files.writeString(
            Files.createDirectories(temp.resolve("tools")).resolve("hostile.sh"), script(markers));
    Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));

    // The agent runs on a private network that allows one "model" endpoint; a stand-in for the
    // control plane counts
    // every connection that reaches it.
    AtomicInteger controlPlaneHits = new AtomicInteger();
    AtomicInteger modelHits = new AtomicInteger();
    ServerSocket controlPlane = listen(controlPlaneHits, "control");
    ServerSocket model = listen(modelHits, "model-ok");
    Map<String, Integer> statuses = new TreeMap<>();
    Map<String, Integer> attacksRun = new TreeMap<>();
    List<String> escapes = new ArrayList<>();
    Random random = new Random(seed);
    long start = System.nanoTime();
    try (SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .sandbox(CellSandbox.Mode.BUBBLEWRAP)
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("hostile-soak").build())
            .agent(
                supervisor ->
                    CommandAgent.newBuilder(supervisor)
                        .command(agent.toString(), "{prompt}", "{promptFile}")
                        .environment(
                            ProcessEnvironment.newBuilder()
                                .inheritDefaults()
                                .put("REPO", repo.path().toString())
                                .put("SECRETS", homeSecrets.toString())
                                .put("CONTROL_PORT", Integer.toString(controlPlane.getLocalPort()))
                                .put("MODEL_PORT", Integer.toString(model.getLocalPort()))
                                .build())
                        .network(NetworkAccess.NONE)
                        .allowEndpoint("127.0.0.1:" + model.getLocalPort())
                        .allowEndpoint("api.model.invalid:443")
                        .build())
            .ports(new PortRange(24800, 24819))
            .start()) {
      SwarmClient client = worker.client();
      for (int task = 0; task < tasks; task++) {
        List<String> picked = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
          picked.add(ATTACKS.get(random.nextInt(ATTACKS.size())));
        }
        if (random.nextInt(4) == 0) {
          picked.add("red");
        }
        picked.forEach(a -> attacksRun.merge(a, 1, Integer::sum));
        CellOutcome outcome =
            client.runTcr(TaskSpec.of("hostile-" + task, String.join(" ", picked), "main"));
        statuses.merge(
            outcome.status() + (outcome.error() == null ? "" : " " + outcome.error().split(":")[0]),
            1,
            Integer::sum);
        escapes.addAll(
            escapesAfter("hostile-" + task + " " + picked, markers, repo, configBefore, secret));
        if (controlPlaneHits.getAndSet(0) > 0) {
          escapes.add(
              "hostile-"
                  + task
                  + " "
                  + picked
                  + ": the agent reached a loopback service it was not allowed");
        }
      }
      assertThat(
              InvariantCheck.of(worker)
                  .repository(repo.path())
                  .grace(Duration.ofSeconds(10))
                  .violations())
          .as("leaks")
          .isEmpty();
    } finally {
      controlPlane.close();
      model.close();
      try (Stream<Path> walk = Files.walk(homeSecrets)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.printf(
        "%nhostile agent soak: %d tasks (seed %d) in %d ms%n  outcomes: %s%n  attacks: %s%n"
            + "  allowed model connections: %d%n  escapes: %d%n",
        tasks,
        seed,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        statuses,
        attacksRun,
        modelHits.get(),
        escapes.size());
    assertThat(escapes).isEmpty();
    if (attacksRun.getOrDefault("network", 0) > 0) {
      assertThat(modelHits.get()).as("the allowed endpoint was reachable").isPositive();
    }
  }

  /** What each attack would leave outside the sandbox, looked for after one task. */
  private static List<String> escapesAfter(
      String task, Path markers, TemporaryRepository repo, String configBefore, String secret)
      throws IOException, InterruptedException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> list = Files.list(markers)) {
      list.forEach(
          marker -> found.add(task + ": " + marker.getFileName() + " ran outside the sandbox"));
    }
    if (!Files.readString(repo.path().resolve(".git/config")).equals(configBefore)) {
      found.add(task + ": the repository's configuration changed");
    }
    if (Files.exists(repo.path().resolve("pwned"))) {
      found.add(task + ": a file appeared in the user's checkout");
    }
    try (Stream<Path> hooks = Files.list(repo.path().resolve(".git/hooks"))) {
      hooks
          .filter(h -> !h.getFileName().toString().endsWith(".sample"))
          .forEach(
              h -> found.add(task + ": a hook appeared in the repository: " + h.getFileName()));
    }
    String grep = repo.git("log", "--all", "-p", "--format=%H");
    if (grep.contains(secret)) {
      found.add(task + ": a secret of the worker reached a commit");
    }
    for (String branch :
        repo.git("for-each-ref", "--format=%(refname)", "refs/heads/swarm/")
            .lines()
            .collect(Collectors.toList())) {
      for (String entry : repo.git("ls-tree", "-r", branch).lines().collect(Collectors.toList())) {
        if (entry.startsWith("160000") && !entry.endsWith("\tlib")) {
          found.add(task + ": a gitlink was committed on " + branch + ": " + entry);
        }
        if (entry.startsWith("120000")) {
          found.add(task + ": a symbolic link was committed on " + branch + ": " + entry);
        }
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ProcessHandle.allProcesses().anyMatch(HostileAgentSoak::isDaemon)) {
      if (System.nanoTime() > deadline) {
        found.add(task + ": a daemon outlived its cell");
        ProcessHandle.allProcesses()
            .filter(HostileAgentSoak::isDaemon)
            .forEach(ProcessHandle::destroyForcibly);
        break;
      }
      Thread.sleep(50);
    }
    return found;
  }

  /** A loopback server that counts connections and answers each with {@code answer}. */
  private static ServerSocket listen(AtomicInteger hits, String answer) throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread thread =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket client = server.accept()) {
                  hits.incrementAndGet();
                  client.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  // closed
                }
              }
            },
            "soak-" + answer);
    thread.setDaemon(true);
    thread.start();
    return server;
  }

  private static boolean isDaemon(ProcessHandle process) {
    return process.info().arguments().map(args -> List.of(args).contains("3007")).orElse(false);
  }

  /** The agent: each word of the prompt is an attack; it always writes one harmless file too. */
  private static String script(Path markers) {
    String mark = markers.toString();
    String evil = "#!/bin/sh\\ntouch " + mark + "/$(basename \"$0\")-ran\\n";
    return String.join(
        "\n",
        "#!/bin/sh",
        "prompts=$(dirname \"$2\")",
        "echo \"work $$\" > \"work-$$.txt\"",
        "for attack in $1; do",
        "  case $attack in",
        "    hookspath) mkdir -p .githooks; for h in pre-commit commit-msg post-commit post-checkout; do",
        "        printf '" + evil + "' > .githooks/$h; chmod +x .githooks/$h; done ;;",
        "    fsmonitor) git init -q nested-$$ && printf '"
            + evil
            + "' > monitor-$$.sh && chmod +x monitor-$$.sh",
        "        echo x > nested-$$/f && git -C nested-$$ add f",
        "        git -C nested-$$ -c user.name=a -c user.email=b commit -qm x",
        "        git -C nested-$$ config core.fsmonitor \"$PWD/monitor-$$.sh\" ;;",
        "    submodule) rm -rf lib; git init -q lib && printf '"
            + evil
            + "' > lib-monitor.sh"
            + " && chmod +x lib-monitor.sh",
        "        echo y > lib/f && git -C lib add f && git -C lib -c user.name=a -c user.email=b commit -qm y",
        "        git -C lib config core.fsmonitor \"$PWD/lib-monitor.sh\" ;;",
        "    gitlink) mkdir -p sub-$$ && echo \"gitdir: $REPO/.git\" > sub-$$/.git ;;",
        "    symlink) ln -s /etc/passwd passwd-$$; ln -s ../../../../../etc/hostname host-$$ ;;",
        "    promptlink) ln -s \"$REPO/.git/hooks/post-commit\" \"$prompts/prompt-2.txt\" 2>/dev/null ;;",
        "    secrets) cat \"$SECRETS/secret\" \"$REPO/.env\" /etc/shadow \"$HOME/.gitconfig\" > stolen-$$.txt"
            + " 2>/dev/null; true ;;",
        "    outside) echo pwned > \"$REPO/pwned\" 2>/dev/null; printf '"
            + evil
            + "' > \"$REPO/.git/hooks/post-commit\""
            + " 2>/dev/null",
        "        echo '[core] fsmonitor = /bin/true' >> \"$REPO/.git/config\" 2>/dev/null; true ;;",
        "    daemon) (setsid sleep 3007 > /dev/null 2>&1 &) ;;",
        "    forkbomb) n=0; while [ $n -lt 300 ]; do (sleep 2 &) 2>/dev/null; n=$((n+1)); done ;;",
        "    tmpfill) dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>/dev/null; true ;;",
        "    network) socat -u TCP:127.0.0.1:$MODEL_PORT,connect-timeout=2 - > model-$$.txt 2>/dev/null",
        "        socat -u TCP:127.0.0.1:$CONTROL_PORT,connect-timeout=2 - > /dev/null 2>&1",
        "        socat -u TCP:localhost:$CONTROL_PORT,connect-timeout=2 - > /dev/null 2>&1",
        "        printf 'CONNECT 127.0.0.1:%s HTTP/1.1\\r\\n\\r\\n' $CONTROL_PORT"
            + " | socat -t2 - TCP:127.0.0.1:${HTTPS_PROXY##*:} > /dev/null 2>&1",
        "        for sock in /run/openswarm/net/*.sock; do socat -u - UNIX-CONNECT:$sock < /dev/null > /dev/null 2>&1; done",
        "        true ;;",
        "    red) touch red ;;",
        "  esac",
        "done",
        "exit 0",
        "");
  }
}
