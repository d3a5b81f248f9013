package io.openswarm.infra.history.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Copies a folder a cell controls (a report folder in its worktree, the logs in its state folder)
 * into a folder only the worker writes, without ever following a symbolic link and within a budget.
 *
 * <p>Why: the worker copies with its own user and file system, outside the sandbox, while the cell
 * chose what lies at the source. A link at {@code target/surefire-reports} (or at {@code target},
 * or inside the folder) to the user's {@code ~/.ssh} must not bring the user's keys into the
 * history. So the source is reached from an anchor the cell cannot replace (the worktree's or the
 * state folder's top) one folder at a time, each opened relative to its parent with {@code
 * O_NOFOLLOW} ({@link SecureDirectoryStream}); every entry is examined without following links;
 * only folders and regular files are copied, and links, pipes, sockets and devices are left out and
 * listed. A regular file is opened read-write without following links, so that a pipe swapped in
 * after the check never blocks the copy (Linux opens a pipe read-write at once), and no more than
 * the size the open file reports is read. The budget bounds the bytes, the entries and the depth;
 * what is over it is left out and reported.
 *
 * <p>The destination is built from names read from the source folder, which never hold {@code /},
 * {@code .} or {@code ..}; it is created fresh ({@code CREATE_NEW}), so nothing is written outside
 * it.
 *
 * <p>Not thread-safe per budget; the class itself is stateless.
 */
public final class NoFollowTreeCopy {

  /** How deep a copied tree may go. */
  public static final int MAX_DEPTH = 32;

  private static final Set<OpenOption> READ_NO_FOLLOW =
      Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  private static final int MAX_NOTES = 20;

  private NoFollowTreeCopy() {}

  /** What a copy may still take, and what it left out. Not thread-safe. */
  public static final class Budget {
    private long bytes;
    private int entries;
    private long copiedBytes;
    private boolean truncated;
    private final List<String> leftOut = new ArrayList<>();

    /**
     * @param maxBytes the most bytes copied in all
     * @param maxEntries the most files and folders copied in all
     */
    public Budget(long maxBytes, int maxEntries) {
      this.bytes = maxBytes;
      this.entries = maxEntries;
    }

    /** The bytes copied so far. */
    public long copiedBytes() {
      return copiedBytes;
    }

    /** Whether something was left out because the budget ran out. */
    public boolean truncated() {
      return truncated;
    }

    /** What was left out and why, one line each (the first few). */
    public List<String> leftOut() {
      return List.copyOf(leftOut);
    }

    void note(String what) {
      if (leftOut.size() < MAX_NOTES) {
        leftOut.add(what);
      }
    }
  }

  /**
   * Copies the folder {@code relative} below {@code anchor} to {@code target}, which must not exist
   * yet. Does nothing when the source does not exist; leaves it out (with a note) when it, or a
   * folder on the way, is not a folder.
   *
   * @throws IOException if the anchor cannot be opened, the platform has no {@code openat}, or the
   *     destination cannot be written
   */
  public static void copy(Path anchor, Path relative, Path target, Budget budget)
      throws IOException {
    Objects.requireNonNull(anchor, "anchor cannot be null");
    Objects.requireNonNull(relative, "relative cannot be null");
    Objects.requireNonNull(target, "target cannot be null");
    Objects.requireNonNull(budget, "budget cannot be null");
    if (relative.isAbsolute()
        || relative.normalize().startsWith("..")
        || relative.toString().isEmpty()) {
      throw new IllegalArgumentException(
          "relative must be a path inside the anchor but was " + relative);
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(anchor)) {
      if (!(stream instanceof SecureDirectoryStream)) {
        throw new IOException(
            "this platform cannot open folders without following links; not copying " + relative);
      }
      List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
      try {
        SecureDirectoryStream<Path> folder = (SecureDirectoryStream<Path>) stream;
        for (Path part : relative) {
          BasicFileAttributes attributes;
          try {
            attributes = attributesOf(folder, part);
          } catch (NoSuchFileException e) {
            return;
          }
          if (!attributes.isDirectory()) {
            budget.note(
                relative + ": " + kind(attributes) + " at " + part + ", not a folder; left out");
            return;
          }
          folder = folder.newDirectoryStream(part, LinkOption.NOFOLLOW_LINKS);
          opened.add(folder);
        }
        Files.createDirectories(target.getParent());
        Files.createDirectory(target);
        copyFolder(folder, target, relative.toString(), 1, budget);
      } finally {
        for (SecureDirectoryStream<Path> each : opened) {
          each.close();
        }
      }
    }
  }

  private static void copyFolder(
      SecureDirectoryStream<Path> folder, Path target, String shown, int depth, Budget budget)
      throws IOException {
    for (Path entry : folder) {
      Path name = entry.getFileName();
      String text = name.toString();
      if (text.isEmpty() || text.equals(".") || text.equals("..") || text.indexOf('/') >= 0) {
        continue;
      }
      String path = shown + "/" + text;
      if (budget.entries <= 0) {
        budget.truncated = true;
        budget.note(path + " and what follows: over the entry limit; left out");
        return;
      }
      BasicFileAttributes attributes;
      try {
        attributes = attributesOf(folder, name);
      } catch (NoSuchFileException e) {
        continue;
      }
      if (attributes.isDirectory()) {
        if (depth >= MAX_DEPTH) {
          budget.note(path + ": deeper than " + MAX_DEPTH + " folders; left out");
          continue;
        }
        budget.entries--;
        try (SecureDirectoryStream<Path> child =
            folder.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          Path destination = target.resolve(text);
          Files.createDirectory(destination);
          copyFolder(child, destination, path, depth + 1, budget);
        } catch (IOException e) {
          budget.note(
              path + ": could not be read (" + e.getClass().getSimpleName() + "); left out");
        }
      } else if (attributes.isRegularFile()) {
        budget.entries--;
        copyFile(folder, name, target.resolve(text), path, budget);
      } else {
        budget.note(path + ": " + kind(attributes) + "; left out");
      }
    }
  }

  private static void copyFile(
      SecureDirectoryStream<Path> folder, Path name, Path destination, String shown, Budget budget)
      throws IOException {
    SeekableByteChannel in;
    try {
      in = folder.newByteChannel(name, READ_NO_FOLLOW);
    } catch (IOException e) {
      // A link swapped in after the check (ELOOP), a folder (EISDIR), a file the worker may not
      // open.
      budget.note(
          shown
              + ": could not be opened without following links ("
              + e.getClass().getSimpleName()
              + "); left out");
      return;
    }
    try (in;
        SeekableByteChannel out =
            Files.newByteChannel(
                destination, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long size = in.size();
      long allowed = Math.min(size, budget.bytes);
      if (allowed < size) {
        budget.truncated = true;
        budget.note(
            shown
                + ": cut at "
                + allowed
                + " of "
                + size
                + " bytes (over the history's limit per run)");
      }
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      long copied = 0;
      while (copied < allowed) {
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), allowed - copied));
        int read = in.read(buffer);
        if (read < 0) {
          break;
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        copied += read;
      }
      budget.bytes -= copied;
      budget.copiedBytes += copied;
    }
  }

  private static BasicFileAttributes attributesOf(SecureDirectoryStream<Path> folder, Path name)
      throws IOException {
    return folder
        .getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .readAttributes();
  }

  private static String kind(BasicFileAttributes attributes) {
    if (attributes.isSymbolicLink()) {
      return "a symbolic link";
    }
    if (attributes.isRegularFile()) {
      return "a file";
    }
    return attributes.isDirectory() ? "a folder" : "a pipe, socket or device";
  }
}
