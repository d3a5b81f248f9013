package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.ResultLimits;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellSteps;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The values activities and workflows exchange survive Temporal's default data converter unchanged.
 */
class PayloadRoundTripTest {

  private final DataConverter converter = DefaultDataConverter.newDefaultInstance();

  private <T> T roundTrip(T value, Class<T> type) {
    Optional<Payloads> payloads = converter.toPayloads(value);
    return converter.fromPayloads(0, payloads, type, type);
  }

  @Test
  void taskSpecs() {
    TaskSpec task =
        TaskSpec.of("t-1", "say \"hi\" $(x) `y`\n\u00e9", "main")
            .withTestCommand(List.of("mvn", "-q", "test"))
            .withTestTimeout(Duration.ofMinutes(3));
    assertThat(roundTrip(task, TaskSpec.class)).isEqualTo(task);
    TaskSpec bare = TaskSpec.of("t-2", "p", "abc123");
    assertThat(roundTrip(bare, TaskSpec.class)).isEqualTo(bare);
  }

  @Test
  void cellOutcomes() {
    CellOutcome outcome =
        CellOutcome.failed(CellId.of("c-1"), CellStep.AGENT_READY, "timeout")
            .withTimings(List.of(new CellStep.Timing(CellStep.PORT, Duration.ofMillis(3))))
            .withTeardownErrors(List.of("worktree: busy"))
            .withHost("h1");
    assertThat(roundTrip(outcome, CellOutcome.class)).isEqualTo(outcome);
  }

  @Test
  void anExecuteResultOfFiftyThousandFilesCarriesTheFirstThousandAndTheCountWellWithinTheLimit() {
    List<String> files =
        IntStream.range(0, 50_000)
            .mapToObj(i -> "generated/" + "x".repeat(80) + "-" + i + ".txt")
            .toList();

    CellSteps.Execution result =
        new CellSteps.Execution("z".repeat(1_000_000), files, Duration.ofSeconds(3));

    assertThat(result.changedFiles())
        .hasSize(ResultLimits.MAX_LISTED_FILES)
        .isEqualTo(files.subList(0, 1_000));
    assertThat(result.changedFileCount()).isEqualTo(50_000);
    assertThat(result.changedFilesTruncated()).isTrue();
    assertThat(result.summary()).hasSizeLessThan(ResultLimits.MAX_TEXT_CHARS + 100);
    assertThat(converter.toPayloads(result).orElseThrow().getSerializedSize())
        .isLessThan(ResultLimits.MAX_RESULT_BYTES);
    assertThat(roundTrip(result, CellSteps.Execution.class)).isEqualTo(result);
  }

  @Test
  void aCellOutcomeOfFiftyThousandFilesCarriesTheFirstThousandAndTheCount() {
    List<String> files =
        IntStream.range(0, 50_000)
            .mapToObj(i -> "generated/" + "x".repeat(80) + "-" + i + ".txt")
            .toList();

    CellOutcome outcome =
        CellOutcome.failed(CellId.of("c-1"), CellStep.TEST, "e".repeat(1_000_000))
            .withChangedFiles(files.subList(0, 1_000), files.size());

    assertThat(outcome.changedFiles()).hasSize(1_000);
    assertThat(outcome.changedFileCount()).isEqualTo(50_000);
    assertThat(outcome.error()).hasSizeLessThan(ResultLimits.MAX_TEXT_CHARS + 100);
    assertThat(converter.toPayloads(outcome).orElseThrow().getSerializedSize())
        .isLessThan(ResultLimits.MAX_RESULT_BYTES);
    assertThat(roundTrip(outcome, CellOutcome.class)).isEqualTo(outcome);
  }

  @Test
  void resultsWrittenBeforeTheCountsExistedReadWithTheSizeOfTheirLists() {
    CellSteps.Execution executed =
        new CellSteps.Execution("done", List.of("a.txt", "b.txt"), Duration.ofMillis(1500));
    CellOutcome outcome =
        CellOutcome.noChanges(CellId.of("c-1")).withChangedFiles(List.of("a.txt"));

    CellSteps.Execution oldExecuted =
        converter.fromPayloads(
            0,
            withoutField(executed, "changedFileCount"),
            CellSteps.Execution.class,
            CellSteps.Execution.class);
    CellOutcome oldOutcome =
        converter.fromPayloads(
            0, withoutField(outcome, "changedFileCount"), CellOutcome.class, CellOutcome.class);

    assertThat(oldExecuted).isEqualTo(executed);
    assertThat(oldExecuted.changedFileCount()).isEqualTo(2);
    assertThat(oldOutcome).isEqualTo(outcome);
  }

  /** The JSON of {@code value} without {@code field}, as a payload: what an older version wrote. */
  private Optional<Payloads> withoutField(Object value, String field) {
    Payload payload = converter.toPayload(value).orElseThrow();
    String json = payload.getData().toStringUtf8();
    String older = json.replaceAll(",?\"" + field + "\":\\d+", "");
    assertThat(older).isNotEqualTo(json).doesNotContain(field);
    return Optional.of(
        Payloads.newBuilder()
            .addPayloads(payload.toBuilder().setData(ByteString.copyFromUtf8(older)))
            .build());
  }
}
