package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EmbeddedTemporalServerTest {

  @WorkflowInterface
  public interface Greeting {
    @WorkflowMethod
    String greet(String name);
  }

  public static class GreetingImpl implements Greeting {
    @Override
    public String greet(String name) {
      return "hello " + name;
    }
  }

  @Test
  void servesWorkflowsOnTheLoopbackAddressOnly() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0)) {
      assertThat(server.port()).isPositive();
      assertThat(server.target()).isEqualTo("127.0.0.1:" + server.port());
      assertThat(server.listenAddresses())
          .isNotEmpty()
          .allSatisfy(
              address ->
                  assertThat(((InetSocketAddress) address).getAddress().isLoopbackAddress())
                      .isTrue());

      onWorker(
          server,
          "embedded-test",
          worker -> worker.registerWorkflowImplementationTypes(GreetingImpl.class),
          client -> {
            Greeting greeting =
                client.newWorkflowStub(
                    Greeting.class,
                    WorkflowOptions.newBuilder().setTaskQueue("embedded-test").build());
            assertThat(greeting.greet("swarm")).isEqualTo("hello swarm");
          });
    }
  }

  @ActivityInterface
  public interface Waits {
    /** Heartbeats every 50 ms for {@code millis}, then returns how many heartbeats it sent. */
    @ActivityMethod
    int heartbeatFor(long millis);
  }

  public static class WaitsImpl implements Waits {
    @Override
    public int heartbeatFor(long millis) {
      long end = System.nanoTime() + millis * 1_000_000;
      int beats = 0;
      while (System.nanoTime() < end) {
        Activity.getExecutionContext().heartbeat(beats++);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return beats;
    }
  }

  @WorkflowInterface
  public interface Timed {
    @WorkflowMethod
    String run();
  }

  /**
   * A timer, an activity kept alive by heartbeats, and one that a timeout ends: all the server's
   * timer does.
   */
  public static class TimedImpl implements Timed {
    @Override
    public String run() {
      long before = Workflow.currentTimeMillis();
      Workflow.sleep(Duration.ofMillis(200));
      long slept = Workflow.currentTimeMillis() - before;
      Waits kept =
          Workflow.newActivityStub(
              Waits.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(10))
                  .setHeartbeatTimeout(Duration.ofMillis(300))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      int beats = kept.heartbeatFor(600);
      Waits cut =
          Workflow.newActivityStub(
              Waits.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMillis(300))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      String timeout;
      try {
        cut.heartbeatFor(5_000);
        timeout = "none";
      } catch (ActivityFailure failure) {
        timeout =
            failure.getCause() instanceof TimeoutFailure t
                ? t.getTimeoutType().name()
                : failure.toString();
      }
      return (slept >= 200) + " " + (beats > 6) + " " + timeout;
    }
  }

  /**
   * The embedded server's timer records none of its lock events (they made every timer event slower
   * the longer the server ran); timers, heartbeat timeouts and start-to-close timeouts still work
   * on it.
   */
  @Test
  void timersAndTimeoutsWorkWithoutTheTimersLockEventRecord() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0)) {
      assertThat(server.timerEventsDiscarded()).isTrue();
      onWorker(
          server,
          "timed",
          worker -> {
            worker.registerWorkflowImplementationTypes(TimedImpl.class);
            worker.registerActivitiesImplementations(new WaitsImpl());
          },
          client -> {
            for (int run = 0; run < 2; run++) {
              Timed timed =
                  client.newWorkflowStub(
                      Timed.class, WorkflowOptions.newBuilder().setTaskQueue("timed").build());
              assertThat(timed.run()).isEqualTo("true true TIMEOUT_TYPE_START_TO_CLOSE");
            }
          });
    }
  }

  @Test
  void theServerAsShippedKeepsRecordingAndTheReplacementListKeepsNothing() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.startAsShipped(0)) {
      assertThat(server.timerEventsDiscarded()).isFalse();
    }
    TestServerTimerPatch.UnrecordedEvents events = new TestServerTimerPatch.UnrecordedEvents();
    Object event = new Object();
    assertThat(events.add(event)).isTrue();
    assertThat(events).isEmpty();
    assertThat(events.remove(event)).isTrue();
  }

  @WorkflowInterface
  public interface Routed {
    /**
     * Runs {@code Waits.heartbeatFor(millis)} on {@code queue} with a 300 ms schedule-to-start
     * timeout.
     */
    @WorkflowMethod
    String run(String queue, long millis);
  }

  public static class RoutedImpl implements Routed {
    @Override
    public String run(String queue, long millis) {
      Waits waits =
          Workflow.newActivityStub(
              Waits.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(queue)
                  .setScheduleToStartTimeout(Duration.ofMillis(300))
                  .setStartToCloseTimeout(Duration.ofSeconds(10))
                  .setHeartbeatTimeout(Duration.ofSeconds(2))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      try {
        return "ran " + (waits.heartbeatFor(millis) > 0);
      } catch (ActivityFailure failure) {
        return failure.getCause() instanceof TimeoutFailure t
            ? t.getTimeoutType().name()
            : failure.toString();
      }
    }
  }

  /**
   * A step routed to a host queue outlives its schedule-to-start timeout on a healthy host; the
   * test server as shipped then logs an ERROR ({@code INTERNAL: Not in INITIATED}) for a timeout
   * that no longer applies. The embedded server ignores it, as a Temporal cluster does, and the
   * step ends normally either way.
   */
  @Test
  void anActivityThatOutlivesItsScheduleToStartTimeoutLogsNoError() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        LogCapture log = LogCapture.start()) {
      assertThat(server.startedActivityTimersIgnored()).isTrue();
      onWorker(
          server,
          "routed",
          worker -> {
            worker.registerWorkflowImplementationTypes(RoutedImpl.class);
            worker.registerActivitiesImplementations(new WaitsImpl());
          },
          client -> {
            Routed routed =
                client.newWorkflowStub(
                    Routed.class, WorkflowOptions.newBuilder().setTaskQueue("routed").build());
            assertThat(routed.run("routed", 900)).isEqualTo("ran true");
          });
      assertThat(log.errors()).isEmpty();
      // Only the server's own trace counts here: on a loaded machine the SDK's activity poller may
      // log a cancelled
      // poll while its worker shuts down, which has nothing to do with the timer (QuietLogsIT
      // covers a whole run).
      assertThat(log.stackFrames())
          .noneMatch(
              frame ->
                  frame.contains("TestWorkflowMutableStateImpl")
                      || frame.contains("TestWorkflowService"));
    }
  }

  /**
   * The log line the guard removes is real on the server as shipped: this is what the test above
   * would see.
   */
  @Test
  void theServerAsShippedLogsAnErrorWhenARunningActivityPassesItsScheduleToStartTimeout() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.startAsShipped(0);
        LogCapture log = LogCapture.start()) {
      assertThat(server.startedActivityTimersIgnored()).isFalse();
      onWorker(
          server,
          "routed",
          worker -> {
            worker.registerWorkflowImplementationTypes(RoutedImpl.class);
            worker.registerActivitiesImplementations(new WaitsImpl());
          },
          client -> {
            Routed routed =
                client.newWorkflowStub(
                    Routed.class, WorkflowOptions.newBuilder().setTaskQueue("routed").build());
            assertThat(routed.run("routed", 900)).isEqualTo("ran true");
          });
      assertThat(log.errors())
          .anySatisfy(line -> assertThat(line).contains("TestWorkflowMutableStateImpl"));
      assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("Not in INITIATED"));
    }
  }

  /**
   * What the schedule-to-start timeout is for still works: a step that no host picks up times out.
   */
  @Test
  void anActivityThatNoWorkerPicksUpStillTimesOutBeforeItStarts() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0)) {
      onWorker(
          server,
          "routed",
          worker -> worker.registerWorkflowImplementationTypes(RoutedImpl.class),
          client -> {
            Routed routed =
                client.newWorkflowStub(
                    Routed.class, WorkflowOptions.newBuilder().setTaskQueue("routed").build());
            assertThat(routed.run("a-host-that-is-gone", 100))
                .isEqualTo("TIMEOUT_TYPE_SCHEDULE_TO_START");
          });
    }
  }

  /**
   * Runs {@code body} with a client of {@code server} while a worker set up by {@code registration}
   * polls {@code queue}.
   */
  private static void onWorker(
      EmbeddedTemporalServer server,
      String queue,
      Consumer<Worker> registration,
      Consumer<WorkflowClient> body) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(server.newStubOptions().build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      WorkerFactory factory = WorkerFactory.newInstance(client);
      registration.accept(factory.newWorker(queue));
      factory.start();
      try {
        body.accept(client);
      } finally {
        factory.shutdownNow();
      }
    } finally {
      stubs.shutdownNow();
    }
  }

  /**
   * Cells share the loopback address with the server: without the token of this start, no call
   * reaches a workflow (not even a read); the health service, which tells nothing, answers anyone.
   */
  @Test
  void refusesEveryCallWithoutTheTokenOfThisStartButAnswersHealthChecks() {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        EmbeddedTemporalServer other = EmbeddedTemporalServer.start(0)) {
      assertThat(server.token()).isNotEqualTo(other.token()).matches("[A-Za-z0-9_-]{43}");
      GetSystemInfoRequest info = GetSystemInfoRequest.getDefaultInstance();
      for (WorkflowServiceStubsOptions refused :
          List.of(
              WorkflowServiceStubsOptions.newBuilder().setTarget(server.target()).build(),
              EmbeddedTemporalServer.stubOptions(server.target(), other.token()).build())) {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(refused);
        try {
          assertThatThrownBy(() -> stubs.blockingStub().getSystemInfo(info))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
          stubs.shutdownNow();
        }
      }
      // A probe on a plain gRPC channel (the SDK's own stubs ask for the system info first, which
      // is refused).
      ManagedChannel probe = NettyChannelBuilder.forTarget(server.target()).usePlaintext().build();
      try {
        assertThat(
                HealthGrpc.newBlockingStub(probe)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(
                        HealthCheckRequest.newBuilder()
                            .setService("temporal.api.workflowservice.v1.WorkflowService")
                            .build())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      } finally {
        probe.shutdownNow();
      }
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(server.newStubOptions().build());
      try {
        assertThat(stubs.blockingStub().getSystemInfo(info).hasCapabilities()).isTrue();
      } finally {
        stubs.shutdownNow();
      }
    }
  }

  @Test
  void aTakenPortIsAClearError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> EmbeddedTemporalServer.start(taken.getLocalPort()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageStartingWith(
              "cannot start the embedded Temporal server on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void rejectsPortsOutsideTheTcpRange() {
    assertThatThrownBy(() -> EmbeddedTemporalServer.start(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("embedded Temporal port must be between 0 and 65535 but was 70000");
  }
}
