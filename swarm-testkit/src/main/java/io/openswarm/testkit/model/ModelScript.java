package io.openswarm.testkit.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ordered list of model replies: each model request the {@link FakeModelServer} receives
 * consumes the next one.
 *
 * <pre>{@code
 * model.enqueue(FakeModelServer.script()
 *     .write("/repo/hello.txt", "hi\n")   // request 1: the model calls the write tool
 *     .thenText("done"));                 // request 2 (after the tool ran): the model answers and the turn ends
 * }</pre>
 *
 * <p>An agent turn that calls a tool needs two replies: the tool call, and the text the model says
 * after seeing the tool's result. The {@code then...} methods are aliases that read well in such
 * chains.
 *
 * <p>Immutable and thread-safe: every method returns a new script.
 */
public final class ModelScript {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ModelScript EMPTY = new ModelScript(List.of());

  private final List<ModelReply> replies;

  private ModelScript(List<ModelReply> replies) {
    this.replies = List.copyOf(replies);
  }

  /**
   * A script with no replies.
   *
   * @return a new, empty script
   */
  public static ModelScript empty() {
    return EMPTY;
  }

  /**
   * Appends a plain text answer (finish reason {@code stop}).
   *
   * @param text the answer
   * @return this script
   * @throws NullPointerException if {@code text} is null
   */
  public ModelScript text(String text) {
    return append(new ModelReply.Text(text));
  }

  /**
   * Appends a call of tool {@code name} with {@code arguments} (serialised as a JSON object; finish
   * reason {@code tool_calls}).
   *
   * @param name the tool's name
   * @param arguments the tool's arguments, by name
   * @return this script
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the arguments cannot be serialised to JSON
   */
  public ModelScript toolCall(String name, Map<String, ?> arguments) {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(arguments, "arguments cannot be null");
    try {
      return append(new ModelReply.ToolCall(name, MAPPER.writeValueAsString(arguments)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "arguments of tool " + name + " cannot be serialised to JSON", e);
    }
  }

  /**
   * Appends a call of OpenCode's {@code write} tool, which creates or replaces a file.
   *
   * @param filePath the file; OpenCode expects an absolute path inside the worktree
   * @param content the new content
   * @return this script
   * @throws NullPointerException if an argument is null
   */
  public ModelScript write(String filePath, String content) {
    Objects.requireNonNull(filePath, "filePath cannot be null");
    Objects.requireNonNull(content, "content cannot be null");
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("filePath", filePath);
    arguments.put("content", content);
    return toolCall("write", arguments);
  }

  /**
   * Appends a call of OpenCode's {@code bash} tool.
   *
   * @param command the shell command the model asks OpenCode to run
   * @return this script
   * @throws NullPointerException if {@code command} is null
   */
  public ModelScript bash(String command) {
    Objects.requireNonNull(command, "command cannot be null");
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("command", command);
    arguments.put("description", "scripted command");
    return toolCall("bash", arguments);
  }

  /**
   * Appends a reply that never comes: the request hangs until the server closes. Replies are
   * consumed by requests, not by turns: when the agent's turn is aborted before it asked the model
   * (an idle timeout shorter than the agent's own work before its first model call), the hang stays
   * queued and answers the next request; call {@link FakeModelServer#reset()} before scripting the
   * next turn.
   *
   * @return this script
   */
  public ModelScript hang() {
    return append(new ModelReply.Hang());
  }

  /**
   * Appends an HTTP error with an OpenAI-style body ({@code {"error":{"message":...}}}). OpenCode
   * retries 429 and 5xx answers and reports others (such as 400) as a session error.
   *
   * @param status the HTTP status; 400 to 599
   * @param message the error message
   * @return this script
   * @throws NullPointerException if {@code message} is null
   * @throws IllegalArgumentException if {@code status} is not 400 to 599
   */
  public ModelScript error(int status, String message) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException(
          "status must be an error status, 400 to 599, but was " + status);
    }
    return append(new ModelReply.Failure(status, message));
  }

  /**
   * Alias of {@link #text(String)}.
   *
   * @param text the answer
   * @return this script
   */
  public ModelScript thenText(String text) {
    return text(text);
  }

  /**
   * Alias of {@link #toolCall(String, Map)}.
   *
   * @param name the tool's name
   * @param arguments the tool's arguments, by name
   * @return this script
   */
  public ModelScript thenToolCall(String name, Map<String, ?> arguments) {
    return toolCall(name, arguments);
  }

  /**
   * Alias of {@link #write(String, String)}.
   *
   * @param filePath the file; an absolute path inside the worktree
   * @param content the new content
   * @return this script
   */
  public ModelScript thenWrite(String filePath, String content) {
    return write(filePath, content);
  }

  /**
   * Alias of {@link #bash(String)}.
   *
   * @param command the shell command
   * @return this script
   */
  public ModelScript thenBash(String command) {
    return bash(command);
  }

  /**
   * Alias of {@link #hang()}.
   *
   * @return this script
   */
  public ModelScript thenHang() {
    return hang();
  }

  /**
   * Alias of {@link #error(int, String)}.
   *
   * @param status the HTTP status; 400 to 599
   * @param message the error message
   * @return this script
   */
  public ModelScript thenError(int status, String message) {
    return error(status, message);
  }

  /**
   * The number of replies.
   *
   * @return the number of replies
   */
  public int size() {
    return replies.size();
  }

  List<ModelReply> replies() {
    return replies;
  }

  @Override
  public String toString() {
    return "ModelScript" + replies;
  }

  private ModelScript append(ModelReply reply) {
    List<ModelReply> next = new ArrayList<>(replies.size() + 1);
    next.addAll(replies);
    next.add(reply);
    return new ModelScript(next);
  }
}
