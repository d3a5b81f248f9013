package io.openswarm.temporal.internal;

import io.temporal.internal.testservice.TestServicesStarter;
import java.lang.reflect.Field;
import java.util.LinkedList;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the Java test server's timer from recording its lock events, which made the embedded server
 * slower the longer it ran.
 *
 * <h2>Why</h2>
 *
 * Temporal's test server (1.38) keeps, for its diagnostics only, a linked list of the lock and
 * unlock events of its self-advancing timer. Locks taken and released on behalf of a workflow's
 * state add an event each and never remove one, and every timer task (an activity's timeouts, the
 * new heartbeat timeout of each heartbeat) removes its own event by a linear search. So the list
 * grows with every workflow the server has run, and so does the cost of every timer event (and the
 * server's memory): three batches of 2,000 bare workflows on one server ran at 38, 30 and 16
 * workflows/s, and side by side at 75, 110 and 118 with the list replaced ({@code
 * EmbeddedServerSlowdown} in the benchmarks).
 *
 * <h2>What</h2>
 *
 * The timer's list is replaced, under the timer's own lock, by one that records nothing. The list
 * is read only to print diagnostics when the timer finds its lock count unbalanced; the count
 * itself is kept apart from the list and is still checked. Where the test server's internals differ
 * (another Temporal version), nothing is changed and the server runs as it would have anyway; a
 * warning says so.
 *
 * <p>Stateless and thread-safe.
 */
final class TestServerTimerPatch {

  private static final Logger log = LoggerFactory.getLogger(TestServerTimerPatch.class);

  private TestServerTimerPatch() {}

  /**
   * Replaces the lock-event list of the timer of {@code services}.
   *
   * @return whether it was replaced
   */
  static boolean apply(TestServicesStarter services) {
    try {
      Object timer = read(services, "selfAdvancingTimer");
      Lock lock = (Lock) read(timer, "lock");
      Field events = timer.getClass().getDeclaredField("lockEvents");
      events.setAccessible(true);
      if (!LinkedList.class.equals(events.getType())) {
        throw new NoSuchFieldException(
            "lockEvents is a " + events.getType().getName() + ", not a LinkedList");
      }
      lock.lock();
      try {
        events.set(timer, new UnrecordedEvents());
      } finally {
        lock.unlock();
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "the embedded Temporal server keeps recording its timer's lock events ({}); it will slow down as it "
              + "accumulates work",
          e.toString());
      return false;
    }
  }

  /** The value of the private field {@code name} of {@code owner}, never null. */
  static Object read(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    Object value = field.get(owner);
    if (value == null) {
      throw new NoSuchFieldException(owner.getClass().getName() + "." + name + " is null");
    }
    return value;
  }

  /**
   * A list that keeps nothing: adding and removing succeed at once, iterating finds nothing. Only
   * the timer's diagnostics read it.
   */
  static final class UnrecordedEvents extends LinkedList<Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean add(Object event) {
      return true;
    }

    @Override
    public boolean remove(Object event) {
      return true;
    }
  }
}
