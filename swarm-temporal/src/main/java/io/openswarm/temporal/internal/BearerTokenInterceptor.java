package io.openswarm.temporal.internal;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * Lets a gRPC call through only when its metadata carries {@code authorization: Bearer <token>}
 * with this interceptor's token; any other call is closed with {@link Status#UNAUTHENTICATED}
 * before it reaches the service.
 *
 * <p>Why: the embedded Temporal server listens on 127.0.0.1, and cells share that loopback address
 * with the worker. Without a credential, the agent of one cell could list every workflow, read
 * other tasks' prompts from their histories, terminate other cells' workflows or start tasks of its
 * own. The token is {@link #newToken() generated} per server start and lives only in the worker's
 * memory: never logged, never in an environment, a file or a workflow history, so a cell has no way
 * to learn it. It travels in the header Temporal's SDK uses for API keys, so every Temporal client
 * can send it.
 *
 * <p>The comparison ({@link MessageDigest#isEqual}) takes a time that depends on the token's length
 * only, not on where a presented value first differs, so response times tell nothing about the
 * token. The token itself never appears in a status description or in {@link #toString()}.
 *
 * <p>Thread-safe and immutable.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {

  /** The header Temporal's SDK sends API keys in. */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SCHEME = "Bearer ";
  private static final int TOKEN_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] expected;

  /**
   * An interceptor that accepts {@code token} only.
   *
   * @throws NullPointerException if {@code token} is null
   * @throws IllegalArgumentException if {@code token} is blank
   */
  public BearerTokenInterceptor(String token) {
    Objects.requireNonNull(token, "token cannot be null");
    if (token.isBlank()) {
      throw new IllegalArgumentException("token must not be blank");
    }
    this.expected = (SCHEME + token).getBytes(StandardCharsets.US_ASCII);
  }

  /** A new token: 32 bytes from {@link SecureRandom}, base64url without padding (43 characters). */
  public static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String presented = headers.get(AUTHORIZATION);
    if (presented == null) {
      return refuse(
          call,
          "the embedded Temporal server requires the gRPC metadata 'authorization: Bearer <token>'"
              + " with the token of the worker that started it (SwarmWorker.embeddedServerToken()); this call carried"
              + " none");
    }
    if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII))) {
      // Not the token, and not even echoed: a wrong value may be some other system's secret.
      return refuse(
          call,
          "the embedded Temporal server refused the 'authorization' metadata of this call: it is not"
              + " 'Bearer <token>' with the token of the worker that started it (SwarmWorker.embeddedServerToken())");
    }
    return next.startCall(call, headers);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String description) {
    call.close(Status.UNAUTHENTICATED.withDescription(description), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  @Override
  public String toString() {
    return "BearerTokenInterceptor{token=***}";
  }
}
