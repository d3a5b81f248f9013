package io.openswarm.core.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SandboxPolicyEndpointTest {

  @Test
  void parsesNamesAddressesAndBracketedIpv6() {
    assertThat(SandboxPolicy.Endpoint.parse("API.Anthropic.com:443"))
        .isEqualTo(new SandboxPolicy.Endpoint("api.anthropic.com", 443));
    assertThat(SandboxPolicy.Endpoint.parse("127.0.0.1:4010"))
        .isEqualTo(new SandboxPolicy.Endpoint("127.0.0.1", 4010));
    assertThat(SandboxPolicy.Endpoint.parse("[::1]:8080"))
        .isEqualTo(new SandboxPolicy.Endpoint("::1", 8080));
    assertThat(SandboxPolicy.Endpoint.parse("[::1]:8080")).hasToString("[::1]:8080");
  }

  @Test
  void loopbackIsLocalhostOrTheLoopbackNetworks() {
    assertThat(SandboxPolicy.Endpoint.parse("localhost:4010").isLoopback()).isTrue();
    assertThat(SandboxPolicy.Endpoint.parse("127.8.9.1:4010").isLoopback()).isTrue();
    assertThat(SandboxPolicy.Endpoint.parse("[::1]:4010").isLoopback()).isTrue();
    assertThat(SandboxPolicy.Endpoint.parse("128.0.0.1:4010").isLoopback()).isFalse();
    assertThat(SandboxPolicy.Endpoint.parse("127.example.com:4010").isLoopback()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api.openai.com",
        "api.openai.com:",
        ":443",
        "host:0",
        "host:65536",
        "host:https",
        "::1:80",
        "bad_host:80",
        "300.1.1.1:80",
        "-lead.example:80",
        "a b:80",
        "1.2.3:80"
      })
  void rejectsWhatIsNotHostColonPortAndSaysSo(String text) {
    assertThatThrownBy(() -> SandboxPolicy.Endpoint.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoint");
  }

  @Test
  void aSharedNetworkTakesNoExposedPortsOrEndpoints() {
    assertThatThrownBy(
            () ->
                SandboxPolicy.newBuilder()
                    .allowEndpoint(SandboxPolicy.Endpoint.parse("api.x.com:443"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NetworkAccess.NONE")
        .hasMessageContaining("api.x.com:443");
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().exposePort(4096).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[4096]");
  }

  @Test
  void aPrivateNetworkKeepsItsExposedPortsSortedAndItsEndpointsInOrder() {
    SandboxPolicy policy =
        SandboxPolicy.newBuilder()
            .network(NetworkAccess.NONE)
            .exposePort(5000)
            .exposePort(4096)
            .exposePort(5000)
            .allowEndpoint(SandboxPolicy.Endpoint.parse("b.example:443"))
            .allowEndpoint(SandboxPolicy.Endpoint.parse("127.0.0.1:4010"))
            .build();

    assertThat(policy.exposedPorts()).containsExactly(4096, 5000);
    assertThat(policy.allowedEndpoints())
        .extracting(SandboxPolicy.Endpoint::toString)
        .containsExactly("b.example:443", "127.0.0.1:4010");
    assertThat(policy.toBuilder().build()).isEqualTo(policy);
  }

  @Test
  void privilegedOrClashingLoopbackPortsAreRefused() {
    assertThatThrownBy(() -> SandboxPolicy.newBuilder().exposePort(80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1024 and 65535");
    assertThatThrownBy(
            () ->
                SandboxPolicy.newBuilder()
                    .allowEndpoint(SandboxPolicy.Endpoint.parse("127.0.0.1:80")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024 or more");
    assertThatThrownBy(
            () ->
                SandboxPolicy.newBuilder()
                    .network(NetworkAccess.NONE)
                    .exposePort(4010)
                    .allowEndpoint(SandboxPolicy.Endpoint.parse("localhost:4010"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both exposed and an allowed");
  }
}
