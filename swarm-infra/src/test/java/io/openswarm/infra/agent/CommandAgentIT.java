package io.openswarm.infra.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.Scripts;
import io.openswarm.infra.sandbox.OutsideTmpDirFactory;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shell script as the "agent", run by the real supervisor under the real bubblewrap sandbox: what
 * it receives, what it may touch, and how a failing, hanging or aborted agent ends.
 */
class CommandAgentIT {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private Path worktree;
  private Path state;
  private Path tools;
  private ProcessSupervisor supervisor;
  private AgentRuntime.Context context;

  @BeforeEach
  void setUp() throws Exception {
    worktree = Files.createDirectories(temp.resolve("pool/cell-1"));
    state = Files.createDirectories(temp.resolve("state/cell-1"));
    tools = Files.createDirectories(temp.resolve("tools"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
    context = new AgentRuntime.Context(CellId.of("cell-1"), worktree, 8123, state);
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(
                      ProcessHandle.current()
                          .descendants()
                          .filter(ProcessHandle::isAlive)
                          .map(ProcessHandle::pid))
                  .as("processes left running")
                  .isEmpty();
              assertThat(Scripts.unreapedChildren()).isEmpty();
            });
  }

  private CommandAgent agent(Path script, String... arguments) {
    List<String> command = new java.util.ArrayList<>();
    command.add(script.toString());
    command.addAll(List.of(arguments));
    return CommandAgent.newBuilder(supervisor)
        .command(command)
        .stopGrace(Duration.ofSeconds(2))
        .build();
  }

  /**
   * A cell links the next turn's prompt file, and then the folder that holds it, to a file outside
   * the sandbox (here standing for the repository's {@code post-commit} hook); the worker writes
   * the next prompt, which the cell can steer through test output, without following either link.
   * Under bubblewrap the planting itself fails (the prompt folder is read-only inside); without a
   * sandbox the worker's own write must refuse the links.
   */
  @Test
  void aPromptFileLinkedOutsideTheSandboxIsNeverWrittenThrough() throws Exception {
    Path hook =
        Files.writeString(
            Files.createDirectories(temp.resolve("repo/.git/hooks")).resolve("post-commit"),
            "#!/bin/sh\nexit 0\n");
    Path prompts = state.resolve("agent/prompts");
    Path script =
        Scripts.write(
            tools,
            "plant.sh",
            String.join(
                "\n",
                "ln -s '" + hook + "' '" + prompts + "/prompt-2.txt' 2>/dev/null",
                "ln -s '" + hook + "' '" + prompts + "/prompt-3.txt' 2>/dev/null",
                "cat \"$1\" > last-prompt.txt",
                "echo planted"));
    for (ProcessSupervisor each : List.of(supervisor, ProcessSupervisor.newBuilder().build())) {
      AgentSession session =
          CommandAgent.newBuilder(each)
              .command(script.toString(), "{promptFile}")
              .stopGrace(Duration.ofSeconds(2))
              .build()
              .start(context);
      try {
        session.prompt("turn one", LIMIT, progress -> {});
        if (each != supervisor) {
          // What the sandbox stopped above, done from outside it: the links are there when the
          // worker writes.
          Files.deleteIfExists(prompts.resolve("prompt-2.txt"));
          Files.createSymbolicLink(prompts.resolve("prompt-2.txt"), hook);
        }
        session.prompt("#!/bin/sh\ntouch " + temp.resolve("pwned") + "\n", LIMIT, progress -> {});
        assertThat(Files.readString(worktree.resolve("last-prompt.txt"))).contains("touch");
      } finally {
        session.close();
        if (each != supervisor) {
          each.close();
        }
      }
      assertThat(hook).hasContent("#!/bin/sh\nexit 0");
      assertThat(Files.isSymbolicLink(prompts.resolve("prompt-2.txt"))).isFalse();
    }
    // The folder itself swapped for a link to the hooks folder, from outside: the write fails
    // instead.
    Path agentState = state.resolve("agent");
    Files.move(agentState, state.resolve("agent-moved"));
    Files.createDirectories(agentState);
    Files.createSymbolicLink(agentState.resolve("prompts"), hook.getParent());
    try (ProcessSupervisor plain = ProcessSupervisor.newBuilder().build()) {
      AgentSession session =
          CommandAgent.newBuilder(plain)
              .command(script.toString(), "{promptFile}")
              .stopGrace(Duration.ofSeconds(2))
              .build()
              .start(context);
      try {
        for (int turn = 1; turn <= 2; turn++) {
          String text = "#!/bin/sh\ntouch " + temp.resolve("pwned") + "\n";
          org.assertj.core.api.Assertions.assertThatThrownBy(
                  () -> session.prompt(text, LIMIT, progress -> {}))
              .isInstanceOf(io.openswarm.core.agent.AgentException.class)
              .hasMessageContaining("symbolic link");
        }
      } finally {
        session.close();
      }
    }
    assertThat(hook).hasContent("#!/bin/sh\nexit 0");
    assertThat(hook.resolveSibling("prompt-1.txt")).doesNotExist();
    assertThat(temp.resolve("pwned")).doesNotExist();
  }

