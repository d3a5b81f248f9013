package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.internal.DagTaskRequest;
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

  private static final TaskGraph GRAPH =
      TaskGraph.newBuilder()
          .task(
              GraphTask.of("schema", "add \"the\" schema\n$(x)")
                  .withTestTimeout(Duration.ofMinutes(2)))
          .task("api", "add the api", "schema")
          .build();

  private static DagAttempt attempt(DagResult.TaskStatus status, String commit, String detail) {
    CellId cell = CellId.of("d-api-0123abcd-1");
    CellOutcome outcome =
        (status == DagResult.TaskStatus.REVERTED
                ? CellOutcome.reverted(cell, detail)
                : CellOutcome.committed(cell, "cell0ffee"))
            .withTimings(List.of(new CellStep.Timing(CellStep.TEST, Duration.ofMillis(40))))
            .withHost("host-a");
    BranchIntegration.Result integration =
        status == DagResult.TaskStatus.INTEGRATED
            ? new BranchIntegration.Result(
                BranchIntegration.Status.INTEGRATED,
                "dag/d",
                commit,
                "base",
                List.of(),
                null,
                1,
                0,
                Duration.ofMillis(9))
            : null;
    return new DagAttempt(
        1,
        "dag-d-api-1",
        status,
        detail,
        outcome,
        integration,
        null,
        false,
        "base",
        null,
        Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(3_500));
  }

  /** An attempt whose cell committed and whose integration ended {@code status}. */
  private static DagAttempt integrated(
      int attempt,
      String cellId,
      String base,
      DagResult.TaskStatus status,
      String commit,
      String onto,
      String detail,
      long startedMillis,
      long finishedMillis) {
    BranchIntegration.Status verdict =
        status == DagResult.TaskStatus.INTEGRATED
            ? BranchIntegration.Status.INTEGRATED
            : BranchIntegration.Status.CONFLICT;
    BranchIntegration.Result integration =
        new BranchIntegration.Result(
            verdict,
            "dag/pair",
            commit,
            onto,
            verdict == BranchIntegration.Status.CONFLICT ? List.of("shared.txt") : List.of(),
            null,
            1,
            0,
            Duration.ofMillis(9));
    return new DagAttempt(
        attempt,
        "dag-" + cellId,
        status,
        detail,
        CellOutcome.committed(CellId.of(cellId), "cell0ffee").withHost("host-a"),
        integration,
        null,
        false,
        base,
        verdict == BranchIntegration.Status.CONFLICT ? "swarm/" + cellId : null,
        Instant.ofEpochMilli(startedMillis),
        Instant.ofEpochMilli(finishedMillis));
  }

  @Test
  void requestsAndResultsSurviveTemporalsDataConverter() {
    DagRequest request = DagRequest.of("orders", GRAPH, "main").withMaxParallel(2);
    assertThat(roundTrip(request, DagRequest.class)).isEqualTo(request);

    DagAttempt integrated = attempt(DagResult.TaskStatus.INTEGRATED, "c0ffee", null);
    DagResult result =
        new DagResult(
            "orders",
            "dag/orders",
            "base",
            "c0ffee",
            true,
            Duration.ofSeconds(9),
            List.of(
                new DagResult.Task(
                    "schema",
                    List.of(),
                    DagResult.TaskStatus.INTEGRATED,
                    "c0ffee",
                    1,
                    Duration.ofSeconds(3),
                    null,
                    List.of(integrated)),
                new DagResult.Task(
                    "api",
                    List.of("schema"),
                    DagResult.TaskStatus.SKIPPED,
                    null,
                    0,
                    Duration.ZERO,
                    "depends on schema, which ended REVERTED",
                    List.of())));
    assertThat(roundTrip(result, DagResult.class)).isEqualTo(result);
    String json =
        new String(
            converter.toPayload(result).orElseThrow().getData().toByteArray(),
            StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("\"succeeded\"", "\"table\"", "toTable");

    BranchIntegration.Result conflict =
        new BranchIntegration.Result(
            BranchIntegration.Status.CONFLICT,
            "dag/orders",
            null,
            "abc",
            List.of("a.txt"),
            null,
            2,
            1,
            Duration.ofMillis(120));
    assertThat(roundTrip(conflict, BranchIntegration.Result.class)).isEqualTo(conflict);
    DagTaskRequest taskRequest =
        new DagTaskRequest(
            "orders",
            2,
            GRAPH.tasks().get(0).toTaskSpec("refs/heads/dag/orders"),
            "dag/orders",
            CellId.of("orders-schema-1"));
    assertThat(roundTrip(taskRequest, DagTaskRequest.class)).isEqualTo(taskRequest);
  }

  @Test
  void invalidRequestsNameTheValue() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DagRequest.of("a/b", GRAPH, "main"))
        .withMessageStartingWith("dagId may contain only letters, digits");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DagRequest.of("d", GRAPH, "--all"))
        .withMessage(
            "baseRef must be a git revision (not blank, no control characters, not starting with '-') but "
                + "was \"--all\"");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DagRequest.of("d", GRAPH, "main").withTargetBranch("refs/heads/x"))
        .withMessageEndingWith("but was \"refs/heads/x\"");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> DagRequest.of("d", GRAPH, "main").withMaxParallel(0))
        .withMessage("maxParallel must be between 1 and 500 but was 0");
    assertThat(DagRequest.of("d", GRAPH, "main").targetBranch()).isEqualTo("dag/d");
    assertThat(DagRequest.of("d", GRAPH, "main").workflowId()).isEqualTo("dag-d");
  }

  @Test
  void longDetailsKeepTheVerdictAndTheEndOfTheOutput() {
    String report = "tests failed with exit code 1\n" + "x".repeat(5000) + "THE END";

    DagAttempt attempt = attempt(DagResult.TaskStatus.REVERTED, null, report);

    assertThat(attempt.detail())
        .hasSize(DagAttempt.MAX_DETAIL_LENGTH)
        .startsWith("tests failed with exit code 1\n[...]x")
        .endsWith("THE END");
    assertThat(attempt.duration()).isEqualTo(Duration.ofMillis(2_500));
  }

  @Test
  void theTableHasOneLinePerTaskInTheGraphsOrder() {
    DagResult result =
        new DagResult(
            "orders",
            "dag/orders",
            "base",
            "c0ffee1234567",
            true,
            Duration.ofSeconds(9),
            List.of(
                new DagResult.Task(
                    "schema",
                    List.of(),
                    DagResult.TaskStatus.INTEGRATED,
                    "c0ffee1234567",
                    1,
                    Duration.ofMillis(4_200),
                    null,
                    List.of()),
                new DagResult.Task(
                    "api",
                    List.of("schema"),
                    DagResult.TaskStatus.SKIPPED,
                    null,
                    0,
                    Duration.ZERO,
                    "depends on schema, which ended REVERTED",
                    List.of())));

    assertThat(result.toTable())
        .isEqualTo(
            """
        task    status      commit      attempts  duration  detail
        schema  INTEGRATED  c0ffee1234  1         4.2 s
        api     SKIPPED     -           0         0.0 s     depends on schema, which ended REVERTED
        """);
    assertThat(result.count(DagResult.TaskStatus.SKIPPED)).isEqualTo(1);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.task("api")).map(DagResult.Task::dependsOn).contains(List.of("schema"));
  }

  @Test
  void theTableShowsARedoAfterAConflictAndTheBranchThatHoldsTheConflictingChange() {
    DagAttempt conflict =
        integrated(
            1,
            "pair-s2-1",
            "base",
            DagResult.TaskStatus.CONFLICT,
            null,
            "c0ffee1234567",
            "conflicts with c0ffee1234 on dag/pair in shared.txt",
            1_000,
            4_100);
    DagAttempt redo =
        integrated(
            2,
            "pair-s2-2",
            "c0ffee1234567",
            DagResult.TaskStatus.INTEGRATED,
            "9b1c03e7aa55",
            "c0ffee1234567",
            null,
            4_100,
            9_800);
    DagAttempt first =
        integrated(
            1,
            "pair-s3-1",
            "base",
            DagResult.TaskStatus.CONFLICT,
            null,
            "c0ffee1234567",
            "conflicts with c0ffee1234 on dag/pair in shared.txt",
            1_000,
            4_200);
    DagAttempt again =
        integrated(
            2,
            "pair-s3-2",
            "9b1c03e7aa55",
            DagResult.TaskStatus.CONFLICT,
            null,
            "9b1c03e7aa55",
            "conflicts with 9b1c03e7aa on dag/pair in shared.txt",
            9_800,
            12_000);
    DagResult result =
        new DagResult(
            "pair",
            "dag/pair",
            "base",
            "9b1c03e7aa55",
            true,
            Duration.ofSeconds(12),
            List.of(
                new DagResult.Task(
                    "s1",
                    List.of(),
                    DagResult.TaskStatus.INTEGRATED,
                    "c0ffee1234567",
                    1,
                    Duration.ofMillis(4_000),
                    null,
                    List.of()),
                new DagResult.Task(
                    "s2",
                    List.of(),
                    DagResult.TaskStatus.INTEGRATED,
                    "9b1c03e7aa55",
                    2,
                    Duration.ofMillis(8_800),
                    null,
                    List.of(conflict, redo)),
                new DagResult.Task(
                    "s3",
                    List.of(),
                    DagResult.TaskStatus.CONFLICT,
                    null,
                    2,
                    Duration.ofMillis(11_000),
                    again.detail(),
                    List.of(first, again))));

    assertThat(result.toTable())
        .isEqualTo(
            """
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

  @Test
  void anAttemptWrittenFlatByEarlierVersionsReadsAsACellOutcomeAndAnIntegration() {
    // As DagTaskWorkflow wrote it into histories before the attempt was composed (a recorded
    // conflict).
    String flat =
        """
        {"attempt":1,"workflowId":"dag-mixed-b-1","cellId":"mixed-b-525028a3-1","host":"live",\
        "baseCommit":"base0000000000","status":"CONFLICT","commit":null,"onto":"head-b","integrationVerdict":true,\
        "failedStep":null,"failureType":null,"retryable":false,"detail":"conflicts with head-b on dag/mixed in a.txt",\
        "conflictingFiles":["a.txt"],"keptBranch":"swarm/mixed-b-525028a3-1","rounds":2,"retests":1,\
        "timings":[{"step":"PORT","duration":0.001000000},{"step":"INTEGRATE","duration":0.004000000}],\
        "teardownErrors":[],"startedAt":"2026-12-05T03:34:23.731Z","finishedAt":"2026-12-05T03:34:23.834Z",\
        "historyPath":null,"rejectedRef":null}""";

    DagAttempt attempt =
        converter.fromPayload(
            io.temporal.api.common.v1.Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8(flat))
                .build(),
            DagAttempt.class,
            DagAttempt.class);

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.CONFLICT);
    assertThat(attempt.integrationVerdict()).isTrue();
    assertThat(attempt.onto()).isEqualTo("head-b");
    assertThat(attempt.conflictingFiles()).containsExactly("a.txt");
    assertThat(attempt.keptBranch()).isEqualTo("swarm/mixed-b-525028a3-1");
    assertThat(attempt.cellId()).isEqualTo("mixed-b-525028a3-1");
    assertThat(attempt.host()).isEqualTo("live");
    assertThat(attempt.integration()).isNotNull();
    assertThat(attempt.integration().rounds()).isEqualTo(2);
    assertThat(attempt.integration().duration()).isEqualTo(Duration.ofMillis(4));
    assertThat(attempt.cell()).isNotNull();
    assertThat(attempt.cell().commit())
        .as("the flat shape named the kept change by its branch")
        .isEqualTo("refs/heads/swarm/mixed-b-525028a3-1");
    assertThat(attempt.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(CellStep.PORT, CellStep.INTEGRATE);
    assertThat(roundTrip(attempt, DagAttempt.class)).isEqualTo(attempt);
  }

  @Test
  void anAttemptKeepsItsCellsCountOfChangedFilesButNotTheListAndBoundsItsTexts() {
    CellOutcome red =
        CellOutcome.reverted(CellId.of("c"), "tests failed\n" + "x".repeat(50_000))
            .withChangedFiles(List.of("a.txt", "b.txt"));

    DagAttempt attempt =
        new DagAttempt(
            1,
            "dag-d-c-1",
            DagResult.TaskStatus.REVERTED,
            red.testOutputTail(),
            red,
            null,
            null,
            false,
            "base",
            null,
            Instant.ofEpochMilli(0),
            Instant.ofEpochMilli(1));

    assertThat(attempt.cell().changedFiles()).isEmpty();
    assertThat(attempt.cell().changedFileCount()).isEqualTo(2);
    assertThat(attempt.cell().testOutputTail())
        .hasSize(DagAttempt.MAX_DETAIL_LENGTH)
        .startsWith("tests failed\n");
    assertThat(attempt.detail()).hasSize(DagAttempt.MAX_DETAIL_LENGTH);
  }
}
