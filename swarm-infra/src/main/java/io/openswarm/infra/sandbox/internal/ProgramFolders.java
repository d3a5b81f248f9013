package io.openswarm.infra.sandbox.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The folders a program started by its absolute path needs to be visible inside a sandbox: its own
 * folder, the folder its links lead to, and, for a launcher inside {@code node_modules} (npm's bin
 * links), that whole package tree. One rule for the sandbox that binds them and for the probe that
 * checks what cells will see.
 */
public final class ProgramFolders {

  private ProgramFolders() {}

  /** The folders {@code program} (absolute) needs, in the order found; duplicates are possible. */
  public static List<Path> of(Path program) {
    List<Path> folders = new ArrayList<>();
    Path file = program.normalize();
    if (file.getParent() != null) {
      folders.add(file.getParent());
    }
    Path target = real(file);
    if (target.getParent() != null) {
      folders.add(target.getParent());
    }
    for (Path p = target; p != null; p = p.getParent()) {
      if (p.getFileName() != null && p.getFileName().toString().equals("node_modules")) {
        folders.add(p);
        break;
      }
    }
    return folders;
  }

  private static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }
}
