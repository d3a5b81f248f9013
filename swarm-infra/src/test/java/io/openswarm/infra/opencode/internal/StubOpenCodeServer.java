package io.openswarm.infra.opencode.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * A scripted stand-in for the OpenCode HTTP API, for protocol edge cases the real server produces
 * only by chance (events racing the message list, dropped streams, retries). Integration tests use
 * the real server.
 */
public final class StubOpenCodeServer implements AutoCloseable {

  static final String PASSWORD = "stub-password";
  static final String SESSION = "ses_stub1";

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "stub-opencode");
            t.setDaemon(true);
            return t;
          });
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger healthCalls = new AtomicInteger();
  final AtomicInteger messageCalls = new AtomicInteger();

  volatile int hangingHealthChecks;
  volatile boolean sendConnected = true;
  volatile int failSessionCreateWith;

  /** The status of every event stream opened from now on; 200 serves events. */
  volatile int eventStatus = 200;

  /** The reply of {@code GET /session/status}: the sessions that are not idle. */
  volatile String sessionStatuses = "{}";

  final AtomicInteger subscriptions = new AtomicInteger();
  volatile String failureBody = "";

  /** The message list by call number (1-based), as JSON. */
  volatile IntFunction<String> messages = call -> "[]";

  volatile Consumer<StubOpenCodeServer> onSubscribe = stub -> {};
  volatile Consumer<StubOpenCodeServer> onPrompt = stub -> {};
  volatile Consumer<StubOpenCodeServer> onAbort = stub -> {};

  StubOpenCodeServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  OpenCodeClient.Builder client() {
    return OpenCodeClient.newBuilder(uri(), PASSWORD);
  }

  long count(String requestPrefix) {
    return requests.stream().filter(r -> r.startsWith(requestPrefix)).count();
  }

  /** Sends one event to every open event stream. */
  void emit(String json) {
    byte[] bytes = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    for (OutputStream out : streams) {
      try {
        synchronized (out) {
          out.write(bytes);
          out.flush();
        }
      } catch (IOException e) {
        streams.remove(out);
      }
    }
  }

  /** Closes every open event stream, as a server that goes away does. */
  void dropStreams() {
    for (OutputStream out : streams) {
      try {
        out.close();
      } catch (IOException e) {
        // already gone
      }
    }
    streams.clear();
  }

  @Override
  public void close() {
    closed.countDown();
    dropStreams();
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("opencode:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().set("www-authenticate", "Basic realm=\"Secure Area\"");
      exchange.sendResponseHeaders(401, -1);
      exchange.close();
      return;
    }
    requests.add(method + " " + path + (body.isEmpty() ? "" : " " + body));
    if (path.equals("/event")) {
      subscriptions.incrementAndGet();
      if (eventStatus != 200) {
        try (exchange) {
          reply(exchange, eventStatus, "{\"name\":\"UnknownError\"}");
        }
        return;
      }
      serveEvents(exchange);
      return;
    }
    try (exchange) {
      if (path.equals("/global/health")) {
        if (healthCalls.incrementAndGet() <= hangingHealthChecks) {
          awaitClose();
          return;
        }
        reply(exchange, 200, "{\"healthy\":true,\"version\":\"1.18.33\"}");
      } else if (method.equals("POST") && path.equals("/session")) {
        if (failSessionCreateWith > 0) {
          reply(exchange, failSessionCreateWith, failureBody);
        } else {
          reply(
              exchange,
              200,
              "{\"id\":\"" + SESSION + "\",\"directory\":\"/work/tree\",\"title\":\"t\"}");
        }
      } else if (path.equals("/session/status")) {
        reply(exchange, 200, sessionStatuses);
      } else if (path.equals("/session/" + SESSION + "/message")) {
        reply(exchange, 200, messages.apply(messageCalls.incrementAndGet()));
      } else if (path.equals("/session/" + SESSION + "/prompt_async")) {
        exchange.sendResponseHeaders(204, -1);
        executor.execute(() -> onPrompt.accept(this));
      } else if (path.endsWith("/prompt_async")) {
        reply(
            exchange,
            404,
            "{\"name\":\"NotFoundError\",\"data\":{\"message\":\"Session not found\"}}");
      } else if (path.endsWith("/abort")) {
        reply(exchange, 200, "true");
        executor.execute(() -> onAbort.accept(this));
      } else if (path.startsWith("/permission/") || path.startsWith("/question/")) {
        reply(exchange, 200, "true");
      } else {
        reply(exchange, 404, "{\"name\":\"NotFound\"}");
      }
    }
  }

  private void serveEvents(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    streams.add(out);
    if (sendConnected) {
      emit("{\"id\":\"evt_0\",\"type\":\"server.connected\",\"properties\":{}}");
    }
    onSubscribe.accept(this);
    awaitClose();
  }

  private void awaitClose() {
    try {
      closed.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  // ---- event and message JSON, shaped like OpenCode 1.18.33's ----

  static String busy() {
    return status("{\"type\":\"busy\"}");
  }

  static String retry(int attempt, String message) {
    return status(
        "{\"type\":\"retry\",\"attempt\":"
            + attempt
            + ",\"message\":\""
            + message
            + "\",\"next\":"
            + (System.currentTimeMillis() + 100)
            + "}");
  }

  static String status(String status) {
    return "{\"id\":\"evt_s\",\"type\":\"session.status\",\"properties\":{\"sessionID\":\""
        + SESSION
        + "\",\"status\":"
        + status
        + "}}";
  }

  static String idle() {
    return "{\"id\":\"evt_i\",\"type\":\"session.idle\",\"properties\":{\"sessionID\":\""
        + SESSION
        + "\"}}";
  }

  static String idleOf(String session) {
    return "{\"id\":\"evt_i\",\"type\":\"session.idle\",\"properties\":{\"sessionID\":\""
        + session
        + "\"}}";
  }

  static String error(String name, String message) {
    return "{\"id\":\"evt_e\",\"type\":\"session.error\",\"properties\":{\"sessionID\":\""
        + SESSION
        + "\",\"error\":{\"name\":\""
        + name
        + "\",\"data\":{\"message\":\""
        + message
        + "\"}}}}";
  }

  static String userMessageUpdated(String messageId) {
    return "{\"id\":\"evt_m\",\"type\":\"message.updated\",\"properties\":{\"sessionID\":\""
        + SESSION
        + "\",\"info\":{\"id\":\""
        + messageId
        + "\",\"role\":\"user\",\"sessionID\":\""
        + SESSION
        + "\"}}}";
  }

  static String toolPart(String tool, String state) {
    return "{\"id\":\"evt_p\",\"type\":\"message.part.updated\",\"properties\":{\"sessionID\":\""
        + SESSION
        + "\",\"part\":{\"type\":\"tool\",\"tool\":\""
        + tool
        + "\",\"state\":{\"status\":\""
        + state
        + "\",\"input\":{\"secret\":\"tool-input-never-reported\"}}}}}";
  }

  static String permissionAsked(String id) {
    return "{\"id\":\"evt_q\",\"type\":\"permission.asked\",\"properties\":{\"id\":\""
        + id
        + "\",\"sessionID\":\""
        + SESSION
        + "\",\"permission\":\"bash\",\"patterns\":[\"rm -rf /\"],\"metadata\":{},\"always\":[]}}";
  }

  static String questionAsked(String id) {
    return "{\"id\":\"evt_q\",\"type\":\"question.asked\",\"properties\":{\"id\":\""
        + id
        + "\",\"sessionID\":\""
        + SESSION
        + "\",\"questions\":[]}}";
  }

  static String user(String id, String text) {
    return "{\"info\":{\"id\":\""
        + id
        + "\",\"sessionID\":\""
        + SESSION
        + "\",\"role\":\"user\",\"time\":{\"created\":1}},"
        + "\"parts\":[{\"type\":\"text\",\"text\":\""
        + text
        + "\"}]}";
  }

  static String assistant(String id, boolean completed, String text, int input, int output) {
    return "{\"info\":{\"id\":\""
        + id
        + "\",\"sessionID\":\""
        + SESSION
        + "\",\"role\":\"assistant\","
        + "\"time\":{\"created\":2"
        + (completed ? ",\"completed\":3" : "")
        + "},\"cost\":0.5,"
        + "\"tokens\":{\"input\":"
        + input
        + ",\"output\":"
        + output
        + ",\"reasoning\":1,"
        + "\"cache\":{\"read\":2,\"write\":3}}},"
        + "\"parts\":[{\"type\":\"step-start\"},{\"type\":\"text\",\"text\":\""
        + text
        + "\"},"
        + "{\"type\":\"text\",\"text\":\"hidden\",\"synthetic\":true}]}";
  }

  static String assistantWithError(String id, String name, String message) {
    return "{\"info\":{\"id\":\""
        + id
        + "\",\"sessionID\":\""
        + SESSION
        + "\",\"role\":\"assistant\","
        + "\"time\":{\"created\":2,\"completed\":3},\"error\":{\"name\":\""
        + name
        + "\",\"data\":{\"message\":\""
        + message
        + "\"}}},\"parts\":[]}";
  }

  static String list(String... messages) {
    return "[" + String.join(",", messages) + "]";
  }
}
