package io.openswarm.infra.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.infra.DeepTrees;
import io.openswarm.infra.process.ProcessIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directories a worker records for itself: deleted once their owner is dead, never outside the
 * root.
 */
class OrphanReaperTest {

  /** An owner that is certainly not alive: a PID beyond the kernel's limit. */
  private static final ProcessIdentity DEAD =
      new ProcessIdentity(Integer.MAX_VALUE - 7, Instant.parse("2020-01-01T00:00:00Z"));

  @Test
  void aDeadOwnersDirectoryIsDeletedWithItsContentAndALiveOwnersIsKept(@TempDir Path temp)
      throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path root = temp.resolve("cells");
    Path dead = Files.createDirectories(root.resolve("dead/cell-1/home"));
    Files.writeString(dead.resolve("cache.bin"), "x");
    Path alive = Files.createDirectories(root.resolve("alive/cell-2"));
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-dead",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", root.resolve("dead").toString())));
    OrphanReaper reaper = new OrphanReaper(journal);
    reaper.recordDirectory("cells-alive", root.resolve("alive"));

    assertThat(reaper.reapDirectories(root, temp.resolve("quarantine")))
        .isEqualTo(new OrphanReaper.DirectoryReaping(1, List.of(), List.of()));

    assertThat(root.resolve("dead")).doesNotExist();
    assertThat(alive).isDirectory();
    assertThat(journal.records()).extracting(LeaseRecord::key).containsExactly("cells-alive");
    reaper.releaseDirectory("cells-alive");
    assertThat(journal.records()).isEmpty();
  }

  @Test
  void aRecordPointingOutsideTheRootIsDroppedWithoutDeletingAnything(@TempDir Path temp)
      throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path precious = Files.createDirectories(temp.resolve("precious"));
    Files.writeString(precious.resolve("keep.txt"), "keep");
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-evil",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", temp.resolve("cells/../precious").toString())));
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-root",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", temp.resolve("cells").toString())));

    assertThat(
            new OrphanReaper(journal)
                .reapDirectories(temp.resolve("cells"), temp.resolve("quarantine"))
                .deleted())
        .isZero();

    assertThat(precious.resolve("keep.txt")).hasContent("keep");
    assertThat(journal.records()).isEmpty();
  }

  @Test
  void aDeadOwnersDirectoryHoldingATreeDeeperThanThePathLimitIsDeleted(@TempDir Path temp)
      throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path root = temp.resolve("cells");
    Path home = Files.createDirectories(root.resolve("dead/cell-1/home"));
    DeepTrees.create(home, "nest");
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-dead",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", root.resolve("dead").toString())));

    OrphanReaper.DirectoryReaping reaping =
        new OrphanReaper(journal).reapDirectories(root, temp.resolve("quarantine"));

    assertThat(reaping).isEqualTo(new OrphanReaper.DirectoryReaping(1, List.of(), List.of()));
    assertThat(reaping.needsAttention()).isFalse();
    assertThat(root.resolve("dead")).doesNotExist();
    assertThat(journal.records()).isEmpty();
  }

  @Test
  void aDirectoryThatCannotBeDeletedIsMovedIntoTheQuarantineAndReported(@TempDir Path temp)
      throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path root = temp.resolve("cells");
    Files.createDirectories(root.resolve("dead/cell-1"));
    Files.writeString(root.resolve("dead/cell-1/stuck.bin"), "x");
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-dead",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", root.resolve("dead").toString())));
    OrphanReaper reaper =
        new OrphanReaper(
            journal,
            directory -> {
              throw new IOException("Operation not permitted");
            });

    OrphanReaper.DirectoryReaping reaping =
        reaper.reapDirectories(root, temp.resolve("quarantine"));

    assertThat(reaping.deleted()).isZero();
    assertThat(reaping.kept()).isEmpty();
    assertThat(reaping.needsAttention()).isTrue();
    assertThat(reaping.quarantined())
        .singleElement()
        .satisfies(
            moved -> {
              assertThat(moved.getParent()).isEqualTo(temp.resolve("quarantine"));
              assertThat(moved.getFileName().toString()).endsWith("-dead");
              assertThat(moved.resolve("cell-1/stuck.bin")).hasContent("x");
            });
    assertThat(root.resolve("dead")).doesNotExist();
    assertThat(journal.records()).as("nothing is left to retry").isEmpty();
  }

  @Test
  void aDirectoryThatCanNeitherBeDeletedNorMovedKeepsItsRecordForTheNextStart(@TempDir Path temp)
      throws Exception {
    LeaseJournal journal = LeaseJournal.open(temp.resolve("journal"));
    Path root = temp.resolve("cells");
    Path dead = Files.createDirectories(root.resolve("dead"));
    journal.record(
        new LeaseRecord(
            LeaseKind.DIRECTORY,
            "cells-dead",
            DEAD,
            "0".repeat(32),
            Instant.now(),
            Map.of("path", dead.toString())));
    Path notADirectory = Files.writeString(temp.resolve("quarantine"), "a file");
    OrphanReaper reaper =
        new OrphanReaper(
            journal,
            directory -> {
              throw new UncheckedIOException(new IOException("File name too long"));
            });

    OrphanReaper.DirectoryReaping reaping = reaper.reapDirectories(root, notADirectory);

    assertThat(reaping).isEqualTo(new OrphanReaper.DirectoryReaping(0, List.of(), List.of(dead)));
    assertThat(dead).isDirectory();
    assertThat(journal.records()).extracting(LeaseRecord::key).containsExactly("cells-dead");
  }
}
