package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** How a decorator acts out the faults at its point, before and after the real operation. */
final class FaultSite {

  private FaultSite() {}

  /**
   * Runs {@code operation} with the faults armed at {@code point} for {@code cell}: a fault before
   * it fails, hangs or kills instead; a fault after it fires once it succeeded, and {@code undo}
   * gives back what it acquired when that fault fails.
   *
   * @param failure the exception the point's real implementation throws, given a message
   */
  static <T> T run(
      FaultInjector injector,
      FaultInjector.Point point,
      @Nullable CellId cell,
      Function<String, RuntimeException> failure,
      Supplier<T> operation,
      Consumer<? super T> undo) {
    FaultInjector.Fired before = injector.take(point, cell, false);
    if (before != null) {
      strike(injector, before, failure, null, failure);
    }
    T result = operation.get();
    FaultInjector.Fired after = injector.take(point, cell, true);
    if (after != null) {
      try {
        strike(injector, after, failure, null, failure);
      } catch (RuntimeException e) {
        try {
          undo.accept(result);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
    return result;
  }

  /**
   * Acts out one fault: throws for FAIL, kills the JVM for KILL, and for HANG blocks until released
   * (then returns, so the operation goes on), interrupted or aborted (then throws).
   *
   * @param aborted counted down when the agent's turn is aborted, or null where no turn runs
   * @param abortFailure the exception for an aborted hang
   */
  static void strike(
      FaultInjector injector,
      FaultInjector.Fired firing,
      Function<String, RuntimeException> failure,
      @Nullable CountDownLatch aborted,
      Function<String, RuntimeException> abortFailure) {
    switch (firing.fault().action()) {
      case FAIL -> throw failure.apply("injected fault: " + firing);
      case KILL -> FaultInjector.killThisJvm(firing);
      case HANG -> {
        switch (injector.hang(firing, aborted)) {
          case RELEASED -> {}
          case INTERRUPTED ->
              throw failure.apply("interrupted while hanging at injected fault " + firing);
          case ABORTED ->
              throw abortFailure.apply("aborted while hanging at injected fault " + firing);
        }
      }
    }
  }
}
