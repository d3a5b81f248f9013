package io.openswarm.testkit.agent;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change a {@link ScriptedAgent} makes to a worktree.
 *
 * @param path the file, relative to the worktree; may not leave it
 * @param content the new content, or null to delete the file
 */
public record FileEdit(String path, @Nullable String content) {

  public FileEdit {
    Objects.requireNonNull(path, "path cannot be null");
    if (path.isBlank()) {
      throw new IllegalArgumentException("path must not be blank");
    }
  }

  /** Writes {@code content} to {@code path}, creating parent directories. */
  public static FileEdit write(String path, String content) {
    return new FileEdit(path, Objects.requireNonNull(content, "content cannot be null"));
  }

  /** Deletes {@code path} if it exists. */
  public static FileEdit delete(String path) {
    return new FileEdit(path, null);
  }
}
