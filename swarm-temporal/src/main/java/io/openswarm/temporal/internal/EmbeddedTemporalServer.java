package io.openswarm.temporal.internal;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's Java test server, served over gRPC on the loopback address only.
 *
 * <p>Why not {@code TestServer.createPortBoundServer(port)}: it binds every interface, which would
 * expose an unauthenticated workflow service to the network, and it cannot report the port it
 * bound. This class composes the same services ({@link TestServicesStarter}, with time skipping
 * locked so time runs as on a real server) with a Netty gRPC server bound to {@code 127.0.0.1}, on
 * a given port or on one the operating system picks, and reports the port it got. Other processes
 * on the host reach it at {@link #target()}.
 *
 * <p>Every call must carry {@code authorization: Bearer <token>} with the {@link #token()} of this
 * start (see {@link BearerTokenInterceptor}): the loopback address is shared with the cells, whose
 * agents must not be able to read, stop or start workflows. {@link #newStubOptions()} gives clients
 * options that send it.
 *
 * <p>The server is in memory: its workflows are lost when it stops. As Temporal ships it, it also
 * slows down as it accumulates work, because its timer records lock events in a list it searches
 * linearly; {@link #start} replaces that list with one that records nothing ({@link
 * TestServerTimerPatch}). It also logs a false ERROR ({@code Not in INITIATED}) whenever an
 * activity outlives its schedule-to-start timeout; {@link #start} makes it ignore that timeout once
 * the activity has started, as a Temporal cluster does ({@link StartedActivityTimerGuard}). It is
 * meant for development, demos, tests and single-machine runs.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class EmbeddedTemporalServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporalServer.class);

  private final TestServicesStarter services;
  private final Server server;
  private final String target;

  /** Held in memory only: never logged, never written, never put in an environment. */
  private final String token;

  private final boolean timerEventsDiscarded;
  private final boolean startedActivityTimersIgnored;
  private volatile boolean closed;

  private EmbeddedTemporalServer(
      TestServicesStarter services,
      Server server,
      String token,
      boolean timerEventsDiscarded,
      boolean startedActivityTimersIgnored) {
    this.services = services;
    this.server = server;
    this.target = InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
    this.token = token;
    this.timerEventsDiscarded = timerEventsDiscarded;
    this.startedActivityTimersIgnored = startedActivityTimersIgnored;
  }

  /**
   * Starts a server on {@code 127.0.0.1:port}; port 0 lets the operating system pick a free one.
   *
   * @throws IllegalArgumentException if {@code port} is outside {@code 0..65535}
   * @throws UncheckedIOException if the port cannot be bound, naming the address
   */
  public static EmbeddedTemporalServer start(int port) {
    return start(port, true);
  }

  /**
   * Starts the test server exactly as Temporal ships it, its timer recording every lock event, so
   * that it slows down as it accumulates work, and logging an ERROR when the schedule-to-start
   * timeout of a running activity expires. Only for measuring what {@link #start} changes.
   *
   * @throws IllegalArgumentException if {@code port} is outside {@code 0..65535}
   * @throws UncheckedIOException if the port cannot be bound, naming the address
   */
  public static EmbeddedTemporalServer startAsShipped(int port) {
    return start(port, false);
  }

  private static EmbeddedTemporalServer start(int port, boolean patched) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(
          "embedded Temporal port must be between 0 and 65535 but was " + port);
    }
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    TestServicesStarter services = new TestServicesStarter(true, 0);
    boolean discarded = patched && TestServerTimerPatch.apply(services);
    boolean guarded = patched && StartedActivityTimerGuard.apply(services);
    String token = BearerTokenInterceptor.newToken();
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(address, InsecureServerCredentials.create());
      register(services.getServices(), new BearerTokenInterceptor(token), builder);
      Server server = builder.build().start();
      EmbeddedTemporalServer started =
          new EmbeddedTemporalServer(services, server, token, discarded, guarded);
      log.info("embedded Temporal server listening on {}", started.target);
      return started;
    } catch (IOException e) {
      services.close();
      throw new UncheckedIOException(
          "cannot start the embedded Temporal server on "
              + address.getAddress().getHostAddress()
              + ":"
              + port
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Registers Temporal's services behind {@code authentication}, and the standard gRPC health
   * service ({@code grpc.health.v1.Health}) in front of it, as Temporal's own {@code
   * GRPCServerHelper} does but for the interceptor.
   *
   * <p>Why the health service stays open: it answers only {@code SERVING} or {@code NOT_SERVING}
   * for the names of Temporal's public services, which anyone who can open the port learns anyway;
   * it carries no namespace, workflow, task queue or history, and changes nothing. Left open, a
   * probe such as {@code grpc_health_probe} or a service manager can check the server without being
   * handed the secret, which is one holder fewer. (Temporal's SDK asks for the system info before
   * its own health check, so an SDK client without the token is refused all the same.)
   */
  private static void register(
      List<BindableService> services,
      BearerTokenInterceptor authentication,
      NettyServerBuilder builder) {
    HealthStatusManager health = new HealthStatusManager();
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, authentication));
      health.setStatus(
          service.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    builder.addService(health.getHealthService());
  }

  /** The {@code host:port} clients and workers connect to. */
  public String target() {
    return target;
  }

  /**
   * The bearer token every call must carry, as {@code authorization: Bearer <token>}: 32 random
   * bytes, base64url, new at every start. Whoever holds it controls every workflow of this server;
   * never log it or hand it to a cell.
   */
  public String token() {
    return token;
  }

  /**
   * Options for clients of this server: its {@link #target()}, and the token sent with every call.
   * Add what else the client needs (a metrics scope) and build.
   */
  public WorkflowServiceStubsOptions.Builder newStubOptions() {
    return stubOptions(target, token);
  }

  /**
   * Options for clients of the embedded server at {@code target} whose {@link #token()} is {@code
   * token}: in another JVM, or joined by a worker that did not start it. Plain text: the server
   * listens on 127.0.0.1 and has no TLS.
   */
  public static WorkflowServiceStubsOptions.Builder stubOptions(String target, String token) {
    Objects.requireNonNull(target, "target cannot be null");
    Objects.requireNonNull(token, "token cannot be null");
    // Not addApiKey: that also switches TLS on, which the embedded server does not speak.
    return WorkflowServiceStubsOptions.newBuilder()
        .setTarget(target)
        .addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> "Bearer " + token));
  }

  /**
   * Whether the server's timer records nothing of its lock events (see {@link
   * TestServerTimerPatch}).
   */
  public boolean timerEventsDiscarded() {
    return timerEventsDiscarded;
  }

  /**
   * Whether the server ignores the schedule-to-start timeout of an activity that has started, as a
   * Temporal cluster does, rather than logging an ERROR for it (see {@link
   * StartedActivityTimerGuard}).
   */
  public boolean startedActivityTimersIgnored() {
    return startedActivityTimersIgnored;
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** The addresses the gRPC server listens on (only the loopback address). */
  public List<? extends java.net.SocketAddress> listenAddresses() {
    return server.getListenSockets();
  }

  /** Stops serving and drops every workflow it held. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    services.close();
    log.info("embedded Temporal server on {} stopped", target);
  }
}
