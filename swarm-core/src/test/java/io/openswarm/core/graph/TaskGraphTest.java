package io.openswarm.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.TaskGraphException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskGraphTest {

  /** Configured like Temporal's JacksonJsonPayloadConverter.newDefaultObjectMapper(). */
  private static final ObjectMapper TEMPORAL_LIKE =
      new ObjectMapper()
          .configure(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE, false)
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static TaskGraph diamond() {
    return TaskGraph.newBuilder()
        .task("schema", "add the schema")
        .task("api", "add the api", "schema")
        .task("ui", "add the ui", "schema")
        .task("e2e", "add an end-to-end test", "api", "ui")
        .task("docs", "write the docs")
        .build();
  }

  @Test
  void anEmptyGraphIsRejected() {
    assertThatThrownBy(() -> TaskGraph.newBuilder().build())
        .isInstanceOfSatisfying(
            TaskGraphException.class, e -> assertThat(e.problem()).isEqualTo(Problem.EMPTY))
        .hasMessage("invalid task graph (empty graph): a task graph needs at least one task");
  }

  @Test
  void moreThanTheCapIsRejected() {
    TaskGraph.Builder builder = TaskGraph.newBuilder();
    for (int i = 0; i <= TaskGraph.MAX_TASKS; i++) {
      builder.task("t" + i, "p");
    }
    assertThatThrownBy(builder::build)
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.TOO_MANY_TASKS))
        .hasMessage(
            "invalid task graph (too many tasks): a task graph may have at most 500 tasks but had 501");
  }

  @Test
  void exactlyTheCapIsAccepted() {
    TaskGraph.Builder builder = TaskGraph.newBuilder();
    for (int i = 0; i < TaskGraph.MAX_TASKS; i++) {
      builder.task("t" + i, "p", i == 0 ? new String[0] : new String[] {"t" + (i - 1)});
    }
    TaskGraph chain = builder.build();
    assertThat(chain.size()).isEqualTo(TaskGraph.MAX_TASKS);
    assertThat(chain.transitiveDependents("t0")).hasSize(TaskGraph.MAX_TASKS - 1);
  }

  @Test
  void promptsLongerThanOneWorkflowInputAreRejected() {
    String prompt = "x".repeat(TaskSpec.MAX_PROMPT_LENGTH);
    assertThatThrownBy(
            () -> TaskGraph.newBuilder().task("a", prompt).task("b", prompt).task("c", "x").build())
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.PROMPTS_TOO_LONG))
        .hasMessageStartingWith("invalid task graph (prompts too long): ")
        .hasMessageContaining("at most 524288 characters in all")
        .hasMessageEndingWith("but had 524289");
  }

  @Test
  void aDuplicateIdIsRejectedNamingBothPositions() {
    assertThatThrownBy(
            () -> TaskGraph.newBuilder().task("a", "p").task("b", "p").task("a", "q").build())
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> {
              assertThat(e.problem()).isEqualTo(Problem.DUPLICATE_ID);
              assertThat(e.taskIds()).containsExactly("a");
            })
        .hasMessage(
            "invalid task graph (duplicate id): task id \"a\" is used by tasks[0] and tasks[2]; ids must be "
                + "unique");
  }

  @Test
  void aSelfDependencyIsRejected() {
    assertThatThrownBy(() -> TaskGraph.newBuilder().task("a", "p").task("b", "p", "a", "b").build())
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> {
              assertThat(e.problem()).isEqualTo(Problem.SELF_DEPENDENCY);
              assertThat(e.taskIds()).containsExactly("b");
            })
        .hasMessage("invalid task graph (self-dependency): task \"b\" depends on itself");
  }

  @Test
  void anUnknownDependencyIsRejectedNamingTheTaskAndTheMissingId() {
    assertThatThrownBy(
            () -> TaskGraph.newBuilder().task("a", "p").task("b", "p", "a", "nope").build())
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> {
              assertThat(e.problem()).isEqualTo(Problem.UNKNOWN_DEPENDENCY);
              assertThat(e.taskIds()).containsExactly("b", "nope");
            })
        .hasMessage(
            "invalid task graph (unknown dependency): task \"b\" depends on \"nope\", which is not a task of "
                + "the graph (tasks: a, b)");
  }

  @Test
  void aCycleIsRejectedNamingItsIdsInOrder() {
    assertThatThrownBy(
            () ->
                TaskGraph.newBuilder()
                    .task("root", "p")
                    .task("a", "p", "root", "b")
                    .task("b", "p", "c")
                    .task("c", "p", "a")
                    .task("d", "p", "root")
                    .build())
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> {
              assertThat(e.problem()).isEqualTo(Problem.CYCLE);
              assertThat(e.taskIds()).containsExactly("a", "b", "c", "a");
            })
        .hasMessage(
            "invalid task graph (cycle): a -> b -> c -> a (each task depends on the next, so none of them "
                + "can ever start)");
  }

  @Test
  void aCycleOfTwoIsFoundFromTheFirstTaskOnIt() {
    assertThatThrownBy(() -> TaskGraph.newBuilder().task("x", "p", "y").task("y", "p", "x").build())
        .isInstanceOfSatisfying(
            TaskGraphException.class, e -> assertThat(e.taskIds()).containsExactly("x", "y", "x"));
  }

  @Test
  void aLongChainIsCheckedWithoutRecursion() {
    List<GraphTask> tasks = new ArrayList<>();
    for (int i = 0; i < TaskGraph.MAX_TASKS; i++) {
      tasks.add(GraphTask.of("t" + i, "p", "t" + ((i + 1) % TaskGraph.MAX_TASKS)));
    }
    assertThatThrownBy(() -> new TaskGraph(tasks))
        .isInstanceOfSatisfying(
            TaskGraphException.class,
            e -> {
              assertThat(e.problem()).isEqualTo(Problem.CYCLE);
              assertThat(e.taskIds())
                  .hasSize(TaskGraph.MAX_TASKS + 1)
                  .startsWith("t0", "t1")
                  .endsWith("t0");
            });
  }

  @Test
  void invalidTasksAreRejectedNamingTheTask() {
    assertThatThrownBy(() -> GraphTask.of("a", "  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("task \"a\": prompt must not be blank");
    assertThatThrownBy(() -> GraphTask.of("no/slash", "p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("task id may contain only letters, digits");
    assertThatThrownBy(() -> GraphTask.of("a..b", "p"))
        .as("git refuses the branch swarm/a..b")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("task id must not contain \"..\"")
        .hasMessageEndingWith("but was \"a..b\"");
    assertThatThrownBy(() -> TaskGraph.newBuilder().task("x.lock", "p").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("task id must not end with \".lock\"");
    assertThatThrownBy(
            () ->
                GraphTask.of("a", "p")
                    .withCommitMessage("m".repeat(TaskSpec.MAX_COMMIT_MESSAGE_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("task \"a\": commitMessage must be at most 65536 characters");
    assertThatThrownBy(() -> GraphTask.of("a", "p", "b", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("task \"a\" lists \"b\" more than once in dependsOn");
    assertThatThrownBy(() -> GraphTask.of("a", "p").withTestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("task \"a\": testTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> GraphTask.of("a", "p", (String) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dependsOn of task \"a\" cannot contain null");
  }

  @Test
  void orderIsTheOrderGivenNeverHashOrder() {
    TaskGraph graph = diamond();

    assertThat(graph.ids()).containsExactly("schema", "api", "ui", "e2e", "docs");
    assertThat(graph.dependents("schema")).containsExactly("api", "ui");
    assertThat(graph.transitiveDependents("schema")).containsExactly("api", "ui", "e2e");
    assertThat(graph.transitiveDependents("ui")).containsExactly("e2e");
    assertThat(graph.transitiveDependents("docs")).isEmpty();
    assertThat(graph.topologicalOrder())
        .extracting(GraphTask::id)
        .containsExactly("schema", "api", "ui", "e2e", "docs");
  }

  @Test
  void topologicalOrderPutsDependenciesFirstEvenWhenGivenLater() {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task("c", "p", "b")
            .task("b", "p", "a")
            .task("z", "p")
            .task("a", "p")
            .build();
    assertThat(graph.topologicalOrder())
        .extracting(GraphTask::id)
        .containsExactly("z", "a", "b", "c");
  }

  @Test
  void unknownIdsInQueriesAreRejected() {
    assertThat(diamond().task("nope")).isEmpty();
    assertThatThrownBy(() -> diamond().dependents("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the graph has no task \"nope\"");
  }

  @Test
  void aTaskBecomesATaskSpecAtTheGivenBase() {
    GraphTask task =
        GraphTask.of(
            TaskSpec.of("api", "add the api", "ignored")
                .withTestCommand(List.of("mvn", "test"))
                .withCommitMessage("api: endpoints"),
            List.of("schema"));

    TaskSpec spec = task.toTaskSpec("0123abcd");

    assertThat(spec.taskId()).isEqualTo("api");
    assertThat(spec.baseRef()).isEqualTo("0123abcd");
    assertThat(spec.testCommand()).containsExactly("mvn", "test");
    assertThat(spec.commitMessage()).isEqualTo("api: endpoints");
    assertThat(task.dependsOn()).containsExactly("schema");
  }

  @Test
  void roundTripsThroughJacksonLikeTemporalAndIsValidatedOnTheWayIn() throws Exception {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(
                GraphTask.of("a", "say \"hi\" $(x)\n\u00e9")
                    .withTestTimeout(Duration.ofMinutes(3))
                    .withTestCommand(List.of("sh", "-c", "true")))
            .task("b", "p", "a")
            .build();

    String json = TEMPORAL_LIKE.writeValueAsString(graph);

    assertThat(TEMPORAL_LIKE.readValue(json, TaskGraph.class)).isEqualTo(graph);
    assertThat(json).doesNotContain("\"size\"", "\"ids\"", "topologicalOrder");
    String cyclic = "{\"tasks\":[{\"id\":\"a\",\"prompt\":\"p\",\"dependsOn\":[\"a\"]}]}";
    assertThatThrownBy(() -> TEMPORAL_LIKE.readValue(cyclic, TaskGraph.class))
        .hasRootCauseInstanceOf(TaskGraphException.class)
        .hasRootCauseMessage("invalid task graph (self-dependency): task \"a\" depends on itself");
  }
}
