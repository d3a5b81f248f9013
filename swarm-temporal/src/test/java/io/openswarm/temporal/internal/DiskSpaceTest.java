package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.temporal.SwarmHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file systems of the worktree root and the state directory, each read once. */
class DiskSpaceTest {

  @TempDir Path temp;

  @Test
  void twoPathsOnOneFileSystemGiveOneReadingWithRealFigures() throws Exception {
    Path trees = Files.createDirectories(temp.resolve("trees"));
    Path state = temp.resolve("state/not/yet/created");

    List<SwarmHealth.Disk> disks = DiskSpace.of(List.of(trees, state)).read();

    assertThat(disks).hasSize(1);
    SwarmHealth.Disk disk = disks.get(0);
    assertThat(disk.path()).isEqualTo(trees.toString());
    assertThat(disk.totalBytes()).isEqualTo(Files.getFileStore(trees).getTotalSpace()).isPositive();
    assertThat(disk.usableBytes()).isPositive().isLessThanOrEqualTo(disk.totalBytes());
    assertThat(disk.freeFraction()).isBetween(0.0, 1.0);
  }

  @Test
  void aFakeSourceIsReadAsGiven() {
    SwarmHealth.Disk fake = new SwarmHealth.Disk("/fake", 100, 7);

    assertThat(DiskSpace.of(() -> List.of(fake)).read()).containsExactly(fake);
  }

  @Test
  void noPathIsRefused() {
    assertThatThrownBy(() -> DiskSpace.of(List.<Path>of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("paths must name at least one path but was empty");
  }
}
