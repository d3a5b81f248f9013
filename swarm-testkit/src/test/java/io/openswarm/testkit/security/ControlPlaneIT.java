package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TcrWorkflow;
import io.openswarm.temporal.internal.BearerTokenInterceptor;
import io.openswarm.testkit.HistoryCheck;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The control plane is closed to cells. A cell's processes share the loopback address with the
 * worker's embedded Temporal server, so they can open its port, as any process on the host can;
 * what they cannot have is the token of this start, which lives only in the worker's memory.
 * Without it, or with another, a client is refused every call that lists workflows, reads a history
 * (and with it other tasks' prompts), terminates a workflow or starts one (a task committing what
 * the caller chooses); the worker's own client, and another process handed the token, keep working.
 */
class ControlPlaneIT {

  private static final String NAMESPACE = "default";

  @TempDir static Path temp;
  static TemporaryRepository repo;
  static SwarmWorker worker;
  static SwarmClient client;
  static String token;
  static String finishedWorkflow;
  static final AtomicReference<ChildProcessAgent> agent = new AtomicReference<>();

  @BeforeAll
  static void startWorkerAndRunATask() {
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\nexit 0\n")
            .executable("test.sh")
            .commit("a project with a test");
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("control-plane-host").build())
            .agent(
                supervisor -> {
                  agent.set(ChildProcessAgent.newBuilder(supervisor).promptCommands().build());
                  return agent.get();
                })
            .ports(new PortRange(24760, 24769))
            .start();
    client = worker.client();
    token = worker.embeddedServerToken().orElseThrow();
    finishedWorkflow =
        client.startTcr(TaskSpec.of("finished", "write done.txt a prompt for no one else", "main"));
    assertThat(client.result(finishedWorkflow).status()).isEqualTo(CellStatus.COMMITTED);
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @AfterEach
  void nothingLeaks() {
    InvariantCheck.of(worker)
        .repository(repo.path())
        .processes(() -> agent.get().startedProcesses())
        .assertHolds();
  }

