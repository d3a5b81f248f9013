package io.openswarm.temporal.internal;

import io.temporal.internal.testservice.TestServicesStarter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Comparator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Lock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the Java test server ignore the schedule-to-start timeout of an activity that has already
 * started, as a Temporal server does, instead of logging an ERROR with a stack trace ({@code
 * INTERNAL: Not in INITIATED}).
 *
 * <h2>Why</h2>
 *
 * A cell's steps after bootstrap are routed to its host's queue with a short schedule-to-start
 * timeout (30 s by default), so that a dead host is noticed. Temporal's test server (1.38) arms
 * that timeout when it schedules the activity and never disarms it: when it fires while the
 * activity is still running (any step longer than the timeout, counted from scheduling), its
 * handler finds the activity {@code STARTED}, throws {@code Status.INTERNAL "Not in INITIATED"} and
 * logs it at ERROR ({@code "Failure trying to add task for an activity retry"}). Nothing else
 * happens: the activity, its attempt and the workflow are untouched; a Temporal cluster ignores
 * such a timer silently. The step is not late and the options are right; the log line is a false
 * alarm, printed on every long step.
 *
 * <h2>What</h2>
 *
 * The timer's task queue is replaced, under the timer's own lock, by one that wraps each
 * schedule-to-start timer task as it is queued: when it fires, the wrapper looks at the activity
 * under the workflow's lock and, if the activity is {@code STARTED}, does nothing (what the handler
 * ends up doing, minus the ERROR); otherwise it runs the handler, so an activity that no worker
 * picks up still times out (a dead host is still detected). Where the test server's internals
 * differ (another Temporal version), nothing is changed and a warning says so at start.
 *
 * <p>Stateless and thread-safe.
 */
final class StartedActivityTimerGuard {

  private static final Logger log = LoggerFactory.getLogger(StartedActivityTimerGuard.class);

  /**
   * The description the test server gives the timer task of an activity's schedule-to-start
   * timeout.
   */
  static final String SCHEDULE_TO_START_TASK = "Activity ScheduleToStartTimeout";

  private static final String MUTABLE_STATE =
      "io.temporal.internal.testservice.TestWorkflowMutableStateImpl";

  private StartedActivityTimerGuard() {}

  /**
   * Replaces the timer task queue of {@code services} by one that guards schedule-to-start timers.
   *
   * @return whether it was replaced
   */
  static boolean apply(TestServicesStarter services) {
    try {
      Internals internals = Internals.of(services);
      internals.timerLock.lock();
      try {
        @SuppressWarnings("unchecked")
        PriorityQueue<Object> queued = (PriorityQueue<Object>) internals.tasks.get(internals.timer);
        GuardedTasks guarded = new GuardedTasks(queued.comparator(), internals);
        guarded.addAll(queued);
        internals.tasks.set(internals.timer, guarded);
      } finally {
        internals.timerLock.unlock();
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "the embedded Temporal server will log an ERROR (INTERNAL: Not in INITIATED) for every step that runs "
              + "longer than its schedule-to-start timeout; it is harmless ({})",
          e.toString());
      return false;
    }
  }

  /** The test server's fields and methods the guard uses, all found before anything is changed. */
  private record Internals(
      Object timer,
      Lock timerLock,
      Field tasks,
      Field taskRunnable,
      Field taskInfo,
      Class<?> mutableState,
      Field stateLock,
      Field activities,
      Method machineState) {

    static Internals of(TestServicesStarter services) throws ReflectiveOperationException {
      Object timer = TestServerTimerPatch.read(services, "selfAdvancingTimer");
      Lock timerLock = (Lock) TestServerTimerPatch.read(timer, "lock");
      Field tasks = accessible(timer.getClass().getDeclaredField("tasks"));
      if (!PriorityQueue.class.equals(tasks.getType())) {
        throw new NoSuchFieldException(
            "tasks is a " + tasks.getType().getName() + ", not a PriorityQueue");
      }
      Class<?> task = Class.forName(timer.getClass().getName() + "$TimerTask");
      Class<?> mutableState = Class.forName(MUTABLE_STATE);
      Class<?> machine = Class.forName("io.temporal.internal.testservice.StateMachine");
      return new Internals(
          timer,
          timerLock,
          tasks,
          accessible(task.getDeclaredField("runnable")),
          accessible(task.getDeclaredField("taskInfo")),
          mutableState,
          accessible(mutableState.getDeclaredField("lock")),
          accessible(mutableState.getDeclaredField("activities")),
          accessible(machine.getDeclaredMethod("getState")));
    }

    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
      member.setAccessible(true);
      return member;
    }
  }

  /**
   * The timer's queue, wrapping each schedule-to-start task as it is queued. Guarded by the timer's
   * lock.
   */
  private static final class GuardedTasks extends PriorityQueue<Object> {
    private static final long serialVersionUID = 1L;

    private final transient Internals internals;

    GuardedTasks(@Nullable Comparator<Object> order, Internals internals) {
      super(order);
      this.internals = internals;
    }

    @Override
    public boolean offer(Object task) {
      guard(task);
      return super.offer(task);
    }

    private void guard(Object task) {
      try {
        if (SCHEDULE_TO_START_TASK.equals(internals.taskInfo.get(task))) {
          Runnable handler = (Runnable) internals.taskRunnable.get(task);
          Runnable guarded = guarded(handler);
          if (guarded != handler) {
            internals.taskRunnable.set(task, guarded);
          }
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // The task stays as it was: at worst the server logs its false alarm.
        log.debug("schedule-to-start timer left unguarded: {}", e.toString());
      }
    }

    /**
     * The handler, run only if its activity has not started. The handler is the test server's
     * lambda {@code () -> timeoutActivity(scheduledEventId, SCHEDULE_TO_START, attempt)}: its
     * captured workflow state and scheduled event id say which activity it is for.
     */
    private Runnable guarded(Runnable handler) throws IllegalAccessException {
      Object state = null;
      Long scheduledEventId = null;
      for (Field captured : handler.getClass().getDeclaredFields()) {
        if (internals.mutableState.isAssignableFrom(captured.getType())) {
          captured.setAccessible(true);
          state = captured.get(handler);
        } else if (captured.getType() == long.class) {
          captured.setAccessible(true);
          scheduledEventId = captured.getLong(handler);
        }
      }
      if (state == null || scheduledEventId == null) {
        return handler;
      }
      Object workflow = state;
      long activity = scheduledEventId;
      return () -> runUnlessStarted(handler, workflow, activity);
    }

    private void runUnlessStarted(Runnable handler, Object workflow, long scheduledEventId) {
      Lock workflowLock;
      try {
        workflowLock = (Lock) internals.stateLock.get(workflow);
      } catch (IllegalAccessException e) {
        handler.run();
        return;
      }
      // Held across the handler (the lock is reentrant and the handler takes it first thing), so
      // the activity cannot
      // start between the look and the handler.
      workflowLock.lock();
      try {
        if (started(workflow, scheduledEventId)) {
          log.debug(
              "schedule-to-start timeout of activity {} ignored: it has started", scheduledEventId);
          return;
        }
        handler.run();
      } finally {
        workflowLock.unlock();
      }
    }

    private boolean started(Object workflow, long scheduledEventId) {
      try {
        Object machine = ((Map<?, ?>) internals.activities.get(workflow)).get(scheduledEventId);
        return machine != null
            && "STARTED".equals(((Enum<?>) internals.machineState.invoke(machine)).name());
      } catch (ReflectiveOperationException | RuntimeException e) {
        return false;
      }
    }
  }
}
