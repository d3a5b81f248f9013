package io.openswarm.core.sandbox;

import java.util.Objects;

/** {@link CellSandbox#none()}: runs every command unchanged. Immutable and thread-safe. */
final class NoSandbox implements CellSandbox {

  static final NoSandbox INSTANCE = new NoSandbox();

  private NoSandbox() {}

  @Override
  public CellSandbox.Command wrap(CellSandbox.Request request) {
    Objects.requireNonNull(request, "request cannot be null");
    return new CellSandbox.Command(request.command(), request.environment(), false);
  }

  @Override
  public String name() {
    return "none";
  }

  @Override
  public String description() {
    return "none (cell processes are not isolated)";
  }

  @Override
  public boolean isolating() {
    return false;
  }

  @Override
  public String toString() {
    return "CellSandbox.none()";
  }
}
