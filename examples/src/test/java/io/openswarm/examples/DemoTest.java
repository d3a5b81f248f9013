package io.openswarm.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openswarm.infra.opencode.OpenCodeOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The demo's agent options: what is accepted, what is refused with which message, and what OpenCode
 * is given.
 */
class DemoTest {

  @Test
  void theAgentOptionsAreParsed() {
    assertThat(
            Demo.parse(
                new String[] {
                  "--agent",
                  "opencode",
                  "--model",
                  "openai/gpt-4.1",
                  "--base-url",
                  "https://api.openai.com/v1",
                  "--api-key-env",
                  "OPENAI_API_KEY"
                }))
        .containsEntry("agent", "opencode")
        .containsEntry("model", "openai/gpt-4.1")
        .containsEntry("base-url", "https://api.openai.com/v1")
        .containsEntry("api-key-env", "OPENAI_API_KEY");
    assertThat(Demo.parse(new String[0])).doesNotContainKey("agent");
  }

  @Test
  void inconsistentAgentOptionsAreRefusedWithTheFix() {
    assertThatThrownBy(() -> Demo.parse(new String[] {"--agent", "aider"}))
        .hasMessage("--agent must be scripted or opencode but was aider");
    assertThatThrownBy(() -> Demo.parse(new String[] {"--model", "openai/gpt-4.1"}))
        .hasMessage("--model needs --agent opencode");
    assertThatThrownBy(() -> Demo.parse(new String[] {"--agent", "opencode", "--model", "gpt-4.1"}))
        .hasMessage("--model must be provider/model, e.g. openai/gpt-4.1, but was gpt-4.1");
    assertThatThrownBy(
            () -> Demo.parse(new String[] {"--agent", "opencode", "--base-url", "http://x/v1"}))
        .hasMessage("--base-url and --api-key-env need --model provider/model");
    assertThatThrownBy(
            () ->
                Demo.parse(
                    new String[] {
                      "--agent", "opencode", "--model", "a/b", "--base-url", "ftp://example.com"
                    }))
        .hasMessageContaining("--base-url must be an http(s) URL");
    assertThatThrownBy(
            () ->
                Demo.parse(
                    new String[] {
                      "--agent", "opencode", "--model", "a/b", "--api-key-env", "MY-KEY"
                    }))
        .hasMessage("--api-key-env must name an environment variable but was MY-KEY");
    assertThatThrownBy(() -> Demo.parse(new String[] {"--agent"}))
        .hasMessage("--agent needs a value");
  }

  @Test
  void anOpenAiCompatibleEndpointBecomesAProviderThatNamesItsKeyVariableOnly() throws Exception {
    OpenCodeOptions.Builder builder = OpenCodeOptions.newBuilder();
    Demo.configureRealModel(
        builder,
        Map.of(
            "model",
            "local/qwen2.5-coder:7b",
            "base-url",
            "http://127.0.0.1:11434/v1",
            "api-key-env",
            "LOCAL_KEY"));
    OpenCodeOptions options = builder.build();

    assertThat(options.model()).isEqualTo("local/qwen2.5-coder:7b");
    assertThat(options.apiKeyVariable()).hasValue("LOCAL_KEY");
    JsonNode provider =
        new ObjectMapper().readTree(options.providerConfigJson().orElseThrow()).path("local");
    assertThat(provider.path("npm").asText()).isEqualTo("@ai-sdk/openai-compatible");
    assertThat(provider.path("options").path("baseURL").asText())
        .isEqualTo("http://127.0.0.1:11434/v1");
    assertThat(provider.path("options").path("apiKey").asText()).isEqualTo("{env:LOCAL_KEY}");
    assertThat(provider.path("models").path("qwen2.5-coder:7b").path("tool_call").asBoolean())
        .isTrue();
  }

  @Test
  void aProviderOpenCodeKnowsNeedsNoProviderConfiguration() {
    OpenCodeOptions.Builder builder = OpenCodeOptions.newBuilder();
    Demo.configureRealModel(
        builder,
        Map.of("model", "anthropic/claude-sonnet-4-5", "api-key-env", "ANTHROPIC_API_KEY"));
    OpenCodeOptions options = builder.build();

    assertThat(options.providerConfigJson()).isEmpty();
    assertThat(options.apiKeyVariable()).hasValue("ANTHROPIC_API_KEY");
  }
}
