package io.openswarm.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample's endpoint serves the swarm's and Temporal's metrics in the Prometheus format, and the
 * health report.
 */
class PrometheusSampleIT {

  @Test
  void aScrapeAfterARoundShowsTheSwarmAndTemporalMetrics(@TempDir Path home) throws Exception {
    try (PrometheusSample sample = PrometheusSample.start(home, 0)) {
      assertThat(sample.runRound())
          .extracting(CellOutcome::status)
          .containsExactly(CellStatus.COMMITTED, CellStatus.REVERTED, CellStatus.FAILED);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

      HttpResponse<String> metrics =
          http.send(
              HttpRequest.newBuilder(sample.uri("/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(sample.uri("/health")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> v.startsWith("text/plain"));
      assertThat(metrics.body())
          .contains(
              "swarm_cells_finished_total{failure_type=\"none\",host=\"prometheus-sample\",status=\"committed\"} 1")
          .contains(
              "swarm_cells_finished_total{failure_type=\"AgentTurnFailed\",host=\"prometheus-sample\","
                  + "status=\"failed\"} 1")
          .contains(
              "swarm_step_duration_seconds{host=\"prometheus-sample\",result=\"success\",step=\"execute\","
                  + "quantile=\"0.95\"}")
          .contains("swarm_ports{host=\"prometheus-sample\",state=\"available\"} 101")
          .contains("swarm_cells_capacity{host=\"prometheus-sample\"}")
          .contains("swarm_backpressure{host=\"prometheus-sample\"} 0");
      // Temporal's SDK metrics are flushed to the same registry every second.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> sample.registry().scrape().contains("temporal_workflow_completed_total{"));
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body())
          .startsWith("warnings\n  ERROR_RATE: error rate 33.3 % (1 of 3 cells");
      assertThat(MetricsSummary.format(sample.registry()))
          .contains("cells: 1 committed, 1 failed (AgentTurnFailed), 1 reverted")
          .contains("execute");
    }
  }
}