  @Test
  void theScriptEditsTheWorktreeAndHostilePromptsArriveUnchangedAndUnexecuted() throws Exception {
    Path script =
        Scripts.write(
            tools,
            "edit.sh",
            String.join(
                "\n",
                "printf '%s' \"$1\" > prompt-seen.txt",
                "printf '%s\\n' \"$#\" \"$2\" \"$3\" \"$(pwd)\" > arguments.txt",
                "cp \"$4\" prompt-file-seen.txt",
                "echo 'edited prompt-seen.txt'"));
    List<String> prompts =
        List.of(
            "Add a README",
            "it's \"double\" and 'single' quoted",
            "$(touch " + worktree.resolve("pwned-dollar") + ")",
            "`touch " + worktree.resolve("pwned-backtick") + "`",
            "; touch " + worktree.resolve("pwned-semicolon") + " #",
            "line one\nline two\n\n  indented line three\n",
            "${HOME} $PATH \\ * ? [a-z] ~ && || | > < &",
            "-rf",
            "{worktree}",
            "naïve ✓ ünïcödé",
            "");
    AgentSession session =
        agent(script, "{prompt}", "{worktree}", "{port}", "{promptFile}").start(context);
    try {
      session.awaitReady(Duration.ofSeconds(1));
      for (String prompt : prompts) {
        List<String> progress = new CopyOnWriteArrayList<>();
        AgentSession.Turn turn = session.prompt(prompt, LIMIT, progress::add);

        assertThat(turn.summary()).isEqualTo("edited prompt-seen.txt");
        assertThat(turn.inputTokens()).isEqualTo(-1);
        assertThat(Files.readString(worktree.resolve("prompt-seen.txt"), StandardCharsets.UTF_8))
            .as(prompt)
            .isEqualTo(prompt);
        assertThat(
                Files.readString(worktree.resolve("prompt-file-seen.txt"), StandardCharsets.UTF_8))
            .isEqualTo(prompt);
        assertThat(Files.readAllLines(worktree.resolve("arguments.txt")))
            .containsExactly("4", worktree.toString(), "8123", worktree.toString());
        assertThat(progress).isNotEmpty();
      }
    } finally {
      session.close();
    }
    try (var files = Files.list(worktree)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("nothing but the agent's edits")
          .containsExactlyInAnyOrder("prompt-seen.txt", "arguments.txt", "prompt-file-seen.txt");
    }
    assertThat(state.resolve("logs/agent-1.log")).hasContent("edited prompt-seen.txt");
  }

