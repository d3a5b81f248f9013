package io.openswarm.benchmarks.floor;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The activities of {@link FloorWorkflow}: one per activity of a TCR cell ({@code CellActivities}),
 * with the same names of steps, that do nothing. What Temporal alone costs for a cell's five
 * activity round trips.
 */
@ActivityInterface(namePrefix = "Floor.")
public interface FloorActivities {

  /**
   * Stands for {@code CellActivities.bootstrap}: returns the host queue later steps must run on.
   */
  @ActivityMethod
  String bootstrap(String cellId);

  /** Stands for {@code CellActivities.execute}. */
  @ActivityMethod
  String execute(String cellId);

  /** Stands for {@code CellActivities.runTests}; returns an exit code of 0. */
  @ActivityMethod
  int runTests(String cellId);

  /** Stands for {@code CellActivities.commit}; returns a fake commit id. */
  @ActivityMethod
  String commit(String cellId);

  /** Stands for {@code CellActivities.teardown}. */
  @ActivityMethod
  void teardown(String cellId);
}
