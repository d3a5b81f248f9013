package io.openswarm.benchmarks.baseline;

import java.util.HashMap;
import java.util.Map;

/**
 * The port allocator of the original Go system, as its performance guide describes it: one mutex, a
 * map of allocated ports, and a round-robin linear search from the port after the last one handed
 * out. Allocation costs O(range) in the worst case, which is what "(95% used) &lt;2ms (linear
 * search)" in the guide measures.
 *
 * <p>Thread-safe (one lock around everything).
 */
public final class LinearPortAllocator {

  private final int min;
  private final int max;
  private final Map<Integer, Boolean> allocated = new HashMap<>();
  private int next;

  public LinearPortAllocator(int min, int max) {
    this.min = min;
    this.max = max;
    this.next = min;
  }

  /** Returns a free port, or throws when every port is allocated. */
  public synchronized int allocate() {
    int total = max - min + 1;
    for (int i = 0; i < total; i++) {
      int port = next;
      next = next == max ? min : next + 1;
      if (!allocated.getOrDefault(port, false)) {
        allocated.put(port, true);
        return port;
      }
    }
    throw new IllegalStateException(
        String.format(
            "no available ports in range %d-%d (all %d ports allocated)", min, max, total));
  }

  /** Gives {@code port} back. */
  public synchronized void release(int port) {
    if (allocated.remove(port) == null) {
      throw new IllegalArgumentException("port " + port + " is not allocated");
    }
  }
}
