package io.openswarm.temporal.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The disk one worktree takes, measured once: the sum of the sizes of its regular files (its {@code
 * .git} is a file pointing at the shared repository, so objects are not counted twice).
 *
 * <p>The walk never follows a link (a cell could point one anywhere) and stops after {@link
 * #MAX_ENTRIES} entries, so a worktree of millions of files cannot stall the thread that measures;
 * a stopped walk reports what it counted, a lower bound. Files that vanish during the walk (a cell
 * is working in it) are skipped.
 *
 * <p>Thread-safe; the value is measured at most once.
 */
public final class WorktreeSize {

  /** The most files and folders one measurement visits. */
  public static final int MAX_ENTRIES = 2_000_000;

  private volatile long bytes = -1;

  /** The measured size in bytes, if measured. */
  public OptionalLong bytes() {
    long value = bytes;
    return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /**
   * Measures {@code worktree} unless a size is already known.
   *
   * @return whether this call measured it
   */
  public synchronized boolean measureOnce(Path worktree) {
    Objects.requireNonNull(worktree, "worktree cannot be null");
    if (bytes >= 0 || !Files.isDirectory(worktree)) {
      return false;
    }
    bytes = measure(worktree, MAX_ENTRIES);
    return true;
  }

  /**
   * The sum of the regular files' sizes under {@code root}, visiting at most {@code maxEntries}
   * entries.
   */
  static long measure(Path root, int maxEntries) {
    long[] total = {0};
    int[] entries = {0};
    try {
      // No FOLLOW_LINKS option: links are visited as links (their own small size is not counted).
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return ++entries[0] > maxEntries
                  ? FileVisitResult.TERMINATE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (++entries[0] > maxEntries) {
                return FileVisitResult.TERMINATE;
              }
              if (attrs.isRegularFile()) {
                total[0] += attrs.size();
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // The root itself vanished: what was counted so far is still a lower bound.
    }
    return total[0];
  }
}
