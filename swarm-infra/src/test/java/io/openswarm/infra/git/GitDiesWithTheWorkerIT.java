package io.openswarm.infra.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker JVM killed with SIGKILL while git runs takes git with it: no git process of a dead
 * worker goes on changing a worktree that the next worker reclaims. The "git" here is a script that
 * becomes a long sleep, so the test can find it and see it die.
 */
class GitDiesWithTheWorkerIT {

  @TempDir Path temp;

  /** The worker JVM: runs one git command that never ends. Argument: the git executable. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      GitRunner.newBuilder()
          .executable(args[0])
          .timeout(Duration.ofHours(1))
          .build()
          .run(Path.of(args[1]), "status");
    }
  }

  @Test
  void gitIsKilledWhenTheWorkerJvmIsKilled() throws Exception {
    String marker =
        Long.toString(3_000_000 + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000));
    Path fakeGit = Files.writeString(temp.resolve("git"), "#!/bin/sh\nexec sleep " + marker + "\n");
    Files.setPosixFilePermissions(fakeGit, PosixFilePermissions.fromString("rwx------"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Child.class.getName(),
                fakeGit.toString(),
                temp.toString())
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("child.log").toFile())
            .start();
    ProcessHandle git;
    try {
      git =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> sleeper(marker), Optional::isPresent)
              .orElseThrow();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> !git.isAlive());
    } finally {
      git.destroyForcibly();
    }
  }

  private static Optional<ProcessHandle> sleeper(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
        .findFirst();
  }
}
