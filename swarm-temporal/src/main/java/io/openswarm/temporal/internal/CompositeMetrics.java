package io.openswarm.temporal.internal;

import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.metrics.SwarmMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every metrics event to several {@link SwarmMetrics} (the user's, Micrometer's, the worker's
 * own health and admission bookkeeping), each shielded from the others: an implementation that
 * throws is logged and skipped, so a faulty metrics plug-in can never fail a cell step or a
 * workflow.
 *
 * <p>Thread-safe when the delegates are.
 */
public final class CompositeMetrics implements SwarmMetrics {

  private static final Logger log = LoggerFactory.getLogger(CompositeMetrics.class);

  private final List<SwarmMetrics> delegates;

  private CompositeMetrics(List<SwarmMetrics> delegates) {
    this.delegates = delegates;
  }

  /** The events go to each of {@code delegates}, in order; no-op delegates are left out. */
  public static SwarmMetrics of(SwarmMetrics... delegates) {
    List<SwarmMetrics> list =
        List.of(delegates).stream()
            .map(d -> Objects.requireNonNull(d, "delegates cannot contain null"))
            .filter(d -> d != SwarmMetrics.noop())
            .toList();
    if (list.isEmpty()) {
      return SwarmMetrics.noop();
    }
    return list.size() == 1 ? list.get(0) : new CompositeMetrics(list);
  }

  @Override
  public void stepFinished(CellStep step, Duration duration, boolean succeeded) {
    each(d -> d.stepFinished(step, duration, succeeded));
  }

  @Override
  public void cellFinished(CellStatus status, String failureType) {
    each(d -> d.cellFinished(status, failureType));
  }

  @Override
  public void dagAttemptFinished(String status, String failureType) {
    each(d -> d.dagAttemptFinished(status, failureType));
  }

  @Override
  public void liveCellsChanged(int liveCells) {
    each(d -> d.liveCellsChanged(liveCells));
  }

  private void each(Consumer<SwarmMetrics> event) {
    for (SwarmMetrics delegate : delegates) {
      try {
        event.accept(delegate);
      } catch (RuntimeException e) {
        log.warn("metrics implementation {} threw; the event is dropped for it", delegate, e);
      }
    }
  }

  @Override
  public String toString() {
    return "CompositeMetrics" + delegates;
  }
}
