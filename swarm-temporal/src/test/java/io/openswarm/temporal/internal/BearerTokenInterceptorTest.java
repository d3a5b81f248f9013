package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The interceptor in front of a real gRPC service (the health service) on a loopback port. */
class BearerTokenInterceptorTest {

  private final String token = BearerTokenInterceptor.newToken();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InsecureServerCredentials.create())
            .addService(
                ServerInterceptors.intercept(
                    health.getHealthService(), new BearerTokenInterceptor(token)))
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()),
                InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aCallWithTheTokenReachesTheService() {
    assertThat(check("Bearer " + token).getStatus()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aCallWithoutAuthorizationIsRefusedAsUnauthenticatedSayingWhatIsMissing() {
    assertThatThrownBy(() -> check(null))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("requires the gRPC metadata 'authorization: Bearer <token>'")
        .hasMessageContaining("this call carried none");
  }

  @Test
  void aCallWithAnotherTokenIsRefusedWithoutEchoingWhatItSent() {
    String other = BearerTokenInterceptor.newToken();
    assertThatThrownBy(() -> check("Bearer " + other))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("refused the 'authorization' metadata")
        .message()
        .doesNotContain(other)
        .doesNotContain(token);
  }

  @Test
  void theTokenCountsOnlyAsABearerTokenInFull() {
    for (String almost :
        new String[] {
          token,
          "Basic " + token,
          "bearer " + token,
          "Bearer " + token + "x",
          "Bearer " + token.substring(1),
          "Bearer ",
          ""
        }) {
      assertThatThrownBy(() -> check(almost))
          .as("authorization: %s", almost)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
  }

  @Test
  void eachTokenIs32RandomBytesInBase64Url() {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String fresh = BearerTokenInterceptor.newToken();
      assertThat(fresh).hasSize(43).matches("[A-Za-z0-9_-]+");
      tokens.add(fresh);
    }
    assertThat(tokens).hasSize(100);
  }

  @Test
  void theTokenIsNeverShown() {
    assertThat(new BearerTokenInterceptor(token).toString()).doesNotContain(token);
  }

  @Test
  void refusesAMissingOrBlankToken() {
    assertThatThrownBy(() -> new BearerTokenInterceptor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("token cannot be null");
    assertThatThrownBy(() -> new BearerTokenInterceptor(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("token must not be blank");
  }

  private HealthCheckResponse check(@Nullable String authorization) {
    HealthGrpc.HealthBlockingStub stub =
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    if (authorization != null) {
      Metadata headers = new Metadata();
      headers.put(BearerTokenInterceptor.AUTHORIZATION, authorization);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return stub.check(HealthCheckRequest.getDefaultInstance());
  }
}
