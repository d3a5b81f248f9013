package io.openswarm.benchmarks.floor;

import java.util.Objects;

/**
 * {@link FloorActivities} that return at once. Thread-safe (stateless).
 */
public final class NoopFloorActivities implements FloorActivities {

  private final String hostQueue;

  /**
   * @param hostQueue the queue {@link #bootstrap} hands back, as a real worker hands back its own host queue
   */
  public NoopFloorActivities(String hostQueue) {
    this.hostQueue = Objects.requireNonNull(hostQueue, "hostQueue cannot be null");
  }

  @Override
  public String bootstrap(String cellId) {
    return hostQueue;
  }

  @Override
  public String execute(String cellId) {
    return "";
  }

  @Override
  public int runTests(String cellId) {
    return 0;
  }

  @Override
  public String commit(String cellId) {
    return cellId;
  }

  @Override
  public void teardown(String cellId) {
    // Nothing was acquired, so there is nothing to give back.
  }
}
