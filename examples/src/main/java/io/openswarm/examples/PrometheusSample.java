package io.openswarm.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.port.PortRange;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmHealth;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A swarm worker whose metrics Prometheus can scrape: {@code GET /metrics} (the Prometheus text
 * format: the swarm's meters and Temporal's SDK metrics from one registry) and {@code GET /health}
 * (the worker's health report) on 127.0.0.1. It keeps submitting small rounds of cells (green, red,
 * and one whose agent fails) so the dashboard in {@code examples/grafana/open-swarm.json} has
 * something to show.
 *
 * <pre>
 * mvn -pl examples -am -q package -DskipTests
 * java -cp examples/target/swarm-demo.jar io.openswarm.examples.PrometheusSample [--port 9464] [--seconds 0]
 * curl -s 127.0.0.1:9464/metrics | grep ^swarm_
 * </pre>
 *
 * <ul>
 *   <li>{@code --port n}: the port of the endpoint on 127.0.0.1 (default 9464, Prometheus's
 *       customary exporter port; 0 picks a free one).
 *   <li>{@code --seconds n}: stop after n seconds (default 0: run until Ctrl-C).
 * </ul>
 *
 * <p>A Prometheus scrape job for it:
 *
 * <pre>
 * scrape_configs:
 *   - job_name: open-swarm
 *     scrape_interval: 15s
 *     static_configs:
 *       - targets: ['127.0.0.1:9464']
 * </pre>
 */
public final class PrometheusSample implements AutoCloseable {

  private static final ScriptedAgent AGENT =
      ScriptedAgent.newBuilder()
          .promptCommands()
          .turns(
              prompt -> prompt.equals("fail") ? ScriptedAgent.Turn.FAIL : ScriptedAgent.Turn.NORMAL)
          .turnDelay(Duration.ofMillis(200))
          .build();

  private final PrometheusMeterRegistry registry;
  private final SwarmWorker worker;
  private final HttpServer server;
  private final ExecutorService endpointThread;
  private int round;

  private PrometheusSample(
      PrometheusMeterRegistry registry,
      SwarmWorker worker,
      HttpServer server,
      ExecutorService endpointThread) {
    this.registry = registry;
    this.worker = worker;
    this.server = server;
    this.endpointThread = endpointThread;
  }

  /** Runs the sample: {@code [--port n] [--seconds n]}. */
  public static void main(String[] args) throws Exception {
    int port = 9464;
    long seconds = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(value(args, i++));
        case "--seconds" -> seconds = Long.parseLong(value(args, i++));
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; allowed: --port n, --seconds n");
      }
    }
    Path home = Files.createTempDirectory("openswarm-prometheus-");
    try (PrometheusSample sample = start(home, port)) {
      System.out.println(
          "metrics: "
              + sample.uri("/metrics")
              + "\nhealth:  "
              + sample.uri("/health")
              + "\nsubmitting a round of cells every few seconds; Ctrl-C to stop");
      long deadline =
          seconds == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        List<CellOutcome> outcomes = sample.runRound();
        System.out.printf(
            Locale.ROOT,
            "round %d: %s%n",
            sample.round,
            outcomes.stream().map(o -> o.status().name()).toList());
        TimeUnit.SECONDS.sleep(3);
      }
      System.out.print(MetricsSummary.format(sample.registry));
    } finally {
      TreeDeleter.deleteRecursively(home);
    }
  }

  /**
   * Starts a worker on a new repository under {@code home} and the endpoint on 127.0.0.1:{@code
   * port}.
   *
   * @param port the endpoint's port, 0 for any free one
   */
  public static PrometheusSample start(Path home, int port) throws IOException {
    TemporaryRepository repo =
        TemporaryRepository.create(home.resolve("repo"))
            .write("status.txt", "green\n")
            .write(
                "test.sh",
                "#!/bin/sh\n# Green while status.txt says green.\ntest \"$(cat status.txt)\" = green\n")
            .executable("test.sh")
            .commit("a project with a test");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SwarmWorker worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(home.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("prometheus-sample").build())
            .capacity(CapacityOptions.newBuilder().memoryPerCell(64L << 20).build())
            .agent(AGENT)
            .ports(new PortRange(18200, 18300))
            .meterRegistry(registry)
            .start();
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      worker.close();
      throw e;
    }
    ExecutorService endpointThread =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "prometheus-endpoint");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(endpointThread);
    server.createContext(
        "/metrics",
        exchange ->
            respond(exchange, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext(
        "/health",
        exchange -> respond(exchange, "text/plain; charset=utf-8", describe(worker.health())));
    server.start();
    return new PrometheusSample(registry, worker, server, endpointThread);
  }

  /** The endpoint's address of {@code path}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** The registry the worker reports to. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Runs one round of three cells at once, one committed, one reverted, one failed, and returns
   * their outcomes.
   */
  public List<CellOutcome> runRound() {
    round++;
    SwarmClient client = worker.client();
    List<CompletableFuture<CellOutcome>> results = new ArrayList<>();
    for (String prompt :
        List.of("write feature-" + round + ".txt " + round, "write status.txt red", "fail")) {
      String task = "r" + round + "-" + results.size();
      results.add(client.resultAsync(client.startTcr(TaskSpec.of(task, prompt, "main"))));
    }
    return results.stream().map(CompletableFuture::join).toList();
  }

  @Override
  public void close() {
    server.stop(0);
    endpointThread.shutdownNow();
    worker.close();
    registry.close();
  }

  private static String describe(SwarmHealth health) {
    SwarmHealth.Readings r = health.readings();
    StringBuilder out = new StringBuilder(health.healthy() ? "healthy\n" : "warnings\n");
    for (SwarmHealth.Warning warning : health.warnings()) {
      out.append("  ").append(warning.check()).append(": ").append(warning.message()).append('\n');
    }
    out.append(
        String.format(
            Locale.ROOT,
            "error rate %.1f %% (%d of %d), ports available %d, backlog %s, memory "
                + "%.1f %%, cells %d of %d, backpressure %s (%s)%n",
            r.errorRate() * 100,
            r.failures(),
            r.outcomes(),
            r.availablePorts(),
            r.backlog() == null ? "unknown" : r.backlog(),
            r.memoryUsage() * 100,
            r.liveCells(),
            r.maxCells(),
            r.backpressure() ? "on" : "off",
            r.limitedBy()));
    return out.toString();
  }

  private static void respond(HttpExchange exchange, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static String value(String[] args, int i) {
    if (i + 1 >= args.length) {
      throw new IllegalArgumentException(args[i] + " needs a value");
    }
    return args[i + 1];
  }
}
