package io.openswarm.infra.graph;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.graph.TaskGraphException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes task graphs as JSON.
 *
 * <pre>{@code
 * {
 *   "tasks": [
 *     { "id": "schema", "prompt": "Add the orders table" },
 *     { "id": "api", "prompt": "Add the order endpoints", "dependsOn": ["schema"],
 *       "testCommand": ["./gradlew", "test"], "testTimeout": "PT15M" }
 *   ]
 * }
 * }</pre>
 *
 * <p>The document is an object with one property, {@code tasks}, an array of task objects in the
 * order the graph keeps. A task has {@code id} and {@code prompt} (strings, required), and
 * optionally {@code dependsOn} (an array of task ids; empty when absent), {@code testCommand} (an
 * array of strings: the program and its arguments, run without a shell), {@code executeTimeout} and
 * {@code testTimeout} (ISO-8601 durations such as {@code "PT15M"}) and {@code commitMessage} (a
 * string) and {@code verifyBase} (a boolean: check the task's base before its agent is prompted,
 * whatever the DAG says). {@code null} is the same as absent.
 *
 * <p>Reading is strict, so that a typo never silently changes a run: unknown properties, duplicate
 * keys, values of the wrong type and trailing content are errors whose message names the place
 * ({@code tasks[2].dependsOn[0]}) and what was expected. A document that is well-formed but
 * describes an invalid graph fails with the graph's own {@link TaskGraphException} (cycle, unknown
 * dependency, ...).
 *
 * <p>Thread-safe and stateless.
 */
public final class TaskGraphJson {

  /** The largest file {@link #read(Path)} accepts. */
  public static final long MAX_FILE_BYTES = 8L * 1024 * 1024;

  private static final List<String> TOP_LEVEL = List.of("tasks");
  private static final List<String> TASK_PROPERTIES =
      List.of(
          "id",
          "prompt",
          "dependsOn",
          "testCommand",
          "executeTimeout",
          "testTimeout",
          "commitMessage",
          "verifyBase");

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private TaskGraphJson() {}

