package io.openswarm.temporal.internal;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's Java test server, served over gRPC on the loopback address only.
 *
 * <p>Why not {@code TestServer.createPortBoundServer(port)}: it binds every interface, which would expose an
 * unauthenticated workflow service to the network, and it cannot report the port it bound. This class composes the
 * same services ({@link TestServicesStarter}, with time skipping locked so time runs as on a real server) with a
 * Netty gRPC server bound to {@code 127.0.0.1}, on a given port or on one the operating system picks, and reports
 * the port it got. Other processes on the host reach it at {@link #target()}.
 *
 * <p>The server is in memory: its workflows are lost when it stops. As Temporal ships it, it also slows down as it
 * accumulates work, because its timer records lock events in a list it searches linearly; {@link #start} replaces
 * that list with one that records nothing ({@link TestServerTimerPatch}). It is meant for development, demos, tests
 * and single-machine runs.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class EmbeddedTemporalServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporalServer.class);

  private final TestServicesStarter services;
  private final Server server;
  private final String target;
  private final boolean timerEventsDiscarded;
  private volatile boolean closed;

  private EmbeddedTemporalServer(TestServicesStarter services, Server server, boolean timerEventsDiscarded) {
    this.services = services;
    this.server = server;
    this.target = InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
    this.timerEventsDiscarded = timerEventsDiscarded;
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
   * Starts the test server exactly as Temporal ships it, its timer recording every lock event, so that it slows down
   * as it accumulates work. Only for measuring what {@link #start} changes.
   *
   * @throws IllegalArgumentException if {@code port} is outside {@code 0..65535}
   * @throws UncheckedIOException if the port cannot be bound, naming the address
   */
  public static EmbeddedTemporalServer startAsShipped(int port) {
    return start(port, false);
  }

  private static EmbeddedTemporalServer start(int port, boolean discardTimerEvents) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("embedded Temporal port must be between 0 and 65535 but was " + port);
    }
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    TestServicesStarter services = new TestServicesStarter(true, 0);
    boolean discarded = discardTimerEvents && TestServerTimerPatch.apply(services);
    try {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(address, InsecureServerCredentials.create());
      GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
      Server server = builder.build().start();
      EmbeddedTemporalServer started = new EmbeddedTemporalServer(services, server, discarded);
      log.info("embedded Temporal server listening on {}", started.target);
      return started;
    } catch (IOException e) {
      services.close();
      throw new UncheckedIOException("cannot start the embedded Temporal server on " + address.getAddress()
          .getHostAddress() + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /** The {@code host:port} clients and workers connect to. */
  public String target() {
    return target;
  }

  /** Whether the server's timer records nothing of its lock events (see {@link TestServerTimerPatch}). */
  public boolean timerEventsDiscarded() {
    return timerEventsDiscarded;
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** The addresses the gRPC server listens on (only the loopback address). */
  public java.util.List<? extends java.net.SocketAddress> listenAddresses() {
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
