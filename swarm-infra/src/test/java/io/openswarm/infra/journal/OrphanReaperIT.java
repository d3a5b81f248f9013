package io.openswarm.infra.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessIdentity;
import io.openswarm.infra.process.ProcessSupervisor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed with SIGKILL leaves its agent running; the next worker's reaper kills it, and
 * only it.
 */
class OrphanReaperIT {

  @Test
  void theNextWorkerKillsWhatADeadWorkerLeftRunning(@TempDir Path temp) throws Exception {
    Path journalDirectory = temp.resolve("journal");
    Files.createDirectories(temp.resolve("work"));
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process worker =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ReaperChild.class.getName(),
                journalDirectory.toString(),
                temp.resolve("work").toString(),
                temp.resolve("sleep.log").toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    long orphanPid;
    try {
      String line =
          new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertThat(line).startsWith("STARTED ");
      orphanPid = Long.parseLong(line.substring("STARTED ".length()));
      assertThat(LeaseJournal.open(journalDirectory).records()).hasSize(1);
    } finally {
      worker.destroyForcibly();
      worker.waitFor(30, TimeUnit.SECONDS);
    }
    // The worker is dead; its agent is not.
    assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).contains(true);

    LeaseJournal journal = LeaseJournal.open(journalDirectory);
    try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().build()) {
      Map<OrphanKill, Integer> reaped =
          new OrphanReaper(journal).reap(supervisor, Duration.ofSeconds(2));

      assertThat(reaped).containsExactly(Map.entry(OrphanKill.KILLED, 1));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(orphanPid).map(h -> !h.isAlive()).orElse(true));
    assertThat(journal.records()).isEmpty();
  }

  @Test
  void aReusedPidIsLeftAlone(@TempDir Path temp) throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    // A record of a dead owner naming a PID that now belongs to another process (this JVM) with
    // another start time.
    ProcessIdentity self = ProcessIdentity.current();
    ProcessIdentity deadOwner =
        new ProcessIdentity(Integer.MAX_VALUE - 7, Instant.parse("2020-01-01T00:00:00Z"));
    journal.record(
        new LeaseRecord(
            LeaseKind.PROCESS,
            "pid-" + self.pid() + "-1",
            deadOwner,
            "0".repeat(32),
            Instant.now(),
            Map.of(
                "pid",
                Long.toString(self.pid()),
                "startTime",
                "2020-01-01T00:00:00Z",
                "description",
                "stale")));

    try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().build()) {
      Map<OrphanKill, Integer> reaped =
          new OrphanReaper(journal).reap(supervisor, Duration.ofSeconds(1));

      assertThat(reaped).containsExactly(Map.entry(OrphanKill.PID_REUSED, 1));
    }
    assertThat(ProcessHandle.current().isAlive()).isTrue();
    assertThat(journal.records()).isEmpty();
  }
}