  /**
   * Reads the graph in {@code file} (UTF-8).
   *
   * @param file the JSON file
   * @return the validated graph
   * @throws NullPointerException if {@code file} is null
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is larger than {@value #MAX_FILE_BYTES} bytes or
   *     is not a task graph document; the message names the file and the place
   * @throws TaskGraphException if the document describes a graph that cannot run
   */
  public static TaskGraph read(Path file) throws IOException {
    Objects.requireNonNull(file, "file cannot be null");
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(
          "task graph file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    try {
      return parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (TaskGraphException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("task graph file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses a task graph document.
   *
   * @param json the document
   * @return the validated graph
   * @throws NullPointerException if {@code json} is null
   * @throws IllegalArgumentException if {@code json} is not a task graph document; the message
   *     names the place
   * @throws TaskGraphException if the document describes a graph that cannot run
   */
  public static TaskGraph parse(String json) {
    Objects.requireNonNull(json, "json cannot be null");
    JsonNode root;
    try (JsonParser parser = MAPPER.createParser(json)) {
      root = MAPPER.readTree(parser);
      if (root != null && parser.nextToken() != null) {
        throw new IllegalArgumentException(
            "unexpected content after the task graph at " + where(parser.currentLocation()));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "not valid JSON at " + where(e.getLocation()) + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the task graph: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException(
          "the document is empty; expected an object with \"tasks\"");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(
          "the document must be an object with \"tasks\" but was " + type(root));
    }
    rejectUnknown(root, "the document", TOP_LEVEL);
    JsonNode tasks = root.get("tasks");
    if (tasks == null || tasks.isNull()) {
      throw new IllegalArgumentException("the document has no \"tasks\" array");
    }
    if (!tasks.isArray()) {
      throw new IllegalArgumentException(
          "tasks must be an array of task objects but was " + type(tasks));
    }
    List<GraphTask> parsed = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      parsed.add(task(tasks.get(i), "tasks[" + i + "]"));
    }
    return new TaskGraph(parsed);
  }

  /**
   * The JSON document of {@code graph}, in the format {@link #parse(String)} reads.
   *
   * @param graph the graph
   * @return the JSON document
   */
  public static String write(TaskGraph graph) {
    Objects.requireNonNull(graph, "graph cannot be null");
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode tasks = root.putArray("tasks");
    for (GraphTask task : graph.tasks()) {
      ObjectNode node = tasks.addObject();
      node.put("id", task.id());
      node.put("prompt", task.prompt());
      ArrayNode dependsOn = node.putArray("dependsOn");
      task.dependsOn().forEach(dependsOn::add);
      if (task.testCommand() != null) {
        ArrayNode command = node.putArray("testCommand");
        task.testCommand().forEach(command::add);
      }
      if (task.executeTimeout() != null) {
        node.put("executeTimeout", task.executeTimeout().toString());
      }
      if (task.testTimeout() != null) {
        node.put("testTimeout", task.testTimeout().toString());
      }
      if (task.commitMessage() != null) {
        node.put("commitMessage", task.commitMessage());
      }
      if (task.verifyBase() != null) {
        node.put("verifyBase", task.verifyBase().booleanValue());
      }
    }
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree of strings", e);
    }
  }

  private static GraphTask task(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " must be a task object but was " + type(node));
    }
    rejectUnknown(node, where, TASK_PROPERTIES);
    String id = requiredString(node, where, "id");
    String prompt = requiredString(node, where, "prompt");
    List<String> dependsOn = stringArray(node, where, "dependsOn");
    List<String> testCommand =
        node.hasNonNull("testCommand") ? stringArray(node, where, "testCommand") : null;
    return new GraphTask(
        id,
        prompt,
        dependsOn == null ? List.of() : dependsOn,
        testCommand,
        duration(node, where, "executeTimeout"),
        duration(node, where, "testTimeout"),
        optionalString(node, where, "commitMessage"),
        optionalBoolean(node, where, "verifyBase"));
  }

  private static @Nullable Boolean optionalBoolean(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new IllegalArgumentException(
          where + "." + name + " must be true or false but was " + type(value));
    }
    return value.booleanValue();
  }

  private static void rejectUnknown(JsonNode node, String where, List<String> known) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
      String name = fields.next().getKey();
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            where
                + " has an unknown property \""
                + name
                + "\" (known: "
                + String.join(", ", known)
                + ")");
      }
    }
  }

  private static String requiredString(JsonNode node, String where, String name) {
    String value = optionalString(node, where, name);
    if (value == null) {
      throw new IllegalArgumentException(where + "." + name + " is required");
    }
    return value;
  }

  private static @Nullable String optionalString(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(
          where + "." + name + " must be a string but was " + type(value));
    }
    return value.textValue();
  }

  private static @Nullable List<String> stringArray(JsonNode node, String where, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException(
          where + "." + name + " must be an array of strings but was " + type(value));
    }
    List<String> strings = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode element = value.get(i);
      if (!element.isTextual()) {
        throw new IllegalArgumentException(
            where + "." + name + "[" + i + "] must be a string but was " + type(element));
      }
      strings.add(element.textValue());
    }
    return strings;
  }

  private static @Nullable Duration duration(JsonNode node, String where, String name) {
    String text = optionalString(node, where, name);
    if (text == null) {
      return null;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          where
              + "."
              + name
              + " must be an ISO-8601 duration such as \"PT15M\" or "
              + "\"PT90S\" but was \""
              + text
              + "\"",
          e);
    }
  }

  private static String type(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "the string \"" + abbreviate(node.textValue()) + "\"";
      case NUMBER -> "the number " + node.asText();
      case BOOLEAN -> node.asText();
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String abbreviate(String text) {
    String oneLine = text.replaceAll("\\p{Cntrl}", "?");
    return oneLine.length() > 60 ? oneLine.substring(0, 57) + "..." : oneLine;
  }

  private static String where(@Nullable JsonLocation location) {
    return location == null
        ? "an unknown place"
        : "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
