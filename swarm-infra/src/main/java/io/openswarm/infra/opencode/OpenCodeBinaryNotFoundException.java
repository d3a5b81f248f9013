package io.openswarm.infra.opencode;

import java.util.List;

/**
 * No usable {@code opencode} executable was found. The message lists every place that was searched,
 * in order, so an operator can fix the installation without reading code. An {@link
 * IllegalStateException}: the machine lacks what the agent needs.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenCodeBinaryNotFoundException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  /** The places that were searched, in search order; never null. */
  private final List<String> searched;

  /**
   * Creates the exception.
   *
   * @param searched the places searched, each described for a human (e.g. {@code "PATH entry
   *     /usr/bin"})
   */
  public OpenCodeBinaryNotFoundException(List<String> searched) {
    super(message(searched));
    this.searched = List.copyOf(searched);
  }

  /**
   * Returns the places that were searched, in search order.
   *
   * @return the places, unmodifiable
   */
  public List<String> searched() {
    return searched;
  }

  private static String message(List<String> searched) {
    StringBuilder out =
        new StringBuilder(
            "OpenCode binary not found; install it (npm install --prefix .tools/opencode "
                + "opencode-ai@"
                + OpenCodeBinary.PINNED_VERSION
                + ") or set "
                + OpenCodeBinary.ENV_VARIABLE
                + ". Searched:");
    for (String place : searched) {
      out.append("\n  - ").append(place);
    }
    return out.toString();
  }
}
