package io.openswarm.infra.opencode.internal;

import java.util.Objects;

/**
 * A session as {@code POST /session} created it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the session id ({@code ses_...})
 * @param title the title it was given
 * @param directory the project directory the server attached it to (the cell's worktree)
 */
public record SessionInfo(String id, String title, String directory) {

  /**
   * Creates a session description.
   *
   * @throws NullPointerException if an argument is null
   */
  public SessionInfo {
    Objects.requireNonNull(id, "id cannot be null");
    Objects.requireNonNull(title, "title cannot be null");
    Objects.requireNonNull(directory, "directory cannot be null");
  }
}
