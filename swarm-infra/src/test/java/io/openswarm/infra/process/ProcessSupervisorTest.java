package io.openswarm.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessSupervisorTest {

  @TempDir Path temp;
  private Path work;
  private Path state;
  private final List<String> events = new CopyOnWriteArrayList<>();
  private ProcessSupervisor supervisor;

  @BeforeEach
  void setUp() throws IOException {
    work = Files.createDirectories(temp.resolve("work"));
    state = Files.createDirectories(temp.resolve("state"));
    supervisor =
        ProcessSupervisor.newBuilder()
            .listener(
                new ProcessListener() {
                  @Override
                  public void onStarted(ProcessIdentity process, String description) {
                    events.add("started " + description + " " + process.pid());
                  }

                  @Override
                  public void onStopped(ProcessIdentity process) {
                    events.add("stopped " + process.pid());
                  }
                })
            .build();
  }

  @AfterEach
  void tearDown() {
    supervisor.close();
    assertThat(supervisor.liveProcesses()).isEmpty();
    assertThat(Scripts.unreapedChildren()).isEmpty();
  }

  private ProcessSpec.Builder spec(String... command) {
    return ProcessSpec.newBuilder()
        .command(command)
        .workingDirectory(work)
        .logFile(state.resolve("logs/out.log"));
  }

  @Test
  void runsACommandAndReportsItsExitCodeAndOutput() throws Exception {
    SupervisedProcess process =
        supervisor.start(
            spec("sh", "-c", "echo hello; echo oops >&2; exit 3").description("greeter").build());

    ProcessResult result = process.waitFor();

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.timedOut()).isFalse();
    assertThat(result.stopRequested()).isFalse();
    assertThat(result.outputTail()).isEqualTo("hello\noops\n");
    assertThat(Files.readString(result.logFile())).isEqualTo("hello\noops\n");
    assertThat(result.logFile()).isEqualTo(state.resolve("logs/out.log"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(result.logFile())))
        .isEqualTo("rw-------");
    assertThat(result.duration()).isPositive();
    assertThat(events)
        .containsExactly("started greeter " + process.pid(), "stopped " + process.pid());
  }

  @Test
  void runsInTheGivenDirectoryAsLeaderOfANewSessionWithTheStdinClosed() throws Exception {
    SupervisedProcess process =
        supervisor.start(
            spec("sh", "-c", "pwd; ps -o pid=,pgid=,sid= -p $$; cat; echo end").build());
    ProcessResult result = process.waitFor();

    String[] lines = result.outputTail().split("\n");
    assertThat(lines[0]).isEqualTo(work.toString());
    long[] ids = Arrays.stream(lines[1].trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    // The started process (the subreaper in front of the command, without a sandbox or cgroup)
    // leads a new session
    // and process group, which the command shares, so signals to the group reach it.
    assertThat(ids[1]).as("process group").isEqualTo(process.pid());
    assertThat(ids[2]).as("session").isEqualTo(process.pid());
    assertThat(lines[2]).isEqualTo("end");
  }

  @Test
  void theChildSeesExactlyTheExplicitEnvironment() throws Exception {
    ProcessEnvironment env =
        ProcessEnvironment.newBuilder(
                Map.of(
                    "PATH",
                    System.getenv("PATH"),
                    "LANG",
                    "C.UTF-8",
                    "TEMPORAL_API_KEY",
                    "tmprl",
                    "MY_SECRET",
                    "s3"))
            .inheritDefaults()
            .put("CELL", "cell-1")
            .build();

    ProcessResult result = supervisor.start(spec("env").environment(env).build()).waitFor();

    List<String> lines = Arrays.asList(result.outputTail().split("\n"));
    assertThat(lines)
        .containsExactlyInAnyOrder("PATH=" + System.getenv("PATH"), "LANG=C.UTF-8", "CELL=cell-1");
  }

  @Test
  void theWorkersOwnEnvironmentIsNotInherited() throws Exception {
    ProcessResult result =
        supervisor.start(spec("env").environment(ProcessEnvironment.defaults()).build()).waitFor();

    List<String> names =
        Arrays.stream(result.outputTail().split("\n"))
            .map(line -> line.substring(0, line.indexOf('=')))
            .collect(Collectors.toList());
    assertThat(ProcessEnvironment.DEFAULT_INHERITED).containsAll(names);
    assertThat(names).contains("PATH");
  }

  @Test
  void stopKillsTheWholeTreeIncludingAGrandchildThatIgnoresTerm() throws Exception {
    Scripts.write(
        temp, "stubborn.sh", "trap '' TERM\necho \"stubborn $$\"\nwhile :; do sleep 1; done");
    Path parent =
        Scripts.write(temp, "parent.sh", "sh " + temp.resolve("stubborn.sh") + " &\nwait");
    SupervisedProcess process =
        supervisor.start(spec(parent.toString()).stopGrace(Duration.ofMillis(300)).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("stubborn "));
    List<Long> tree = new ArrayList<>();
    tree.add(process.pid());
    ProcessHandle.of(process.pid()).orElseThrow().descendants().forEach(h -> tree.add(h.pid()));
    assertThat(tree).hasSizeGreaterThanOrEqualTo(3);

    Instant before = Instant.now();
    ProcessResult result = process.stop();

    assertThat(Duration.between(before, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(result.forced()).isTrue();
    assertThat(result.stopRequested()).isTrue();
    assertThat(result.survivors()).isEmpty();
    assertThat(tree).noneMatch(Scripts::running);
    assertThat(process.isAlive()).isFalse();
  }

  @Test
  void aProcessThatHonoursTermIsNotKilled() throws Exception {
    Path script =
        Scripts.write(
            temp,
            "polite.sh",
            "trap 'echo bye; exit 7' TERM\necho ready\nwhile :; do sleep 0.1; done");
    SupervisedProcess process = supervisor.start(spec(script.toString()).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("ready"));

    ProcessResult result = process.stop();

    assertThat(result.forced()).isFalse();
    assertThat(result.exitCode()).isEqualTo(7);
    assertThat(result.outputTail()).endsWith("bye\n");
  }

  @Test
  void leftoversOfAProcessThatExitedByItselfAreKilled() throws Exception {
    Path script =
        Scripts.write(
            temp,
            "orphaner.sh",
            "sh -c \"trap '' TERM; echo orphan \\$\\$; exec sleep 1000\" &\nsleep 0.2\nexit 0");
    SupervisedProcess process =
        supervisor.start(spec(script.toString()).stopGrace(Duration.ofMillis(200)).build());

    ProcessResult result = process.waitFor();

    Matcher matcher = Pattern.compile("orphan (\\d+)").matcher(result.outputTail());
    assertThat(matcher.find()).isTrue();
    long orphan = Long.parseLong(matcher.group(1));
    assertThat(result.exitCode()).isZero();
    assertThat(result.outputTail())
        .as("the subreaper stopped it, and needed KILL")
        .contains("openswarm: stopped 1 process(es) the command left running, 1 of them with KILL");
    assertThat(Scripts.running(orphan)).isFalse();
  }

  @Test
  void aTimeoutStopsTheTreeAndIsReported() throws Exception {
    SupervisedProcess process =
        supervisor.start(spec("sleep", "30").timeout(Duration.ofMillis(300)).build());

    ProcessResult result = process.waitFor();

    assertThat(result.timedOut()).isTrue();
    assertThat(result.stopRequested()).isFalse();
    assertThat(result.exitCode()).isEqualTo(128 + 15);
    assertThat(result.duration()).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
    assertThat(Scripts.running(process.pid())).isFalse();
  }

  @Test
  void aTimeoutKillsATreeThatIgnoresTermAfterTheGracePeriod() throws Exception {
    Path script =
        Scripts.write(temp, "deaf.sh", "trap '' TERM\necho ready\nwhile :; do sleep 0.1; done");
    SupervisedProcess process =
        supervisor.start(
            spec(script.toString())
                .timeout(Duration.ofMillis(300))
                .stopGrace(Duration.ofMillis(200))
                .build());

    ProcessResult result = process.waitFor();

    assertThat(result.timedOut()).isTrue();
    assertThat(result.stopRequested()).isFalse();
    assertThat(result.forced()).isTrue();
    assertThat(result.survivors()).isEmpty();
    assertThat(result.duration()).isBetween(Duration.ofMillis(500), Duration.ofSeconds(10));
    assertThat(result.outputTail()).isEqualTo("ready\n");
    assertThat(Scripts.running(process.pid())).isFalse();
  }

  @Test
  void theLogStopsAtItsCapWhileOutputIsStillCountedAndTheTailKept() throws Exception {
    ProcessResult result =
        supervisor
            .start(
                spec("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo END")
                    .logCapBytes(100_000)
                    .tailBytes(1000)
                    .build())
            .waitFor();

    assertThat(result.outputBytes()).isEqualTo(3_000_004);
    assertThat(result.logTruncated()).isTrue();
    String log = Files.readString(result.logFile());
    assertThat(log).startsWith("x".repeat(100_000) + "\n[open-swarm: log capped at 100000 bytes");
    assertThat(Files.size(result.logFile())).isLessThan(100_200);
    assertThat(result.outputTail()).hasSize(1000).endsWith("xxEND\n");
    assertThat(result.outputTailTruncated()).isTrue();
  }

  @Test
  void invalidUtf8IsReplacedNotThrown() throws Exception {
    ProcessResult result =
        supervisor
            .start(spec("printf", "ok \\377\\376 \\303\\251 \\342\\202 end").build())
            .waitFor();

    assertThat(result.outputTail()).isEqualTo("ok \uFFFD\uFFFD \u00e9 \uFFFD end");
  }

  @Test
  void theTailNeverStartsWithHalfACharacter() throws Exception {
    // 'é' is two bytes; a 5-byte tail of "aéééé" would start in the middle of one.
    ProcessResult result =
        supervisor
            .start(spec("printf", "a\u00e9\u00e9\u00e9\u00e9").tailBytes(5).build())
            .waitFor();

    assertThat(result.outputTail()).isEqualTo("\u00e9\u00e9");
  }

  @Test
  void argumentsReachTheProgramUnchangedAndUnexecuted() throws Exception {
    List<String> tricky =
        List.of(
            "\"quoted\" 'single'",
            "$(touch " + temp.resolve("pwned1") + ")",
            "`touch " + temp.resolve("pwned2") + "`",
            "line1\nline2",
            "; touch " + temp.resolve("pwned3"),
            "*",
            "$HOME");
    List<String> command = new ArrayList<>(List.of("printf", "[%s]\\n"));
    command.addAll(tricky);

    ProcessResult result = supervisor.start(spec().command(command).build()).waitFor();

    String expected = tricky.stream().map(a -> "[" + a + "]\n").collect(Collectors.joining());
    assertThat(result.outputTail()).isEqualTo(expected);
    assertThat(temp.resolve("pwned1")).doesNotExist();
    assertThat(temp.resolve("pwned2")).doesNotExist();
    assertThat(temp.resolve("pwned3")).doesNotExist();
  }

  @Test
  void aMissingProgramFailsAtStartWithAClearMessageThatKeepsThePathToItself() {
    String path = "/opt/private-tools/bin:/usr/bin:/bin";
    assertThatThrownBy(
            () ->
                supervisor.start(
                    spec("no-such-program-xyz")
                        .environment(
                            ProcessEnvironment.newBuilder(Map.of()).put("PATH", path).build())
                        .build()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "cannot start no-such-program-xyz: program 'no-such-program-xyz' was not found or is not "
                + "executable in any of the 3 folders of PATH")
        .message()
        .doesNotContain("private-tools", "/usr/bin");
    assertThatThrownBy(() -> supervisor.start(spec("./missing.sh").build()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "cannot start missing.sh: program './missing.sh' was not found or is not executable in "
                + work);
    assertThat(events).isEmpty();
  }

  @Test
  void aMissingWorkingDirectoryFailsAtStart() {
    assertThatThrownBy(
            () -> supervisor.start(spec("true").workingDirectory(temp.resolve("nope")).build()))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "cannot start true: working directory " + temp.resolve("nope") + " does not exist");
  }

  @Test
  void aListenerThatCannotRecordTheProcessStopsIt() throws Exception {
    List<Long> started = new CopyOnWriteArrayList<>();
    try (ProcessSupervisor failing =
        ProcessSupervisor.newBuilder()
            .listener(
                new ProcessListener() {
                  @Override
                  public void onStarted(ProcessIdentity process, String description) {
                    started.add(process.pid());
                    throw new IllegalStateException("journal is full");
                  }
                })
            .build()) {

      assertThatThrownBy(() -> failing.start(spec("sleep", "30").build()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(
              "because the process listener could not record it: journal is full");

      assertThat(started).hasSize(1);
      assertThat(Scripts.running(started.get(0))).isFalse();
      assertThat(failing.liveProcesses()).isEmpty();
    }
  }

  @Test
  void stopIsIdempotentAndWorksAfterExit() throws Exception {
    SupervisedProcess process = supervisor.start(spec("true").build());
    ProcessResult first = process.waitFor();

    assertThat(process.stop()).isEqualTo(first);
    assertThat(process.stop(Duration.ZERO)).isEqualTo(first);
    assertThat(first.stopRequested()).isFalse();
  }

  @Test
  void closeStopsEveryLiveProcessAndRefusesNewOnes() throws Exception {
    SupervisedProcess a = supervisor.start(spec("sleep", "30").build());
    SupervisedProcess b =
        supervisor.start(spec("sleep", "30").logFile(state.resolve("logs/b.log")).build());
    assertThat(supervisor.liveProcesses()).containsExactlyInAnyOrder(a, b);

    supervisor.close();

    assertThat(a.onExit()).isCompleted();
    assertThat(b.onExit()).isCompleted();
    assertThat(Scripts.running(a.pid())).isFalse();
    assertThat(Scripts.running(b.pid())).isFalse();
    assertThatThrownBy(() -> supervisor.start(spec("true").build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to start true while in CLOSED state");
  }

  @Test
  void anInterruptedStopStillFinishesAndKeepsTheInterrupt() throws Exception {
    Path script =
        Scripts.write(temp, "deaf.sh", "trap '' TERM\necho ready\nwhile :; do sleep 0.1; done");
    SupervisedProcess process =
        supervisor.start(spec(script.toString()).stopGrace(Duration.ofMillis(200)).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> process.outputTail().contains("ready"));

    Thread.currentThread().interrupt();
    ProcessResult result;
    try {
      result = process.stop();
    } finally {
      assertThat(Thread.interrupted()).isTrue();
    }

    assertThat(result.forced()).isTrue();
    assertThat(result.survivors()).isEmpty();
    assertThat(Scripts.running(process.pid())).isFalse();
  }

  @Test
  void killOrphanKillsOnlyTheRecordedProcess() throws Exception {
    Path script = Scripts.write(temp, "tree.sh", "sleep 1000 &\necho ready\nwait");
    Process orphan =
        new ProcessBuilder("setsid", script.toString()).redirectErrorStream(true).start();
    try {
      assertThat(new String(orphan.getInputStream().readNBytes(6), StandardCharsets.UTF_8))
          .isEqualTo("ready\n");
      ProcessIdentity recorded = ProcessIdentity.of(orphan.toHandle()).orElseThrow();
      List<Long> tree = new ArrayList<>();
      tree.add(orphan.pid());
      orphan.descendants().forEach(h -> tree.add(h.pid()));
      ProcessIdentity reused =
          new ProcessIdentity(orphan.pid(), recorded.startTime().minusSeconds(60));

      assertThat(supervisor.killOrphan(reused, Duration.ofSeconds(1)))
          .isEqualTo(OrphanKill.PID_REUSED);
      assertThat(Scripts.running(orphan.pid())).isTrue();

      assertThat(supervisor.killOrphan(recorded, Duration.ofSeconds(1)))
          .isEqualTo(OrphanKill.KILLED);
      assertThat(tree).hasSize(2).noneMatch(Scripts::running);
      assertThat(supervisor.killOrphan(recorded, Duration.ofSeconds(1)))
          .isEqualTo(OrphanKill.NOT_RUNNING);
    } finally {
      orphan.destroyForcibly();
      orphan.waitFor();
    }
  }

  @Test
  void shortProcessesReusePooledThreadsInsteadOfStartingNewOnes() throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    supervisor.start(spec("true").build()).waitFor();
    long startedBefore = threads.getTotalStartedThreadCount();

    for (int i = 0; i < 20; i++) {
      assertThat(supervisor.start(spec("true").build()).waitFor().exitCode()).isZero();
    }

    // One drain and one watcher per process used to be a thread each; now a few pooled threads
    // serve them all.
    assertThat(threads.getTotalStartedThreadCount() - startedBefore).isLessThan(10);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .noneMatch(name -> name.matches("swarm-(output|exit)-\\d+")));
  }

  @Test
  void aClosedSupervisorStillGivesTheTasksOfAStartedProcessAThread() throws Exception {
    supervisor.close();
    CountDownLatch ran = new CountDownLatch(1);
    List<String> names = new CopyOnWriteArrayList<>();

    supervisor.execute(
        () -> {
          names.add(Thread.currentThread().getName());
          ran.countDown();
        },
        "swarm-output-42");

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(names).containsExactly("swarm-output-42");
  }
}
