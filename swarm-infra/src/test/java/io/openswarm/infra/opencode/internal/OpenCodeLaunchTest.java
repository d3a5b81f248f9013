package io.openswarm.infra.opencode.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openswarm.infra.opencode.OpenCodeBinary;
import io.openswarm.infra.opencode.OpenCodeBinaryNotFoundException;
import io.openswarm.infra.opencode.OpenCodeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenCodeLaunchTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, String> WORKER_ENV =
      Map.of(
          "PATH", "/usr/bin:/bin",
          "LANG", "C.UTF-8",
          "AWS_SECRET_ACCESS_KEY", "worker-secret",
          "ANTHROPIC_API_KEY", "sk-ant-test",
          "HOME", "/home/worker");

  @TempDir Path dir;

  private Path binary;
  private Path worktree;
  private Path state;

  @BeforeEach
  void setUp() throws IOException {
    binary = dir.resolve("bin/opencode");
    Files.createDirectories(binary.getParent());
    Files.writeString(binary, "#!/bin/sh\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    worktree = Files.createDirectories(dir.resolve("worktrees/cell-1"));
    state = dir.resolve("state/cells/cell-1");
  }

  @Test
  void commandServesOnLoopbackOnTheLeasedPortFromTheWorktree() {
    OpenCodeLaunch launch = plan(options().build());

    assertThat(launch.command())
        .containsExactly(
            binary.toString(),
            "serve",
            "--hostname",
            "127.0.0.1",
            "--port",
            "8123",
            "--print-logs",
            "--log-level",
            "INFO");
    assertThat(launch.workingDirectory()).isEqualTo(worktree);
    assertThat(launch.baseUri()).hasToString("http://127.0.0.1:8123");
    assertThat(launch.writablePaths()).containsExactly(worktree, state);
  }

  @Test
  void environmentIsAnAllowlistAndKeepsWorkerSecretsOut() {
    OpenCodeLaunch launch = plan(options().environment("HTTPS_PROXY", "http://proxy:3128").build());

    Map<String, String> env = launch.environment();
    assertThat(env)
        .containsEntry("PATH", "/usr/bin:/bin")
        .containsEntry("LANG", "C.UTF-8")
        .containsEntry("HTTPS_PROXY", "http://proxy:3128")
        .doesNotContainKeys("AWS_SECRET_ACCESS_KEY", "ANTHROPIC_API_KEY");
    assertThat(env.values()).doesNotContain("worker-secret", "sk-ant-test", "/home/worker");
  }

  @Test
  void theApiKeyReachesTheAgentOnlyThroughTheNamedVariable() {
    OpenCodeLaunch launch =
        plan(
            OpenCodeOptions.newBuilder()
                .model("anthropic/claude-sonnet-4-5")
                .apiKeyVariable("ANTHROPIC_API_KEY")
                .build());

    assertThat(launch.environment())
        .containsEntry("ANTHROPIC_API_KEY", "sk-ant-test")
        .doesNotContainKey("AWS_SECRET_ACCESS_KEY");
    assertThat(launch.configJson()).doesNotContain("sk-ant-test");
  }

  @Test
  void aNamedApiKeyVariableThatIsNotSetFailsThePlan() {
    OpenCodeOptions options = options().apiKeyVariable("MISSING_KEY").build();

    assertThatThrownBy(() -> plan(options))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "environment variable MISSING_KEY (named by OpenCodeOptions.apiKeyVariable) is not set in the "
                + "worker's environment");
  }

  @Test
  void everyWritableLocationOfOpenCodeLiesUnderTheCellStateFolder() {
    OpenCodeLaunch launch = plan(options().build());

    Map<String, String> env = launch.environment();
    for (String name :
        List.of(
            "HOME",
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
            "TMPDIR")) {
      assertThat(Path.of(env.get(name)).startsWith(state))
          .as(name + " under the state folder")
          .isTrue();
    }
    assertThat(
            env.values().stream().map(Path::of).filter(p -> p.startsWith(state)).distinct().count())
        .as("six distinct folders")
        .isEqualTo(6);
    assertThat(env)
        .containsEntry("OPENCODE_DISABLE_AUTOUPDATE", "1")
        .containsEntry("OPENCODE_DISABLE_MODELS_FETCH", "1")
        .containsEntry("OPENCODE_DISABLE_LSP_DOWNLOAD", "1")
        .containsEntry("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1")
        .containsEntry("OPENCODE_DISABLE_SHARE", "1")
        .containsEntry("GIT_TERMINAL_PROMPT", "0")
        .doesNotContainKey("OPENCODE_DISABLE_PROJECT_CONFIG");
    assertThat(plan(options().projectConfig(false).build()).environment())
        .containsEntry("OPENCODE_DISABLE_PROJECT_CONFIG", "1");
  }

  @Test
  void passwordIsRandomPerLaunchAndNeverPrinted() {
    Set<String> passwords = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      OpenCodeLaunch launch = plan(options().build());
      assertThat(launch.password()).matches("[A-Za-z0-9_-]{43}");
      assertThat(launch.environment()).containsEntry("OPENCODE_SERVER_PASSWORD", launch.password());
      assertThat(launch.toString())
          .doesNotContain(launch.password())
          .contains("OPENCODE_SERVER_PASSWORD");
      passwords.add(launch.password());
    }
    assertThat(passwords).hasSize(20);
  }

  @Test
  void configCarriesModelProviderAndPermissionsThatNeverAsk() throws IOException {
    OpenCodeLaunch launch =
        plan(
            options()
                .providerConfigJson(
                    "{\"fake\":{\"npm\":\"@ai-sdk/openai-compatible\","
                        + "\"options\":{\"baseURL\":\"http://127.0.0.1:9999/v1\",\"apiKey\":\"{env:FAKE_KEY}\"}}}")
                .build());

    JsonNode config = MAPPER.readTree(launch.environment().get("OPENCODE_CONFIG_CONTENT"));
    assertThat(config.path("model").asText()).isEqualTo("fake/fake-model");
    assertThat(config.path("autoupdate").asBoolean(true)).isFalse();
    assertThat(config.path("share").asText()).isEqualTo("disabled");
    assertThat(config.path("snapshot").asBoolean(true)).isFalse();
    assertThat(config.path("provider").path("fake").path("options").path("baseURL").asText())
        .isEqualTo("http://127.0.0.1:9999/v1");
    JsonNode permission = config.path("permission");
    assertThat(permission.path("edit").asText()).isEqualTo("allow");
    assertThat(permission.path("bash").asText()).isEqualTo("allow");
    assertThat(permission.path("external_directory").asText()).isEqualTo("deny");
    assertThat(permission.path("webfetch").asText()).isEqualTo("deny");
    assertThat(permission.path("question").asText()).isEqualTo("deny");
    permission
        .fields()
        .forEachRemaining(
            field ->
                assertThat(field.getValue().asText()).as(field.getKey()).isIn("allow", "deny"));
  }

  @Test
  void extraConfigIsDeepMergedOverTheGeneratedOne() throws IOException {
    OpenCodeLaunch launch =
        plan(
            options()
                .extraConfigJson(
                    "{\"permission\":{\"bash\":\"deny\"},\"instructions\":[\"AGENTS.md\"]}")
                .build());

    JsonNode config = MAPPER.readTree(launch.configJson());
    assertThat(config.path("permission").path("bash").asText()).isEqualTo("deny");
    assertThat(config.path("permission").path("edit").asText()).isEqualTo("allow");
    assertThat(config.path("instructions").get(0).asText()).isEqualTo("AGENTS.md");
  }

  @Test
  void prepareCreatesPrivateFoldersAndAnOfflineNpmrc() throws IOException {
    OpenCodeLaunch launch = plan(options().build());

    launch.prepareFileSystem();
    launch.prepareFileSystem();

    for (Path folder :
        List.of(
            state,
            launch.homeDirectory(),
            launch.configHome(),
            launch.dataHome(),
            launch.cacheHome(),
            launch.stateHome(),
            launch.tmpDirectory(),
            launch.openCodeConfigDirectory())) {
      assertThat(folder).isDirectory();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)))
          .as(folder.toString())
          .isEqualTo("rwx------");
    }
    assertThat(launch.openCodeConfigDirectory().resolve(".npmrc"))
        .content()
        .contains("offline=true")
        .contains("registry=http://127.0.0.1:9/");
    assertThat(launch.openCodeConfigDirectory().resolve("node_modules")).doesNotExist();
  }

  @Test
  void prepareWritesNoNpmrcWhenNetworkInstallsAreAllowed() {
    OpenCodeLaunch launch = plan(options().networkPluginInstall(true).build());

    launch.prepareFileSystem();

    assertThat(launch.openCodeConfigDirectory().resolve(".npmrc")).doesNotExist();
  }

  @Test
  void prepareLinksAReadySeedInsteadOfWritingAnNpmrc() throws IOException {
    Path seed = OpenCodePluginSeedTest.completeInstall(dir.resolve("seed"));
    OpenCodeLaunch launch = plan(options().pluginSeed(seed).build());

    launch.prepareFileSystem();

    Path link = launch.openCodeConfigDirectory().resolve("node_modules");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(seed.resolve("node_modules"));
    assertThat(OpenCodePluginSeed.isCompleteInstall(launch.openCodeConfigDirectory())).isTrue();
    assertThat(launch.openCodeConfigDirectory().resolve(".npmrc")).doesNotExist();
  }

  @Test
  void anUnreadySeedFallsBackToTheOfflineNpmrc() {
    OpenCodeLaunch launch = plan(options().pluginSeed(dir.resolve("empty-seed")).build());

    launch.prepareFileSystem();

    assertThat(launch.openCodeConfigDirectory().resolve(".npmrc")).exists();
  }

  @Test
  void validatesItsInputs() {
    OpenCodeOptions options = options().build();
    assertThatThrownBy(() -> builder(options).port(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be between 1 and 65535 but was 0");
    assertThatThrownBy(() -> builder(options).port(65536).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be between 1 and 65535 but was 65536");
    assertThatThrownBy(() -> builder(options).stateDirectory(worktree.resolve(".state")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stateDirectory must lie outside the worktree");
    assertThatThrownBy(() -> builder(options).worktree(dir.resolve("missing")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("worktree must be an existing directory but was " + dir.resolve("missing"));
    assertThatThrownBy(
            () ->
                OpenCodeLaunch.newBuilder()
                    .worktree(worktree)
                    .port(1)
                    .stateDirectory(state)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("options must be set");
    assertThatThrownBy(() -> builder(options).binary(dir.resolve("no-such-binary")).build())
        .isInstanceOf(OpenCodeBinaryNotFoundException.class);
  }

  @Test
  void findsTheBinaryThroughTheWorkerEnvironmentWhenNoneIsGiven() {
    OpenCodeLaunch launch =
        OpenCodeLaunch.newBuilder()
            .options(options().build())
            .worktree(worktree)
            .port(8123)
            .stateDirectory(state)
            .workerEnvironment(Map.of(OpenCodeBinary.ENV_VARIABLE, binary.toString()))
            .binarySearchDirectory(dir)
            .build();

    assertThat(launch.binary()).isEqualTo(binary);
  }

  private OpenCodeOptions.Builder options() {
    return OpenCodeOptions.newBuilder().model("fake/fake-model");
  }

  private OpenCodeLaunch plan(OpenCodeOptions options) {
    return builder(options).build();
  }

  private OpenCodeLaunch.Builder builder(OpenCodeOptions options) {
    return OpenCodeLaunch.newBuilder()
        .options(options)
        .binary(binary)
        .worktree(worktree)
        .port(8123)
        .stateDirectory(state)
        .workerEnvironment(WORKER_ENV);
  }
}
