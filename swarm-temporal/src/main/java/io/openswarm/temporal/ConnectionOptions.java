package io.openswarm.temporal;

import io.openswarm.core.CellId;
import io.openswarm.temporal.internal.OptionChecks;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link SwarmWorker} reaches Temporal and which queues it polls: the cluster's target (or
 * the embedded server and its port), the namespace, TLS and API-key credentials, the token of
 * another worker's embedded server, the shared task queue and this worker's host id.
 *
 * <p>With no {@linkplain Builder#target(String) target} the worker starts an embedded Temporal
 * server on 127.0.0.1; TLS, the API key and a server token need a target. Each setter checks its
 * argument at once; {@link Builder#build()} checks that the options agree with each other. Secrets
 * (the API key, the token) are never shown by {@link #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConnectionOptions {

  /** The default shared task queue, as in the original system. */
  public static final String DEFAULT_TASK_QUEUE = "reactor-task-queue";

  /** The default Temporal namespace. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final ConnectionOptions DEFAULT_INSTANCE = newBuilder().build();

  private final @Nullable String target;

  /** Null unless set: the embedded server then gets a port the system picks. */
  private final @Nullable Integer embeddedPort;

  private final String namespace;
  private final @Nullable Path clientCertificate;
  private final @Nullable Path clientKey;
  private final @Nullable Path trustedCertificates;
  private final @Nullable String apiKey;
  private final @Nullable String embeddedServerToken;
  private final String taskQueue;
  private final @Nullable String hostId;

  private ConnectionOptions(Builder b) {
    this.target = b.target;
    this.embeddedPort = b.embeddedPort;
    this.namespace = b.namespace;
    this.clientCertificate = b.clientCertificate;
    this.clientKey = b.clientKey;
    this.trustedCertificates = b.trustedCertificates;
    this.apiKey = b.apiKey;
    this.embeddedServerToken = b.embeddedServerToken;
    this.taskQueue = b.taskQueue;
    this.hostId = b.hostId;
  }

  /**
   * A builder holding the defaults: the embedded server on a port the system picks, namespace
   * {@code default}, queue {@code reactor-task-queue}, no credentials, a host id made at the
   * worker's build.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder holding the values of {@code options}, each of which may be set once more.
   *
   * @param options the options to start from
   * @return a new builder
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(ConnectionOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder b = new Builder();
    b.target = options.target;
    b.embeddedPort = options.embeddedPort;
    b.namespace = options.namespace;
    b.clientCertificate = options.clientCertificate;
    b.clientKey = options.clientKey;
    b.trustedCertificates = options.trustedCertificates;
    b.apiKey = options.apiKey;
    b.embeddedServerToken = options.embeddedServerToken;
    b.taskQueue = options.taskQueue;
    b.hostId = options.hostId;
    return b;
  }

  /**
   * The defaults: an embedded server, namespace {@code default}, queue {@code reactor-task-queue}.
   *
   * @return the default options
   */
  public static ConnectionOptions getDefaultInstance() {
    return DEFAULT_INSTANCE;
  }

  /**
   * The Temporal cluster's {@code host:port}, or empty for the embedded server.
   *
   * @return the target, or empty
   */
  public Optional<String> target() {
    return Optional.ofNullable(target);
  }

  /**
   * The embedded server's port on 127.0.0.1; 0 lets the system pick one.
   *
   * @return the port, 0 to 65535
   */
  public int embeddedPort() {
    return embeddedPort == null ? 0 : embeddedPort;
  }

  /**
   * The Temporal namespace.
   *
   * @return the namespace
   */
  public String namespace() {
    return namespace;
  }

  /**
   * The mTLS client certificate chain (PEM), if any.
   *
   * @return the file, absolute, or empty
   */
  public Optional<Path> clientCertificate() {
    return Optional.ofNullable(clientCertificate);
  }

  /**
   * The mTLS client private key (PEM, PKCS#8), if any.
   *
   * @return the file, absolute, or empty
   */
  public Optional<Path> clientKey() {
    return Optional.ofNullable(clientKey);
  }

  /**
   * The trusted CA certificates (PEM), if any; the system's otherwise.
   *
   * @return the file, absolute, or empty
   */
  public Optional<Path> trustedCertificates() {
    return Optional.ofNullable(trustedCertificates);
  }

  /**
   * The API key, if any. Never log it.
   *
   * @return the key, or empty
   */
  public Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  /**
   * The token of another worker's embedded server this worker joins, if any. Never log it.
   *
   * @return the token, or empty
   */
  public Optional<String> embeddedServerToken() {
    return Optional.ofNullable(embeddedServerToken);
  }

  /**
   * Whether the connection to the target uses TLS (a client certificate, trusted CAs or an API
   * key).
   *
   * @return true when TLS is used
   */
  public boolean tls() {
    return clientCertificate != null || trustedCertificates != null || apiKey != null;
  }

  /**
   * The shared task queue.
   *
   * @return the queue's name
   */
  public String taskQueue() {
    return taskQueue;
  }

  /**
   * This worker's host id, if one was set; the worker makes one (host name and a random suffix)
   * otherwise.
   *
   * @return the host id, or empty
   */
  public Optional<String> hostId() {
    return Optional.ofNullable(hostId);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ConnectionOptions that)) {
      return false;
    }
    return Objects.equals(embeddedPort, that.embeddedPort)
        && Objects.equals(target, that.target)
        && namespace.equals(that.namespace)
        && Objects.equals(clientCertificate, that.clientCertificate)
        && Objects.equals(clientKey, that.clientKey)
        && Objects.equals(trustedCertificates, that.trustedCertificates)
        && Objects.equals(apiKey, that.apiKey)
        && Objects.equals(embeddedServerToken, that.embeddedServerToken)
        && taskQueue.equals(that.taskQueue)
        && Objects.equals(hostId, that.hostId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        target,
        embeddedPort,
        namespace,
        clientCertificate,
        clientKey,
        trustedCertificates,
        apiKey,
        embeddedServerToken,
        taskQueue,
        hostId);
  }

  @Override
  public String toString() {
    return "ConnectionOptions{target="
        + (target == null ? "embedded:" + embeddedPort() : target)
        + ", namespace="
        + namespace
        + ", tls="
        + tls()
        + ", apiKey="
        + (apiKey == null ? "none" : "***")
        + ", embeddedServerToken="
        + (embeddedServerToken == null ? "none" : "***")
        + ", taskQueue="
        + taskQueue
        + ", hostId="
        + (hostId == null ? "generated" : hostId)
        + "}";
  }

  /** A host id unique to this JVM: the host name and a random suffix. */
  static String defaultHostId() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      name = "host";
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "-");
    if (name.length() > 40) {
      name = name.substring(0, 40);
    }
    byte[] suffix = new byte[3];
    new SecureRandom().nextBytes(suffix);
    return name + "-" + HexFormat.of().formatHex(suffix);
  }

  /**
   * Builds {@link ConnectionOptions}. Each option may be set once; a second call is an {@link
   * IllegalStateException}. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private @Nullable String target;
    private @Nullable Integer embeddedPort;
    private String namespace = DEFAULT_NAMESPACE;
    private @Nullable Path clientCertificate;
    private @Nullable Path clientKey;
    private @Nullable Path trustedCertificates;
    private @Nullable String apiKey;
    private @Nullable String embeddedServerToken;
    private String taskQueue = DEFAULT_TASK_QUEUE;
    private @Nullable String hostId;

    private Builder() {}

    private void once(String option, @Nullable Object current) {
      if (!assigned.add(option)) {
        OptionChecks.requireUnset(option, current == null ? "null" : current);
      }
    }

    /**
     * Joins the Temporal cluster at {@code host:port} (for example {@code temporal.internal:7233})
     * instead of starting an embedded server.
     *
     * @param hostAndPort the cluster's frontend, as {@code host:port} with a port of 1 to 65535
     * @return this builder
     * @throws NullPointerException if {@code hostAndPort} is null
     * @throws IllegalArgumentException if it is not {@code host:port} with a port of 1 to 65535
     * @throws IllegalStateException if the target was already set
     */
    public Builder target(String hostAndPort) {
      Objects.requireNonNull(hostAndPort, "target cannot be null");
      once("target", target);
      this.target = validTarget(hostAndPort);
      return this;
    }

    /**
     * The port of the embedded server on 127.0.0.1; 0 (the default) lets the system pick a free
     * one. Only without a target.
     *
     * @param port the port; 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
     * @throws IllegalStateException if the port was already set
     */
    public Builder embeddedPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(
            "embeddedPort must be between 0 and 65535 but was " + port);
      }
      once("embeddedPort", embeddedPort);
      this.embeddedPort = port;
      return this;
    }

    /**
     * The Temporal namespace; {@code default} by default.
     *
     * @param name the namespace; not blank
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     * @throws IllegalStateException if the namespace was already set
     */
    public Builder namespace(String name) {
      OptionChecks.notBlank("namespace", name);
      once("namespace", namespace);
      this.namespace = name;
      return this;
    }

    /**
     * Mutual TLS to the target: the client certificate chain and its private key (PEM, PKCS#8).
     *
     * @param certificate the client certificate chain; a readable file
     * @param privateKey its private key; a readable file
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a file is not a readable regular file
     * @throws IllegalStateException if the client certificate was already set
     */
    public Builder clientCertificate(Path certificate, Path privateKey) {
      Path chain =
          readableFile(
              "clientCertificate",
              Objects.requireNonNull(certificate, "certificate cannot be null"));
      Path key =
          readableFile(
              "clientKey", Objects.requireNonNull(privateKey, "privateKey cannot be null"));
      once("clientCertificate", clientCertificate);
      this.clientCertificate = chain;
      this.clientKey = key;
      return this;
    }

    /**
     * TLS to the target with these trusted CA certificates (PEM) instead of the system's.
     *
     * @param caCertificates the CA certificates; a readable file
     * @return this builder
     * @throws NullPointerException if {@code caCertificates} is null
     * @throws IllegalArgumentException if the file is not a readable regular file
     * @throws IllegalStateException if the trusted certificates were already set
     */
    public Builder trustedCertificates(Path caCertificates) {
      Path file =
          readableFile(
              "trustedCertificates",
              Objects.requireNonNull(caCertificates, "caCertificates cannot be null"));
      once("trustedCertificates", trustedCertificates);
      this.trustedCertificates = file;
      return this;
    }

    /**
     * An API key for the target (Temporal Cloud); implies TLS. Never logged.
     *
     * @param key the API key; not blank
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is blank
     * @throws IllegalStateException if the API key was already set
     */
    public Builder apiKey(String key) {
      Objects.requireNonNull(key, "apiKey cannot be null");
      if (key.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank");
      }
      once("apiKey", apiKey == null ? null : "***");
      this.apiKey = key;
      return this;
    }

    /**
     * Joins the embedded server of another worker, at the {@link #target(String) target} that
     * worker's {@link SwarmWorker#temporalTarget()} names, with the token its {@link
     * SwarmWorker#embeddedServerToken()} returns: that server refuses every call without it. Sent
     * as {@code authorization: Bearer <token>}, without TLS (the embedded server listens on
     * 127.0.0.1 only). Never logged; pass it to another JVM by a pipe, not on its command line or
     * in an environment its cells inherit.
     *
     * @param token the other worker's token, as its {@code embeddedServerToken()} returns it
     * @return this builder
     * @throws NullPointerException if {@code token} is null
     * @throws IllegalArgumentException if {@code token} is empty or holds a character outside
     *     base64url (the message does not show it)
     * @throws IllegalStateException if the token was already set
     */
    public Builder embeddedServerToken(String token) {
      Objects.requireNonNull(token, "embeddedServerToken cannot be null");
      // The value is a secret: the messages say what is wrong with it, never what it is.
      if (token.isEmpty()) {
        throw new IllegalArgumentException("embeddedServerToken must not be empty");
      }
      if (!token
          .chars()
          .allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
        throw new IllegalArgumentException(
            "embeddedServerToken must be what another worker's embeddedServerToken()"
                + " returned (base64url: A-Z, a-z, 0-9, '-' and '_'), but it holds another character (the value is not"
                + " shown: it is a secret)");
      }
      once("embeddedServerToken", embeddedServerToken == null ? null : "***");
      this.embeddedServerToken = token;
      return this;
    }

    /**
     * The shared task queue; {@code reactor-task-queue} by default.
     *
     * @param queue the queue's name; not blank, no {@code @}
     * @return this builder
     * @throws NullPointerException if {@code queue} is null
     * @throws IllegalArgumentException if {@code queue} is blank or holds {@code @}
     * @throws IllegalStateException if the queue was already set
     */
    public Builder taskQueue(String queue) {
      OptionChecks.notBlank("taskQueue", queue);
      if (queue.contains("@")) {
        throw new IllegalArgumentException(
            "taskQueue must not contain '@' (it separates the host queue's name) but was " + queue);
      }
      once("taskQueue", taskQueue);
      this.taskQueue = queue;
      return this;
    }

    /**
     * This worker's host id; by default the host name and a per-JVM suffix.
     *
     * @param id the host id: 1-64 of {@code [A-Za-z0-9._-]}
     * @return this builder
     * @throws NullPointerException if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is not 1-64 of {@code [A-Za-z0-9._-]}
     * @throws IllegalStateException if the host id was already set
     */
    public Builder hostId(String id) {
      Objects.requireNonNull(id, "hostId cannot be null");
      try {
        CellId.of(id);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            String.valueOf(e.getMessage()).replaceFirst("^cellId", "hostId"), e);
      }
      once("hostId", hostId);
      this.hostId = id;
      return this;
    }

    /**
     * Checks that the options agree and builds them.
     *
     * @return the options
     * @throws IllegalArgumentException if the embedded port, TLS, an API key or a server token is
     *     combined with options it does not apply to
     */
    public ConnectionOptions build() {
      if (target != null && embeddedPort != null) {
        throw new IllegalArgumentException(
            "embeddedPort applies only to the embedded server, but target was set to " + target);
      }
      boolean security = clientCertificate != null || trustedCertificates != null || apiKey != null;
      if (security && target == null) {
        throw new IllegalArgumentException(
            "TLS and API-key options apply to a Temporal cluster; set target(\"host:port\") as well (the embedded "
                + "server listens on 127.0.0.1 without TLS)");
      }
      if (embeddedServerToken != null && target == null) {
        throw new IllegalArgumentException(
            "embeddedServerToken joins another worker's embedded server; set target("
                + "\"host:port\") to that worker's temporalTarget() as well (a worker that embeds its server makes its "
                + "own token)");
      }
      if (embeddedServerToken != null && security) {
        throw new IllegalArgumentException(
            "embeddedServerToken cannot be combined with clientCertificate,"
                + " trustedCertificates or apiKey: an embedded server speaks neither TLS nor API keys");
      }
      return new ConnectionOptions(this);
    }

    private static String validTarget(String target) {
      int colon = target.lastIndexOf(':');
      String port = colon < 0 ? "" : target.substring(colon + 1);
      boolean valid =
          colon > 0
              && !port.isEmpty()
              && port.chars().allMatch(Character::isDigit)
              && port.length() <= 5
              && Integer.parseInt(port) >= 1
              && Integer.parseInt(port) <= 65_535
              && target
                  .substring(0, colon)
                  .chars()
                  .noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
      if (!valid) {
        throw new IllegalArgumentException(
            "target must be host:port with a port between 1 and 65535 (for example temporal.internal:7233) but was \""
                + target
                + "\"");
      }
      return target;
    }

    private static Path readableFile(String option, Path file) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException(
            option + " must be a readable file but was " + file.toAbsolutePath());
      }
      return file.toAbsolutePath();
    }
  }
}
