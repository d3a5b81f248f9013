package io.openswarm.testkit.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeModelServerTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private FakeModelServer server;

  @BeforeEach
  void setUp() {
    server = FakeModelServer.start();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  @Test
  void listensOnLoopbackOnAnEphemeralPort() {
    assertThat(server.port()).isPositive();
    assertThat(server.baseUri()).hasToString("http://127.0.0.1:" + server.port() + "/v1");
  }

  @Test
  void streamsTextAsDeltasWithFinishReasonUsageAndDone() throws Exception {
    server.enqueue(FakeModelServer.script().text("All tests pass. Done."));

    HttpResponse<String> response = post(chat(true, true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).contains("text/event-stream");
    List<String> data = dataLines(response.body());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    List<JsonNode> chunks = chunks(data);
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"));
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    StringBuilder content = new StringBuilder();
    List<String> finishReasons = new ArrayList<>();
    int contentChunks = 0;
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        String piece = choice.path("delta").path("content").asText("");
        if (!piece.isEmpty()) {
          contentChunks++;
        }
        content.append(piece);
        if (!choice.path("finish_reason").isNull()) {
          finishReasons.add(choice.path("finish_reason").asText());
        }
      }
    }
    assertThat(content).hasToString("All tests pass. Done.");
    assertThat(contentChunks).as("text arrives in several deltas").isGreaterThan(1);
    assertThat(finishReasons).containsExactly("stop");
    JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isPositive();
    assertThat(usage.path("completion_tokens").asLong()).isPositive();
    assertThat(usage.path("total_tokens").asLong())
        .isEqualTo(usage.path("prompt_tokens").asLong() + usage.path("completion_tokens").asLong());
  }

  @Test
  void usageIsStreamedOnlyWhenAskedFor() throws Exception {
    server.enqueue(FakeModelServer.script().text("hi"));

    List<JsonNode> chunks = chunks(dataLines(post(chat(true, false)).body()));

    assertThat(chunks).noneMatch(c -> c.has("usage"));
  }

  @Test
  void streamsAToolCallAsDeltasThatReassembleToTheArguments() throws Exception {
    server.enqueue(FakeModelServer.script().write("/repo/hello.txt", "hello\nworld\n"));

    List<JsonNode> chunks = chunks(dataLines(post(chat(true, true)).body()));

    String id = null;
    String name = null;
    StringBuilder arguments = new StringBuilder();
    int argumentChunks = 0;
    String finish = null;
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        for (JsonNode call : choice.path("delta").path("tool_calls")) {
          assertThat(call.path("index").asInt()).isZero();
          if (call.has("id")) {
            id = call.path("id").asText();
            assertThat(call.path("type").asText()).isEqualTo("function");
          }
          if (call.path("function").has("name")) {
            name = call.path("function").path("name").asText();
          }
          String piece = call.path("function").path("arguments").asText("");
          if (!piece.isEmpty()) {
            argumentChunks++;
          }
          arguments.append(piece);
        }
        if (!choice.path("finish_reason").isNull()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    assertThat(id).startsWith("call_");
    assertThat(name).isEqualTo("write");
    assertThat(argumentChunks).isGreaterThan(1);
    assertThat(MAPPER.readTree(arguments.toString()))
        .isEqualTo(
            MAPPER.readTree("{\"filePath\":\"/repo/hello.txt\",\"content\":\"hello\\nworld\\n\"}"));
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void answersNonStreamingRequestsWithOneCompletion() throws Exception {
    server.enqueue(FakeModelServer.script().bash("mvn -q test").thenText("green"));

    JsonNode toolCall = MAPPER.readTree(post(chat(false, false)).body());
    JsonNode text = MAPPER.readTree(post(chat(false, false)).body());

    JsonNode call = toolCall.path("choices").get(0).path("message").path("tool_calls").get(0);
    assertThat(call.path("function").path("name").asText()).isEqualTo("bash");
    assertThat(
            MAPPER
                .readTree(call.path("function").path("arguments").asText())
                .path("command")
                .asText())
        .isEqualTo("mvn -q test");
    assertThat(toolCall.path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("tool_calls");
    assertThat(text.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("green");
    assertThat(text.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(text.path("usage").path("total_tokens").asLong()).isPositive();
  }

  @Test
  void eachRequestConsumesTheNextReplyInOrder() throws Exception {
    server.enqueue(FakeModelServer.script().text("one").thenText("two"));
    server.enqueue(FakeModelServer.script().text("three"));
    assertThat(server.pendingReplies()).isEqualTo(3);

    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(
          MAPPER
              .readTree(post(chat(false, false)).body())
              .path("choices")
              .get(0)
              .path("message")
              .path("content")
              .asText());
    }

    assertThat(answers).containsExactly("one", "two", "three");
    assertThat(server.pendingReplies()).isZero();
  }

  @Test
  void scriptsPerPromptAnswerTheirOwnConversationsBeforeTheSharedQueue() throws Exception {
    server.enqueue("task A", FakeModelServer.script().text("A1").thenText("A2"));
    server.enqueue("task B", FakeModelServer.script().text("B1"));
    server.enqueue(FakeModelServer.script().text("shared"));
    assertThat(server.pendingReplies()).isEqualTo(4);

    List<String> answers = new ArrayList<>();
    for (String prompt : List.of("task B", "task A", "task A", "task B")) {
      answers.add(
          MAPPER
              .readTree(post(chat(false, false, prompt)).body())
              .path("choices")
              .get(0)
              .path("message")
              .path("content")
              .asText());
    }

    assertThat(answers).containsExactly("B1", "A1", "A2", "shared");
    assertThat(server.pendingReplies()).isZero();
    assertThatThrownBy(() -> server.enqueue(null, FakeModelServer.script()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("prompt cannot be null");
  }

  @Test
  void scriptedErrorsCarryTheStatusAndAnOpenAiStyleBody() throws Exception {
    server.enqueue(FakeModelServer.script().error(429, "slow down"));

    HttpResponse<String> response = post(chat(true, true));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(MAPPER.readTree(response.body()).path("error").path("message").asText())
        .isEqualTo("slow down");
  }

  @Test
  void aRequestBeyondTheScriptIsA400AndCounted() throws Exception {
    HttpResponse<String> response = post(chat(true, true));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("no scripted reply left");
    assertThat(server.unscriptedRequests()).isEqualTo(1);
  }

  @Test
  void aHangingReplyNeverAnswersAndIsReleasedOnClose() {
    server.enqueue(FakeModelServer.script().hang().thenText("after the hang"));
    CompletableFuture<HttpResponse<String>> hanging =
        HTTP.sendAsync(request(chat(true, true)), HttpResponse.BodyHandlers.ofString());

    await().atMost(Duration.ofSeconds(10)).until(() -> server.hangingRequests() == 1);
    assertThat(hanging).isNotDone();

    server.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> server.hangingRequests() == 0);
    await().atMost(Duration.ofSeconds(10)).until(hanging::isDone);
    assertThat(hanging).isCompletedExceptionally();
  }

  @Test
  void aHangDoesNotBlockOtherRequests() throws Exception {
    server.enqueue(FakeModelServer.script().hang().thenText("served meanwhile"));
    HttpRequest hangingRequest =
        HttpRequest.newBuilder(URI.create(server.baseUri() + "/chat/completions"))
            .timeout(Duration.ofMillis(500))
            .POST(HttpRequest.BodyPublishers.ofString(chat(false, false)))
            .build();

    assertThatThrownBy(() -> HTTP.send(hangingRequest, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
    JsonNode reply = MAPPER.readTree(post(chat(false, false)).body());

    assertThat(reply.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("served meanwhile");
  }

  @Test
  void listsItsModel() throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.baseUri() + "/models")).build(),
            HttpResponse.BodyHandlers.ofString());

    JsonNode models = MAPPER.readTree(response.body());
    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data").get(0).path("id").asText()).isEqualTo(FakeModelServer.MODEL);
  }

  @Test
  void recordsEveryRequestForAssertions() throws Exception {
    server.enqueue(FakeModelServer.script().text("ok"));

    post(chat(true, true));

    assertThat(server.chatRequests()).hasSize(1);
    FakeModelServer.Request recorded = server.chatRequests().get(0);
    assertThat(recorded.method()).isEqualTo("POST");
    assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
    assertThat(recorded.header("Content-Type")).contains("application/json");
    assertThat(recorded.model()).isEqualTo("fake-model");
    assertThat(recorded.streaming()).isTrue();
    assertThat(recorded.toolNames()).containsExactly("write", "bash");
    assertThat(recorded.lastUserText()).isEqualTo("please write the file");
  }

  @Test
  void providerConfigPointsOpenCodeAtThisServer() throws IOException {
    JsonNode config = MAPPER.readTree(server.openCodeProviderConfig());

    JsonNode provider = config.path(FakeModelServer.PROVIDER_ID);
    assertThat(provider.path("npm").asText()).isEqualTo("@ai-sdk/openai-compatible");
    assertThat(provider.path("options").path("baseURL").asText())
        .isEqualTo(server.baseUri().toString());
    assertThat(provider.path("models").path(FakeModelServer.MODEL).path("tool_call").asBoolean())
        .isTrue();
    assertThat(server.openCodeModel()).isEqualTo("fake/fake-model");
  }

  @Test
  void scriptsAreImmutableAndValidated() {
    FakeModelServer.Script base = FakeModelServer.script().text("a");
    FakeModelServer.Script longer = base.thenText("b");

    assertThat(base.size()).isEqualTo(1);
    assertThat(longer.size()).isEqualTo(2);
    assertThatThrownBy(() -> base.error(200, "fine"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status must be an error status, 400 to 599, but was 200");
    assertThatThrownBy(() -> base.toolCall("write", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("arguments cannot be null");
  }

  @Test
  void resetDropsRepliesRequestsAndCounters() throws Exception {
    server.enqueue(FakeModelServer.script().text("consumed").thenText("dropped"));
    post(chat(false, false));
    server.reset();
    post(chat(false, false));
    assertThat(server.unscriptedRequests()).isEqualTo(1);

    server.reset();

    assertThat(server.pendingReplies()).isZero();
    assertThat(server.requests()).isEmpty();
    assertThat(server.unscriptedRequests()).isZero();
  }

  @Test
  void enqueueAfterCloseIsALifecycleError() {
    server.close();

    assertThatThrownBy(() -> server.enqueue(FakeModelServer.script().text("late")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to enqueue while in closed state");
  }

  private HttpResponse<String> post(String body) throws IOException, InterruptedException {
    return HTTP.send(request(body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String body) {
    return HttpRequest.newBuilder(URI.create(server.baseUri() + "/chat/completions"))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static String chat(boolean stream, boolean includeUsage) {
    return chat(stream, includeUsage, "please write the file");
  }

  private static String chat(boolean stream, boolean includeUsage, String prompt) {
    Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "write"));
    Map<String, Object> bash = Map.of("type", "function", "function", Map.of("name", "bash"));
    try {
      return MAPPER.writeValueAsString(
          Map.of(
              "model", "fake-model",
              "stream", stream,
              "stream_options", Map.of("include_usage", includeUsage),
              "tools", List.of(tool, bash),
              "messages",
                  List.of(
                      Map.of("role", "system", "content", "You are a coding agent."),
                      Map.of("role", "user", "content", prompt))));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> dataLines(String body) {
    List<String> data = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      if (block.startsWith("data: ")) {
        data.add(block.substring("data: ".length()));
      }
    }
    return data;
  }

  private static List<JsonNode> chunks(List<String> data) throws IOException {
    List<JsonNode> chunks = new ArrayList<>();
    for (String line : data) {
      if (!line.equals("[DONE]")) {
        chunks.add(MAPPER.readTree(line));
      }
    }
    return chunks;
  }
}
