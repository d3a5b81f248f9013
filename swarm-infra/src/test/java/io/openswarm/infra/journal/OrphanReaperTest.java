package io.openswarm.infra.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.infra.process.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directories a worker records for itself: deleted once their owner is dead, never outside the root. */
class OrphanReaperTest {

  /** An owner that is certainly not alive: a PID beyond the kernel's limit. */
  private static final ProcessIdentity DEAD = new ProcessIdentity(Integer.MAX_VALUE - 7,
      Instant.parse("2020-01-01T00:00:00Z"));

  @Test
  void aDeadOwnersDirectoryIsDeletedWithItsContentAndALiveOwnersIsKept(@TempDir Path temp) throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path root = temp.resolve("cells");
    Path dead = Files.createDirectories(root.resolve("dead/cell-1/home"));
    Files.writeString(dead.resolve("cache.bin"), "x");
    Path alive = Files.createDirectories(root.resolve("alive/cell-2"));
    journal.record(new LeaseRecord(LeaseKind.DIRECTORY, "cells-dead", DEAD, "0".repeat(32), Instant.now(),
        Map.of("path", root.resolve("dead").toString())));
    OrphanReaper reaper = new OrphanReaper(journal);
    reaper.recordDirectory("cells-alive", root.resolve("alive"));

    assertThat(reaper.reapDirectories(root)).isEqualTo(1);

    assertThat(root.resolve("dead")).doesNotExist();
    assertThat(alive).isDirectory();
    assertThat(journal.records()).extracting(LeaseRecord::key).containsExactly("cells-alive");
    reaper.releaseDirectory("cells-alive");
    assertThat(journal.records()).isEmpty();
  }

  @Test
  void aRecordPointingOutsideTheRootIsDroppedWithoutDeletingAnything(@TempDir Path temp) throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path precious = Files.createDirectories(temp.resolve("precious"));
    Files.writeString(precious.resolve("keep.txt"), "keep");
    journal.record(new LeaseRecord(LeaseKind.DIRECTORY, "cells-evil", DEAD, "0".repeat(32), Instant.now(),
        Map.of("path", temp.resolve("cells/../precious").toString())));
    journal.record(new LeaseRecord(LeaseKind.DIRECTORY, "cells-root", DEAD, "0".repeat(32), Instant.now(),
        Map.of("path", temp.resolve("cells").toString())));

    assertThat(new OrphanReaper(journal).reapDirectories(temp.resolve("cells"))).isZero();

    assertThat(precious.resolve("keep.txt")).hasContent("keep");
    assertThat(journal.records()).isEmpty();
  }
}
