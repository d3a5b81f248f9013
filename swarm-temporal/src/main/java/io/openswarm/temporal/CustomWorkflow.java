package io.openswarm.temporal;

import io.temporal.worker.Worker;
import java.util.Objects;
import java.util.function.Function;

/**
 * A user workflow type and its factory, registered on the shared queue next to the built-in
 * workflows.
 *
 * @param <T> the workflow interface
 * @param type the workflow interface
 * @param factory creates one workflow instance per execution, given the worker's activity options
 */
record CustomWorkflow<T>(Class<T> type, Function<CellActivityOptions, ? extends T> factory) {

  CustomWorkflow {
    Objects.requireNonNull(type, "type cannot be null");
    Objects.requireNonNull(factory, "factory cannot be null");
  }

  /** Registers the workflow on {@code worker}, its instances made with {@code activityOptions}. */
  void register(Worker worker, CellActivityOptions activityOptions) {
    worker.registerWorkflowImplementationFactory(type, () -> factory.apply(activityOptions));
  }
}
