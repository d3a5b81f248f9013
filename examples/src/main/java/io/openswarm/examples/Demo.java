package io.openswarm.examples;

import io.openswarm.core.port.PortExhaustedException;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The README's main job. For now it shows the port layer at work, the first piece of a cell: eight cells lease ports
 * from a small range at once, each serves real TCP traffic on its port, a port held by a "foreign" process is skipped,
 * and cells beyond the range wait for a port (backpressure) instead of failing.
 *
 * <p>Run with {@code java -jar examples/target/swarm-demo.jar}. Exits 0 when every cell got a distinct, working port
 * and everything was released.
 */
public final class Demo {

  private static final int CELLS = 8;
  private static final int RANGE_SIZE = 6;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    Path state = Files.createTempDirectory("openswarm-demo-");
    try (ServerSocket foreign = new ServerSocket()) {
      foreign.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int first = foreign.getLocalPort();
      PortManager ports = PortManager.builder()
          .range(first, first + RANGE_SIZE - 1)
          .leaseDirectory(state.resolve("ports"))
          .build();
      System.out.printf("Port range %s (%d ports); port %d is held by a foreign process; %d cells start at once.%n%n",
          ports.range(), RANGE_SIZE, first, CELLS);

      List<CellReport> reports = runCells(ports);

      System.out.printf("%n%-8s %-6s %-10s %-12s%n", "cell", "port", "waited", "echo");
      reports.stream().sorted(Comparator.comparing(CellReport::cell)).forEach(r ->
          System.out.printf("%-8s %-6d %-10s %-12s%n", r.cell(), r.port(), r.waited().toMillis() + " ms", r.echo()));
      System.out.printf("%nafter the run: %s%n", ports);

      boolean distinctWhileHeld = reports.stream().allMatch(r -> r.echo().equals("ok"));
      boolean released = ports.allocatedCount() == 0;
      if (!distinctWhileHeld || !released) {
        System.out.println("FAILED: a cell did not get a working port, or a port was not released");
        System.exit(1);
      }
    } finally {
      deleteRecursively(state);
    }
  }

  private static List<CellReport> runCells(PortManager ports) throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(CELLS);
    try {
      List<Future<CellReport>> futures = new ArrayList<>();
      for (int i = 1; i <= CELLS; i++) {
        String cell = "cell-" + i;
        futures.add(executor.submit(() -> runCell(ports, cell)));
      }
      List<CellReport> reports = new ArrayList<>();
      for (Future<CellReport> future : futures) {
        reports.add(future.get());
      }
      return reports;
    } finally {
      executor.shutdownNow();
    }
  }

  /** Leases a port (waiting when none is free), serves one echo on it, holds it a moment, releases it. */
  private static CellReport runCell(PortManager ports, String cell) {
    long start = System.nanoTime();
    try (PortLease lease = ports.allocate(Duration.ofSeconds(30))) {
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("%-8s leased port %d after %d ms (%d of %d allocated)%n",
          cell, lease.port(), waited.toMillis(), ports.allocatedCount(), ports.range().size());
      String echo = echoThrough(lease.port(), cell);
      // Hold the port as a working cell would, so that later cells must wait for it.
      Thread.sleep(300);
      System.out.printf("%-8s released port %d%n", cell, lease.port());
      return new CellReport(cell, lease.port(), waited, echo.equals(cell) ? "ok" : "MISMATCH");
    } catch (PortExhaustedException e) {
      System.out.printf("%-8s got no port: %s%n", cell, e.getMessage());
      return new CellReport(cell, -1, Duration.ofNanos(System.nanoTime() - start), "NO PORT");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(cell + " was interrupted", e);
    }
  }

  /** Binds the leased port like an agent server would and round-trips {@code message} through it. */
  private static String echoThrough(int port, String message) {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(loopback, port));
      try (Socket client = new Socket(loopback, port); Socket accepted = server.accept()) {
        OutputStream out = client.getOutputStream();
        out.write(message.getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        InputStream in = accepted.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("port " + port + " was leased but could not be used", e);
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private record CellReport(String cell, int port, Duration waited, String echo) {}
}
