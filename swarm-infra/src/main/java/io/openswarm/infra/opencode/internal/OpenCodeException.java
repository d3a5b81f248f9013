package io.openswarm.infra.opencode.internal;

import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A failure talking to, or preparing, an OpenCode server: an unexpected HTTP status, a malformed
 * reply, a dropped event stream, a server that never became healthy.
 *
 * <p>The message names the request and, for HTTP failures, the status code and a bounded excerpt of
 * the response body; it never contains the server password.
 *
 * <p>Immutable and thread-safe.
 */
public class OpenCodeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int statusCode;

  /**
   * Creates an exception that is not tied to an HTTP status.
   *
   * @param message what failed
   */
  public OpenCodeException(String message) {
    this(message, -1, null);
  }

  /**
   * Creates an exception that is not tied to an HTTP status.
   *
   * @param message what failed
   * @param cause the underlying failure, or null
   */
  public OpenCodeException(String message, @Nullable Throwable cause) {
    this(message, -1, cause);
  }

  /**
   * Creates an exception for an HTTP reply.
   *
   * @param message what failed, including the status and a body excerpt
   * @param statusCode the HTTP status code, or -1 if there was no reply
   * @param cause the underlying failure, or null
   */
  public OpenCodeException(String message, int statusCode, @Nullable Throwable cause) {
    super(message, cause);
    this.statusCode = statusCode;
  }

  /** Returns the HTTP status code of the failed reply, if the failure was an HTTP reply. */
  public OptionalInt statusCode() {
    return statusCode < 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }
}
