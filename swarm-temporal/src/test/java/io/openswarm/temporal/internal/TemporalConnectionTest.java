package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.openswarm.temporal.ConnectionOptions;
import io.temporal.api.workflowservice.v1.GetClusterInfoRequest;
import io.temporal.api.workflowservice.v1.GetClusterInfoResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class TemporalConnectionTest {

  private static ConnectionOptions options() {
    return ConnectionOptions.getDefaultInstance();
  }

  private static ConnectionOptions joining(EmbeddedTemporalServer server) {
    return ConnectionOptions.newBuilder()
        .target(server.target())
        .embeddedServerToken(server.token())
        .build();
  }

  @Test
  void theEmbeddedServerIsRecognizedAsTheJavaTestServer() throws IOException {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0);
        TemporalConnection connection = TemporalConnection.open(server, options(), null)) {
      assertThat(connection.isJavaTestServer()).isTrue();
    }
  }

  /**
   * The Java test server implements no worker heartbeats: the SDK would try them at every start and
   * give up with a WARN. They are off on the embedded server and on one joined with its token, and
   * left to the SDK elsewhere.
   */
  @Test
  void workerHeartbeatsAreOffOnTheJavaTestServerOnly() throws IOException {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0)) {
      ConnectionOptions joining = joining(server);
      try (TemporalConnection embedded = TemporalConnection.open(server, options(), null);
          TemporalConnection joined = TemporalConnection.open(server.target(), joining);
          TemporalConnection cluster = TemporalConnection.open(server.target(), options())) {
        assertThat(embedded.client().getOptions().getWorkerHeartbeatInterval()).isNegative();
        assertThat(joined.client().getOptions().getWorkerHeartbeatInterval()).isNegative();
        assertThat(cluster.client().getOptions().getWorkerHeartbeatInterval()).isPositive();
      }
    }
  }

  @Test
  void aWorkerJoinsAnotherWorkersEmbeddedServerWithItsToken() throws IOException {
    try (EmbeddedTemporalServer server = EmbeddedTemporalServer.start(0)) {
      ConnectionOptions joining = joining(server);
      assertThat(joining.tls()).isFalse();
      assertThat(joining.toString())
          .doesNotContain(server.token())
          .contains("embeddedServerToken=***");
      try (TemporalConnection connection = TemporalConnection.open(server.target(), joining)) {
        assertThat(connection.isJavaTestServer()).isTrue();
        assertThat(
                connection
                    .client()
                    .getWorkflowServiceStubs()
                    .blockingStub()
                    .getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                    .hasCapabilities())
            .isTrue();
      }
      // Without the token the server answers nothing, not even what it is.
      try (TemporalConnection connection = TemporalConnection.open(server.target(), options())) {
        assertThat(connection.isJavaTestServer()).isFalse();
      }
    }
  }

  @Test
  void aServerThatAnswersClusterInfoIsACluster() throws IOException {
    Server cluster =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InsecureServerCredentials.create())
            .addService(
                new WorkflowServiceGrpc.WorkflowServiceImplBase() {
                  // The SDK asks for the server's capabilities before its first call.
                  @Override
                  public void getSystemInfo(
                      GetSystemInfoRequest request,
                      StreamObserver<GetSystemInfoResponse> response) {
                    response.onNext(
                        GetSystemInfoResponse.newBuilder().setServerVersion("1.29.1").build());
                    response.onCompleted();
                  }

                  @Override
                  public void getClusterInfo(
                      GetClusterInfoRequest request,
                      StreamObserver<GetClusterInfoResponse> response) {
                    response.onNext(
                        GetClusterInfoResponse.newBuilder().setServerVersion("1.29.1").build());
                    response.onCompleted();
                  }
                })
            .build()
            .start();
    try (TemporalConnection connection =
        TemporalConnection.open("127.0.0.1:" + cluster.getPort(), options())) {
      assertThat(connection.isJavaTestServer()).isFalse();
    } finally {
      cluster.shutdownNow();
    }
  }

  @Test
  void anUnreachableServerCountsAsACluster() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (TemporalConnection connection =
        TemporalConnection.open("127.0.0.1:" + closedPort, options())) {
      assertThat(connection.isJavaTestServer()).isFalse();
    }
  }
}
