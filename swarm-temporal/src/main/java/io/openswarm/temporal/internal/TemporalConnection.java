package io.openswarm.temporal.internal;

import com.uber.m3.tally.Scope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.openswarm.temporal.ConnectionOptions;
import io.temporal.api.workflowservice.v1.GetClusterInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC stubs and workflow client for one Temporal target, with the namespace, TLS (mutual or
 * server-only) and API key of a worker's options, or the bearer token of an embedded server.
 * Closing shuts the stubs down.
 *
 * <p>Thread-safe.
 */
public final class TemporalConnection implements AutoCloseable {

  /** A negative interval turns the SDK's worker heartbeats off. */
  private static final Duration WORKER_HEARTBEATS_OFF = Duration.ofSeconds(-1);

  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;

  private TemporalConnection(WorkflowServiceStubs stubs, WorkflowClient client) {
    this.stubs = stubs;
    this.client = client;
  }

  /**
   * Connects to {@code target} with the security and namespace of {@code options}: a Temporal
   * cluster, or the embedded server of another worker when the options carry its token.
   *
   * @throws IllegalArgumentException if a certificate or key cannot be read or parsed, naming the
   *     file
   */
  public static TemporalConnection open(String target, ConnectionOptions options) {
    return open(target, options, null);
  }

  /**
   * Connects to {@code target} with the security and namespace of {@code options}, reporting
   * Temporal's SDK metrics (client requests, polls, workflow and activity task latencies, slots) to
   * {@code metricsScope}.
   *
   * @param metricsScope where the SDK's metrics go, or null for nowhere
   * @throws IllegalArgumentException if a certificate or key cannot be read or parsed, naming the
   *     file
   */
  public static TemporalConnection open(
      String target, ConnectionOptions options, @Nullable Scope metricsScope) {
    Optional<String> token = options.embeddedServerToken();
    WorkflowServiceStubsOptions.Builder stubOptions =
        token.isPresent()
            ? EmbeddedTemporalServer.stubOptions(target, token.get())
            : WorkflowServiceStubsOptions.newBuilder().setTarget(target);
    if (options.tls()) {
      stubOptions.setSslContext(sslContext(options));
    }
    options.apiKey().ifPresent(key -> stubOptions.addApiKey(() -> key));
    // A token is only ever given to join another worker's embedded server, which is the Java test
    // server.
    return open(stubOptions, options, metricsScope, token.isPresent());
  }

  /**
   * Connects to {@code server}, which this JVM started, with its token and the namespace of {@code
   * options}.
   *
   * @param metricsScope where the SDK's metrics go, or null for nowhere
   */
  public static TemporalConnection open(
      EmbeddedTemporalServer server, ConnectionOptions options, @Nullable Scope metricsScope) {
    return open(server.newStubOptions(), options, metricsScope, true);
  }

  /**
   * @param javaTestServer whether the target is known to be Temporal's Java test server, which
   *     implements no worker heartbeats ({@code RecordWorkerHeartbeat}): the SDK's worker
   *     heartbeats are then off, rather than tried at every start and given up with a WARN ({@code
   *     HeartbeatManager: Server does not support worker heartbeats}). These are the SDK's reports
   *     of the worker's own state to the server, not activity heartbeats, which work.
   */
  private static TemporalConnection open(
      WorkflowServiceStubsOptions.Builder stubOptions,
      ConnectionOptions options,
      @Nullable Scope metricsScope,
      boolean javaTestServer) {
    if (metricsScope != null) {
      stubOptions.setMetricsScope(metricsScope);
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(stubOptions.build());
    WorkflowClientOptions.Builder clientOptions =
        WorkflowClientOptions.newBuilder().setNamespace(options.namespace());
    if (javaTestServer) {
      clientOptions.setWorkerHeartbeatInterval(WORKER_HEARTBEATS_OFF);
    }
    WorkflowClient client = WorkflowClient.newInstance(stubs, clientOptions.build());
    return new TemporalConnection(stubs, client);
  }

  /** The workflow client. */
  public WorkflowClient client() {
    return client;
  }

  /**
   * Whether the server is Temporal's Java test server (the embedded server of a {@code
   * SwarmWorker}, possibly one in another JVM) rather than a Temporal cluster. Asked once per call,
   * with a 5 s deadline.
   *
   * <p>The test server implements no {@code GetClusterInfo}; every Temporal server does, so {@code
   * UNIMPLEMENTED} identifies it. Any other answer or failure (an unreachable server, a refused
   * permission) counts as a cluster: that is the safe side, since a cluster only gains from what
   * the test server must go without.
   */
  public boolean isJavaTestServer() {
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getClusterInfo(GetClusterInfoRequest.getDefaultInstance());
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
    }
  }

  @Override
  public void close() {
    stubs.shutdown();
    try {
      if (!stubs.awaitTermination(5, TimeUnit.SECONDS)) {
        stubs.shutdownNow();
      }
    } catch (RuntimeException e) {
      stubs.shutdownNow();
    }
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(
      ConnectionOptions options) {
    Optional<Path> certificate = options.clientCertificate();
    Optional<Path> key = options.clientKey();
    try {
      SimpleSslContextBuilder builder;
      if (certificate.isPresent() && key.isPresent()) {
        try (InputStream cert = Files.newInputStream(certificate.get());
            InputStream privateKey = Files.newInputStream(key.get())) {
          builder = SimpleSslContextBuilder.forPKCS8(cert, privateKey);
        }
      } else {
        builder = SimpleSslContextBuilder.noKeyOrCertChain();
      }
      if (options.trustedCertificates().isPresent()) {
        builder.setTrustManager(trustManager(options.trustedCertificates().get()));
      }
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the TLS certificate or key: " + e.getMessage(), e);
    }
  }

  private static TrustManager trustManager(Path caCertificates) {
    try (InputStream in = Files.newInputStream(caCertificates)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int index = 0;
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + index++, certificate);
      }
      if (index == 0) {
        throw new IllegalArgumentException(
            "trustedCertificates holds no PEM certificate: " + caCertificates);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory.getTrustManagers()[0];
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot load trustedCertificates from " + caCertificates + ": " + e.getMessage(), e);
    }
  }
}
