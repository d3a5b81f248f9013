package io.openswarm.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TreeDeleterTest {

  @TempDir Path temp;

  @Test
  void deletesATreeWhosePathsAreFarLongerThanPathMax() throws IOException {
    // 2,000 levels of 200 characters: paths of 400,000 bytes, a hundred times PATH_MAX.
    Path tree = DeepTrees.create(temp, "tree", 2_000, 200);

    TreeDeleter.deleteRecursively(tree);

    assertThat(tree).doesNotExist();
    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void deletesLinksWithoutFollowingThem() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "keep");
    Path tree = DeepTrees.create(temp, "tree", 30, 200);
    // Links at the top and at the bottom of a deep tree: neither may lead the deletion out of it.
    Files.createSymbolicLink(tree.resolve("to-outside"), outside);
    Path bottom = Files.createDirectory(temp.resolve("bottom"));
    Files.createSymbolicLink(bottom.resolve("to-outside"), outside);
    Files.createSymbolicLink(bottom.resolve("to-file"), outside.resolve("precious.txt"));
    Files.move(bottom, tree.resolve("bottom"));

    TreeDeleter.deleteRecursively(tree);

    assertThat(tree).doesNotExist();
    assertThat(outside.resolve("precious.txt")).hasContent("keep");
  }

  @Test
  void deletesALinkGivenAsTheRootAndNotItsTarget() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "keep");
    Path link = Files.createSymbolicLink(temp.resolve("link"), outside);

    TreeDeleter.deleteRecursively(link);

    assertThat(link).doesNotExist();
    assertThat(outside.resolve("precious.txt")).hasContent("keep");
  }

  @Test
  void deletesDirectoriesTheCellMadeReadOnly() throws IOException {
    Path tree = Files.createDirectories(temp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("file.txt"), "x");
    Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("r-x------"));
    Files.setPosixFilePermissions(tree.getParent(), PosixFilePermissions.fromString("r-x------"));

    TreeDeleter.deleteRecursively(temp.resolve("tree"));

    assertThat(temp.resolve("tree")).doesNotExist();
  }

  @Test
  void neverMakesWritableAFolderOutsideTheTreeThatALinkPointsTo() throws IOException {
    Path outside = Files.createDirectory(temp.resolve("outside"));
    Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("r-x------"));
    Path tree = Files.createDirectories(temp.resolve("tree/a"));
    Files.createSymbolicLink(tree.resolve("to-read-only"), outside);

    TreeDeleter.deleteRecursively(temp.resolve("tree"));

    assertThat(temp.resolve("tree")).doesNotExist();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)))
        .isEqualTo("r-x------");
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void deletesFifosWithoutOpeningThem() throws Exception {
    // Opening a FIFO that no one writes to blocks forever: a deletion that opened one would never
    // return.
    Path tree = Files.createDirectories(temp.resolve("tree/a"));
    assertThat(mkfifo(tree.resolve("pipe"))).as("mkfifo").isTrue();
    assertThat(mkfifo(temp.resolve("tree/pipe"))).as("mkfifo").isTrue();
    Path rootPipe = temp.resolve("root-pipe");
    assertThat(mkfifo(rootPipe)).as("mkfifo").isTrue();

    TreeDeleter.deleteRecursively(temp.resolve("tree"));
    TreeDeleter.deleteRecursively(rootPipe);

    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void rejectsNullWithTheParametersName() {
    assertThatThrownBy(() -> TreeDeleter.deleteRecursively(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("root cannot be null");
    assertThatThrownBy(() -> TreeDeleter.deleteOrQuarantine(temp.resolve("tree"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("quarantineDirectory cannot be null");
  }

  @Test
  void deletesAPlainFileAndIgnoresAMissingPath() throws IOException {
    Path file = Files.writeString(temp.resolve("file.txt"), "x");

    TreeDeleter.deleteRecursively(file);
    TreeDeleter.deleteRecursively(temp.resolve("missing"));

    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void refusesTheFileSystemRoot() {
    assertThatThrownBy(() -> TreeDeleter.deleteRecursively(Path.of("/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refusing to delete the file-system root /");
  }

  @Test
  void quarantineMovesATreeAsAWholeUnderATimestampedName() throws IOException {
    Path tree = DeepTrees.create(temp, "wt-1", 30, 200);
    Path quarantine = temp.resolve("state/quarantine");

    Path moved = TreeDeleter.quarantine(tree, quarantine);
    Path second = TreeDeleter.quarantine(Files.createDirectory(temp.resolve("wt-1")), quarantine);

    assertThat(tree).doesNotExist();
    assertThat(moved.getParent()).isEqualTo(quarantine);
    assertThat(moved.getFileName().toString()).matches("\\d{8}T\\d{6}Z-wt-1");
    assertThat(moved.resolve("d".repeat(200))).isDirectory();
    assertThat(second).isNotEqualTo(moved).exists();
    // @TempDir cannot delete what is deeper than PATH_MAX.
    TreeDeleter.deleteRecursively(quarantine);
  }

  @Test
  void deleteOrQuarantineDeletesWhatItCan() throws IOException {
    Path tree = DeepTrees.create(temp, "tree", 100, 200);

    Optional<Path> quarantined = TreeDeleter.deleteOrQuarantine(tree, temp.resolve("quarantine"));

    assertThat(quarantined).isEmpty();
    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void whatCannotBeDeletedIsMovedAsAWholeIntoTheQuarantine() throws Exception {
    Path tree = Files.createDirectories(temp.resolve("wt-1/sub"));
    Path stuck = Files.writeString(tree.resolve("stuck.bin"), "x");
    Files.writeString(temp.resolve("wt-1/loose.txt"), "y");
    // An immutable file cannot be deleted, not even by root, but its folder can be moved.
    assertThat(chattr("+i", stuck))
        .as("chattr +i (e2fsprogs, run as root on a file system with attributes)")
        .isTrue();
    Path quarantine = temp.resolve("quarantine");
    try {
      Optional<Path> moved = TreeDeleter.deleteOrQuarantine(temp.resolve("wt-1"), quarantine);

      assertThat(temp.resolve("wt-1")).doesNotExist();
      assertThat(moved)
          .hasValueSatisfying(
              path -> {
                assertThat(path.getParent()).isEqualTo(quarantine);
                assertThat(path.resolve("sub/stuck.bin")).hasContent("x");
                assertThat(path.resolve("loose.txt"))
                    .as("what could be deleted was")
                    .doesNotExist();
              });
    } finally {
      try (var found = Files.walk(temp)) {
        found.filter(path -> path.endsWith("stuck.bin")).forEach(path -> chattr("-i", path));
      }
    }
  }

  /** Makes a named pipe at {@code path}; whether it worked. */
  static boolean mkfifo(Path path) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("mkfifo", path.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return process.waitFor() == 0;
  }

  /** Runs {@code chattr flag path}; whether it worked. */
  static boolean chattr(String flag, Path path) {
    try {
      Process process =
          new ProcessBuilder("chattr", flag, path.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return process.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
