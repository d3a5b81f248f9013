package io.openswarm.infra.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.graph.TaskGraphException;
import io.openswarm.core.graph.TaskGraphException.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskGraphJsonTest {

  @TempDir Path temp;

  @Test
  void readsTheDocumentedFormat() throws Exception {
    Path file = temp.resolve("graph.json");
    Files.writeString(
        file,
        """
        {
          "tasks": [
            { "id": "schema", "prompt": "Add the orders table" },
            { "id": "api", "prompt": "Add the order endpoints\\nwith \\"quotes\\" and $(no shell)",
              "dependsOn": ["schema"], "testCommand": ["./gradlew", "test"], "testTimeout": "PT15M",
              "executeTimeout": "PT10M", "commitMessage": "api: endpoints" },
            { "id": "ui", "prompt": "Add the order page", "dependsOn": ["schema"], "testCommand": null },
            { "id": "e2e", "prompt": "Test placing an order", "dependsOn": ["api", "ui"] }
          ]
        }
        """);

    TaskGraph graph = TaskGraphJson.read(file);

    assertThat(graph.ids()).containsExactly("schema", "api", "ui", "e2e");
    GraphTask api = graph.task("api").orElseThrow();
    assertThat(api.prompt()).isEqualTo("Add the order endpoints\nwith \"quotes\" and $(no shell)");
    assertThat(api.dependsOn()).containsExactly("schema");
    assertThat(api.testCommand()).containsExactly("./gradlew", "test");
    assertThat(api.testTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(api.executeTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(api.commitMessage()).isEqualTo("api: endpoints");
    assertThat(graph.task("schema").orElseThrow().dependsOn()).isEmpty();
    assertThat(graph.task("ui").orElseThrow().testCommand()).isNull();
  }

  @Test
  void writesWhatItReads() {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(
                GraphTask.of("a", "line one\nline two \u00e9")
                    .withTestCommand(List.of("make", "check"))
                    .withTestTimeout(Duration.ofSeconds(90))
                    .withCommitMessage("a: done"))
            .task("b", "p", "a")
            .build();

    String json = TaskGraphJson.write(graph);

    assertThat(TaskGraphJson.parse(json)).isEqualTo(graph);
    assertThat(json).contains("\"testTimeout\" : \"PT1M30S\"");
  }

  @Test
  void aTasksBaseCheckIsReadAndWrittenAndAbsentMeansTheDagsChoice() {
    TaskGraph graph =
        TaskGraphJson.parse(
            "{\"tasks\": [{\"id\": \"on\", \"prompt\": \"p\", \"verifyBase\": true},"
                + " {\"id\": \"off\", \"prompt\": \"p\", \"verifyBase\": false}, {\"id\": \"dag\", \"prompt\": \"p\"}]}");

    assertThat(graph.tasks()).extracting(GraphTask::verifyBase).containsExactly(true, false, null);
    assertThat(graph.tasks().get(0).toTaskSpec("main").verifyBase()).isTrue();
    assertThat(TaskGraphJson.parse(TaskGraphJson.write(graph))).isEqualTo(graph);
  }

  @Test
  void mistakesInTheDocumentNameThePlace() {
    assertInvalid("", "the document is empty; expected an object with \"tasks\"");
    assertInvalid("[]", "the document must be an object with \"tasks\" but was an array");
    assertInvalid("{}", "the document has no \"tasks\" array");
    assertInvalid("{\"tasks\": {}}", "tasks must be an array of task objects but was an object");
    assertInvalid(
        "{\"tasks\": [], \"task\": 1}",
        "the document has an unknown property \"task\" (known: tasks)");
    assertInvalid(
        "{\"tasks\": [\"a\"]}", "tasks[0] must be a task object but was the string \"a\"");
    assertInvalid("{\"tasks\": [{\"prompt\": \"p\"}]}", "tasks[0].id is required");
    assertInvalid(
        "{\"tasks\": [{\"id\": 7, \"prompt\": \"p\"}]}",
        "tasks[0].id must be a string but was the number 7");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"depends_on\": []}]}",
        "tasks[0] has an unknown property \"depends_on\" (known: id, prompt, dependsOn, testCommand, "
            + "executeTimeout, testTimeout, commitMessage, verifyBase)");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"verifyBase\": 1}]}",
        "tasks[0].verifyBase must be true or false but was the number 1");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"dependsOn\": \"b\"}]}",
        "tasks[0].dependsOn must be an array of strings but was the string \"b\"");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\"}, {\"id\": \"b\", \"prompt\": \"p\", "
            + "\"dependsOn\": [\"a\", 1]}]}",
        "tasks[1].dependsOn[1] must be a string but was the number 1");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"testTimeout\": \"15m\"}]}",
        "tasks[0].testTimeout must be an ISO-8601 duration such as \"PT15M\" or \"PT90S\" but was \"15m\"");
    assertInvalid(
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"  \"}]}",
        "task \"a\": prompt must not be blank");
  }

  @Test
  void malformedJsonAndTrailingContentAreRejectedWithTheirPosition() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> TaskGraphJson.parse("{\"tasks\": [\n  {\"id\": \"a\",}\n]}"))
        .withMessageStartingWith("not valid JSON at line 2, column ");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                TaskGraphJson.parse(
                    "{\"tasks\": [{\"id\": \"a\", \"id\": \"b\", \"prompt\": \"p\"}]}"))
        .withMessageContaining("Duplicate field 'id'");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> TaskGraphJson.parse("{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\"}]} {}"))
        .withMessageStartingWith("unexpected content after the task graph at line 1");
  }

  @Test
  void anInvalidGraphFailsWithTheGraphsOwnProblem() throws Exception {
    Path file = temp.resolve("cyclic.json");
    Files.writeString(
        file,
        "{\"tasks\": [{\"id\": \"a\", \"prompt\": \"p\", \"dependsOn\": [\"b\"]},"
            + " {\"id\": \"b\", \"prompt\": \"p\", \"dependsOn\": [\"a\"]}]}");

    assertThatThrownBy(() -> TaskGraphJson.read(file))
        .isInstanceOfSatisfying(
            TaskGraphException.class, e -> assertThat(e.problem()).isEqualTo(Problem.CYCLE))
        .hasMessage(
            "invalid task graph (cycle): a -> b -> a (each task depends on the next, so none of them can "
                + "ever start)");
  }

  @Test
  void fileErrorsNameTheFile() throws Exception {
    Path file = temp.resolve("typo.json");
    Files.writeString(file, "{\"tasks\": [{\"id\": \"a\"}]}");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> TaskGraphJson.read(file))
        .withMessage("task graph file " + file + ": tasks[0].prompt is required");
  }

  private static void assertInvalid(String json, String message) {
    assertThatIllegalArgumentException()
        .as(json)
        .isThrownBy(() -> TaskGraphJson.parse(json))
        .withMessage(message);
  }
}