  @Test
  void aNonZeroExitIsAFailedTurnThatQuotesTheEndOfTheOutput() {
    Path script =
        Scripts.write(
            tools, "fail.sh", "echo 'thinking...'\necho 'error: model quota exceeded' >&2\nexit 3");
    AgentSession session = agent(script, "--message", "{prompt}").start(context);
    try {
      assertThatThrownBy(() -> session.prompt("do it", LIMIT, AgentSession.Progress.none()))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.TURN_FAILED))
          .hasMessageContaining("agent fail.sh of cell cell-1 exited with code 3")
          .hasMessageContaining("thinking...\nerror: model quota exceeded");
    } finally {
      session.close();
    }
  }

  @Test
  void aTurnPastItsTimeoutIsStoppedWithItsWholeTree() {
    Path pidFile = state.resolve("child.pid");
    Path script =
        Scripts.write(
            tools,
            "hang.sh",
            "sleep 300 &\necho \"$!\" > " + pidFile + "\necho 'started a helper'\nwait");
    AgentSession session = agent(script, "{prompt}").start(context);
    long start = System.nanoTime();
    try {
      assertThatThrownBy(
              () ->
                  session.prompt("never ends", Duration.ofSeconds(2), AgentSession.Progress.none()))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.TURN_TIMED_OUT))
          .hasMessageContaining("did not finish within PT2S and was stopped")
          .hasMessageContaining("started a helper");
    } finally {
      session.close();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    assertThat(pidFile).exists();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
  }

  @Test
  void abortFromAnotherThreadEndsTheTurnPromptlyAndTheCellCanWorkAgain() throws Exception {
    Path script =
        Scripts.write(
            tools,
            "slow.sh",
            "if [ \"$1\" = quick ]; then echo quick; exit 0; fi\necho working\nexec sleep 300");
    AgentSession session = agent(script, "{prompt}").start(context);
    try {
      List<String> progress = new CopyOnWriteArrayList<>();
      CompletableFuture<AgentSession.Turn> turn =
          CompletableFuture.supplyAsync(() -> session.prompt("take forever", LIMIT, progress::add));
      await().atMost(Duration.ofSeconds(20)).until(() -> !progress.isEmpty());

      long start = System.nanoTime();
      session.abort();
      assertThatThrownBy(() -> turn.get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.ABORTED));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

      assertThat(session.prompt("quick", LIMIT, AgentSession.Progress.none()).summary())
          .isEqualTo("quick");
    } finally {
      session.close();
    }
  }

  @Test
  void closingDuringATurnStopsTheAgent() throws Exception {
    Path script = Scripts.write(tools, "slow.sh", "echo working\nexec sleep 300");
    AgentSession session = agent(script, "{prompt}").start(context);
    List<String> progress = new CopyOnWriteArrayList<>();
    CompletableFuture<AgentSession.Turn> turn =
        CompletableFuture.supplyAsync(() -> session.prompt("take forever", LIMIT, progress::add));
    await().atMost(Duration.ofSeconds(20)).until(() -> !progress.isEmpty());

    session.close();

    assertThatThrownBy(() -> turn.get(20, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.ABORTED));
  }

  @Test
  void theAgentSeesOnlyItsAllowlistedEnvironmentAndCannotWriteOutsideItsCell() throws Exception {
    Path outside = Files.createDirectories(temp.resolve("elsewhere"));
    Path script =
        Scripts.write(
            tools,
            "snoop.sh",
            String.join(
                "\n",
                "env > \"$TMPDIR/env.txt\"",
                "cp \"$TMPDIR/env.txt\" env-seen.txt",
                "echo escaped > " + outside.resolve("escape.txt"),
                "sh -c 'echo escaped > " + outside.resolve("escape-sh.txt") + "'",
                "echo done"));
    CommandAgent agent =
        CommandAgent.newBuilder(supervisor)
            .command(script.toString(), "{prompt}")
            .environment(
                ProcessEnvironment.newBuilder(
                        Map.of(
                            "MODEL_API_KEY",
                            "key-for-the-agent",
                            "WORKER_SECRET",
                            "must-not-leak",
                            "PATH",
                            "/usr/bin:/bin"))
                    .inherit("PATH", "MODEL_API_KEY")
                    .build())
            .build();
    AgentSession session = agent.start(context);
    try {
      AgentSession.Turn turn = session.prompt("snoop", LIMIT, AgentSession.Progress.none());
      assertThat(turn.summary()).endsWith("done");
      if (!OutsideTmpDirFactory.insidePrivateTmp(temp)) {
        assertThat(turn.summary().split("Read-only file system", -1))
            .as("both escapes hit the read-only bind")
            .hasSize(3);
      }
    } finally {
      session.close();
    }

    Map<String, String> seen = new java.util.TreeMap<>();
    for (String line : Files.readAllLines(worktree.resolve("env-seen.txt"))) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        seen.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertThat(seen)
        .containsEntry("MODEL_API_KEY", "key-for-the-agent")
        .containsEntry("HOME", state.resolve("agent/home").toString())
        .containsEntry("TMPDIR", state.resolve("agent/tmp").toString())
        .doesNotContainKey("WORKER_SECRET");
    Set<String> shellOwn = Set.of("PWD", "SHLVL", "_", "OLDPWD");
    Set<String> unexpected = new HashSet<>(seen.keySet());
    unexpected.removeAll(Set.of("PATH", "MODEL_API_KEY", "HOME", "TMPDIR"));
    unexpected.removeAll(shellOwn);
    assertThat(unexpected).as("variables of the worker that reached the agent").isEmpty();
    assertThat(outside.resolve("escape.txt")).doesNotExist();
    assertThat(outside.resolve("escape-sh.txt")).doesNotExist();
  }

  /**
   * A 150,000-character prompt as {@code {prompt}} used to fail in the kernel with a bare "Argument
   * list too long" from {@code setsid}; it is refused before anything starts, with the sizes and
   * the way out. The longest prompt one argument can hold still arrives whole, and the same long
   * prompt arrives whole through {@code {promptFile}}.
   */
  @Test
  void aPromptTooLongForOneArgumentIsRefusedUpFrontAndFitsThroughThePromptFile() throws Exception {
    Path script =
        Scripts.write(
            tools,
            "measure.sh",
            String.join(
                "\n",
                "if [ \"$1\" = file ]; then wc -c < \"$2\"; else printf '%s' \"$2\" | wc -c; fi"));
    AgentSession asArgument = agent(script, "argument", "{prompt}").start(context);
    try {
      assertThatThrownBy(
              () -> asArgument.prompt("y".repeat(150_000), LIMIT, AgentSession.Progress.none()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("prompt is 150000 characters (150000 bytes in ")
          .hasMessageContaining(
              "one command-line argument can hold at most 131071 bytes (Linux's MAX_ARG_STRLEN "
                  + "is 131072 bytes")
          .hasMessageContaining("Pass long prompts with {promptFile}")
          .message()
          .doesNotContain("Argument list too long");
      assertThat(state.resolve("logs/agent-1.log")).as("nothing was started").doesNotExist();

      AgentSession.Turn longest =
          asArgument.prompt(
              "y".repeat(CommandTemplate.MAX_ARGUMENT_BYTES), LIMIT, AgentSession.Progress.none());
      assertThat(longest.summary()).isEqualTo(Integer.toString(CommandTemplate.MAX_ARGUMENT_BYTES));
    } finally {
      asArgument.close();
    }
    AgentSession asFile = agent(script, "file", "{promptFile}").start(context);
    try {
      assertThat(asFile.prompt("y".repeat(150_000), LIMIT, AgentSession.Progress.none()).summary())
          .isEqualTo("150000");
    } finally {
      asFile.close();
    }
  }
}
