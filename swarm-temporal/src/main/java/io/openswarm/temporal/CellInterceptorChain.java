package io.openswarm.temporal;

import io.openswarm.core.port.PortProbe;
import io.openswarm.temporal.internal.CellParts;
import io.openswarm.temporal.internal.WorkerHooks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The {@link CellInterceptor}s given to {@link SwarmWorkerBuilder#interceptors}, applied in order:
 * each receives what the previous one returned, so the last is the outermost.
 *
 * <p>Immutable and thread-safe.
 */
final class CellInterceptorChain implements WorkerHooks {

  private final List<CellInterceptor> interceptors;

  /**
   * @throws NullPointerException if {@code interceptors} is or holds null
   */
  CellInterceptorChain(CellInterceptor... interceptors) {
    Objects.requireNonNull(interceptors, "interceptors cannot be null");
    List<CellInterceptor> copy = new ArrayList<>(interceptors.length);
    for (int i = 0; i < interceptors.length; i++) {
      copy.add(Objects.requireNonNull(interceptors[i], "interceptors[" + i + "] cannot be null"));
    }
    this.interceptors = List.copyOf(copy);
  }

  @Override
  public PortProbe decorateProbe(PortProbe probe) {
    return apply(probe, "interceptPortProbe", CellInterceptor::interceptPortProbe);
  }

  @Override
  public CellParts decorate(CellParts parts) {
    return new CellParts(
        apply(parts.worktrees(), "interceptWorktrees", CellInterceptor::interceptWorktrees),
        apply(parts.changes(), "interceptChanges", CellInterceptor::interceptChanges),
        apply(parts.agent(), "interceptAgent", CellInterceptor::interceptAgent),
        apply(parts.tests(), "interceptTests", CellInterceptor::interceptTests),
        apply(parts.integration(), "interceptIntegration", CellInterceptor::interceptIntegration));
  }

  /** Passes {@code part} through every interceptor's {@code method}, refusing a null result. */
  private <T> T apply(T part, String method, BiFunction<CellInterceptor, T, T> intercept) {
    T current = part;
    for (CellInterceptor interceptor : interceptors) {
      current =
          Objects.requireNonNull(
              intercept.apply(interceptor, current),
              () ->
                  interceptor
                      + "."
                      + method
                      + " returned null; an interceptor returns its argument to change nothing");
    }
    return current;
  }

  @Override
  public String toString() {
    return interceptors.toString();
  }
}
