package io.openswarm.infra.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRunnerTest {

  @TempDir Path temp;
  private TestRepository repo;

  @BeforeEach
  void createRepository() {
    repo = TestRepositories.create(temp.resolve("repo"));
  }

  @Test
  void runsGitAndCapturesItsOutput() {
    GitResult result = GitRunner.create().run(repo.path(), "rev-parse", "HEAD");

    assertThat(result.isSuccess()).isTrue();
    assertThat(result.stdoutLine()).isEqualTo(repo.head());
    assertThat(result.command()).containsExactly("git", "rev-parse", "HEAD");
    assertThat(result.attempts()).isEqualTo(1);
  }

  @Test
  void returnsAFailedCommandAndExplainsItOnRequest() {
    GitResult result = GitRunner.create().run(repo.path(), "rev-parse", "--verify", "no-such-ref");

    assertThat(result.isSuccess()).isFalse();
    assertThat(result.exitCode()).isEqualTo(128);
    assertThatThrownBy(() -> result.requireSuccess("resolve no-such-ref"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.GIT_FAILED);
              assertThat(e.command())
                  .containsExactly("git", "rev-parse", "--verify", "no-such-ref");
              assertThat(e.exitCode()).hasValue(128);
              assertThat(e.stderrTail()).contains("Needed a single revision");
              assertThat(e.getMessage())
                  .startsWith(
                      "resolve no-such-ref: `git rev-parse --verify no-such-ref` in "
                          + repo.path()
                          + " exited with code 128: fatal: Needed a single revision");
            });
  }

  @Test
  void recognisesADirectoryOutsideAnyRepository() throws Exception {
    Path plain = Files.createDirectory(temp.resolve("plain"));

    GitResult result = GitRunner.create().run(plain, "rev-parse", "--git-dir");

    assertThatThrownBy(() -> result.requireSuccess("find repository"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_REPOSITORY));
  }

  @Test
  void passesStandardInput() {
    GitResult result =
        GitRunner.create()
            .run(
                GitCommand.in(repo.path()).args("hash-object", "--stdin").stdin("hello\n").build());

    assertThat(result.stdoutLine()).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
  }

  @Test
  void killsTheWholeProcessTreeOnTimeout() throws Exception {
    Path pidFile = temp.resolve("sleep.pid");
    GitCommand hang =
        GitCommand.in(repo.path())
            .args("-c", "alias.hang=!sleep 60 & echo $! > '" + pidFile + "'; wait", "hang")
            .timeout(Duration.ofSeconds(1))
            .build();

    long start = System.nanoTime();
    assertThatThrownBy(() -> GitRunner.create().run(hang))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT);
              assertThat(e.exitCode()).isEmpty();
              assertThat(e.getMessage()).contains("did not finish within 1000 ms and was killed");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));

    long sleepPid = Long.parseLong(Files.readString(pidFile).strip());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false),
            alive -> !alive);
  }

  @Test
  void keepsOnlyTheHeadOfALongOutputAndFlagsIt() {
    GitRunner runner = GitRunner.newBuilder().maxStdoutBytes(1024 * 1024).build();

    GitResult result = runner.run(repo.path(), "-c", "alias.big=!head -c 3000000 /dev/zero", "big");

    assertThat(result.isSuccess()).isTrue();
    assertThat(result.stdoutTruncated()).isTrue();
    assertThat(result.stdout()).hasSize(1024 * 1024);
    assertThatThrownBy(() -> result.requireSuccess("read big output"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.GIT_FAILED);
              assertThat(e.getMessage()).contains("exceeded the limit");
            });
  }

  @Test
  void keepsOnlyTheTailOfStandardError() {
    GitResult result =
        GitRunner.create()
            .run(
                repo.path(),
                "-c",
                "alias.noisy=!head -c 300000 /dev/zero | tr '\\0' e >&2; echo END >&2",
                "noisy");

    assertThat(result.stderrTail()).hasSize(64 * 1024).endsWith("eeeEND\n");
  }

  @Test
  void givesGitOnlyTheAllowedEnvironment() {
    Set<String> notAllowed =
        System.getenv().keySet().stream()
            .filter(name -> !GitRunner.DEFAULT_INHERITED_ENVIRONMENT.contains(name))
            .filter(name -> name.matches("[A-Za-z_][A-Za-z0-9_]*"))
            .collect(Collectors.toSet());
    assertThat(notAllowed).as("the test JVM has variables outside the allowlist").isNotEmpty();

    String env =
        GitRunner.create().run(repo.path(), "-c", "alias.printenv=!env", "printenv").stdout();

    List<String> names =
        env.lines().map(line -> line.split("=", 2)[0]).collect(Collectors.toList());
    assertThat(names).doesNotContainAnyElementsOf(notAllowed);
    assertThat(env).contains("GIT_TERMINAL_PROMPT=0\n").contains("LC_ALL=C\n");
  }

  @Test
  void filtersRepositoryRedirectingVariables() {
    Map<String, String> kept =
        GitRunner.filterEnvironment(
            Map.of(
                "GIT_DIR",
                "/elsewhere",
                "GIT_WORK_TREE",
                "/x",
                "PATH",
                "/usr/bin",
                "API_KEY",
                "secret"),
            GitRunner.DEFAULT_INHERITED_ENVIRONMENT);

    assertThat(kept).containsOnlyKeys("PATH");
  }

  @Test
  void switchesOffAutomaticGarbageCollection() {
    GitResult result = GitRunner.create().run(repo.path(), "config", "--get", "gc.auto");

    assertThat(result.stdoutLine()).isEqualTo("0");
  }

  @Test
  void doesNotRetryWhenTheCommandForbidsIt() throws Exception {
    Files.writeString(repo.path().resolve(".git/index.lock"), "");
    repo.write("new.txt", "x");

    GitResult result =
        GitRunner.create()
            .run(GitCommand.in(repo.path()).args("add", "-A").retryOnLockContention(false).build());

    assertThat(result.isSuccess()).isFalse();
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(GitRunner.isLockContention(result.stderrTail())).isTrue();
  }

  @Test
  void retriesWhileAnotherProcessHoldsTheIndexLock() throws Exception {
    Path lock = repo.path().resolve(".git/index.lock");
    Files.writeString(lock, "");
    repo.write("new.txt", "x");
    GitRunner runner =
        GitRunner.newBuilder()
            .lockRetries(200, Duration.ofMillis(20), Duration.ofMillis(50))
            .build();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      scheduler.schedule(
          () -> {
            Files.delete(lock);
            return null;
          },
          1,
          TimeUnit.SECONDS);

      GitResult result = runner.run(repo.path(), "add", "-A");

      assertThat(result.isSuccess()).isTrue();
      assertThat(result.attempts()).isGreaterThan(1);
      assertThat(repo.git("diff", "--cached", "--name-only")).isEqualTo("new.txt\n");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void givesUpAfterTheConfiguredRetries() throws Exception {
    Files.writeString(repo.path().resolve(".git/index.lock"), "");
    repo.write("new.txt", "x");
    GitRunner runner =
        GitRunner.newBuilder().lockRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)).build();

    GitResult result = runner.run(repo.path(), "add", "-A");

    assertThat(result.attempts()).isEqualTo(3);
    assertThatThrownBy(() -> result.requireSuccess("stage changes"))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.stderrTail()).contains("index.lock"));
  }

  @Test
  void recognisesGitLockMessagesOnly() {
    assertThat(
            GitRunner.isLockContention(
                "fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother"))
        .isTrue();
    assertThat(
            GitRunner.isLockContention(
                "error: cannot lock ref 'refs/heads/x': Unable to create "
                    + "'/r/.git/refs/heads/x.lock': File exists."))
        .isTrue();
    assertThat(
            GitRunner.isLockContention(
                "error: could not lock config file .git/config: File exists"))
        .isTrue();
    // A checkout reads every linked worktree's files; one being added or removed at that moment
    // fails it.
    assertThat(
            GitRunner.isLockContention(
                "fatal: failed to read /r/.git/worktrees/wt-1/commondir: Success"))
        .isTrue();
    assertThat(
            GitRunner.isLockContention(
                "fatal: failed to read /r/.git/worktrees/wt-1/gitdir: No such file"))
        .isTrue();
    assertThat(GitRunner.isLockContention("fatal: failed to read object 1234: Interrupted"))
        .isFalse();
    assertThat(
            GitRunner.isLockContention(
                "fatal: cannot lock ref 'refs/heads/x': is at 1 but expected 2"))
        .isFalse();
    assertThat(
            GitRunner.isLockContention(
                "fatal: cannot lock ref 'refs/heads/x': reference already exists"))
        .isFalse();
  }

  @Test
  void explainsAMissingExecutable() {
    GitRunner runner =
        GitRunner.newBuilder().executable(temp.resolve("no-such-git").toString()).build();

    assertThatThrownBy(() -> runner.run(repo.path(), "status"))
        .isInstanceOfSatisfying(
            WorktreeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.GIT_FAILED);
              assertThat(e.getMessage()).contains("could not start").contains("no-such-git");
            });
  }

  @Test
  void rejectsArgumentsAProcessCannotCarry() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> GitCommand.of(repo.path(), "log", "a\0b"))
        .withMessageContaining("NUL");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> GitCommand.in(repo.path()).build())
        .withMessageContaining("at least one argument");
  }

  @Test
  void rendersCommandLinesForMessages() {
    assertThat(GitRunner.render(List.of("git", "commit", "-m", "it's done", "")))
        .isEqualTo("git commit -m 'it'\\''s done' ''");
  }

  @Test
  void exposesTheCommandsStdinAsACopy() {
    GitCommand command =
        GitCommand.in(repo.path()).args("hash-object", "--stdin").stdin("x").build();
    Optional<byte[]> first = command.stdin();
    first.orElseThrow()[0] = 'y';

    assertThat(command.stdin().orElseThrow()).containsExactly('x');
  }
}
