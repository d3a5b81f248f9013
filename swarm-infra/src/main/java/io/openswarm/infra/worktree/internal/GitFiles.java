package io.openswarm.infra.worktree.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.InflaterInputStream;

/**
 * Reads the few facts a cell's git steps need straight from git's files, where asking git would
 * cost a process each (2 to 3 ms, a good part of a whole cell): which branch a worktree has checked
 * out, where a branch points, and whether a commit descends from another.
 *
 * <h2>Only a fast path</h2>
 *
 * Every method answers from the plain forms git itself writes, and only from them: a linked
 * worktree's {@code .git} file and {@code commondir}, a symbolic {@code HEAD}, a loose ref, a loose
 * commit object. For anything else (packed refs, the reftable backend, packed or borrowed objects,
 * a file that cannot be read) it answers "unknown" (an empty {@link Optional}, or {@code false}
 * where only a proof counts), and the caller asks git. An answer it does give is the one git would
 * give:
 *
 * <ul>
 *   <li>with the files backend, a loose ref overrides any {@code packed-refs} entry, and git
 *       replaces ref files atomically (a lock file renamed over the old one), so one read sees one
 *       whole value;
 *   <li>a repository with a {@code reftable} directory keeps its refs there and leaves only stubs
 *       in the old places, so nothing is read from those;
 *   <li>objects never change, so a loose commit's parents are its parents for good.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class GitFiles {

  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
  private static final String SYMBOLIC_PREFIX = "ref: refs/heads/";
  private static final String GITDIR_PREFIX = "gitdir: ";

  /** How much of a loose commit is inflated: its tree and parent lines fit in far less. */
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private GitFiles() {}

  /**
   * The git directory of the worktree at {@code worktree}: what its {@code .git} file points at (a
   * linked worktree), or its {@code .git} directory (a main working tree).
   */
  public static Optional<Path> gitDir(Path worktree) {
    Path dotGit = worktree.resolve(".git");
    if (Files.isDirectory(dotGit, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(dotGit);
    }
    return readLine(dotGit)
        .filter(line -> line.startsWith(GITDIR_PREFIX) && line.length() > GITDIR_PREFIX.length())
        .map(line -> worktree.resolve(line.substring(GITDIR_PREFIX.length())).normalize())
        .filter(Files::isDirectory);
  }

  /**
   * The common git directory (shared by all worktrees) of the worktree whose git directory is
   * {@code gitDir}: what its {@code commondir} file names, or {@code gitDir} itself when there is
   * none (a main working tree).
   */
  public static Optional<Path> commonDir(Path gitDir) {
    Path file = gitDir.resolve("commondir");
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(gitDir);
    }
    return readLine(file)
        .filter(line -> !line.isEmpty())
        .map(line -> gitDir.resolve(line).normalize())
        .filter(Files::isDirectory);
  }

  /**
   * The branch (without {@code refs/heads/}) checked out in the worktree whose git directory is
   * {@code gitDir}.
   */
  public static Optional<String> headBranch(Path gitDir, Path commonDir) {
    if (usesReftable(commonDir)) {
      return Optional.empty();
    }
    return readLine(gitDir.resolve("HEAD"))
        .filter(
            line -> line.startsWith(SYMBOLIC_PREFIX) && line.length() > SYMBOLIC_PREFIX.length())
        .map(line -> line.substring(SYMBOLIC_PREFIX.length()));
  }

  /**
   * The commit a loose ref points at.
   *
   * @param ref the full name, such as {@code refs/heads/swarm/cell-1}
   */
  public static Optional<String> looseRef(Path commonDir, String ref) {
    if (!ref.startsWith("refs/")
        || ref.contains("..")
        || ref.contains("//")
        || ref.endsWith("/")
        || usesReftable(commonDir)) {
      return Optional.empty();
    }
    return readLine(commonDir.resolve(ref)).filter(value -> SHA.matcher(value).matches());
  }

  /**
   * Whether {@code tip} is proven to descend from {@code ancestor} (and differ from it) by loose
   * commits alone: a search through the parents of at most {@code limit} loose commits. False means
   * "not proven", not "no": a packed commit on the way ends the search.
   */
  public static boolean provenDescendant(Path commonDir, String tip, String ancestor, int limit) {
    if (tip.equals(ancestor) || !SHA.matcher(tip).matches() || !SHA.matcher(ancestor).matches()) {
      return false;
    }
    Deque<String> next = new ArrayDeque<>(List.of(tip));
    Set<String> seen = new HashSet<>(next);
    int read = 0;
    while (!next.isEmpty() && read < limit) {
      Optional<List<String>> parents = looseCommitParents(commonDir, next.removeFirst());
      read++;
      if (parents.isEmpty()) {
        return false;
      }
      for (String parent : parents.get()) {
        if (parent.equals(ancestor)) {
          return true;
        }
        if (seen.add(parent)) {
          next.addLast(parent);
        }
      }
    }
    return false;
  }

  /**
   * The parents of a commit stored as a loose object, in order; empty when it is not loose or not a
   * commit.
   */
  static Optional<List<String>> looseCommitParents(Path commonDir, String sha) {
    if (!SHA.matcher(sha).matches()) {
      return Optional.empty();
    }
    Path object =
        commonDir.resolve("objects").resolve(sha.substring(0, 2)).resolve(sha.substring(2));
    byte[] header;
    try (InputStream in = new InflaterInputStream(Files.newInputStream(object))) {
      // A commit's header comes first and is small; a cut-off last line is handled by the parse
      // below.
      header = in.readNBytes(MAX_HEADER_BYTES);
    } catch (IOException e) {
      // Not loose (packed, or in an alternate store), or unreadable: git knows.
      return Optional.empty();
    }
    if (header.length == 0) {
      return Optional.empty();
    }
    String text = new String(header, StandardCharsets.ISO_8859_1);
    int nul = text.indexOf('\0');
    if (nul < 0 || !text.startsWith("commit ")) {
      return Optional.empty();
    }
    String[] lines = text.substring(nul + 1).split("\n", -1);
    if (lines.length < 2 || !lines[0].startsWith("tree ")) {
      return Optional.empty();
    }
    List<String> parents = new ArrayList<>(2);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (!line.startsWith("parent ")) {
        // The parent lines come right after the tree line; the next header ends them. A line cut
        // off by the end of
        // what was read could be a parent, so only a complete following line counts.
        return i < lines.length - 1 ? Optional.of(parents) : Optional.empty();
      }
      String parent = line.substring("parent ".length());
      if (!SHA.matcher(parent).matches()) {
        return Optional.empty();
      }
      parents.add(parent);
    }
    return Optional.empty();
  }

  private static boolean usesReftable(Path commonDir) {
    return Files.exists(commonDir.resolve("reftable"), LinkOption.NOFOLLOW_LINKS);
  }

  /** The first line of a small file without its line ending, or empty if it cannot be read. */
  private static Optional<String> readLine(Path file) {
    try {
      String content = Files.readString(file, StandardCharsets.UTF_8);
      int end = content.indexOf('\n');
      String line = end < 0 ? content : content.substring(0, end);
      return Optional.of(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    } catch (IOException | RuntimeException e) {
      // Missing, a directory, being replaced, not UTF-8: the caller asks git.
      return Optional.empty();
    }
  }
}
