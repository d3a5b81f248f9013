package io.openswarm.infra.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claims are exclusive across JVMs: a second JVM's claim waits for the first and then finds nothing
 * left.
 */
class LeaseJournalClaimIT {

  @TempDir Path temp;

  @Test
  void aClaimInAnotherJvmExcludesThisOneUntilItIsDone() throws Exception {
    Path directory = temp.resolve("journal");
    LeaseJournal journal = LeaseJournal.open(directory);
    for (int i = 0; i < 5; i++) {
      journal.record(
          LeaseRecord.ofCurrentProcess(LeaseKind.WORKTREE, "wt-" + i, Map.of("state", "parked")));
    }
    Path release = temp.resolve("release");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ClaimingChild.class.getName(),
                directory.toString(),
                release.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("HOLDING");

      CompletableFuture<List<LeaseRecord>> ours =
          CompletableFuture.supplyAsync(
              () ->
                  journal.claim(
                      record -> "parked".equals(record.attribute("state")),
                      record ->
                          record.ownedByCurrentProcess(
                              Map.of("state", "adopting", "by", "parent"))));
      // Without the shared lock this claim would take every record now, before the child writes
      // any.
      try {
        ours.get(2, TimeUnit.SECONDS);
      } catch (TimeoutException expected) {
        // Still waiting for the child's claim, as it should.
      }
      Files.createFile(release);

      assertThat(out.readLine()).isEqualTo("CLAIMED 5");
      assertThat(ours.get(60, TimeUnit.SECONDS)).as("everything was taken by the child").isEmpty();
      assertThat(journal.records())
          .hasSize(5)
          .allSatisfy(record -> assertThat(record.attribute("by")).isEqualTo("child"));
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
