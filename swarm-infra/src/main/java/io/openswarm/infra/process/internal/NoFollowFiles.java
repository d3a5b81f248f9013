package io.openswarm.infra.process.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes files for a cell from outside its sandbox without ever following a symbolic link.
 *
 * <p>Why: logs and prompt files live in the cell's state folder, which the cell's own (sandboxed)
 * processes can write, while this JVM writes them with the worker's user and file system. A symlink
 * planted at the file's path or at its folder (say, {@code prompt-2.txt} pointing at the
 * repository's {@code post-commit} hook) must not redirect that write. So the folder is opened once
 * and checked to be the very directory at that path (not a link), and the old file is removed and
 * the new one created exclusively relative to that open folder ({@code unlinkat}, {@code openat}
 * with {@code O_EXCL}). A concurrent swap makes creation fail instead of writing elsewhere.
 *
 * <p>Stateless and thread-safe.
 */
public final class NoFollowFiles {

  private NoFollowFiles() {}

  /**
   * Replaces {@code file} with a new, empty file readable and writable by its owner only, and opens
   * it for writing.
   *
   * @throws IllegalArgumentException if {@code file} has no parent folder (a bare name or the root)
   * @throws IOException if the folder or the file is (or becomes) a symbolic link, or creation
   *     fails
   */
  public static OutputStream createNew(Path file) throws IOException {
    Path dir = file.getParent();
    Path name = file.getFileName();
    if (dir == null || name == null) {
      throw new IllegalArgumentException("file must name a file inside a folder, was " + file);
    }
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] ownerOnly = {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
    };
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      if (!(stream instanceof SecureDirectoryStream)) {
        // No openat on this platform: refuse links at the last two levels and create exclusively.
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException("refusing to write " + name + " through the symbolic link " + dir);
        }
        Files.deleteIfExists(file);
        return Channels.newOutputStream(newChannel(file, options, ownerOnly));
      }
      SecureDirectoryStream<Path> folder = (SecureDirectoryStream<Path>) stream;
      Object opened =
          folder.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
      BasicFileAttributes atPath =
          Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!atPath.isDirectory() || opened == null || !opened.equals(atPath.fileKey())) {
        throw new IOException("refusing to write " + name + " through the symbolic link " + dir);
      }
      try {
        folder.deleteFile(name);
      } catch (NoSuchFileException e) {
        // Nothing to replace.
      }
      SeekableByteChannel channel;
      try {
        channel = folder.newByteChannel(name, options, ownerOnly);
      } catch (UnsupportedOperationException e) {
        channel = folder.newByteChannel(name, options);
      }
      return Channels.newOutputStream(channel);
    }
  }

  /**
   * Replaces {@code file} with a new file holding {@code text} in UTF-8, owner-only, where {@code
   * file} lies below {@code anchor}, a folder the cell cannot replace: every folder between them is
   * opened relative to its parent without following links ({@code openat} with {@code O_NOFOLLOW}),
   * so a cell that swapped one of them for a link makes the write fail instead of redirecting it.
   *
   * @throws IllegalArgumentException if {@code file} does not lie below {@code anchor}
   * @throws IOException if a folder on the way or the file is (or becomes) a symbolic link, or
   *     writing fails
   */
  public static void writeNew(Path anchor, Path file, String text) throws IOException {
    writeNew(anchor, file, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code file} with a new owner-only file holding {@code bytes}, like {@link
   * #writeNew(Path, Path, String)}.
   *
   * @throws IllegalArgumentException if {@code file} does not lie below {@code anchor}
   * @throws IOException if a folder on the way or the file is (or becomes) a symbolic link, or
   *     writing fails
   */
  public static void writeNew(Path anchor, Path file, byte[] bytes) throws IOException {
    Path relative = anchor.relativize(file);
    if (!file.normalize().startsWith(anchor.normalize())
        || relative.getNameCount() < 1
        || relative.toString().isEmpty()) {
      throw new IllegalArgumentException(file + " does not lie below " + anchor);
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(anchor)) {
      if (!(stream instanceof SecureDirectoryStream)) {
        try (OutputStream out = createNew(file)) {
          out.write(bytes);
        }
        return;
      }
      SecureDirectoryStream<Path> folder = (SecureDirectoryStream<Path>) stream;
      java.util.List<SecureDirectoryStream<Path>> opened = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
          folder = folder.newDirectoryStream(relative.getName(i), LinkOption.NOFOLLOW_LINKS);
          opened.add(folder);
        }
        Path name = relative.getFileName();
        try {
          folder.deleteFile(name);
        } catch (NoSuchFileException e) {
          // Nothing to replace.
        }
        // CREATE_NEW is O_CREAT|O_EXCL, which never follows a link at the last component.
        Set<StandardOpenOption> options =
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        SeekableByteChannel channel;
        try {
          channel =
              folder.newByteChannel(
                  name,
                  options,
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          channel = folder.newByteChannel(name, options);
        }
        try (OutputStream out = Channels.newOutputStream(channel)) {
          out.write(bytes);
        }
      } finally {
        for (SecureDirectoryStream<Path> each : opened) {
          each.close();
        }
      }
    }
  }

  private static SeekableByteChannel newChannel(
      Path file, Set<StandardOpenOption> options, FileAttribute<?>[] attributes)
      throws IOException {
    try {
      return Files.newByteChannel(file, options, attributes);
    } catch (UnsupportedOperationException e) {
      return Files.newByteChannel(file, options);
    }
  }
}
