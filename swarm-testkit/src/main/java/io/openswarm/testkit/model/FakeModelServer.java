package io.openswarm.testkit.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake OpenAI-compatible model server on 127.0.0.1 whose replies are scripted per test, so the
 * real OpenCode can do real work offline.
 *
 * <pre>{@code
 * try (FakeModelServer model = FakeModelServer.start()) {
 *   model.enqueue(FakeModelServer.script()
 *       .write(worktree.resolve("hello.txt").toString(), "hi\n")
 *       .thenText("done"));
 *   OpenCodeOptions options = OpenCodeOptions.newBuilder()
 *       .model(model.openCodeModel())
 *       .providerConfigJson(model.openCodeProviderConfig())
 *       .build();
 *   ...
 * }
 * }</pre>
 *
 * <p>Design: {@code POST /v1/chat/completions} takes the next reply from a queue of scripted
 * replies. Streamed requests ({@code "stream":true}, as OpenCode sends them) get {@code data:
 * {...}} chunks in OpenAI's format — a role chunk, content deltas or {@code tool_calls} deltas (id,
 * function name, then the arguments in pieces), a chunk with the {@code finish_reason}, a {@code
 * usage} chunk when {@code stream_options.include_usage} asks for it, and {@code data: [DONE]};
 * other requests get one {@code chat.completion} object. Token counts are deterministic: a quarter
 * of the request's and of the reply's characters. {@code GET /v1/models} lists {@value #MODEL}. A
 * request that finds the queue empty gets HTTP 400 (which OpenCode does not retry) naming the
 * problem, and is counted in {@link #unscriptedRequests()}. Every request is recorded.
 *
 * <p>Several agents at once: {@link #enqueue(String, Script)} keeps a script per prompt. A request
 * whose latest user message is exactly that prompt (every request of the turn it started: after a
 * tool call the conversation's latest user message is still the prompt) takes its replies from that
 * script first, so concurrent cells with distinct prompts never take each other's replies; the
 * shared queue serves everything else.
 *
 * <p>OpenCode asks the model for a session title when a session is created without one; that
 * request would consume a scripted reply. {@code OpenCodeClient.createSession} always sends a
 * title.
 *
 * <p>Thread-safe. Each request is served on its own thread, so a hanging reply never blocks another
 * request; {@link #close()} releases hanging requests and stops the server.
 */
public final class FakeModelServer implements AutoCloseable {

  /** The provider id of {@link #openCodeProviderConfig()}. */
  public static final String PROVIDER_ID = "fake";

  /** The model id the server offers. */
  public static final String MODEL = "fake-model";

  private static final Logger LOG = LoggerFactory.getLogger(FakeModelServer.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Deque<ModelReply> replies = new ConcurrentLinkedDeque<>();
  private final Map<String, Deque<ModelReply>> repliesByPrompt = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger unscripted = new AtomicInteger();
  private final AtomicInteger toolCallIds = new AtomicInteger();
  private final AtomicInteger hanging = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);

  private FakeModelServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts a server on 127.0.0.1 on a free port.
   *
   * @return the running server; close it to stop it
   * @throws UncheckedIOException if the server cannot bind
   */
  public static FakeModelServer start() {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread =
                  new Thread(runnable, "fake-model-server-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      FakeModelServer fake = new FakeModelServer(server, executor);
      server.createContext("/", fake::handle);
      server.setExecutor(executor);
      server.start();
      LOG.info("fake model server listening on {}", fake.baseUri());
      return fake;
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot start the fake model server", e);
    }
  }

  /**
   * An empty script to build replies on; see {@link Script}.
   *
   * @return a new, empty script
   */
  public static Script script() {
    return Script.empty();
  }

  /**
   * Appends the script's replies to the queue.
   *
   * @param script the replies to queue
   * @return this server
   * @throws NullPointerException if {@code script} is null
   * @throws IllegalStateException if the server is closed
   */
  public FakeModelServer enqueue(Script script) {
    if (script == null) {
      throw new NullPointerException("script cannot be null");
    }
    if (closed.getCount() == 0) {
      throw new IllegalStateException("attempted to enqueue while in closed state");
    }
    replies.addAll(script.replies());
    return this;
  }

  /**
   * Appends the script's replies to the queue of {@code prompt}: they answer the requests whose
   * latest user message is exactly {@code prompt}, before the shared queue does.
   *
   * @param prompt the latest user message the replies answer
   * @param script the replies to queue
   * @return this server
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the server is closed
   */
  public FakeModelServer enqueue(String prompt, Script script) {
    if (prompt == null) {
      throw new NullPointerException("prompt cannot be null");
    }
    if (script == null) {
      throw new NullPointerException("script cannot be null");
    }
    if (closed.getCount() == 0) {
      throw new IllegalStateException("attempted to enqueue while in closed state");
    }
    repliesByPrompt
        .computeIfAbsent(prompt, key -> new ConcurrentLinkedDeque<>())
        .addAll(script.replies());
    return this;
  }

  /**
   * The port the server listens on.
   *
   * @return the port, on 127.0.0.1
   */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The OpenAI base URL, {@code http://127.0.0.1:<port>/v1}.
   *
   * @return the base URL
   */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port() + "/v1");
  }

  /**
   * The model for OpenCode's {@code model} setting: {@code fake/fake-model}.
   *
   * @return {@code fake/fake-model}
   */
  public String openCodeModel() {
    return PROVIDER_ID + "/" + MODEL;
  }

  /**
   * The OpenCode provider configuration for this server: a JSON object mapping {@value
   * #PROVIDER_ID} to an {@code @ai-sdk/openai-compatible} provider (built into the OpenCode binary)
   * whose {@code options.baseURL} is {@link #baseUri()}. The API key is a dummy.
   *
   * @return the provider configuration, a JSON object
   */
  public String openCodeProviderConfig() {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode provider = root.putObject(PROVIDER_ID);
    provider.put("npm", "@ai-sdk/openai-compatible");
    provider.put("name", "Open Swarm fake model server");
    ObjectNode options = provider.putObject("options");
    options.put("baseURL", baseUri().toString());
    options.put("apiKey", "fake-key");
    ObjectNode model = provider.putObject("models").putObject(MODEL);
    model.put("name", "Fake model");
    model.put("tool_call", true);
    model.putObject("limit").put("context", 128_000).put("output", 8_192);
    return root.toString();
  }

  /**
   * Drops the queued replies and the recorded requests, and zeroes {@link #unscriptedRequests()}:
   * for a server shared by several tests. Requests that hang stay hanging until {@link #close()}.
   */
  public void reset() {
    replies.clear();
    repliesByPrompt.clear();
    requests.clear();
    unscripted.set(0);
  }

  /**
   * Every request received so far, in arrival order.
   *
   * @return the requests, a snapshot
   */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /**
   * The chat completion requests received so far, in arrival order.
   *
   * @return the chat completion requests, a snapshot
   */
  public List<Request> chatRequests() {
    List<Request> chats = new ArrayList<>();
    for (Request request : requests) {
      if (request.path().endsWith("/chat/completions")) {
        chats.add(request);
      }
    }
    return chats;
  }

  /**
   * How many scripted replies are still queued, in the shared queue and the per-prompt ones.
   *
   * @return the number of queued replies
   */
  public int pendingReplies() {
    int pending = replies.size();
    for (Deque<ModelReply> queue : repliesByPrompt.values()) {
      pending += queue.size();
    }
    return pending;
  }

  /**
   * How many chat requests found no scripted reply left.
   *
   * @return the number of unanswered chat requests
   */
  public int unscriptedRequests() {
    return unscripted.get();
  }

  /**
   * How many requests are hanging right now.
   *
   * @return the number of hanging requests
   */
  public int hangingRequests() {
    return hanging.get();
  }

  /** Releases hanging requests and stops the server. Idempotent. */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("fake model server threads did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FakeModelServer{" + baseUri() + ", pending=" + replies.size() + "}";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
      Request recorded = new Request(method, path, headers, body);
      requests.add(recorded);
      if ("GET".equals(method) && path.endsWith("/models")) {
        sendJson(exchange, 200, models());
      } else if ("POST".equals(method) && path.endsWith("/chat/completions")) {
        chat(exchange, recorded);
      } else {
        sendJson(exchange, 404, error(404, "no route for " + method + " " + path));
      }
    } catch (IOException e) {
      // The client went away (OpenCode aborted the request); nothing left to answer.
      LOG.debug("fake model server exchange ended early: {}", e.toString());
    }
  }

  private void chat(HttpExchange exchange, Request recorded) throws IOException {
    String body = recorded.body();
    JsonNode request;
    try {
      request = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      sendJson(exchange, 400, error(400, "request body is not JSON"));
      return;
    }
    if (request == null || !request.isObject()) {
      sendJson(exchange, 400, error(400, "request body is not a JSON object"));
      return;
    }
    Deque<ModelReply> own =
        repliesByPrompt.isEmpty() ? null : repliesByPrompt.get(recorded.lastUserText());
    ModelReply reply = own == null ? null : own.poll();
    if (reply == null) {
      reply = replies.poll();
    }
    if (reply == null) {
      int n = unscripted.incrementAndGet();
      LOG.warn(
          "fake model server: no scripted reply left for chat request ({} unscripted so far)", n);
      sendJson(
          exchange, 400, error(400, "FakeModelServer: no scripted reply left for this request"));
      return;
    }
    if (reply instanceof ModelReply.Hang) {
      hang();
      return;
    }
    if (reply instanceof ModelReply.Failure) {
      ModelReply.Failure failure = (ModelReply.Failure) reply;
      sendJson(exchange, failure.status(), error(failure.status(), failure.message()));
      return;
    }
    String model = request.path("model").asText(MODEL);
    long promptTokens = Math.max(1, body.length() / 4);
    if (request.path("stream").asBoolean(false)) {
      stream(
          exchange,
          reply,
          model,
          promptTokens,
          request.path("stream_options").path("include_usage").asBoolean(false));
    } else {
      sendJson(exchange, 200, completion(reply, model, promptTokens));
    }
  }

  private void hang() {
    hanging.incrementAndGet();
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hanging.decrementAndGet();
    }
  }

  private void stream(
      HttpExchange exchange, ModelReply reply, String model, long promptTokens, boolean usage)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    String id = "chatcmpl-" + toolCallIds.incrementAndGet();
    ObjectNode roleDelta = MAPPER.createObjectNode().put("role", "assistant").put("content", "");
    send(out, chunk(id, model, roleDelta, null));
    String finish;
    long completionTokens;
    if (reply instanceof ModelReply.Text) {
      String text = ((ModelReply.Text) reply).text();
      for (String piece : pieces(text, 3)) {
        send(out, chunk(id, model, MAPPER.createObjectNode().put("content", piece), null));
      }
      finish = "stop";
      completionTokens = Math.max(1, text.length() / 4);
    } else {
      ModelReply.ToolCall call = (ModelReply.ToolCall) reply;
      String callId = "call_" + toolCallIds.incrementAndGet();
      ObjectNode first = MAPPER.createObjectNode();
      ObjectNode firstCall = first.putArray("tool_calls").addObject();
      firstCall.put("index", 0).put("id", callId).put("type", "function");
      firstCall.putObject("function").put("name", call.name()).put("arguments", "");
      send(out, chunk(id, model, first, null));
      for (String piece : pieces(call.argumentsJson(), 2)) {
        ObjectNode delta = MAPPER.createObjectNode();
        ObjectNode argumentCall = delta.putArray("tool_calls").addObject();
        argumentCall.put("index", 0);
        argumentCall.putObject("function").put("arguments", piece);
        send(out, chunk(id, model, delta, null));
      }
      finish = "tool_calls";
      completionTokens = Math.max(1, call.argumentsJson().length() / 4);
    }
    send(out, chunk(id, model, MAPPER.createObjectNode(), finish));
    if (usage) {
      ObjectNode usageChunk = base(id, model, "chat.completion.chunk");
      usageChunk.putArray("choices");
      usageChunk.set("usage", usage(promptTokens, completionTokens));
      send(out, usageChunk.toString());
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private ObjectNode completion(ModelReply reply, String model, long promptTokens) {
    ObjectNode root = base("chatcmpl-" + toolCallIds.incrementAndGet(), model, "chat.completion");
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    long completionTokens;
    if (reply instanceof ModelReply.Text) {
      String text = ((ModelReply.Text) reply).text();
      message.put("content", text);
      choice.put("finish_reason", "stop");
      completionTokens = Math.max(1, text.length() / 4);
    } else {
      ModelReply.ToolCall call = (ModelReply.ToolCall) reply;
      message.putNull("content");
      ObjectNode toolCall = message.putArray("tool_calls").addObject();
      toolCall.put("id", "call_" + toolCallIds.incrementAndGet()).put("type", "function");
      toolCall
          .putObject("function")
          .put("name", call.name())
          .put("arguments", call.argumentsJson());
      choice.put("finish_reason", "tool_calls");
      completionTokens = Math.max(1, call.argumentsJson().length() / 4);
    }
    root.set("usage", usage(promptTokens, completionTokens));
    return root;
  }

  private static String chunk(
      String id, String model, ObjectNode delta, @Nullable String finishReason) {
    ObjectNode chunk = base(id, model, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk.toString();
  }

  private static ObjectNode base(String id, String model, String object) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("id", id).put("object", object).put("created", 1_700_000_000L).put("model", model);
    return node;
  }

  private static ObjectNode usage(long promptTokens, long completionTokens) {
    return MAPPER
        .createObjectNode()
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
  }

  private static ObjectNode models() {
    ObjectNode root = MAPPER.createObjectNode().put("object", "list");
    ArrayNode data = root.putArray("data");
    data.addObject()
        .put("id", MODEL)
        .put("object", "model")
        .put("created", 1_700_000_000L)
        .put("owned_by", "openswarm-testkit");
    return root;
  }

  private static ObjectNode error(int status, String message) {
    ObjectNode root = MAPPER.createObjectNode();
    root.putObject("error")
        .put("message", message)
        .put("type", status >= 500 ? "server_error" : "invalid_request_error")
        .put("code", status);
    return root;
  }

  /**
   * Splits {@code text} into at most {@code count} non-empty pieces, so clients see real deltas.
   */
  private static List<String> pieces(String text, int count) {
    List<String> pieces = new ArrayList<>();
    if (text.isEmpty()) {
      pieces.add("");
      return pieces;
    }
    int size = Math.max(1, (text.length() + count - 1) / count);
    int start = 0;
    while (start < text.length()) {
      int end = Math.min(text.length(), start + size);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end++; // never split a surrogate pair between two chunks
      }
      pieces.add(text.substring(start, end));
      start = end;
    }
    return pieces;
  }

  private static void send(OutputStream out, String json) throws IOException {
    out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode json)
      throws IOException {
    byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /**
   * A request the {@link FakeModelServer} received, for assertions.
   *
   * <p>Immutable and thread-safe.
   *
   * @param method the HTTP method
   * @param path the request path, e.g. {@code /v1/chat/completions}
   * @param headers the request headers, names in lower case
   * @param body the request body as text
   */
  public record Request(
      String method, String path, Map<String, List<String>> headers, String body) {

    /**
     * Creates a record.
     *
     * @param method the HTTP method
     * @param path the request path, e.g. {@code /v1/chat/completions}
     * @param headers the request headers, names in lower case
     * @param body the request body as text
     * @throws NullPointerException if an argument is null
     */
    public Request {
      Objects.requireNonNull(method, "method cannot be null");
      Objects.requireNonNull(path, "path cannot be null");
      headers = Map.copyOf(Objects.requireNonNull(headers, "headers cannot be null"));
      Objects.requireNonNull(body, "body cannot be null");
    }

    /**
     * The first value of header {@code name} (case-insensitive).
     *
     * @param name the header's name, in any case
     * @return its first value, or empty when the request has none
     */
    public Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The body parsed as JSON; a missing node when it is not JSON.
     *
     * @return the parsed body, or a missing node
     */
    public JsonNode json() {
      try {
        JsonNode node = MAPPER.readTree(body);
        return node == null ? MissingNode.getInstance() : node;
      } catch (IOException e) {
        return MissingNode.getInstance();
      }
    }

    /**
     * The {@code model} the request asked for, or empty.
     *
     * @return the model, or an empty string
     */
    public String model() {
      return json().path("model").asText("");
    }

    /**
     * Whether the request asked for a streamed reply.
     *
     * @return true when {@code stream} is true in the body
     */
    public boolean streaming() {
      return json().path("stream").asBoolean(false);
    }

    /**
     * The names of the tools the request offered the model.
     *
     * @return the tools' names; empty when none was offered
     */
    public List<String> toolNames() {
      List<String> names = new ArrayList<>();
      for (JsonNode tool : json().path("tools")) {
        names.add(tool.path("function").path("name").asText(""));
      }
      return names;
    }

    /**
     * The text of the last {@code user} message of a chat request, or empty.
     *
     * @return the text, or an empty string
     */
    public String lastUserText() {
      String last = "";
      for (JsonNode message : json().path("messages")) {
        if ("user".equals(message.path("role").asText())) {
          JsonNode content = message.path("content");
          if (content.isTextual()) {
            last = content.asText();
          } else if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
              text.append(part.path("text").asText(""));
            }
            last = text.toString();
          }
        }
      }
      return last;
    }

    @Override
    public String toString() {
      return method + " " + path + " (" + body.length() + " chars)";
    }
  }

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
   * <p>An agent turn that calls a tool needs two replies: the tool call, and the text the model
   * says after seeing the tool's result. The {@code then...} methods are aliases that read well in
   * such chains.
   *
   * <p>Immutable and thread-safe: every method returns a new script.
   */
  public static final class Script {

    private static final Script EMPTY = new Script(List.of());

    private final List<ModelReply> replies;

    private Script(List<ModelReply> replies) {
      this.replies = List.copyOf(replies);
    }

    /**
     * A script with no replies.
     *
     * @return a new, empty script
     */
    public static Script empty() {
      return EMPTY;
    }

    /**
     * Appends a plain text answer (finish reason {@code stop}).
     *
     * @param text the answer
     * @return this script
     * @throws NullPointerException if {@code text} is null
     */
    public Script text(String text) {
      return append(new ModelReply.Text(text));
    }

    /**
     * Appends a call of tool {@code name} with {@code arguments} (serialised as a JSON object;
     * finish reason {@code tool_calls}).
     *
     * @param name the tool's name
     * @param arguments the tool's arguments, by name
     * @return this script
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the arguments cannot be serialised to JSON
     */
    public Script toolCall(String name, Map<String, ?> arguments) {
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
    public Script write(String filePath, String content) {
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
    public Script bash(String command) {
      Objects.requireNonNull(command, "command cannot be null");
      Map<String, Object> arguments = new LinkedHashMap<>();
      arguments.put("command", command);
      arguments.put("description", "scripted command");
      return toolCall("bash", arguments);
    }

    /**
     * Appends a reply that never comes: the request hangs until the server closes. Replies are
     * consumed by requests, not by turns: when the agent's turn is aborted before it asked the
     * model (an idle timeout shorter than the agent's own work before its first model call), the
     * hang stays queued and answers the next request; call {@link FakeModelServer#reset()} before
     * scripting the next turn.
     *
     * @return this script
     */
    public Script hang() {
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
    public Script error(int status, String message) {
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
    public Script thenText(String text) {
      return text(text);
    }

    /**
     * Alias of {@link #toolCall(String, Map)}.
     *
     * @param name the tool's name
     * @param arguments the tool's arguments, by name
     * @return this script
     */
    public Script thenToolCall(String name, Map<String, ?> arguments) {
      return toolCall(name, arguments);
    }

    /**
     * Alias of {@link #write(String, String)}.
     *
     * @param filePath the file; an absolute path inside the worktree
     * @param content the new content
     * @return this script
     */
    public Script thenWrite(String filePath, String content) {
      return write(filePath, content);
    }

    /**
     * Alias of {@link #bash(String)}.
     *
     * @param command the shell command
     * @return this script
     */
    public Script thenBash(String command) {
      return bash(command);
    }

    /**
     * Alias of {@link #hang()}.
     *
     * @return this script
     */
    public Script thenHang() {
      return hang();
    }

    /**
     * Alias of {@link #error(int, String)}.
     *
     * @param status the HTTP status; 400 to 599
     * @param message the error message
     * @return this script
     */
    public Script thenError(int status, String message) {
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
      return "Script" + replies;
    }

    private Script append(ModelReply reply) {
      List<ModelReply> next = new ArrayList<>(replies.size() + 1);
      next.addAll(replies);
      next.add(reply);
      return new Script(next);
    }
  }
}
