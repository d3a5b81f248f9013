package io.openswarm.infra.opencode.internal;

import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.SESSION;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.assistant;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.assistantWithError;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.busy;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.error;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.idle;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.idleOf;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.list;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.permissionAsked;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.questionAsked;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.retry;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.toolPart;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.user;
import static io.openswarm.infra.opencode.internal.StubOpenCodeServer.userMessageUpdated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenCodeClientTest {

  private static final Duration IDLE = Duration.ofSeconds(10);
  private static final Duration LIMIT = Duration.ofSeconds(30);

  private StubOpenCodeServer stub;
  private OpenCodeClient client;

  @BeforeEach
  void setUp() throws IOException {
    stub = new StubOpenCodeServer();
    client =
        stub.client()
            .requestTimeout(Duration.ofSeconds(5))
            .confirmTimeout(Duration.ofSeconds(1))
            .build();
  }

  @AfterEach
  void tearDown() {
    client.close();
    stub.close();
  }

  @Test
  void healthUsesBasicAuthAndParsesTheReply() throws InterruptedException {
    assertThat(client.health()).isEqualTo(new HealthStatus(true, "1.18.33"));
  }

  @Test
  void aWrongPasswordIs401WithoutThePasswordInTheMessage() {
    OpenCodeClient wrong = OpenCodeClient.newBuilder(stub.uri(), "not-the-password").build();

    assertThatThrownBy(wrong::health)
        .isInstanceOfSatisfying(
            OpenCodeException.class,
            e -> {
              assertThat(e.statusCode()).hasValue(401);
              assertThat(e.getMessage())
                  .isEqualTo("GET /global/health returned HTTP 401 (password rejected)")
                  .doesNotContain("not-the-password");
            });
  }

  @Test
  void httpErrorsNameTheRequestTheStatusAndABoundedExcerpt() {
    stub.failSessionCreateWith = 500;
    stub.failureBody =
        "{\"name\":\"UnknownError\",\"data\":{\"message\":\"" + "x".repeat(20_000) + "\"}}";

    assertThatThrownBy(() -> client.createSession("cell-1"))
        .isInstanceOfSatisfying(
            OpenCodeException.class,
            e -> {
              assertThat(e.statusCode()).hasValue(500);
              assertThat(e.getMessage())
                  .startsWith("POST /session returned HTTP 500: {\"name\":\"UnknownError\"")
                  .contains("more chars)")
                  .hasSizeLessThan(700);
            });
  }

  @Test
  void awaitReadyRetriesPastAHealthCheckThatIsNeverAnswered() throws InterruptedException {
    stub.hangingHealthChecks = 1;
    OpenCodeClient quick = stub.client().healthRequestTimeout(Duration.ofMillis(300)).build();

    HealthStatus status = quick.awaitReady(Duration.ofSeconds(10), () -> true);

    assertThat(status.healthy()).isTrue();
    assertThat(stub.healthCalls).hasValueGreaterThanOrEqualTo(2);
  }

  @Test
  void awaitReadyStopsAsSoonAsTheServerIsGone() {
    stub.hangingHealthChecks = Integer.MAX_VALUE;
    OpenCodeClient quick = stub.client().healthRequestTimeout(Duration.ofMillis(200)).build();
    int[] checks = {0};

    assertThatThrownBy(() -> quick.awaitReady(Duration.ofSeconds(30), () -> ++checks[0] < 3))
        .isInstanceOf(OpenCodeException.class)
        .hasMessageStartingWith(
            "OpenCode server at "
                + stub.uri()
                + " exited before it became healthy (after 2 "
                + "health checks; last: GET /global/health timed out after PT0.2S)");
  }

  @Test
  void awaitReadyGivesUpAtTheDeadline() {
    stub.hangingHealthChecks = Integer.MAX_VALUE;
    OpenCodeClient quick = stub.client().healthRequestTimeout(Duration.ofMillis(200)).build();
    long start = System.nanoTime();

    assertThatThrownBy(() -> quick.awaitReady(Duration.ofSeconds(1), () -> true))
        .isInstanceOf(OpenCodeException.class)
        .hasMessageContaining("not healthy within PT1S");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void awaitReadyDoesNotRetryARejectedPassword() {
    OpenCodeClient wrong = OpenCodeClient.newBuilder(stub.uri(), "wrong").build();

    assertThatThrownBy(() -> wrong.awaitReady(Duration.ofSeconds(30), () -> true))
        .isInstanceOfSatisfying(
            OpenCodeException.class, e -> assertThat(e.statusCode()).hasValue(401));
  }

  @Test
  void createSessionAlwaysSendsATitle() throws InterruptedException {
    SessionInfo session = client.createSession("cell-7: add a README");

    assertThat(session).isEqualTo(new SessionInfo(SESSION, "cell-7: add a README", "/work/tree"));
    assertThat(stub.requests).contains("POST /session {\"title\":\"cell-7: add a README\"}");
    assertThatThrownBy(() -> client.createSession(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("title must not be blank");
  }

  @Test
  void promptToAnUnknownSessionIsA404() {
    assertThatThrownBy(() -> client.promptAsync("ses_unknown", "hi"))
        .isInstanceOfSatisfying(
            OpenCodeException.class,
            e -> {
              assertThat(e.statusCode()).hasValue(404);
              assertThat(e.getMessage())
                  .contains("POST /session/ses_unknown/prompt_async returned HTTP 404")
                  .contains("Session not found");
            });
  }

  @Test
  void idsThatCouldEscapeTheirPathAreRejected() {
    assertThatThrownBy(() -> client.abort("../global/dispose"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sessionId must match [A-Za-z0-9_-]{1,200} but was '../global/dispose'");
    assertThatThrownBy(() -> client.rejectPermission("per_1?x=y", "no"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builderValidatesTheAddress() {
    assertThatThrownBy(
            () -> OpenCodeClient.newBuilder(URI.create("https://127.0.0.1:1"), "p").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseUri must look like http://127.0.0.1:8123 but was https://127.0.0.1:1");
    assertThatThrownBy(() -> OpenCodeClient.newBuilder(URI.create("http://127.0.0.1"), "p").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OpenCodeClient.newBuilder(stub.uri(), "").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("password must not be empty");
  }

  @Test
  void subscriptionDeliversOnlyItsSessionsEventsAndOutlivesTheRequestTimeout()
      throws InterruptedException {
    OpenCodeClient shortTimeouts = stub.client().requestTimeout(Duration.ofMillis(300)).build();

    try (EventSubscription events = shortTimeouts.subscribe(SESSION)) {
      assertThat(events.poll(Duration.ofMillis(800))).isEmpty();
      stub.emit(idleOf("ses_other"));
      stub.emit(idle());

      Optional<OpenCodeEvent> event = events.poll(Duration.ofSeconds(5));
      assertThat(event).map(OpenCodeEvent::type).contains("session.idle");
      assertThat(event).flatMap(OpenCodeEvent::sessionId).contains(SESSION);
      assertThat(events.poll(Duration.ofMillis(200))).isEmpty();
      assertThat(events.isOpen()).isTrue();
    }
  }

  @Test
  void aStreamWithoutServerConnectedIsRefused() {
    stub.sendConnected = false;
    OpenCodeClient shortTimeouts = stub.client().requestTimeout(Duration.ofMillis(500)).build();

    assertThatThrownBy(() -> shortTimeouts.subscribe(SESSION))
        .isInstanceOf(OpenCodeException.class)
        .hasMessage("GET /event sent no server.connected event within PT0.5S");
  }

  @Test
  void aDroppedStreamFailsAfterTheEventsBeforeTheDrop() throws InterruptedException {
    try (EventSubscription events = client.subscribe(SESSION)) {
      stub.emit(busy());
      stub.dropStreams();

      assertThat(events.poll(Duration.ofSeconds(5)))
          .map(OpenCodeEvent::type)
          .contains("session.status");
      assertThatThrownBy(() -> events.poll(Duration.ofSeconds(5)))
          .isInstanceOf(OpenCodeException.class)
          .hasMessageContaining("event stream " + stub.uri() + "/event");
      assertThat(events.isOpen()).isFalse();
      assertThatThrownBy(() -> events.poll(Duration.ofSeconds(1)))
          .isInstanceOf(OpenCodeException.class);
    }
  }

  @Test
  void pollingAClosedSubscriptionIsALifecycleError() throws InterruptedException {
    EventSubscription events = client.subscribe(SESSION);
    events.close();

    assertThatThrownBy(() -> events.poll(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to poll while in closed state");
  }

  @Test
  void aTurnEndsOnIdleWithTheAssistantsSummaryAndTokens() throws InterruptedException {
    stub.onSubscribe = s -> s.emit(idle()); // left over from an earlier turn: must not end this one
    stub.messages =
        call ->
            call == 1
                ? list(user("msg_old", "earlier"), assistant("msg_old_a", true, "old", 5, 5))
                : list(
                    user("msg_old", "earlier"),
                    assistant("msg_old_a", true, "old", 5, 5),
                    user("msg_u", "task"),
                    assistant("msg_a1", true, "calling a tool", 10, 2),
                    assistant("msg_a2", true, "done: wrote it", 20, 4));
    stub.onPrompt =
        s -> {
          s.emit(userMessageUpdated("msg_u"));
          s.emit(busy());
          s.emit(toolPart("write", "running"));
          s.emit(toolPart("write", "completed"));
          s.emit(idle());
        };
    List<TurnProgress> progress = new CopyOnWriteArrayList<>();

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, progress::add);

    assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
    assertThat(result.summary()).isEqualTo("done: wrote it");
    assertThat(result.error()).isEmpty();
    assertThat(result.tokens()).contains(new TokenUsage(30, 6, 2, 4, 6, 1.0));
    assertThat(progress)
        .extracting(TurnProgress::activity)
        .contains("tool write running", "tool write completed");
    assertThat(progress)
        .allSatisfy(p -> assertThat(p.describe()).doesNotContain("tool-input-never-reported"));
    assertThat(stub.requests)
        .contains(
            "POST /session/"
                + SESSION
                + "/prompt_async "
                + "{\"parts\":[{\"type\":\"text\",\"text\":\"task\"}]}");
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isZero();
  }

  @Test
  void idleBeforeTheLastMessageCompletesWaitsForTheMessageList() throws InterruptedException {
    stub.messages =
        call ->
            call == 1
                ? "[]"
                : call < 4
                    ? list(user("msg_u", "task"), assistant("msg_a", false, "still writing", 1, 1))
                    : list(user("msg_u", "task"), assistant("msg_a", true, "finished", 1, 1));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
    assertThat(result.summary()).isEqualTo("finished");
    assertThat(stub.messageCalls).hasValueGreaterThanOrEqualTo(4);
  }

  @Test
  void aMessageThatNeverCompletesFailsTheTurn() throws InterruptedException {
    stub.messages =
        call -> call == 1 ? "[]" : list(user("msg_u", "task"), assistant("msg_a", false, "", 1, 1));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
    assertThat(result.error())
        .contains("session went idle but its last assistant message never completed");
  }

  @Test
  void idleWithoutAnyAssistantReplyFailsTheTurn() throws InterruptedException {
    stub.messages = call -> call == 1 ? "[]" : list(user("msg_u", "task"));
    stub.onPrompt =
        s -> {
          s.emit(userMessageUpdated("msg_u"));
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
    assertThat(result.error()).contains("session went idle without an assistant reply");
  }

  @Test
  void aSessionErrorFailsTheTurnWithOpenCodesMessage() throws InterruptedException {
    stub.messages = call -> call == 1 ? "[]" : list(user("msg_u", "task"));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(error("UnknownError", "Model not found: nope/x."));
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
    assertThat(result.error()).contains("UnknownError: Model not found: nope/x.");
  }

  @Test
  void anErrorOnTheLastAssistantMessageFailsTheTurn() throws InterruptedException {
    stub.messages =
        call ->
            call == 1
                ? "[]"
                : list(
                    user("msg_u", "task"),
                    assistantWithError("msg_a", "APIError", "scripted failure"));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
    assertThat(result.error()).contains("APIError: scripted failure");
  }

  @Test
  void anAbortBySomeoneElseEndsTheTurnAsAborted() throws InterruptedException {
    stub.messages =
        call -> call == 1 ? "[]" : list(user("msg_u", "task"), assistant("msg_a", false, "", 1, 1));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(error("MessageAbortedError", "Aborted"));
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.ABORTED);
    assertThat(result.error()).contains("MessageAbortedError: Aborted");
  }

  @Test
  void aSilentTurnIsAbortedAtTheIdleTimeoutAndReportedWhileWaiting() throws InterruptedException {
    stub.onPrompt = s -> s.emit(busy());
    stub.onAbort =
        s -> {
          s.emit(error("MessageAbortedError", "Aborted"));
          s.emit(idle());
        };
    List<TurnProgress> progress = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();

    TurnResult result =
        client.runTurn(SESSION, "task", Duration.ofMillis(2500), LIMIT, progress::add);

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(result.status()).isEqualTo(TurnStatus.TIMED_OUT);
    assertThat(result.error())
        .hasValueSatisfying(
            error ->
                assertThat(error)
                    .startsWith(
                        "no event from session "
                            + SESSION
                            + " for PT2.5S (last activity: status busy)")
                    .doesNotContain("did not confirm"));
    assertThat(took).isBetween(Duration.ofMillis(2400), Duration.ofSeconds(8));
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
    assertThat(progress).extracting(TurnProgress::activity).contains("waiting");
  }

  @Test
  void theOverallLimitAbortsABusyTurn() throws InterruptedException {
    stub.onPrompt = s -> s.emit(busy());

    TurnResult result =
        client.runTurn(SESSION, "task", IDLE, Duration.ofMillis(1500), TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.TIMED_OUT);
    assertThat(result.error())
        .hasValueSatisfying(
            error ->
                assertThat(error)
                    .startsWith("turn exceeded its limit of PT1.5S")
                    .endsWith("the server did not confirm the abort within PT1S"));
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
  }

  @Test
  void providerRetriesBeyondTheLimitGiveTheTurnUp() throws InterruptedException {
    OpenCodeClient strict =
        stub.client().providerRetryLimit(2).confirmTimeout(Duration.ofSeconds(1)).build();
    stub.onPrompt =
        s -> {
          s.emit(busy());
          for (int attempt = 1; attempt <= 3; attempt++) {
            s.emit(retry(attempt, "rate limited"));
          }
        };

    TurnResult result = strict.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.FAILED);
    assertThat(result.providerRetries()).isEqualTo(3);
    assertThat(result.error()).contains("model provider failed 3 times (limit 2): rate limited");
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
  }

  @Test
  void permissionAndQuestionPromptsAreRejectedSoTheTurnNeverBlocks() throws InterruptedException {
    stub.messages =
        call ->
            call == 1 ? "[]" : list(user("msg_u", "task"), assistant("msg_a", true, "ok", 1, 1));
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.emit(permissionAsked("per_1"));
          s.emit(questionAsked("que_1"));
          s.emit(idle());
        };

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());

    assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
    assertThat(stub.requests)
        .anyMatch(r -> r.startsWith("POST /permission/per_1/reply {\"reply\":\"reject\""));
    assertThat(stub.requests).contains("POST /question/que_1/reject");
  }

  @Test
  void aListenerExceptionAbortsTheSessionAndPropagates() {
    stub.onPrompt = s -> s.emit(busy());
    IllegalStateException cancelled = new IllegalStateException("activity cancelled");

    assertThatThrownBy(
            () ->
                client.runTurn(
                    SESSION,
                    "task",
                    IDLE,
                    LIMIT,
                    p -> {
                      throw cancelled;
                    }))
        .isSameAs(cancelled);
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
  }

  @Test
  void aStreamDroppedMidTurnIsReopenedAndTheTurnIsFollowedToItsEnd() throws InterruptedException {
    stub.messages =
        call ->
            call == 1 ? "[]" : list(user("msg_u", "task"), assistant("msg_a", true, "done", 1, 1));
    stub.sessionStatuses = "{\"" + SESSION + "\":{\"type\":\"busy\"}}";
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.dropStreams();
        };
    stub.onSubscribe =
        s -> {
          if (s.subscriptions.get() == 2) {
            s.emit(toolPart("write", "completed"));
            s.emit(idle());
          }
        };
    List<TurnProgress> progress = new CopyOnWriteArrayList<>();

    TurnResult result = client.runTurn(SESSION, "task", IDLE, LIMIT, progress::add);

    assertThat(result.status()).as("%s", result).isEqualTo(TurnStatus.COMPLETED);
    assertThat(result.summary()).isEqualTo("done");
    assertThat(stub.subscriptions).hasValue(2);
    assertThat(stub.requests).contains("GET /session/status");
    assertThat(progress).extracting(TurnProgress::activity).contains("tool write completed");
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isZero();
  }

  @Test
  void aTurnThatEndsWhileTheStreamIsDownIsConfirmedByTheServerNotByWaitingForSilence()
      throws InterruptedException {
    stub.messages =
        call ->
            call == 1 ? "[]" : list(user("msg_u", "task"), assistant("msg_a", true, "done", 1, 1));
    // The session is idle by the time the stream is back, and the new stream has nothing more to
    // say.
    stub.onPrompt = s -> s.emit(busy());
    long start = System.nanoTime();

    TurnResult result =
        client.runTurn(
            SESSION,
            "task",
            IDLE,
            LIMIT,
            p -> {
              if (p.activity().equals("status busy")) {
                assertThat(client.dropEventStreams()).as("the seam cuts the turn's stream").isOne();
              }
            });

    assertThat(result.status()).as("%s", result).isEqualTo(TurnStatus.COMPLETED);
    assertThat(result.summary()).isEqualTo("done");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(IDLE);
    assertThat(stub.subscriptions).hasValue(2);
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isZero();
  }

  @Test
  void aStreamThatCannotBeReopenedFailsTheTurnClearlyAndTheSessionIsAborted() {
    stub.onPrompt =
        s -> {
          s.emit(busy());
          s.eventStatus = 500;
          s.dropStreams();
        };

    assertThatThrownBy(() -> client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none()))
        .isInstanceOf(OpenCodeException.class)
        .hasMessageContaining("the event stream of session " + SESSION + " dropped mid-turn")
        .hasMessageContaining("could not be reopened after 5 attempt(s)")
        .hasMessageContaining("GET /event returned HTTP 500");
    assertThat(stub.subscriptions).hasValue(6);
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
  }

  @Test
  void dropEventStreamsCutsOpenStreamsLikeAFailedConnection() throws InterruptedException {
    EventSubscription events = client.subscribe(SESSION);

    assertThat(client.dropEventStreams()).isOne();

    assertThatThrownBy(() -> events.poll(Duration.ofSeconds(5)))
        .isInstanceOf(OpenCodeException.class)
        .hasMessageContaining("failed");
    assertThat(events.isOpen()).isFalse();
    assertThat(client.dropEventStreams()).as("nothing left to cut").isZero();
    events.close();
  }

  @Test
  void anInterruptAbortsTheSessionAndPropagates() throws Exception {
    stub.onPrompt = s -> s.emit(busy());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<?> turn =
          runner.submit(
              () -> {
                try {
                  client.runTurn(SESSION, "task", IDLE, LIMIT, TurnListener.none());
                } catch (Throwable t) {
                  thrown.set(t);
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
              });
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> stub.count("POST /session/" + SESSION + "/prompt") == 1);
      turn.cancel(true);
      runner.shutdown();
      assertThat(runner.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      runner.shutdownNow();
    }

    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(stillInterrupted.get()).isFalse();
    assertThat(stub.count("POST /session/" + SESSION + "/abort")).isEqualTo(1);
  }

  @Test
  void closingTheClientClosesItsSubscriptions() throws InterruptedException {
    EventSubscription events = client.subscribe(SESSION);

    client.close();

    assertThat(events.isOpen()).isFalse();
    assertThatThrownBy(() -> client.subscribe(SESSION))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempted to subscribe while in closed state");
  }
}
