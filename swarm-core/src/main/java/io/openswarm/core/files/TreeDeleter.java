package io.openswarm.core.files;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Deletes a directory tree that a cell may have shaped at will, however deep, and moves aside what
 * cannot be deleted. The library removes every worktree, cell state folder and history entry with
 * it; code that composes the library's pieces itself (its own {@code CellSteps}, its own clean-up
 * of a worker's state directory) should too.
 *
 * <pre>{@code
 * TreeDeleter.deleteRecursively(cellStateDirectory);                    // gone, or an IOException naming what is left
 * Optional<Path> movedTo = TreeDeleter.deleteOrQuarantine(worktree, stateDirectory.resolve("quarantine"));
 * }</pre>
 *
 * <p>What a hostile tree cannot do to it: make it follow a symbolic link out of the tree (links are
 * deleted, never followed, the root included, even a link that replaces a directory while the
 * deletion runs); stop it with a read-only directory (the owner's permissions are restored first,
 * on directories only, never through a link); make it open a FIFO, a socket or a device (special
 * files are unlinked like any file, never opened); exhaust it with depth.
 *
 * <p>Why not {@code Files.walk} or {@code rm -rf}: a cell can nest directories until their paths
 * exceed the kernel's limit ({@code PATH_MAX}, 4096 bytes on Linux); every call that takes such a
 * path fails with "File name too long", so a path-based walk cannot delete the tree. GNU {@code rm
 * -rf} copes, but it is one more process per deletion, other {@code rm}s (BusyBox) do not, and it
 * does not make read-only directories writable.
 *
 * <p>How it works: every operation is relative to an open directory handle ({@link
 * SecureDirectoryStream}, {@code openat}/{@code unlinkat}/{@code renameat} on Linux), opened with
 * {@code O_NOFOLLOW}. The tree is flattened as it is deleted: the files of a directory one level
 * below the root are deleted and its subdirectories are moved up to the root under fresh names,
 * then it is deleted itself. So the deletion never holds more than three handles and never goes
 * deeper than two levels, whatever the depth of the tree; each directory costs one rename more than
 * a recursive deletion would. On a platform without {@link SecureDirectoryStream} a path-based walk
 * that does not follow links is used, which is limited to {@code PATH_MAX}.
 *
 * <p>What still cannot be deleted (a directory its owner may not read, a file made immutable, a
 * mount point) can be moved aside as a whole with {@link #quarantine} or {@link
 * #deleteOrQuarantine}, so that the caller can go on and report it.
 *
 * <p>Stateless and thread-safe; concurrent calls must be for different trees.
 */
public final class TreeDeleter {

  /** How many times the root is listed again when entries appeared while it was being emptied. */
  private static final int ROUNDS = 3;

  /** How many failures one exception names; the rest are counted. */
  private static final int FAILURES_NAMED = 5;

  private static final Set<PosixFilePermission> OWNER_ALL =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);

  private static final DateTimeFormatter QUARANTINE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private TreeDeleter() {}

  /**
   * Deletes {@code root} and everything below it, however deep; does nothing if it does not exist.
   * A symbolic link (the root included) is deleted, not followed.
   *
   * @param root the tree, a file or a link
   * @throws IOException if something could not be deleted; what could be deleted is gone
   * @throws NullPointerException if {@code root} is null
   * @throws IllegalArgumentException if {@code root} is a file-system root
   */
  public static void deleteRecursively(Path root) throws IOException {
    Objects.requireNonNull(root, "root cannot be null");
    Path absolute = root.toAbsolutePath();
    Path parent = absolute.getParent();
    Path name = absolute.getFileName();
    if (parent == null || name == null) {
      throw new IllegalArgumentException("refusing to delete the file-system root " + root);
    }
    BasicFileAttributes attributes;
    try {
      attributes =
          Files.readAttributes(absolute, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (!attributes.isDirectory()) {
      Files.deleteIfExists(absolute);
      return;
    }
    try (DirectoryStream<Path> parentStream = Files.newDirectoryStream(parent)) {
      if (parentStream instanceof SecureDirectoryStream) {
        new Deletion((SecureDirectoryStream<Path>) parentStream, name, absolute).run();
        return;
      }
    }
    walkAndDelete(absolute);
  }

  /**
   * Moves {@code root} as a whole (one rename) into {@code quarantineDirectory}, named {@code <UTC
   * timestamp>-<name>}, creating that directory if needed.
   *
   * @param root the tree to move
   * @param quarantineDirectory where to move it, on the same file system
   * @return where {@code root} is now
   * @throws IOException if it cannot be moved (for example because the quarantine directory is on
   *     another file system)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code root} is a file-system root
   */
  public static Path quarantine(Path root, Path quarantineDirectory) throws IOException {
    Objects.requireNonNull(root, "root cannot be null");
    Objects.requireNonNull(quarantineDirectory, "quarantineDirectory cannot be null");
    Path name = root.toAbsolutePath().getFileName();
    if (name == null) {
      throw new IllegalArgumentException("refusing to move the file-system root " + root);
    }
    Files.createDirectories(quarantineDirectory);
    String stem = QUARANTINE_STAMP.format(Instant.now()) + "-" + name;
    for (int attempt = 0; ; attempt++) {
      Path target = quarantineDirectory.resolve(attempt == 0 ? stem : stem + "-" + attempt);
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        // A rename, never a copy: ATOMIC_MOVE fails rather than copy a tree across file systems.
        Files.move(root, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        if (attempt >= 100) {
          throw e;
        }
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "cannot move "
                + root
                + " into "
                + quarantineDirectory
                + ": not on the same file system",
            e);
      }
    }
  }

  /**
   * {@linkplain #deleteRecursively Deletes} {@code root}; if that fails, {@linkplain #quarantine
   * moves} what is left of it into {@code quarantineDirectory}.
   *
   * @param root the tree to delete
   * @param quarantineDirectory where to move what is left of it, on the same file system
   * @return empty when {@code root} was deleted (or did not exist); where it is now when it was
   *     moved aside
   * @throws IOException if it could neither be deleted nor moved (the failure to move is suppressed
   *     in it)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code root} is a file-system root
   */
  public static Optional<Path> deleteOrQuarantine(Path root, Path quarantineDirectory)
      throws IOException {
    Objects.requireNonNull(quarantineDirectory, "quarantineDirectory cannot be null");
    try {
      deleteRecursively(root);
      return Optional.empty();
    } catch (IOException deletion) {
      try {
        return Optional.of(quarantine(root, quarantineDirectory));
      } catch (IOException move) {
        deletion.addSuppressed(move);
        throw deletion;
      }
    }
  }

  /** One deletion of one tree: its root's parent, kept open, and the root's name in it. */
  private static final class Deletion {
    private final SecureDirectoryStream<Path> parent;
    private final Path name;
    private final Path root;
    private final List<IOException> failures = new ArrayList<>();
    private int failureCount;
    private long hoisted;

    Deletion(SecureDirectoryStream<Path> parent, Path name, Path root) {
      this.parent = parent;
      this.name = name;
      this.root = root;
    }

    void run() throws IOException {
      for (int round = 1; ; round++) {
        failures.clear();
        failureCount = 0;
        try {
          makeOwnerWritable(parent, name);
          try (SecureDirectoryStream<Path> top =
              parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            empty(top);
          }
          parent.deleteDirectory(name);
          return;
        } catch (NoSuchFileException e) {
          return;
        } catch (DirectoryNotEmptyException e) {
          // Something is left: an entry that failed, or one created meanwhile. List the root again.
          if (round >= ROUNDS) {
            throw failure();
          }
        }
      }
    }

    /** Deletes every entry of {@code top}, one level at a time; records failures and goes on. */
    private void empty(SecureDirectoryStream<Path> top) {
      Deque<Path> pending = new ArrayDeque<>();
      try {
        for (Path entry : top) {
          pending.push(entry.getFileName());
        }
      } catch (DirectoryIteratorException e) {
        // What was listed is deleted; the root's deletion then fails and the next round lists it
        // again.
        record(
            Objects.requireNonNull(e.getCause())); // never null: its constructor requires a cause
      }
      while (!pending.isEmpty()) {
        Path entry = pending.pop();
        try {
          deleteEntry(top, entry, pending);
        } catch (NoSuchFileException e) {
          // Gone already.
        } catch (IOException e) {
          record(e);
        } catch (DirectoryIteratorException e) {
          record(
              Objects.requireNonNull(e.getCause())); // never null: its constructor requires a cause
        }
      }
    }

    /**
     * Remembers a failure and goes on: one entry that cannot be deleted must not keep the others.
     */
    private void record(IOException e) {
      failureCount++;
      if (failures.size() < FAILURES_NAMED) {
        failures.add(e);
      }
    }

    /**
     * Deletes the entry {@code entry} of {@code top}. A directory's files are deleted and its
     * subdirectories moved up into {@code top} (and onto {@code pending}), so that nothing below
     * {@code top} is ever more than two levels deep.
     */
    private void deleteEntry(SecureDirectoryStream<Path> top, Path entry, Deque<Path> pending)
        throws IOException {
      if (!isDirectory(top, entry)) {
        top.deleteFile(entry);
        return;
      }
      makeOwnerWritable(top, entry);
      try (SecureDirectoryStream<Path> directory =
          top.newDirectoryStream(entry, LinkOption.NOFOLLOW_LINKS)) {
        for (Path path : directory) {
          Path child = path.getFileName();
          if (isDirectory(directory, child)) {
            // Moving a directory to another parent rewrites its ".." entry: it must be writable.
            makeOwnerWritable(directory, child);
            Path fresh = freshName(top);
            directory.move(child, top, fresh);
            pending.push(fresh);
          } else {
            directory.deleteFile(child);
          }
        }
      }
      top.deleteDirectory(entry);
    }

    private Path freshName(SecureDirectoryStream<Path> top) throws IOException {
      while (true) {
        Path candidate = Path.of(".openswarm-deleting-" + hoisted++);
        try {
          top.getFileAttributeView(
                  candidate, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .readAttributes();
        } catch (NoSuchFileException e) {
          return candidate;
        }
      }
    }

    private IOException failure() {
      String first =
          failures.isEmpty()
              ? "entries appeared while it was being deleted"
              : failures.get(0).toString();
      IOException failure =
          new IOException(
              "could not delete "
                  + root
                  + ": "
                  + failureCount
                  + " entr"
                  + (failureCount == 1 ? "y" : "ies")
                  + " could not be deleted; first: "
                  + first,
              failures.isEmpty() ? null : failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      return failure;
    }
  }

  private static boolean isDirectory(SecureDirectoryStream<Path> directory, Path entry)
      throws IOException {
    return directory
        .getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .readAttributes()
        .isDirectory();
  }

  /**
   * Adds the owner's read, write and search permissions to a directory that lacks one; never
   * follows a link.
   */
  private static void makeOwnerWritable(SecureDirectoryStream<Path> directory, Path entry)
      throws IOException {
    PosixFileAttributeView view =
        directory.getFileAttributeView(
            entry, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    permissions.addAll(view.readAttributes().permissions());
    if (permissions.addAll(OWNER_ALL)) {
      view.setPermissions(permissions);
    }
  }

  /**
   * The path-based deletion for platforms without {@link SecureDirectoryStream}: limited to {@code
   * PATH_MAX}.
   */
  private static void walkAndDelete(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            PosixFileAttributeView view =
                Files.getFileAttributeView(
                    dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
              Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
              permissions.addAll(view.readAttributes().permissions());
              if (permissions.addAll(OWNER_ALL)) {
                view.setPermissions(permissions);
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
