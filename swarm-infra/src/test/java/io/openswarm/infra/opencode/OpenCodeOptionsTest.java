package io.openswarm.infra.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenCodeOptionsTest {

  @Test
  void defaultsMatchTheDocumentedValues() {
    OpenCodeOptions options =
        OpenCodeOptions.newBuilder().model("anthropic/claude-sonnet-4-5").build();

    assertThat(options.providerId()).isEqualTo("anthropic");
    assertThat(options.modelId()).isEqualTo("claude-sonnet-4-5");
    assertThat(options.readyTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.turnIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.providerRetryLimit()).isEqualTo(6);
    assertThat(options.logLevel()).isEqualTo(OpenCodeOptions.LogLevel.INFO);
    assertThat(options.passEnvironment())
        .containsExactly("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ");
    assertThat(options.environment()).isEmpty();
    assertThat(options.apiKeyVariable()).isEmpty();
    assertThat(options.providerConfigJson()).isEmpty();
    assertThat(options.extraConfigJson()).isEmpty();
    assertThat(options.pluginSeed()).isEmpty();
    assertThat(options.binary()).isEmpty();
    assertThat(options.networkPluginInstall()).isFalse();
    assertThat(options.snapshots()).isFalse();
    assertThat(options.projectConfig()).isTrue();
  }

  @Test
  void modelIdMayContainSlashes() {
    OpenCodeOptions options =
        OpenCodeOptions.newBuilder().model("openrouter/anthropic/claude-3.5").build();

    assertThat(options.providerId()).isEqualTo("openrouter");
    assertThat(options.modelId()).isEqualTo("anthropic/claude-3.5");
  }

  @Test
  void modelIsRequiredAndMustBeProviderSlashModel() {
    assertThatThrownBy(() -> OpenCodeOptions.newBuilder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("model must be set");
    for (String bad :
        List.of("claude", "/model", "provider/", "pro vider/model", "provider/mo del")) {
      assertThatThrownBy(() -> OpenCodeOptions.newBuilder().model(bad).build())
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("provider/model")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void jsonSettingsMustBeJsonObjects() {
    assertThatThrownBy(() -> builder().providerConfigJson("{not json").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("providerConfigJson must be a JSON object but is not valid JSON");
    assertThatThrownBy(() -> builder().providerConfigJson("[1,2]").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("providerConfigJson must be a JSON object but was array");
    assertThatThrownBy(() -> builder().extraConfigJson("\"text\"").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("extraConfigJson must be a JSON object but was string");
  }

  @Test
  void environmentNamesAreValidatedAndReservedOnesRefused() {
    assertThatThrownBy(() -> builder().apiKeyVariable("BAD-NAME").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apiKeyVariable must name environment variables")
        .hasMessageContaining("'BAD-NAME'");
    assertThatThrownBy(() -> builder().environment("HOME", "/elsewhere").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("environment must not set 'HOME'");
    assertThatThrownBy(
            () -> builder().passEnvironment(List.of("PATH", "OPENCODE_SERVER_PASSWORD")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("passEnvironment must not set 'OPENCODE_SERVER_PASSWORD'");
    assertThatThrownBy(() -> builder().passEnvironment(List.of("PATH", "PATH")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("passEnvironment lists 'PATH' twice");
  }

  @Test
  void durationsMustBePositiveAndRetryLimitNotNegative() {
    assertThatThrownBy(() -> builder().readyTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readyTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> builder().turnIdleTimeout(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("turnIdleTimeout must be positive but was PT-1S");
    assertThatThrownBy(() -> builder().requestTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requestTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> builder().providerRetryLimit(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("providerRetryLimit must be 0 or more but was -1");
  }

  @Test
  void settersRejectNullWithTheParameterName() {
    assertThatThrownBy(() -> builder().model(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("model cannot be null");
    assertThatThrownBy(() -> builder().environment("A", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value cannot be null");
    assertThatThrownBy(() -> builder().passEnvironment(java.util.Arrays.asList("PATH", null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("passEnvironment element cannot be null");
  }

  @Test
  void copyBuilderReproducesEqualOptions() {
    OpenCodeOptions options =
        builder()
            .providerConfigJson("{\"fake\":{}}")
            .apiKeyVariable("FAKE_KEY")
            .environment("HTTPS_PROXY", "http://proxy:3128")
            .passEnvironment(List.of("PATH"))
            .turnIdleTimeout(Duration.ofSeconds(90))
            .providerRetryLimit(2)
            .logLevel(OpenCodeOptions.LogLevel.WARN)
            .pluginSeed(Path.of("/var/lib/swarm/seed"))
            .networkPluginInstall(true)
            .snapshots(true)
            .projectConfig(false)
            .extraConfigJson("{\"instructions\":[]}")
            .binary(Path.of("/opt/opencode"))
            .build();

    OpenCodeOptions copy = OpenCodeOptions.newBuilder(options).build();

    assertThat(copy).isEqualTo(options).hasSameHashCodeAs(options);
    assertThat(OpenCodeOptions.newBuilder(options).providerRetryLimit(3).build())
        .isNotEqualTo(options);
  }

  @Test
  void toStringShowsEnvironmentNamesButNotValues() {
    OpenCodeOptions options = builder().environment("SOME_TOKEN", "s3cr3t-value").build();

    assertThat(options.toString()).contains("SOME_TOKEN").doesNotContain("s3cr3t-value");
  }

  private static OpenCodeOptions.Builder builder() {
    return OpenCodeOptions.newBuilder().model("fake/fake-model");
  }

  @Test
  void aPrivateNetworkKeepsItsAllowedEndpointsAndASharedOneRefusesThem() {
    OpenCodeOptions isolated =
        OpenCodeOptions.newBuilder()
            .model("anthropic/claude-sonnet-4-5")
            .network(io.openswarm.core.sandbox.NetworkAccess.NONE)
            .allowEndpoint("api.anthropic.com:443")
            .build();

    assertThat(isolated.allowedEndpoints())
        .extracting(Object::toString)
        .containsExactly("api.anthropic.com:443");
    assertThat(OpenCodeOptions.newBuilder(isolated).build()).isEqualTo(isolated);
    assertThatThrownBy(
            () ->
                OpenCodeOptions.newBuilder()
                    .model("anthropic/claude-sonnet-4-5")
                    .allowEndpoint("api.anthropic.com:443")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("network(NONE)");
  }
}
