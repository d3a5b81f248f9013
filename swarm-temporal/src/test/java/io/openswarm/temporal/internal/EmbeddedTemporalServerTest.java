package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
      assertThat(server.listenAddresses()).isNotEmpty().allSatisfy(address ->
          assertThat(((InetSocketAddress) address).getAddress().isLoopbackAddress()).isTrue());

      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(server.target()).build());
      try {
        WorkflowClient client = WorkflowClient.newInstance(stubs);
        WorkerFactory factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker("embedded-test");
        worker.registerWorkflowImplementationTypes(GreetingImpl.class);
        factory.start();
        try {
          Greeting greeting = client.newWorkflowStub(Greeting.class,
              WorkflowOptions.newBuilder().setTaskQueue("embedded-test").build());
          assertThat(greeting.greet("swarm")).isEqualTo("hello swarm");
        } finally {
          factory.shutdownNow();
        }
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
          .hasMessageStartingWith("cannot start the embedded Temporal server on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void rejectsPortsOutsideTheTcpRange() {
    assertThatThrownBy(() -> EmbeddedTemporalServer.start(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("embedded Temporal port must be between 0 and 65535 but was 70000");
  }
}
