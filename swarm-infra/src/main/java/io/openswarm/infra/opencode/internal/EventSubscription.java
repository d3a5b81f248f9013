package io.openswarm.infra.opencode.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open {@code GET /event} stream of one OpenCode server, filtered to one session.
 *
 * <p>Design: a daemon thread reads the stream with {@link SseReader}, parses each event and queues
 * those of the session (bounded queue: a slow consumer slows the reader, which slows the server's
 * writes, instead of growing the heap). The first event of every stream is {@code
 * server.connected}; {@link OpenCodeClient#subscribe} returns only after it arrived, so a prompt
 * sent afterwards cannot have events the subscription misses. When the stream ends or fails, that
 * failure is queued after the events that preceded it, and every later {@link #poll} rethrows it.
 *
 * <p>Thread-safe: one thread polls; {@link #close()} may be called from any thread.
 */
public final class EventSubscription implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventSubscription.class);
  private static final int QUEUE_CAPACITY = 10_000;

  private final String sessionId;
  private final String streamName;
  private final SseReader reader;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final CountDownLatch connected = new CountDownLatch(1);
  private final Thread thread;
  private final Consumer<EventSubscription> onClose;
  private volatile boolean closed;
  private volatile @Nullable OpenCodeException failure;

  EventSubscription(
      String sessionId, String streamName, InputStream body, Consumer<EventSubscription> onClose) {
    this.sessionId = sessionId;
    this.streamName = streamName;
    this.reader = new SseReader(body);
    this.onClose = onClose;
    this.thread = new Thread(this::readLoop, "opencode-events-" + sessionId);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Waits for {@code server.connected}; false if it did not arrive in time. Rethrows a failure that
   * came first.
   */
  boolean awaitConnected(Duration timeout) throws InterruptedException {
    boolean arrived = connected.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    OpenCodeException failed = failure;
    if (!arrived && failed != null) {
      throw failed;
    }
    return arrived;
  }

  /** The session whose events this subscription delivers. */
  public String sessionId() {
    return sessionId;
  }

  /**
   * Waits up to {@code timeout} for the next event of the session.
   *
   * @return the event, or empty if none arrived in time
   * @throws NullPointerException if {@code timeout} is null
   * @throws OpenCodeException if the stream ended or failed (after all events before the end were
   *     delivered)
   * @throws IllegalStateException if the subscription was closed
   * @throws InterruptedException if the thread was interrupted while waiting
   */
  public Optional<OpenCodeEvent> poll(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (closed) {
      throw new IllegalStateException("attempted to poll while in closed state");
    }
    OpenCodeException failed = failure;
    if (failed != null && queue.isEmpty()) {
      throw failed;
    }
    Object item = queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    if (item instanceof OpenCodeException) {
      throw (OpenCodeException) item;
    }
    return Optional.ofNullable((OpenCodeEvent) item);
  }

  /** Whether the stream is still delivering: not closed, and not ended or failed. */
  public boolean isOpen() {
    return !closed && failure == null;
  }

  /**
   * Cuts the stream as a failed connection would: the HTTP exchange is cancelled under the reader,
   * which fails with an I/O error that every later {@link #poll} rethrows, exactly as for a network
   * failure. Unlike {@link #close()} nothing is marked closed. A test seam; see {@link
   * OpenCodeClient#dropEventStreams()}.
   *
   * @return whether the stream was still delivering
   */
  boolean drop() {
    if (!isOpen()) {
      return false;
    }
    LOG.info("cutting the event stream of session {} on purpose", sessionId);
    try {
      reader.close();
    } catch (IOException e) {
      LOG.debug("cutting the event stream of session {} failed: {}", sessionId, e.toString());
    }
    return true;
  }

  /** Closes the stream and stops the reader thread. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      reader.close();
    } catch (IOException e) {
      LOG.debug("closing event stream of session {} failed: {}", sessionId, e.toString());
    }
    thread.interrupt();
    queue.clear();
    onClose.accept(this);
  }

  private void readLoop() {
    try {
      while (!closed) {
        Optional<SseEvent> next = reader.next();
        if (next.isEmpty()) {
          if (!closed) {
            fail(new OpenCodeException("event stream " + streamName + " was closed by the server"));
          }
          return;
        }
        OpenCodeEvent event;
        try {
          event = OpenCodeEvent.parse(next.get().data());
        } catch (OpenCodeException e) {
          LOG.warn("skipping malformed event on {}: {}", streamName, e.getMessage());
          continue;
        }
        if ("server.connected".equals(event.type())) {
          connected.countDown();
        } else if (event.sessionId().filter(sessionId::equals).isPresent()) {
          queue.put(event);
        }
      }
    } catch (IOException e) {
      if (!closed) {
        fail(new OpenCodeException("event stream " + streamName + " failed: " + e, e));
      }
    } catch (InterruptedException e) {
      // close() interrupts a reader blocked on a full queue; nothing is waiting for more events.
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      fail(new OpenCodeException("event stream " + streamName + " failed: " + e, e));
    }
  }

  private void fail(OpenCodeException e) {
    failure = e;
    // Never block here: a consumer that stopped polling must not keep the reader thread alive.
    if (!queue.offer(e)) {
      LOG.debug(
          "event queue of session {} is full; the failure is reported on the next poll", sessionId);
    }
  }
}
