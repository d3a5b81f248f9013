package io.openswarm.testkit.agent;

import io.openswarm.core.agent.AgentException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change a {@link ScriptedAgent} makes to a worktree.
 *
 * @param path the file, relative to the worktree; may not leave it
 * @param content the new content, or null to delete the file
 */
public record FileEdit(String path, @Nullable String content) {

  /**
   * Checks the path.
   *
   * @param path the file, relative to the worktree; may not leave it
   * @param content the new content, or null to delete the file
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} is blank
   */
  public FileEdit {
    Objects.requireNonNull(path, "path cannot be null");
    if (path.isBlank()) {
      throw new IllegalArgumentException("path must not be blank");
    }
  }

  /**
   * Writes {@code content} to {@code path}, creating parent directories.
   *
   * @param path the file, relative to the worktree
   * @param content the new content
   * @return the edit
   */
  public static FileEdit write(String path, String content) {
    return new FileEdit(path, Objects.requireNonNull(content, "content cannot be null"));
  }

  /**
   * Deletes {@code path} if it exists.
   *
   * @param path the file, relative to the worktree
   * @return the edit
   */
  public static FileEdit delete(String path) {
    return new FileEdit(path, null);
  }

  /**
   * Makes this change in {@code worktree}, as an agent's turn would.
   *
   * @throws AgentException (turn failed) if the path leaves the worktree
   * @throws UncheckedIOException if the file cannot be written or deleted
   */
  void applyIn(Path worktree) {
    Path root = worktree.toAbsolutePath().normalize();
    Path target = root.resolve(path).normalize();
    if (!target.startsWith(root) || target.equals(root)) {
      throw new AgentException(
          AgentException.Reason.TURN_FAILED,
          "scripted edit path must stay inside the worktree but was " + path);
    }
    try {
      if (content == null) {
        Files.deleteIfExists(target);
      } else {
        Files.createDirectories(target.getParent());
        Files.writeString(target, content, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("scripted edit of " + path + " failed", e);
    }
  }
}
