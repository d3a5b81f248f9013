package io.openswarm.infra.opencode.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openswarm.infra.opencode.OpenCodeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of one running OpenCode server ({@code opencode serve}), on {@link HttpClient} and
 * Jackson.
 *
 * <h2>Protocol facts this client relies on (measured against OpenCode 1.18.33)</h2>
 *
 * <ul>
 *   <li>Every route demands HTTP Basic auth (user {@code opencode}, password from {@code
 *       OPENCODE_SERVER_PASSWORD}); without it the answer is {@code 401} with {@code
 *       www-authenticate: Basic realm="Secure Area"}. The OpenAPI document is served at {@code GET
 *       /doc}.
 *   <li>{@code GET /global/health} → {@code 200 {"healthy":true,"version":"1.18.33"}}. The port
 *       accepts connections a moment before the server can answer, and a request that arrives in
 *       that moment may never be answered: readiness polls with a short per-request timeout and
 *       retries.
 *   <li>{@code POST /session} with {@code {"title":...}} → {@code 200} session object ({@code id}
 *       {@code ses_...}, {@code directory} = the server's working directory). Without a title
 *       OpenCode spends one extra model call on generating one, so this client always sends a
 *       title.
 *   <li>{@code POST /session/{id}/prompt_async} with {@code {"parts":[{"type":"text","text":...}]}}
 *       → {@code 204} at once; {@code 404 NotFoundError} for an unknown session, {@code 400} for a
 *       bad body. A 204 says nothing about the turn: an unknown model, for example, is only
 *       reported later as a {@code session.error} event.
 *   <li>{@code GET /event} is a {@code text/event-stream} of {@code data:} lines only (no {@code
 *       event:} or {@code id:} fields); each data is {@code
 *       {"id":"evt_...","type":...,"properties":{...}}}. The first event is {@code
 *       server.connected}; {@code server.heartbeat} follows every 10 s. Session events carry {@code
 *       properties.sessionID}. A turn produces {@code message.updated} (user message), {@code
 *       session.status} {@code {"type":"busy"}}, {@code message.part.updated} / {@code
 *       message.part.delta} (text, tools {@code pending → running → completed|error}, {@code
 *       step-start}, {@code step-finish} with tokens), {@code session.status} {@code
 *       {"type":"idle"}} and {@code session.idle}. Provider failures that can be retried appear as
 *       {@code session.status} {@code
 *       {"type":"retry","attempt":n,"message":...,"next":epochMillis}} with growing back-off (2, 4,
 *       8, 16 s ...), forever; others as {@code session.error} {@code
 *       {"error":{"name":"APIError"|"UnknownError"|...,"data":{"message":...}}}} followed by idle.
 *   <li>{@code session.idle} can arrive before the last {@code message.updated}, and a {@code
 *       session.error} can arrive just after {@code session.idle}; an aborted turn ends with {@code
 *       session.error} {@code MessageAbortedError}, idle, and sometimes a second idle.
 *   <li>{@code GET /session/{id}/message} → {@code [{"info":{id, role, time:{created, completed?},
 *       error?, tokens: {input, output, reasoning, cache:{read, write}}, cost, finish},
 *       "parts":[{type:"text", text} | ...]}]}.
 *   <li>{@code POST /session/{id}/abort} → {@code 200 true} — also for a session that does not
 *       exist; abort is confirmed by the events, not by this reply. {@code /session/status} lists
 *       only busy sessions.
 *   <li>Permission and question prompts ({@code permission.asked}, {@code question.asked}) would
 *       block a turn; they are answered with {@code POST /permission/{id}/reply {"reply":"reject"}}
 *       and {@code POST /question/{id}/reject}.
 * </ul>
 *
 * <h2>A turn</h2>
 *
 * {@link #runTurn} subscribes to the events first, snapshots the session's messages, sends the
 * prompt, and then follows the session's events: the turn counts as started once a new message or a
 * busy/retry status arrives (older events of the session are ignored), and ends on {@code
 * session.idle} or {@code session.error}. The end is then confirmed from the message list: the
 * turn's last assistant message must be complete and error-free. Silence — no event of the session
 * within the idle timeout, extended while a provider retry is scheduled — and the overall limit
 * abort the session. An exception from the listener or an interrupt aborts the session too, then
 * propagates.
 *
 * <p>A dropped event stream does not end the turn: the server may still be working. The client
 * reopens the stream (a few attempts with a short back-off, within the turn's limit) and, because
 * events sent while no stream was open are lost, asks {@code GET /session/status} where the session
 * stands: still busy means follow the new stream; idle with a finished reply means the turn ended
 * meanwhile and is confirmed from the message list. Only when the stream cannot be reopened does
 * the turn fail, with an {@link OpenCodeException} saying so (and the session is aborted).
 *
 * <p>The password is only ever sent in the {@code Authorization} header; it is in no message, log
 * line or {@code toString}.
 *
 * <p>Thread-safe. Each call is independent; several turns of different sessions may run at once.
 */
public final class OpenCodeClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpenCodeClient.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");
  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;
  private static final int EXCERPT_CHARS = 500;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  /**
   * Attempts at reopening a dropped event stream before the turn is given up; a local server
   * answers at once.
   */
  private static final int RECONNECT_ATTEMPTS = 5;

  private static final Duration RECONNECT_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_RECONNECT_BACKOFF = Duration.ofSeconds(1);
  private static final HttpClient SHARED_HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final URI baseUri;
  private final String authorization;
  private final Duration requestTimeout;
  private final Duration healthRequestTimeout;
  private final Duration confirmTimeout;
  private final int providerRetryLimit;
  private final HttpClient http;
  private final Set<EventSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private OpenCodeClient(Builder b) {
    this.baseUri = b.baseUri;
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (OpenCodeLaunch.USER + ":" + b.password).getBytes(StandardCharsets.UTF_8));
    this.requestTimeout = b.requestTimeout;
    this.healthRequestTimeout = b.healthRequestTimeout;
    this.confirmTimeout = b.confirmTimeout;
    this.providerRetryLimit = b.providerRetryLimit;
    this.http = b.httpClient != null ? b.httpClient : SHARED_HTTP;
  }

  /**
   * Returns a builder for a client of the server at {@code baseUri}.
   *
   * @param baseUri e.g. {@code http://127.0.0.1:8123}
   * @param password the server's password
   * @throws NullPointerException if an argument is null
   */
  public static Builder newBuilder(URI baseUri, String password) {
    return new Builder(baseUri, password);
  }

  /** The server's address. */
  public URI baseUri() {
    return baseUri;
  }

  /**
   * Asks {@code GET /global/health} once, with the short health request timeout.
   *
   * @throws OpenCodeException if the server does not answer in time, refuses the password, or
   *     answers oddly
   * @throws InterruptedException if interrupted while waiting
   */
  public HealthStatus health() throws InterruptedException {
    JsonNode body = json(send("GET", "/global/health", null, healthRequestTimeout, 200));
    JsonNode healthy = body.get("healthy");
    String version = Json.text(body, "version");
    if (healthy == null || !healthy.isBoolean() || version == null) {
      throw new OpenCodeException(
          "GET /global/health returned an unexpected body: "
              + Json.excerpt(body.toString(), EXCERPT_CHARS),
          200,
          null);
    }
    return new HealthStatus(healthy.asBoolean(), version);
  }

  /**
   * Polls {@link #health()} until the server is healthy.
   *
   * @param timeout how long to wait in total
   * @param serverAlive checked before every attempt; when it turns false (the server process
   *     exited) waiting stops
   * @return the healthy status
   * @throws NullPointerException if an argument is null
   * @throws OpenCodeException if the deadline passed or the server died first; the message includes
   *     the last error
   * @throws InterruptedException if interrupted while waiting
   */
  public HealthStatus awaitReady(Duration timeout, BooleanSupplier serverAlive)
      throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    Objects.requireNonNull(serverAlive, "serverAlive cannot be null");
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String lastError = "no attempt made";
    int attempts = 0;
    while (true) {
      if (!serverAlive.getAsBoolean()) {
        throw new OpenCodeException(
            "OpenCode server at "
                + baseUri
                + " exited before it became healthy (after "
                + attempts
                + " health checks; last: "
                + lastError
                + ")");
      }
      attempts++;
      try {
        HealthStatus status = health();
        if (status.healthy()) {
          LOG.debug(
              "OpenCode at {} healthy after {} ms ({} checks), version {}",
              baseUri,
              Duration.ofNanos(System.nanoTime() - start).toMillis(),
              attempts,
              status.version());
          return status;
        }
        lastError = "server reported healthy=false";
      } catch (OpenCodeException e) {
        if (e.statusCode().orElse(0) == 401) {
          throw e; // a wrong password does not get better by waiting
        }
        lastError = e.getMessage();
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new OpenCodeException(
            "OpenCode server at "
                + baseUri
                + " not healthy within "
                + timeout
                + " ("
                + attempts
                + " health checks; last: "
                + lastError
                + ")");
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(remaining, POLL_INTERVAL.toNanos()));
    }
  }

  /**
   * Creates a session ({@code POST /session}).
   *
   * @param title the session's title; required so that OpenCode does not spend a model call on
   *     inventing one
   * @throws NullPointerException if {@code title} is null
   * @throws IllegalArgumentException if {@code title} is blank
   * @throws OpenCodeException if the server refuses or answers oddly
   * @throws InterruptedException if interrupted while waiting
   */
  public SessionInfo createSession(String title) throws InterruptedException {
    Objects.requireNonNull(title, "title cannot be null");
    if (title.isBlank()) {
      throw new IllegalArgumentException("title must not be blank");
    }
    ObjectNode body = Json.MAPPER.createObjectNode().put("title", title);
    JsonNode session = json(send("POST", "/session", body, requestTimeout, 200));
    String id = Json.text(session, "id");
    if (id == null || !ID.matcher(id).matches()) {
      throw new OpenCodeException(
          "POST /session returned no usable session id: "
              + Json.excerpt(session.toString(), EXCERPT_CHARS),
          200,
          null);
    }
    String directory = Json.text(session, "directory");
    return new SessionInfo(id, title, directory == null ? "" : directory);
  }

  /**
   * Sends a prompt without waiting for the reply ({@code POST /session/{id}/prompt_async}). The
   * {@code 204} only means the prompt was queued; follow the events to learn what became of it.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code sessionId} is not a valid id
   * @throws OpenCodeException if the server refuses the prompt
   * @throws InterruptedException if interrupted while waiting
   */
  public void promptAsync(String sessionId, String text) throws InterruptedException {
    checkId("sessionId", sessionId);
    Objects.requireNonNull(text, "text cannot be null");
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.putArray("parts").addObject().put("type", "text").put("text", text);
    send("POST", "/session/" + sessionId + "/prompt_async", body, requestTimeout, 204, 200);
  }

  /**
   * Lists the session's messages ({@code GET /session/{id}/message}).
   *
   * @throws NullPointerException if {@code sessionId} is null
   * @throws IllegalArgumentException if {@code sessionId} is not a valid id
   * @throws OpenCodeException if the session does not exist or the reply is malformed
   * @throws InterruptedException if interrupted while waiting
   */
  public List<SessionMessage> messages(String sessionId) throws InterruptedException {
    checkId("sessionId", sessionId);
    JsonNode list =
        json(send("GET", "/session/" + sessionId + "/message", null, requestTimeout, 200));
    if (!list.isArray()) {
      throw new OpenCodeException(
          "GET /session/"
              + sessionId
              + "/message did not return a list: "
              + Json.excerpt(list.toString(), EXCERPT_CHARS),
          200,
          null);
    }
    List<SessionMessage> messages = new ArrayList<>(list.size());
    for (JsonNode entry : list) {
      messages.add(toMessage(entry));
    }
    return messages;
  }

  /**
   * Asks the server to abort the session's current turn ({@code POST /session/{id}/abort}). The
   * reply is {@code true} even for unknown sessions; the turn's end shows in the events.
   *
   * @return what the server answered
   * @throws NullPointerException if {@code sessionId} is null
   * @throws IllegalArgumentException if {@code sessionId} is not a valid id
   * @throws OpenCodeException if the request fails
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean abort(String sessionId) throws InterruptedException {
    checkId("sessionId", sessionId);
    JsonNode reply =
        json(send("POST", "/session/" + sessionId + "/abort", null, requestTimeout, 200));
    return reply.asBoolean(false);
  }

  /**
   * Where the session's work stands now ({@code GET /session/status}, which lists the sessions that
   * are not idle).
   *
   * @return {@code busy} or {@code retry} while a turn runs, {@code idle} otherwise (also for an
   *     unknown session)
   * @throws NullPointerException if {@code sessionId} is null
   * @throws IllegalArgumentException if {@code sessionId} is not a valid id
   * @throws OpenCodeException if the request fails or the reply is malformed
   * @throws InterruptedException if interrupted while waiting
   */
  public String sessionStatus(String sessionId) throws InterruptedException {
    checkId("sessionId", sessionId);
    JsonNode statuses = json(send("GET", "/session/status", null, requestTimeout, 200));
    if (!statuses.isObject()) {
      throw new OpenCodeException(
          "GET /session/status did not return an object: "
              + Json.excerpt(statuses.toString(), EXCERPT_CHARS),
          200,
          null);
    }
    String type = Json.text(statuses.path(sessionId), "type");
    return type == null ? "idle" : type;
  }

  /**
   * Rejects a permission request ({@code POST /permission/{id}/reply}).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code requestId} is not a valid id
   * @throws OpenCodeException if the request fails
   * @throws InterruptedException if interrupted while waiting
   */
  public void rejectPermission(String requestId, String message) throws InterruptedException {
    checkId("requestId", requestId);
    Objects.requireNonNull(message, "message cannot be null");
    ObjectNode body = Json.MAPPER.createObjectNode().put("reply", "reject").put("message", message);
    send("POST", "/permission/" + requestId + "/reply", body, requestTimeout, 200, 204);
  }

  /**
   * Rejects a question the agent asked ({@code POST /question/{id}/reject}).
   *
   * @throws NullPointerException if {@code requestId} is null
   * @throws IllegalArgumentException if {@code requestId} is not a valid id
   * @throws OpenCodeException if the request fails
   * @throws InterruptedException if interrupted while waiting
   */
  public void rejectQuestion(String requestId) throws InterruptedException {
    checkId("requestId", requestId);
    send("POST", "/question/" + requestId + "/reject", null, requestTimeout, 200, 204);
  }

  /**
   * Opens the event stream, filtered to {@code sessionId}, and returns once the server confirmed
   * the subscription with {@code server.connected}.
   *
   * @throws NullPointerException if {@code sessionId} is null
   * @throws IllegalArgumentException if {@code sessionId} is not a valid id
   * @throws IllegalStateException if this client is closed
   * @throws OpenCodeException if the stream cannot be opened or is not confirmed within the request
   *     timeout
   * @throws InterruptedException if interrupted while waiting
   */
  public EventSubscription subscribe(String sessionId) throws InterruptedException {
    checkId("sessionId", sessionId);
    if (closed) {
      throw new IllegalStateException("attempted to subscribe while in closed state");
    }
    HttpRequest request =
        request("GET", "/event", null, requestTimeout)
            .header("Accept", "text/event-stream")
            .build();
    CompletableFuture<HttpResponse<InputStream>> future =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> response = await(future, "GET /event", requestTimeout);
    if (response.statusCode() != 200) {
      String body = readBounded(response.body(), 64 * 1024);
      throw statusError("GET /event", response.statusCode(), body);
    }
    EventSubscription subscription =
        new EventSubscription(
            sessionId, baseUri + "/event", response.body(), subscriptions::remove);
    subscriptions.add(subscription);
    subscription.start();
    boolean confirmed = false;
    try {
      confirmed = subscription.awaitConnected(requestTimeout);
      if (!confirmed) {
        throw new OpenCodeException(
            "GET /event sent no server.connected event within " + requestTimeout);
      }
      return subscription;
    } finally {
      if (!confirmed) {
        subscription.close();
      }
    }
  }

  /**
   * Runs one turn with no overall limit other than the idle timeout. See {@link #runTurn(String,
   * String, Duration, Duration, TurnListener)}.
   *
   * @throws InterruptedException if interrupted; the session is aborted first
   */
  public TurnResult runTurn(
      String sessionId, String prompt, Duration idleTimeout, TurnListener listener)
      throws InterruptedException {
    return runTurn(sessionId, prompt, idleTimeout, Duration.ofDays(365), listener);
  }

  /**
   * Sends {@code prompt} to the session and waits until the turn is over.
   *
   * @param sessionId the session, from {@link #createSession}
   * @param prompt the task, passed unchanged
   * @param idleTimeout the longest silence (no event of the session) before the turn is aborted
   * @param timeout the longest the whole turn may take before it is aborted
   * @param listener told about every event and, during silence, about once a second
   * @return how the turn ended; a failed, aborted or timed-out turn is a result, not an exception
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code sessionId} is invalid or a timeout is not positive
   * @throws OpenCodeException if the server cannot be talked to (refused prompt, an event stream
   *     that dropped and could not be reopened); the session is aborted first when the prompt was
   *     already sent
   * @throws InterruptedException if interrupted; the session is aborted first
   */
  public TurnResult runTurn(
      String sessionId,
      String prompt,
      Duration idleTimeout,
      Duration timeout,
      TurnListener listener)
      throws InterruptedException {
    checkId("sessionId", sessionId);
    Objects.requireNonNull(prompt, "prompt cannot be null");
    positive("idleTimeout", idleTimeout);
    positive("timeout", timeout);
    Objects.requireNonNull(listener, "listener cannot be null");
    Turn turn = new Turn(sessionId, subscribe(sessionId), idleTimeout, timeout, listener);
    try {
      for (SessionMessage message : messages(sessionId)) {
        turn.before.add(message.id());
      }
      promptAsync(sessionId, prompt);
      LOG.info(
          "OpenCode turn started: session={} server={} promptChars={}",
          sessionId,
          baseUri,
          prompt.length());
      TurnResult result;
      try {
        result = turn.run();
      } catch (RuntimeException | Error | InterruptedException e) {
        abortQuietly(sessionId, e);
        throw e;
      }
      LOG.info(
          "OpenCode turn ended: session={} status={} duration={}ms events={} retries={} reconnects={}{}",
          sessionId,
          result.status(),
          result.duration().toMillis(),
          turn.eventCount,
          result.providerRetries(),
          turn.reconnects,
          result.error().map(error -> " error=" + Json.excerpt(error, 300)).orElse(""));
      return result;
    } finally {
      turn.events.close();
    }
  }

  /**
   * Cuts every open event stream the way a failed connection does (the reader sees an I/O error;
   * nothing is marked closed), while the server keeps running. What {@link
   * io.openswarm.infra.opencode.OpenCodeAgent#dropEventStreams} does to a cell's session.
   *
   * @return how many streams were cut
   */
  public int dropEventStreams() {
    int dropped = 0;
    for (EventSubscription subscription : List.copyOf(subscriptions)) {
      if (subscription.drop()) {
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Closes open event streams. The shared HTTP client is left alone; an injected one belongs to its
   * owner.
   */
  @Override
  public void close() {
    closed = true;
    for (EventSubscription subscription : List.copyOf(subscriptions)) {
      subscription.close();
    }
  }

  @Override
  public String toString() {
    return "OpenCodeClient{" + baseUri + "}";
  }

  /** Follows one turn's events; single-use, confined to the thread of {@link #runTurn}. */
  private final class Turn {
    private final String sessionId;

    /** The open stream; replaced when a dropped stream is reopened. */
    EventSubscription events;

    /** The messages the session had before the prompt; filled before the prompt is sent. */
    final Set<String> before = new HashSet<>();

    private final long idleNanos;
    private final long timeoutNanos;
    private final TurnListener listener;
    private final long startNanos = System.nanoTime();
    private long lastEventNanos = startNanos;
    private long lastProgressNanos = startNanos;
    private long retryUntilMillis;
    private boolean started;
    private @Nullable String error;
    private @Nullable String errorName;
    private int retries;
    private long eventCount;
    private int reconnects;
    private String activity = "prompt sent";

    Turn(
        String sessionId,
        EventSubscription events,
        Duration idleTimeout,
        Duration timeout,
        TurnListener listener) {
      this.sessionId = sessionId;
      this.events = events;
      this.idleNanos = idleTimeout.toNanos();
      this.timeoutNanos = timeout.toNanos();
      this.listener = listener;
    }

    TurnResult run() throws InterruptedException {
      while (true) {
        long now = System.nanoTime();
        if (now - startNanos >= timeoutNanos) {
          return abortForTimeout("turn exceeded its limit of " + Duration.ofNanos(timeoutNanos));
        }
        long allowedSilence =
            idleNanos
                + Math.max(
                    0,
                    TimeUnit.MILLISECONDS.toNanos(retryUntilMillis - System.currentTimeMillis()));
        if (now - lastEventNanos >= allowedSilence) {
          return abortForTimeout(
              "no event from session "
                  + sessionId
                  + " for "
                  + Duration.ofNanos(idleNanos)
                  + " (last activity: "
                  + activity
                  + ")");
        }
        long wait =
            Math.min(
                PROGRESS_INTERVAL.toNanos(),
                Math.min(
                    allowedSilence - (now - lastEventNanos), timeoutNanos - (now - startNanos)));
        Optional<OpenCodeEvent> next;
        try {
          next = events.poll(Duration.ofNanos(Math.max(1, wait)));
        } catch (OpenCodeException dropped) {
          if (reconnect(dropped)) {
            report(activity);
            return confirm(TurnStatus.COMPLETED);
          }
          continue;
        }
        if (next.isEmpty()) {
          if (System.nanoTime() - lastProgressNanos >= PROGRESS_INTERVAL.toNanos()) {
            report("waiting");
          }
          continue;
        }
        OpenCodeEvent event = next.get();
        lastEventNanos = System.nanoTime();
        eventCount++;
        if (handle(event)) {
          report(activity);
          return confirm(TurnStatus.COMPLETED);
        }
        if (error != null && retries > providerRetryLimit) {
          report(activity);
          abort(sessionId);
          awaitEnd(confirmTimeout);
          return finish(TurnStatus.FAILED, summaryOf(newAssistantMessages()));
        }
        report(activity);
      }
    }

    /**
     * Reopens the event stream after it dropped, then asks the server what the lost events would
     * have said.
     *
     * @return true if the turn ended while no stream was open (the session is idle and its reply is
     *     finished)
     * @throws OpenCodeException if the stream cannot be reopened within a few attempts or the
     *     turn's limit
     */
    private boolean reconnect(OpenCodeException dropped) throws InterruptedException {
      LOG.warn(
          "OpenCode event stream of session {} dropped mid-turn ({}); reopening it",
          sessionId,
          dropped.getMessage());
      events.close();
      long backoff = RECONNECT_BACKOFF.toNanos();
      for (int attempt = 1; ; attempt++) {
        try {
          events = subscribe(sessionId);
          break;
        } catch (OpenCodeException e) {
          long left = timeoutNanos - (System.nanoTime() - startNanos);
          if (attempt >= RECONNECT_ATTEMPTS || left <= backoff) {
            OpenCodeException failure =
                new OpenCodeException(
                    "the event stream of session "
                        + sessionId
                        + " dropped mid-turn ("
                        + dropped.getMessage()
                        + ") and could not be reopened after "
                        + attempt
                        + " attempt(s): "
                        + e.getMessage(),
                    e);
            failure.addSuppressed(dropped);
            throw failure;
          }
          TimeUnit.NANOSECONDS.sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_RECONNECT_BACKOFF.toNanos());
        }
      }
      reconnects++;
      // Subscribed first, asked second: whatever happens after the answer arrives on the new
      // stream.
      String status = sessionStatus(sessionId);
      LOG.info(
          "OpenCode event stream of session {} reopened; the session is {}", sessionId, status);
      if (!"idle".equals(status)) {
        started = true;
        return false;
      }
      // Idle: either the turn ended while the stream was down, or it has not begun. Only a finished
      // reply tells.
      List<SessionMessage> assistants = newAssistantMessages();
      SessionMessage last = assistants.isEmpty() ? null : assistants.get(assistants.size() - 1);
      if (last != null && (last.completed() || last.error().isPresent())) {
        started = true;
        activity = "idle (seen after reconnecting)";
        return true;
      }
      return false;
    }

    /** Applies one event; returns true when the turn is over (idle or error after it started). */
    private boolean handle(OpenCodeEvent event) throws InterruptedException {
      JsonNode properties = event.properties();
      switch (event.type()) {
        case "session.status":
          {
            JsonNode status = properties.path("status");
            String type = Json.text(status, "type");
            activity = "status " + type;
            if ("busy".equals(type)) {
              started = true;
            } else if ("retry".equals(type)) {
              started = true;
              retries = (int) Math.max(retries, Json.number(status, "attempt", retries + 1L));
              retryUntilMillis = Json.number(status, "next", 0);
              String message = Json.text(status, "message");
              activity = "provider retry " + retries;
              if (retries > providerRetryLimit) {
                error =
                    "model provider failed "
                        + retries
                        + " times (limit "
                        + providerRetryLimit
                        + "): "
                        + (message == null ? "no message" : message);
              }
            }
            return false;
          }
        case "message.updated":
          {
            String id = Json.text(properties.path("info"), "id");
            if (id != null && !before.contains(id)) {
              started = true;
            }
            activity = "message " + Json.text(properties.path("info"), "role");
            return false;
          }
        case "message.part.updated":
          {
            JsonNode part = properties.path("part");
            String partType = Json.text(part, "type");
            if ("tool".equals(partType)) {
              activity =
                  "tool " + Json.text(part, "tool") + " " + Json.text(part.path("state"), "status");
            } else {
              activity = partType == null ? "part" : partType;
            }
            return false;
          }
        case "message.part.delta":
          activity =
              "streaming " + Optional.ofNullable(Json.text(properties, "field")).orElse("text");
          return false;
        case "session.error":
          {
            if (!started) {
              return false;
            }
            JsonNode err = properties.path("error");
            errorName = Json.text(err, "name");
            String message = Json.text(err.path("data"), "message");
            if (error == null) {
              error =
                  (errorName == null ? "error" : errorName)
                      + ": "
                      + (message == null ? "no message" : message);
            }
            activity = "error " + errorName;
            return true;
          }
        case "session.idle":
          activity = "idle";
          return started;
        case "permission.asked":
          {
            String id = Json.text(properties, "id");
            LOG.warn(
                "OpenCode session {} asked for permission '{}' on {}; rejecting (cells run unattended)",
                sessionId,
                Json.text(properties, "permission"),
                properties.path("patterns"));
            activity = "permission rejected";
            if (id != null) {
              try {
                rejectPermission(id, "Open Swarm runs unattended; this permission is not granted.");
              } catch (OpenCodeException e) {
                LOG.warn(
                    "cannot reject permission {} of session {}: {}", id, sessionId, e.getMessage());
              }
            }
            return false;
          }
        case "question.asked":
          {
            String id = Json.text(properties, "id");
            LOG.warn(
                "OpenCode session {} asked the user a question; rejecting (cells run unattended)",
                sessionId);
            activity = "question rejected";
            if (id != null) {
              try {
                rejectQuestion(id);
              } catch (OpenCodeException e) {
                LOG.warn(
                    "cannot reject question {} of session {}: {}", id, sessionId, e.getMessage());
              }
            }
            return false;
          }
        default:
          activity = event.type();
          return false;
      }
    }

    /**
     * After idle or error: the message list must show how the turn ended; it may lag the events
     * briefly.
     */
    private TurnResult confirm(TurnStatus hoped) throws InterruptedException {
      long deadline = System.nanoTime() + confirmTimeout.toNanos();
      while (true) {
        List<SessionMessage> assistants = newAssistantMessages();
        String summary = summaryOf(assistants);
        if (error != null) {
          TurnStatus status =
              "MessageAbortedError".equals(errorName) ? TurnStatus.ABORTED : TurnStatus.FAILED;
          return finish(status, summary);
        }
        SessionMessage last = assistants.isEmpty() ? null : assistants.get(assistants.size() - 1);
        if (last != null && last.error().isPresent()) {
          error = last.error().get();
          return finish(TurnStatus.FAILED, summary);
        }
        if (last != null && last.completed()) {
          return finish(hoped, summary);
        }
        if (System.nanoTime() >= deadline) {
          error =
              last == null
                  ? "session went idle without an assistant reply"
                  : "session went idle but its last assistant message never completed";
          return finish(TurnStatus.FAILED, summary);
        }
        // A late session.error belongs to this turn; anything else only shows the server is still
        // writing. The
        // message list decides, so a stream that drops now is no reason to reopen it: poll the list
        // instead.
        Optional<OpenCodeEvent> late;
        try {
          late = events.poll(POLL_INTERVAL);
        } catch (OpenCodeException dropped) {
          TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos());
          late = Optional.empty();
        }
        if (late.isPresent()) {
          eventCount++;
          handle(late.get());
        }
      }
    }

    private TurnResult abortForTimeout(String reason) throws InterruptedException {
      LOG.warn("OpenCode turn of session {} aborted: {}", sessionId, reason);
      abort(sessionId);
      boolean ended = awaitEnd(confirmTimeout);
      error =
          reason + (ended ? "" : "; the server did not confirm the abort within " + confirmTimeout);
      report("aborted");
      List<SessionMessage> assistants = List.of();
      try {
        assistants = newAssistantMessages();
      } catch (OpenCodeException e) {
        LOG.debug("cannot read messages of timed-out session {}: {}", sessionId, e.getMessage());
      }
      return finish(TurnStatus.TIMED_OUT, summaryOf(assistants));
    }

    /** Drains events until the session reports idle or the time is up. */
    private boolean awaitEnd(Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (true) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        Optional<OpenCodeEvent> event;
        try {
          event = events.poll(Duration.ofNanos(remaining));
        } catch (OpenCodeException e) {
          return false;
        }
        if (event.isPresent() && "session.idle".equals(event.get().type())) {
          return true;
        }
      }
    }

    private List<SessionMessage> newAssistantMessages() throws InterruptedException {
      List<SessionMessage> assistants = new ArrayList<>();
      for (SessionMessage message : messages(sessionId)) {
        if (!before.contains(message.id()) && message.isAssistant()) {
          assistants.add(message);
        }
      }
      return assistants;
    }

    private TurnResult finish(TurnStatus status, String summary) throws InterruptedException {
      Optional<TokenUsage> tokens = Optional.empty();
      try {
        for (SessionMessage message : newAssistantMessages()) {
          if (message.tokens().isPresent()) {
            tokens = Optional.of(tokens.orElse(TokenUsage.ZERO).plus(message.tokens().get()));
          }
        }
      } catch (OpenCodeException e) {
        LOG.debug("cannot read token usage of session {}: {}", sessionId, e.getMessage());
      }
      Duration duration = Duration.ofNanos(System.nanoTime() - startNanos);
      Optional<String> failure =
          status == TurnStatus.COMPLETED
              ? Optional.empty()
              : Optional.of(error == null ? "turn ended with status " + status : error);
      return new TurnResult(sessionId, status, summary, tokens, failure, duration, retries);
    }

    private void report(String what) {
      long now = System.nanoTime();
      lastProgressNanos = now;
      listener.onProgress(
          new TurnProgress(
              sessionId,
              what,
              eventCount,
              Duration.ofNanos(now - startNanos),
              Duration.ofNanos(now - lastEventNanos)));
    }
  }

  private static String summaryOf(List<SessionMessage> assistants) {
    for (int i = assistants.size() - 1; i >= 0; i--) {
      String text = assistants.get(i).text().strip();
      if (!text.isEmpty()) {
        return text;
      }
    }
    return "";
  }

  /**
   * Aborts after a failure or interrupt; keeps the interrupt status and attaches abort failures as
   * suppressed.
   */
  private void abortQuietly(String sessionId, Throwable cause) {
    boolean interrupted = Thread.interrupted();
    try {
      abort(sessionId);
      LOG.info("OpenCode session {} aborted after {}", sessionId, cause.toString());
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static SessionMessage toMessage(JsonNode entry) {
    JsonNode info = entry.path("info");
    String id = Json.text(info, "id");
    String role = Json.text(info, "role");
    if (id == null || role == null) {
      throw new OpenCodeException(
          "message without id or role: " + Json.excerpt(entry.toString(), EXCERPT_CHARS));
    }
    boolean assistant = SessionMessage.ASSISTANT.equals(role);
    boolean completed = !assistant || info.path("time").path("completed").isNumber();
    StringBuilder text = new StringBuilder();
    for (JsonNode part : entry.path("parts")) {
      if ("text".equals(Json.text(part, "type")) && !part.path("synthetic").asBoolean(false)) {
        String partText = Json.text(part, "text");
        if (partText != null && !partText.isBlank()) {
          if (text.length() > 0) {
            text.append("\n\n");
          }
          text.append(partText);
        }
      }
    }
    Optional<String> error = Optional.empty();
    JsonNode err = info.get("error");
    if (err != null && err.isObject()) {
      String name = Json.text(err, "name");
      String message = Json.text(err.path("data"), "message");
      error =
          Optional.of(
              (name == null ? "error" : name) + ": " + (message == null ? "no message" : message));
    }
    Optional<TokenUsage> tokens = Optional.empty();
    JsonNode t = info.get("tokens");
    if (assistant && t != null && t.isObject()) {
      tokens =
          Optional.of(
              new TokenUsage(
                  Math.max(0, Json.number(t, "input", 0)),
                  Math.max(0, Json.number(t, "output", 0)),
                  Math.max(0, Json.number(t, "reasoning", 0)),
                  Math.max(0, Json.number(t.path("cache"), "read", 0)),
                  Math.max(0, Json.number(t.path("cache"), "write", 0)),
                  Math.max(0, info.path("cost").asDouble(0))));
    }
    return new SessionMessage(id, role, completed, text.toString(), error, tokens);
  }

  private String send(
      String method, String path, @Nullable JsonNode body, Duration timeout, int... expected)
      throws InterruptedException {
    HttpRequest request = request(method, path, body, timeout).build();
    String what = method + " " + path;
    CompletableFuture<HttpResponse<InputStream>> future =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> response = await(future, what, timeout);
    String text = readBounded(response.body(), MAX_BODY_BYTES);
    for (int status : expected) {
      if (response.statusCode() == status) {
        return text;
      }
    }
    throw statusError(what, response.statusCode(), text);
  }

  private HttpRequest.Builder request(
      String method, String path, @Nullable JsonNode body, Duration timeout) {
    HttpRequest.BodyPublisher publisher;
    if (body == null) {
      publisher = HttpRequest.BodyPublishers.noBody();
    } else {
      try {
        publisher =
            HttpRequest.BodyPublishers.ofString(
                Json.MAPPER.writeValueAsString(body), StandardCharsets.UTF_8);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(
            "cannot serialise request body of " + method + " " + path, e);
      }
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(baseUri.resolve(path))
            .timeout(timeout)
            .header("Authorization", authorization)
            .method(method, publisher);
    if (body != null) {
      builder.header("Content-Type", "application/json");
    }
    return builder;
  }

  /**
   * Waits for the response headers. {@code HttpRequest.timeout} covers the same wait inside the
   * client; the outer wait adds a margin and makes sure an interrupt cancels the exchange.
   */
  private static <T> HttpResponse<T> await(
      CompletableFuture<HttpResponse<T>> future, String what, Duration timeout)
      throws InterruptedException {
    try {
      return future.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new OpenCodeException(what + " timed out after " + timeout, e);
    } catch (CancellationException e) {
      throw new OpenCodeException(what + " was cancelled", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new OpenCodeException(what + " timed out after " + timeout, cause);
      }
      throw new OpenCodeException(what + " failed: " + cause, cause);
    }
  }

  private static String readBounded(InputStream in, int max) {
    try (in) {
      byte[] bytes = in.readNBytes(max + 1);
      if (bytes.length > max) {
        throw new OpenCodeException("response body exceeds " + max + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OpenCodeException("reading the response body failed: " + e, e);
    }
  }

  private static OpenCodeException statusError(String what, int status, String body) {
    String hint = status == 401 ? " (password rejected)" : "";
    return new OpenCodeException(
        what
            + " returned HTTP "
            + status
            + hint
            + (body.isEmpty() ? "" : ": " + Json.excerpt(body, EXCERPT_CHARS)),
        status,
        null);
  }

  private static JsonNode json(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      if (node == null) {
        throw new OpenCodeException("expected JSON but the body was empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new OpenCodeException("expected JSON but got: " + Json.excerpt(text, EXCERPT_CHARS), e);
    }
  }

  private static void checkId(String what, String id) {
    Objects.requireNonNull(id, what + " cannot be null");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          what + " must match " + ID.pattern() + " but was '" + Json.excerpt(id, 100) + "'");
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name + " cannot be null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }

  /**
   * Builds an {@link OpenCodeClient}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final URI baseUri;
    private final String password;
    private Duration requestTimeout = OpenCodeOptions.DEFAULT_REQUEST_TIMEOUT;
    private Duration healthRequestTimeout = Duration.ofSeconds(1);
    private Duration confirmTimeout = Duration.ofSeconds(5);
    private int providerRetryLimit = OpenCodeOptions.DEFAULT_PROVIDER_RETRY_LIMIT;
    private @Nullable HttpClient httpClient;

    private Builder(URI baseUri, String password) {
      this.baseUri = Objects.requireNonNull(baseUri, "baseUri cannot be null");
      this.password = Objects.requireNonNull(password, "password cannot be null");
    }

    /**
     * Sets the limit on one ordinary request (default 30 s).
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets the limit on one health check (default 1 s; short because a check sent while the server
     * boots may never be answered).
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder healthRequestTimeout(Duration timeout) {
      this.healthRequestTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets how long the end of a turn may take to show in the message list, and how long an abort
     * may take to be confirmed (default 5 s).
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder confirmTimeout(Duration timeout) {
      this.confirmTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /** Sets how many model-provider retries a turn tolerates before it is given up (default 6). */
    public Builder providerRetryLimit(int limit) {
      this.providerRetryLimit = limit;
      return this;
    }

    /**
     * Uses this HTTP client instead of the shared one (which speaks HTTP/1.1 with a 5 s connect
     * timeout).
     *
     * @throws NullPointerException if {@code client} is null
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client cannot be null");
      return this;
    }

    /**
     * Validates and builds the client.
     *
     * @throws IllegalArgumentException if the address is not an absolute {@code http} URI with host
     *     and port, the password is empty, a timeout is not positive, or the retry limit is
     *     negative
     */
    public OpenCodeClient build() {
      if (!"http".equals(baseUri.getScheme())
          || baseUri.getHost() == null
          || baseUri.getPort() < 0
          || (baseUri.getRawPath() != null
              && !baseUri.getRawPath().isEmpty()
              && !"/".equals(baseUri.getRawPath()))) {
        throw new IllegalArgumentException(
            "baseUri must look like http://127.0.0.1:8123 but was " + baseUri);
      }
      if (password.isEmpty()) {
        throw new IllegalArgumentException("password must not be empty");
      }
      positive("requestTimeout", requestTimeout);
      positive("healthRequestTimeout", healthRequestTimeout);
      positive("confirmTimeout", confirmTimeout);
      if (providerRetryLimit < 0) {
        throw new IllegalArgumentException(
            "providerRetryLimit must be 0 or more but was " + providerRetryLimit);
      }
      return new OpenCodeClient(this);
    }
  }
}
