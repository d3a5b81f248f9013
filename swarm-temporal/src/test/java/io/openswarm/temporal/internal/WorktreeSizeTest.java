package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One worktree's size: its regular files, links not followed, the walk bounded, measured once. */
class WorktreeSizeTest {

  @TempDir Path temp;

  @Test
  void theSizeIsTheSumOfTheRegularFilesAndLinksAreNotFollowed() throws Exception {
    Path tree = Files.createDirectories(temp.resolve("tree"));
    Files.write(tree.resolve("a.bin"), new byte[1000]);
    Files.write(Files.createDirectories(tree.resolve("src/main")).resolve("b.bin"), new byte[234]);
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.write(outside.resolve("huge.bin"), new byte[100_000]);
    Files.createSymbolicLink(tree.resolve("link-to-outside"), outside);
    Files.createSymbolicLink(tree.resolve("link-to-file"), outside.resolve("huge.bin"));
    WorktreeSize size = new WorktreeSize();

    assertThat(size.bytes()).isEmpty();
    assertThat(size.measureOnce(tree)).isTrue();

    assertThat(size.bytes()).hasValue(1234);
  }

  @Test
  void aSecondWorktreeIsNotMeasuredOnceASizeIsKnown() throws Exception {
    Path first = Files.createDirectories(temp.resolve("first"));
    Files.write(first.resolve("a.bin"), new byte[10]);
    Path second = Files.createDirectories(temp.resolve("second"));
    Files.write(second.resolve("a.bin"), new byte[20]);
    WorktreeSize size = new WorktreeSize();

    assertThat(size.measureOnce(temp.resolve("missing"))).isFalse();
    assertThat(size.measureOnce(first)).isTrue();
    assertThat(size.measureOnce(second)).isFalse();

    assertThat(size.bytes()).hasValue(10);
  }

  @Test
  void theWalkStopsAfterItsBoundAndReportsWhatItCounted() throws Exception {
    Path tree = Files.createDirectories(temp.resolve("tree"));
    for (int i = 0; i < 10; i++) {
      Files.write(tree.resolve("f" + i), new byte[100]);
    }

    // The root folder is one entry; four files follow before the bound of five is passed.
    assertThat(WorktreeSize.measure(tree, 5)).isEqualTo(400);
    assertThat(WorktreeSize.measure(tree, 1000)).isEqualTo(1000);
  }
}
