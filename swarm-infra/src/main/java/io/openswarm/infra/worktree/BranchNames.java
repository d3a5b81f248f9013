package io.openswarm.infra.worktree;

import java.util.Optional;

/**
 * Git's branch-name rules ({@code git check-ref-format --branch}), in Java, so that options can be
 * validated when they are built, before any git process runs. The pool asks git itself about the
 * prefix when it starts, and then checks each cell's full branch name with these rules only: a cell
 * id adds nothing but {@code [A-Za-z0-9._-]}, for which they are exact ({@code BranchNamesTest}
 * compares them with git), and an acquire saves a git process. The {@code git checkout -b} that
 * creates the branch applies git's rules again.
 */
final class BranchNames {

  private BranchNames() {}

  /**
   * Checks that {@code prefix} followed by a cell id can form a branch name.
   *
   * @throws IllegalArgumentException if it cannot, naming the rule
   */
  static void checkPrefix(String prefix) {
    problem(prefix + "x")
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(
                  "branchPrefix \"" + prefix + "\" cannot start a git branch name: " + problem);
            });
  }

  /** Why {@code name} is not a valid branch name, or empty when it is. */
  static Optional<String> problem(String name) {
    if (name.startsWith("-")) {
      return Optional.of("it must not start with '-'");
    }
    if (name.equals("HEAD") || name.equals("@")) {
      return Optional.of("it must not be \"" + name + "\"");
    }
    if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
      return Optional.of("it must not start or end with '/' or contain \"//\"");
    }
    if (name.endsWith(".")) {
      return Optional.of("it must not end with '.'");
    }
    if (name.contains("..") || name.contains("@{")) {
      return Optional.of("it must not contain \"..\" or \"@{\"");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || " ~^:?*[\\".indexOf(c) >= 0) {
        return Optional.of("it must not contain control characters, spaces or any of ~^:?*[\\");
      }
    }
    for (String component : name.split("/")) {
      if (component.startsWith(".") || component.endsWith(".lock")) {
        return Optional.of("no part between slashes may start with '.' or end with \".lock\"");
      }
    }
    return Optional.empty();
  }
}