  /**
   * Every call a cell could make on the workflow service, straight over gRPC, as {@code grpcurl}
   * would.
   */
  @ParameterizedTest(name = "with {0}")
  @ValueSource(strings = {"no token", "another token"})
  void aCellCanNeitherListNorReadNorTerminateNorStartWorkflows(String credentials) {
    String running = startHangingTask("running-" + credentials.replace(' ', '-'));
    String intruder = "tcr-intruder-" + credentials.replace(' ', '-');
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(worker.temporalTarget()).usePlaintext().build();
    try {
      WorkflowServiceBlockingStub cell =
          WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      if (credentials.equals("another token")) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + BearerTokenInterceptor.newToken());
        cell = cell.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      WorkflowServiceBlockingStub refused = cell;

      assertUnauthenticated(
          () ->
              refused.listOpenWorkflowExecutions(
                  ListOpenWorkflowExecutionsRequest.newBuilder().setNamespace(NAMESPACE).build()));
      assertUnauthenticated(
          () ->
              refused.listClosedWorkflowExecutions(
                  ListClosedWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(NAMESPACE)
                      .build()));
      assertUnauthenticated(
          () ->
              refused.getWorkflowExecutionHistory(
                  GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(NAMESPACE)
                      .setExecution(execution(finishedWorkflow))
                      .build()));
      assertUnauthenticated(
          () ->
              refused.terminateWorkflowExecution(
                  TerminateWorkflowExecutionRequest.newBuilder()
                      .setNamespace(NAMESPACE)
                      .setWorkflowExecution(execution(running))
                      .setReason("a cell says so")
                      .build()));
      assertUnauthenticated(
          () ->
              refused.startWorkflowExecution(
                  StartWorkflowExecutionRequest.newBuilder()
                      .setNamespace(NAMESPACE)
                      .setWorkflowId(intruder)
                      .setRequestId(UUID.randomUUID().toString())
                      .setWorkflowType(WorkflowType.newBuilder().setName("TcrWorkflow"))
                      .setTaskQueue(TaskQueue.newBuilder().setName(client.taskQueue()))
                      .setInput(
                          DefaultDataConverter.newDefaultInstance()
                              .toPayloads(
                                  TaskSpec.of(
                                      "intruder", "write owned.txt what the cell chose", "main"))
                              .orElseThrow())
                      .build()));

      // The worker's own client still sees everything, and nothing the cell asked for happened.
      WorkflowServiceBlockingStub own =
          client.workflowClient().getWorkflowServiceStubs().blockingStub();
      assertThat(
              own.listClosedWorkflowExecutions(
                      ListClosedWorkflowExecutionsRequest.newBuilder()
                          .setNamespace(NAMESPACE)
                          .build())
                  .getExecutionsList())
          .anySatisfy(
              info -> assertThat(info.getExecution().getWorkflowId()).isEqualTo(finishedWorkflow));
      assertThat(
              own.getWorkflowExecutionHistory(
                      GetWorkflowExecutionHistoryRequest.newBuilder()
                          .setNamespace(NAMESPACE)
                          .setExecution(execution(finishedWorkflow))
                          .build())
                  .getHistory()
                  .getEventsCount())
          .isPositive();
      assertThat(
              own.describeWorkflowExecution(
                      DescribeWorkflowExecutionRequest.newBuilder()
                          .setNamespace(NAMESPACE)
                          .setExecution(execution(running))
                          .build())
                  .getWorkflowExecutionInfo()
                  .getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      assertThatThrownBy(
              () ->
                  own.describeWorkflowExecution(
                      DescribeWorkflowExecutionRequest.newBuilder()
                          .setNamespace(NAMESPACE)
                          .setExecution(execution(intruder))
                          .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    } finally {
      channel.shutdownNow();
      cancelAndAwaitTeardown(running);
    }
    assertThat(repo.hasBranch("swarm/intruder")).isFalse();
  }

  /** What the finding did: Temporal's own SDK, pointed at the worker's target. */
  @Test
  void temporalsSdkWithoutTheTokenIsRefusedAsWell() {
    withClient(
        WorkflowServiceStubsOptions.newBuilder().setTarget(worker.temporalTarget()).build(),
        cell -> {
          assertUnauthenticated(() -> cell.fetchHistory(finishedWorkflow));
          TcrWorkflow intruder =
              cell.newWorkflowStub(
                  TcrWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue(client.taskQueue())
                      .setWorkflowId("tcr-sdk-intruder")
                      .build());
          assertUnauthenticated(
              () ->
                  WorkflowClient.start(
                      intruder::run,
                      TaskSpec.of("sdk-intruder", "write owned.txt what the cell chose", "main")));
        });
    assertThat(repo.hasBranch("swarm/sdk-intruder")).isFalse();
  }

  /**
   * The README's recipe for another process: the worker's target and token, as an API key without
   * TLS.
   */
  @Test
  void anotherProcessHandedTheTokenConnectsAndTheTokenIsNotInAnyHistory() {
    withClient(
        WorkflowServiceStubsOptions.newBuilder()
            .setTarget(worker.temporalTarget())
            .addApiKey(() -> token)
            .setEnableHttps(false)
            .build(),
        other -> assertThat(other.fetchHistory(finishedWorkflow).getEvents()).isNotEmpty());
    HistoryCheck.assertAbsent(client.workflowClient(), finishedWorkflow, token);
  }

  @Test
  void theTokenIsInNeitherTheAgentsEnvironmentNorItsCommandLine() throws Exception {
    String workflowId = startHangingTask("nosy");
    String environment;
    String commandLine;
    try {
      LeaseJournal journal = LeaseJournal.open(temp.resolve("state/journal"));
      String pid =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      journal.records().stream()
                          .filter(
                              r ->
                                  r.kind() == LeaseKind.PROCESS
                                      && "agent of cell nosy".equals(r.attribute("description")))
                          .map(r -> r.attribute("pid"))
                          .findFirst()
                          .orElse(null),
                  found -> found != null);
      environment =
          new String(Files.readAllBytes(Path.of("/proc", pid, "environ")), StandardCharsets.UTF_8);
      commandLine =
          new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8);
    } finally {
      cancelAndAwaitTeardown(workflowId);
    }

    assertThat(environment).contains("PATH=").doesNotContain(token);
    assertThat(commandLine).isNotEmpty().doesNotContain(token);
  }

  private static String startHangingTask(String taskId) {
    String workflowId = client.startTcr(TaskSpec.of(taskId, "hang", "main"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.progress(workflowId).step() == CellStep.EXECUTE);
    return workflowId;
  }

  /**
   * Cancels a task that may already have ended (when the test failed: terminated by the intruder)
   * and waits.
   */
  private static void cancelAndAwaitTeardown(String workflowId) {
    try {
      client.cancel(workflowId);
    } catch (RuntimeException alreadyClosed) {
      // Nothing to cancel; its cell is being torn down or already is.
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> worker.liveCells() == 0);
  }

  private static WorkflowExecution execution(String workflowId) {
    return WorkflowExecution.newBuilder().setWorkflowId(workflowId).build();
  }

  private static void withClient(
      WorkflowServiceStubsOptions options, Consumer<WorkflowClient> body) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(options);
    try {
      body.accept(WorkflowClient.newInstance(stubs));
    } finally {
      stubs.shutdownNow();
    }
  }

  /** The call fails, and somewhere in the failure is the server's {@code UNAUTHENTICATED}. */
  private static void assertUnauthenticated(ThrowingCallable call) {
    assertThatThrownBy(call)
        .satisfies(
            failure -> {
              Throwable cause = failure;
              while (cause != null && !(cause instanceof StatusRuntimeException)) {
                cause = cause.getCause();
              }
              assertThat(cause)
                  .as("a gRPC status in %s", failure)
                  .isInstanceOf(StatusRuntimeException.class);
              Status status = ((StatusRuntimeException) cause).getStatus();
              assertThat(status.getCode()).as("%s", failure).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(status.getDescription()).contains("authorization").doesNotContain(token);
            });
  }
}
