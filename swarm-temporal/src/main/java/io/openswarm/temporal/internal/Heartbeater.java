package io.openswarm.temporal.internal;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats a long activity from a ticker while its thread is busy (an agent turn, a test run), so
 * a 5-minute step never hits a 30-second heartbeat timeout, and turns a cancellation delivered
 * through a heartbeat into an action on the busy work (abort the agent, interrupt the test run).
 *
 * <p>Temporal delivers cancellation (and worker shutdown) as an {@link ActivityCompletionException}
 * thrown by {@code heartbeat()}; the ticker catches it, runs the {@code onCancel} action once,
 * stops, and keeps the exception for {@link #rethrowIfCancelled()}, which the activity calls after
 * its work returns.
 *
 * <p>Thread-safe. One instance per activity execution; close it when the work is done.
 */
public final class Heartbeater implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Heartbeater.class);

  private final ActivityExecutionContext context;
  private final Runnable onCancel;
  private final AtomicReference<@Nullable String> lastProgress = new AtomicReference<>();
  private final AtomicReference<@Nullable ActivityCompletionException> cancellation =
      new AtomicReference<>();
  private final ScheduledFuture<?> ticker;

  private Heartbeater(
      ActivityExecutionContext context,
      ScheduledExecutorService scheduler,
      Duration interval,
      Runnable onCancel) {
    this.context = context;
    this.onCancel = onCancel;
    this.ticker =
        scheduler.scheduleAtFixedRate(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts heartbeating {@code context} every {@code interval}, or at a third of its heartbeat
   * timeout if that is shorter, so that a heartbeat is never late and a cancellation is noticed
   * within about one interval.
   *
   * @param onCancel what to do when the activity is cancelled or the worker shuts down; runs once,
   *     on the ticker
   */
  public static Heartbeater start(
      ActivityExecutionContext context,
      ScheduledExecutorService scheduler,
      Duration interval,
      Runnable onCancel) {
    Objects.requireNonNull(context, "context cannot be null");
    Duration timeout = context.getInfo().getHeartbeatTimeout();
    Duration every = interval;
    if (timeout != null && !timeout.isZero() && timeout.dividedBy(3).compareTo(every) < 0) {
      every = timeout.dividedBy(3);
    }
    if (every.compareTo(Duration.ofMillis(100)) < 0) {
      every = Duration.ofMillis(100);
    }
    return new Heartbeater(context, scheduler, every, onCancel);
  }

  /** Records a sign of life to send with the next heartbeat (never secrets). */
  public void progress(String what) {
    lastProgress.set(what);
  }

  private void beat() {
    try {
      context.heartbeat(lastProgress.get());
    } catch (ActivityCompletionException e) {
      if (cancellation.compareAndSet(null, e)) {
        log.info(
            "activity {} cancelled ({}); stopping its work",
            context.getInfo().getActivityType(),
            e.getClass().getSimpleName());
        ticker.cancel(false);
        try {
          onCancel.run();
        } catch (RuntimeException failure) {
          log.warn(
              "cancelling the work of activity {} failed",
              context.getInfo().getActivityType(),
              failure);
        }
      }
    } catch (RuntimeException e) {
      log.warn(
          "heartbeat of activity {} failed; will retry", context.getInfo().getActivityType(), e);
    }
  }

  /** Whether a cancellation arrived. */
  public boolean cancelled() {
    return cancellation.get() != null;
  }

  /**
   * Throws the cancellation that arrived, if any, so Temporal records the activity as cancelled.
   */
  public void rethrowIfCancelled() {
    ActivityCompletionException e = cancellation.get();
    if (e != null) {
      throw e;
    }
  }

  @Override
  public void close() {
    ticker.cancel(false);
  }
}
