package io.openswarm.infra.worktree.internal;

import io.openswarm.core.worktree.WorktreeChanges.ChangedFile.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One {@code git status --porcelain=v2 -z --branch} of a worktree, parsed: the branch checked out,
 * the commit {@code HEAD} names and every entry. A single status answers what used to take several
 * processes (which branch, what changed, is anything left to stage), and its format is git's stable
 * machine-readable one.
 *
 * <p>The format (git-status(1), "Porcelain Format Version 2"): header lines {@code # branch.oid
 * <sha>} and {@code # branch.head <name>}; changed entries {@code 1 XY sub mH mI mW hH hI path},
 * renamed or copied entries {@code 2 XY sub mH mI mW hH hI Xscore path} followed by the original
 * path as a field of its own, unmerged entries {@code u XY sub m1 m2 m3 mW h1 h2 h3 path},
 * untracked {@code ? path} and ignored {@code ! path}. With {@code -z} paths are verbatim and
 * fields end with NUL. {@code X} compares the index with {@code HEAD}, {@code Y} the working tree
 * with the index; {@code .} means unchanged.
 *
 * <p>Immutable and thread-safe.
 */
public final class WorktreeStatus {

  /** The options that make git print what {@link #parse} reads; the caller adds what to include. */
  public static final List<String> ARGS =
      List.of(
          "status",
          "--porcelain=v2",
          "-z",
          "--branch",
          "--no-renames",
          "--ignore-submodules=dirty");

  private final @Nullable String branch;
  private final @Nullable String headCommit;
  private final List<Entry> entries;

  private WorktreeStatus(
      @Nullable String branch, @Nullable String headCommit, List<Entry> entries) {
    this.branch = branch;
    this.headCommit = headCommit;
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses the output of {@code git status --porcelain=v2 -z --branch}.
   *
   * @throws IllegalArgumentException if a field is not in the documented format
   */
  public static WorktreeStatus parse(String output) {
    String branch = null;
    String headCommit = null;
    List<Entry> entries = new ArrayList<>();
    String[] fields = output.split("\0");
    for (int i = 0; i < fields.length; i++) {
      String field = fields[i];
      if (field.isEmpty()) {
        continue;
      }
      char kind = field.charAt(0);
      switch (kind) {
        case '#':
          if (field.startsWith("# branch.head ")) {
            String name = field.substring("# branch.head ".length());
            branch = name.equals("(detached)") ? null : name;
          } else if (field.startsWith("# branch.oid ")) {
            String oid = field.substring("# branch.oid ".length());
            headCommit = oid.equals("(initial)") ? null : oid;
          }
          break;
        case '1':
          entries.add(changed(field, 9, kind));
          break;
        case '2':
          entries.add(changed(field, 10, kind));
          i++; // the original path, a field of its own
          break;
        case 'u':
          entries.add(changed(field, 11, kind));
          break;
        case '?':
        case '!':
          entries.add(new Entry(kind, '?', '?', "N...", field.substring(2)));
          break;
        default:
          throw new IllegalArgumentException("unknown git status entry \"" + field + "\"");
      }
    }
    return new WorktreeStatus(branch, headCommit, entries);
  }

  private static Entry changed(String field, int count, char kind) {
    String[] parts = field.split(" ", count);
    if (parts.length != count || parts[1].length() != 2) {
      throw new IllegalArgumentException("malformed git status entry \"" + field + "\"");
    }
    return new Entry(kind, parts[1].charAt(0), parts[1].charAt(1), parts[2], parts[count - 1]);
  }

  /** The short name of the branch checked out; empty when {@code HEAD} is detached. */
  public Optional<String> branch() {
    return Optional.ofNullable(branch);
  }

  /** The commit {@code HEAD} points at; empty on an unborn branch. */
  public Optional<String> headCommit() {
    return Optional.ofNullable(headCommit);
  }

  /** Every entry, in git's order. */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * Whether {@code git add --all} would stage anything: an untracked file, a change in the working
   * tree (except changes inside a submodule that leave its commit alone, which only the submodule
   * can commit), or a change already staged.
   */
  public boolean hasChangesToStage() {
    for (Entry entry : entries) {
      if (entry.kind() == '?') {
        return true;
      }
      if (entry.kind() == '!') {
        continue;
      }
      boolean submoduleContentOnly =
          entry.submodule().startsWith("S") && entry.submodule().charAt(1) == '.';
      if (entry.x() != '.' || (entry.y() != '.' && !submoduleContentOnly)) {
        return true;
      }
    }
    return false;
  }

  /**
   * What differs between {@code HEAD} and the working tree (committed state against the files on
   * disk, untracked files included, ignored ones not), by path; empty when the status cannot tell
   * exactly: an entry changed both in the index and again in the working tree (it may be back to
   * {@code HEAD}'s content), an unmerged, renamed or otherwise unusual entry. Callers then ask
   * {@code git diff} instead.
   */
  public Optional<Map<String, Change>> changesFromHead() {
    Map<String, Change> changes = new TreeMap<>();
    for (Entry entry : entries) {
      Change change;
      switch (entry.kind()) {
        case '!':
          continue;
        case '?':
          change = Change.ADDED;
          break;
        case '1':
          {
            char x = entry.x();
            char y = entry.y();
            if (x == 'A') {
              if (y == 'D') {
                continue; // staged as new, then deleted: neither in HEAD nor on disk
              }
              if (y != '.' && y != 'M' && y != 'T') {
                return Optional.empty();
              }
              change = Change.ADDED;
            } else if (x == 'D') {
              if (y != '.') {
                return Optional.empty();
              }
              change = Change.DELETED;
            } else if (x == '.' || x == 'M' || x == 'T') {
              if (y == 'D') {
                change = Change.DELETED;
              } else if (x != '.' && (y == 'M' || y == 'T')) {
                return Optional.empty();
              } else if (x != '.' || y == 'M' || y == 'T') {
                change = Change.MODIFIED;
              } else {
                return Optional.empty();
              }
            } else {
              return Optional.empty();
            }
            break;
          }
        default:
          return Optional.empty();
      }
      // A path deleted from the index and present again on disk is both: git diff calls that a
      // modification.
      changes.merge(entry.path(), change, (before, after) -> Change.MODIFIED);
    }
    return Optional.of(changes);
  }

  /**
   * One entry of the status.
   *
   * @param kind {@code 1} changed, {@code 2} renamed or copied, {@code u} unmerged, {@code ?}
   *     untracked, {@code !} ignored
   * @param x the index compared with {@code HEAD} ({@code ?} for untracked and ignored entries)
   * @param y the working tree compared with the index ({@code ?} for untracked and ignored entries)
   * @param submodule {@code N...} for a file, {@code S<c><m><u>} for a submodule
   * @param path the path, relative to the worktree's top
   */
  public record Entry(char kind, char x, char y, String submodule, String path) {}
}
