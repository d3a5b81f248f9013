package io.openswarm.core.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Directory trees deeper than the kernel's path limit, as a hostile cell can make them. */
public final class DeepTrees {

  private DeepTrees() {}

  /**
   * Builds {@code depth} nested directories of {@code nameLength}-character names under {@code
   * parent/name}, with a file at the bottom. A cell builds such a tree top-down with relative
   * paths; here it is built bottom-up with renames of short paths, since no path-based call can
   * reach its bottom.
   */
  public static Path create(Path parent, String name, int depth, int nameLength)
      throws IOException {
    Path top = Files.createDirectory(parent.resolve(name));
    Files.writeString(top.resolve("leaf.txt"), "bottom");
    Path staging = parent.resolve(name + ".staging");
    String segment = "d".repeat(nameLength);
    for (int level = 1; level < depth; level++) {
      Files.createDirectory(staging);
      Files.move(top, staging.resolve(segment));
      Files.move(staging, top);
    }
    return top;
  }
}
