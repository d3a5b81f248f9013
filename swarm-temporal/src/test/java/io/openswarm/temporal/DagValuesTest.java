package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.lifecycle.IntegrateResult;
import io.openswarm.core.worktree.IntegrationStatus;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The DAG's values: validation, Temporal's default data converter, and the table people read. */
class DagValuesTest {

  private final DataConverter converter = DefaultDataConverter.newDefaultInstance();

  private <T> T roundTrip(T value, Class<T> type) {
    Optional<Payloads> payloads = converter.toPayloads(value);
    return converter.fromPayloads(0, payloads, type, type);
  }

  private static final TaskGraph GRAPH = TaskGraph.newBuilder()
      .task(GraphTask.of("schema", "add \"the\" schema\n$(x)").withTestTimeout(Duration.ofMinutes(2)))
      .task("api", "add the api", "schema")
      .build();

  private static DagAttempt attempt(DagTaskStatus status, String commit, String detail) {
    return new DagAttempt(1, "dag-d-api-1", "d-api-0123abcd-1", "host-a", "base", status, commit, "base", false,
        status == DagTaskStatus.FAILED ? CellStep.EXECUTE : null, null, false, detail, List.of(), null, 1, 0,
        List.of(new StepTiming(CellStep.TEST, Duration.ofMillis(40))), List.of(),
        Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(3_500), null, null);
  }

  @Test
  void requestsAndResultsSurviveTemporalsDataConverter() {
    DagRequest request = DagRequest.of("orders", GRAPH, "main").withMaxParallel(2);
    assertThat(roundTrip(request, DagRequest.class)).isEqualTo(request);

    DagAttempt integrated = attempt(DagTaskStatus.INTEGRATED, "c0ffee", null);
    DagResult result = new DagResult("orders", "dag/orders", "base", "c0ffee", true, Duration.ofSeconds(9),
        List.of(new DagTaskResult("schema", List.of(), DagTaskStatus.INTEGRATED, "c0ffee", 1, Duration.ofSeconds(3),
            null, List.of(integrated)),
            new DagTaskResult("api", List.of("schema"), DagTaskStatus.SKIPPED, null, 0, Duration.ZERO,
                "depends on schema, which ended REVERTED", List.of())));
    assertThat(roundTrip(result, DagResult.class)).isEqualTo(result);
    String json = new String(converter.toPayload(result).orElseThrow().getData().toByteArray(),
        StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("\"succeeded\"", "\"table\"", "toTable");

    IntegrateResult conflict = new IntegrateResult(IntegrationStatus.CONFLICT, "dag/orders", null, "abc",
        List.of("a.txt"), null, 2, 1, Duration.ofMillis(120));
    assertThat(roundTrip(conflict, IntegrateResult.class)).isEqualTo(conflict);
    DagTaskRequest taskRequest = new DagTaskRequest("orders", 2, GRAPH.tasks().get(0).toTaskSpec(
        "refs/heads/dag/orders"), "dag/orders", CellId.of("orders-schema-1"));
    assertThat(roundTrip(taskRequest, DagTaskRequest.class)).isEqualTo(taskRequest);
  }

  @Test
  void invalidRequestsNameTheValue() {
    assertThatIllegalArgumentException().isThrownBy(() -> DagRequest.of("a/b", GRAPH, "main"))
        .withMessageStartingWith("dagId may contain only letters, digits");
    assertThatIllegalArgumentException().isThrownBy(() -> DagRequest.of("d", GRAPH, "--all"))
        .withMessage("baseRef must be a git revision (not blank, no control characters, not starting with '-') but "
            + "was \"--all\"");
    assertThatIllegalArgumentException().isThrownBy(() -> DagRequest.of("d", GRAPH, "main").withTargetBranch(
        "refs/heads/x")).withMessageEndingWith("but was \"refs/heads/x\"");
    assertThatIllegalArgumentException().isThrownBy(() -> DagRequest.of("d", GRAPH, "main").withMaxParallel(0))
        .withMessage("maxParallel must be between 1 and 500 but was 0");
    assertThat(DagRequest.of("d", GRAPH, "main").targetBranch()).isEqualTo("dag/d");
    assertThat(DagRequest.of("d", GRAPH, "main").workflowId()).isEqualTo("dag-d");
  }

  @Test
  void longDetailsKeepTheVerdictAndTheEndOfTheOutput() {
    String report = "tests failed with exit code 1\n" + "x".repeat(5000) + "THE END";

    DagAttempt attempt = attempt(DagTaskStatus.REVERTED, null, report);

    assertThat(attempt.detail()).hasSize(DagAttempt.MAX_DETAIL_LENGTH)
        .startsWith("tests failed with exit code 1\n[...]x").endsWith("THE END");
    assertThat(attempt.duration()).isEqualTo(Duration.ofMillis(2_500));
  }

  @Test
  void theTableHasOneLinePerTaskInTheGraphsOrder() {
    DagResult result = new DagResult("orders", "dag/orders", "base", "c0ffee1234567", true, Duration.ofSeconds(9),
        List.of(new DagTaskResult("schema", List.of(), DagTaskStatus.INTEGRATED, "c0ffee1234567", 1,
                Duration.ofMillis(4_200), null, List.of()),
            new DagTaskResult("api", List.of("schema"), DagTaskStatus.SKIPPED, null, 0, Duration.ZERO,
                "depends on schema, which ended REVERTED", List.of())));

    assertThat(result.toTable()).isEqualTo("""
        task    status      commit      attempts  duration  detail
        schema  INTEGRATED  c0ffee1234  1         4.2 s
        api     SKIPPED     -           0         0.0 s     depends on schema, which ended REVERTED
        """);
    assertThat(result.count(DagTaskStatus.SKIPPED)).isEqualTo(1);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.task("api")).map(DagTaskResult::dependsOn).contains(List.of("schema"));
  }

