package io.openswarm.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Directory trees deeper than the kernel's path limit, as a hostile cell can make them. */
public final class DeepTrees {

  /**
   * Levels of the trees the tests make: 40 levels of 200 characters, paths of 8,000 bytes, twice
   * PATH_MAX.
   */
  public static final int DEPTH = 40;

  private DeepTrees() {}

  /**
   * Builds {@link #DEPTH} nested directories of 200-character names under {@code parent/name}, with
   * a file at the bottom. A cell builds such a tree top-down with relative paths; here it is built
   * bottom-up with renames of short paths, since no path-based call can reach its bottom.
   */
  public static Path create(Path parent, String name) throws IOException {
    Path top = Files.createDirectory(parent.resolve(name));
    Files.writeString(top.resolve("leaf.txt"), "bottom");
    Path staging = parent.resolve(name + ".staging");
    String segment = "d".repeat(200);
    for (int level = 1; level < DEPTH; level++) {
      Files.createDirectory(staging);
      Files.move(top, staging.resolve(segment));
      Files.move(staging, top);
    }
    return top;
  }
}
