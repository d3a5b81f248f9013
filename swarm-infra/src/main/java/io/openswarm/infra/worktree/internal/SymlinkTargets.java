package io.openswarm.infra.worktree.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Decides whether a symbolic link stored in a repository leads out of the repository's top folder.
 *
 * <p>The decision is lexical, on the link's path inside the repository and its target as stored: an
 * absolute target, or a relative one whose {@code ..} components climb above the top folder,
 * escapes. Lexical is the safe side: when every link of a tree stays lexically inside, following
 * them one after another stays inside too, and a target that only stays inside because another link
 * redirects it is refused even if harmless.
 *
 * <p>Stateless and thread-safe.
 */
public final class SymlinkTargets {

  private SymlinkTargets() {}

  /**
   * Whether the link at {@code linkPath} (relative to the top folder, {@code /}-separated as git
   * prints it) with the stored {@code target} leads outside the top folder.
   */
  public static boolean escapes(String linkPath, String target) {
    if (target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
      return true;
    }
    Deque<String> parts = new ArrayDeque<>();
    String[] link = linkPath.split("/");
    for (int i = 0; i < link.length - 1; i++) {
      if (!link[i].isEmpty() && !link[i].equals(".")) {
        parts.addLast(link[i]);
      }
    }
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return true;
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return false;
  }
}