  @Test
  void theTableShowsARedoAfterAConflictAndTheBranchThatHoldsTheConflictingChange() {
    DagAttempt conflict = new DagAttempt(1, "dag-pair-s2-1", "pair-s2-1", "host-a", "base", DagTaskStatus.CONFLICT,
        null, "c0ffee1234567", true, null, null, false,
        "conflicts with c0ffee1234 on dag/pair in shared.txt", List.of("shared.txt"), "swarm/pair-s2-1", 1, 0,
        List.of(), List.of(), Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(4_100), null, null);
    DagAttempt redo = new DagAttempt(2, "dag-pair-s2-2", "pair-s2-2", "host-a", "c0ffee1234567",
        DagTaskStatus.INTEGRATED, "9b1c03e7aa55", "c0ffee1234567", false, null, null, false, null, List.of(), null,
        1, 0, List.of(), List.of(), Instant.ofEpochMilli(4_100), Instant.ofEpochMilli(9_800), null, null);
    DagAttempt first = new DagAttempt(1, "dag-pair-s3-1", "pair-s3-1", "host-a", "base", DagTaskStatus.CONFLICT,
        null, "c0ffee1234567", true, null, null, false,
        "conflicts with c0ffee1234 on dag/pair in shared.txt", List.of("shared.txt"), "swarm/pair-s3-1", 1, 0,
        List.of(), List.of(), Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(4_200), null, null);
    DagAttempt again = new DagAttempt(2, "dag-pair-s3-2", "pair-s3-2", "host-a", "9b1c03e7aa55",
        DagTaskStatus.CONFLICT, null, "9b1c03e7aa55", true, null, null, false,
        "conflicts with 9b1c03e7aa on dag/pair in shared.txt", List.of("shared.txt"), "swarm/pair-s3-2", 1, 0,
        List.of(), List.of(), Instant.ofEpochMilli(9_800), Instant.ofEpochMilli(12_000), null, null);
    DagResult result = new DagResult("pair", "dag/pair", "base", "9b1c03e7aa55", true, Duration.ofSeconds(12),
        List.of(new DagTaskResult("s1", List.of(), DagTaskStatus.INTEGRATED, "c0ffee1234567", 1,
                Duration.ofMillis(4_000), null, List.of()),
            new DagTaskResult("s2", List.of(), DagTaskStatus.INTEGRATED, "9b1c03e7aa55", 2, Duration.ofMillis(8_800),
                null, List.of(conflict, redo)),
            new DagTaskResult("s3", List.of(), DagTaskStatus.CONFLICT, null, 2, Duration.ofMillis(11_000),
                again.detail(), List.of(first, again))));

    assertThat(result.toTable()).isEqualTo("""
        task  status      commit      attempts  duration  detail
        s1    INTEGRATED  c0ffee1234  1         4.0 s
        s2    INTEGRATED  9b1c03e7aa  2         8.8 s     redone on the new head after a conflict
          #1  CONFLICT    -                     3.1 s     change kept on swarm/pair-s2-1: conflicts with c0ffee1234 on dag/pair in shared.txt
        s3    CONFLICT    -           2         11.0 s    conflicts with 9b1c03e7aa on dag/pair in shared.txt
          #1  CONFLICT    -                     3.2 s     change kept on swarm/pair-s3-1: conflicts with c0ffee1234 on dag/pair in shared.txt
          #2  CONFLICT    -                     2.2 s     change kept on swarm/pair-s3-2: conflicts with 9b1c03e7aa on dag/pair in shared.txt
        """);
    assertThat(roundTrip(conflict, DagAttempt.class)).isEqualTo(conflict);
  }
}
