package io.openswarm.infra.opencode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.opencode.internal.Json;
import io.openswarm.infra.opencode.internal.OpenCodePluginSeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How OpenCode agents are launched and driven: the model, the provider configuration, what part of
 * the worker's environment the agent may see, timeouts, and the plugin seed.
 *
 * <p>Security defaults: the agent sees only the variables named in {@link #passEnvironment()} (by
 * default {@code PATH} and locale variables), the variables given explicitly in {@link
 * #environment()}, and the one variable named by {@link #apiKeyVariable()} — nothing else of the
 * worker's environment. OpenCode's permission rules allow edits and shell commands and deny
 * external directories, web fetches and interactive questions, so a turn never blocks on a prompt;
 * these rules are not a sandbox (the process sandbox is).
 *
 * <p>Immutable and thread-safe. Create with {@link #newBuilder()}; {@link Builder#build()}
 * validates every value.
 */
public final class OpenCodeOptions {

  /** Log levels OpenCode accepts for {@code --log-level}. */
  public enum LogLevel {
    /** Everything, including request traces. */
    DEBUG,
    /** Lifecycle lines; the default. */
    INFO,
    /** Warnings and errors. */
    WARN,
    /** Errors only. */
    ERROR
  }

  /** The worker variables an agent sees unless {@link Builder#passEnvironment} says otherwise. */
  public static final List<String> DEFAULT_PASS_ENVIRONMENT =
      List.of("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ");

  /** Default for {@link #readyTimeout()}. */
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);

  /** Default for {@link #turnIdleTimeout()}. */
  public static final Duration DEFAULT_TURN_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** Default for {@link #requestTimeout()}. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Default for {@link #providerRetryLimit()}. */
  public static final int DEFAULT_PROVIDER_RETRY_LIMIT = 6;

  /** Variables the launch sets itself; options may not override them. */
  static final Set<String> RESERVED_VARIABLES =
      Set.of(
          "HOME",
          "XDG_CONFIG_HOME",
          "XDG_DATA_HOME",
          "XDG_CACHE_HOME",
          "XDG_STATE_HOME",
          "TMPDIR",
          "OPENCODE_SERVER_PASSWORD",
          "OPENCODE_SERVER_USERNAME",
          "OPENCODE_CONFIG_CONTENT",
          "OPENCODE_CONFIG",
          "OPENCODE_CONFIG_DIR",
          "OPENCODE_DISABLE_AUTOUPDATE",
          "OPENCODE_DISABLE_MODELS_FETCH",
          "OPENCODE_DISABLE_LSP_DOWNLOAD",
          "OPENCODE_DISABLE_DEFAULT_PLUGINS",
          "OPENCODE_DISABLE_SHARE",
          "OPENCODE_DISABLE_PROJECT_CONFIG",
          "GIT_TERMINAL_PROMPT");

  private static final Pattern MODEL = Pattern.compile("[^/\\s]+/\\S+");
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final String model;
  private final @Nullable String providerConfigJson;
  private final @Nullable String apiKeyVariable;
  private final List<String> passEnvironment;
  private final Map<String, String> environment;
  private final Duration readyTimeout;
  private final Duration turnIdleTimeout;
  private final Duration requestTimeout;
  private final int providerRetryLimit;
  private final LogLevel logLevel;
  private final @Nullable Path pluginSeed;
  private final boolean networkPluginInstall;
  private final boolean snapshots;
  private final boolean projectConfig;
  private final @Nullable String extraConfigJson;
  private final @Nullable Path binary;
  private final NetworkAccess network;
  private final List<SandboxPolicy.Endpoint> allowedEndpoints;

  private OpenCodeOptions(Builder b, String model) {
    this.model = model;
    this.providerConfigJson = b.providerConfigJson;
    this.apiKeyVariable = b.apiKeyVariable;
    this.passEnvironment = List.copyOf(b.passEnvironment);
    this.environment = Map.copyOf(b.environment);
    this.readyTimeout = b.readyTimeout;
    this.turnIdleTimeout = b.turnIdleTimeout;
    this.requestTimeout = b.requestTimeout;
    this.providerRetryLimit = b.providerRetryLimit;
    this.logLevel = b.logLevel;
    this.pluginSeed = b.pluginSeed;
    this.networkPluginInstall = b.networkPluginInstall;
    this.snapshots = b.snapshots;
    this.projectConfig = b.projectConfig;
    this.extraConfigJson = b.extraConfigJson;
    this.binary = b.binary;
    this.network = b.network;
    this.allowedEndpoints = List.copyOf(b.allowedEndpoints);
  }

  /**
   * Returns a builder with the defaults and no model.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Returns a builder initialised from {@code options}.
   *
   * @param options the options to start from
   * @return a new builder holding the values of {@code options}
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(OpenCodeOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    return new Builder(options);
  }

  /**
   * The model as {@code provider/model}, e.g. {@code anthropic/claude-sonnet-4-5}.
   *
   * @return the model; never blank
   */
  public String model() {
    return model;
  }

  /**
   * The provider part of {@link #model()}.
   *
   * @return the provider id
   */
  public String providerId() {
    return model.substring(0, model.indexOf('/'));
  }

  /**
   * The model part of {@link #model()}, which may itself contain {@code /}.
   *
   * @return the model id
   */
  public String modelId() {
    return model.substring(model.indexOf('/') + 1);
  }

  /**
   * A JSON object mapping provider ids to OpenCode provider configuration, merged under {@code
   * provider}.
   *
   * @return the JSON object, or empty when none was set
   */
  public Optional<String> providerConfigJson() {
    return Optional.ofNullable(providerConfigJson);
  }

  /**
   * The worker environment variable that holds the provider's API key and is passed to the agent.
   *
   * @return the variable's name, or empty when no key is passed
   */
  public Optional<String> apiKeyVariable() {
    return Optional.ofNullable(apiKeyVariable);
  }

  /**
   * Worker environment variables passed to the agent when they are set.
   *
   * @return the variables' names, unmodifiable
   */
  public List<String> passEnvironment() {
    return passEnvironment;
  }

  /**
   * Variables given to the agent with explicit values.
   *
   * @return the variables and their values, unmodifiable
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * How long a started server may take to answer its health check.
   *
   * @return the limit; positive
   */
  public Duration readyTimeout() {
    return readyTimeout;
  }

  /**
   * How long a turn may go without any event of its session before it is aborted.
   *
   * @return the limit; positive
   */
  public Duration turnIdleTimeout() {
    return turnIdleTimeout;
  }

  /**
   * The limit on one ordinary HTTP request to the server.
   *
   * @return the limit; positive
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * How many consecutive model-provider retries OpenCode may make in one turn before the turn is
   * given up.
   *
   * @return the limit; 0 or more
   */
  public int providerRetryLimit() {
    return providerRetryLimit;
  }

  /**
   * OpenCode's own log level.
   *
   * @return the log level
   */
  public LogLevel logLevel() {
    return logLevel;
  }

  /**
   * The worker-wide folder from which each cell's OpenCode plugin dependencies are linked.
   *
   * @return the seed folder, or empty when none is used
   */
  public Optional<Path> pluginSeed() {
    return Optional.ofNullable(pluginSeed);
  }

  /**
   * Whether OpenCode may download its plugin dependencies from the npm registry when no seed is
   * ready.
   *
   * @return true when downloads are allowed
   */
  public boolean networkPluginInstall() {
    return networkPluginInstall;
  }

  /**
   * Whether OpenCode keeps its own git snapshots of the worktree (a copy of every blob in the cell
   * state).
   *
   * @return true when OpenCode keeps its snapshots
   */
  public boolean snapshots() {
    return snapshots;
  }

  /**
   * Whether OpenCode reads {@code opencode.json} and {@code .opencode/} from the repository.
   *
   * @return true when the repository's configuration is read
   */
  public boolean projectConfig() {
    return projectConfig;
  }

  /**
   * A JSON object deep-merged over the generated OpenCode configuration.
   *
   * @return the JSON object, or empty when none was set
   */
  public Optional<String> extraConfigJson() {
    return Optional.ofNullable(extraConfigJson);
  }

  /**
   * An explicit path of the {@code opencode} binary; when absent, {@link OpenCodeBinary} searches.
   *
   * @return the binary's path, or empty to search for it
   */
  public Optional<Path> binary() {
    return Optional.ofNullable(binary);
  }

  /**
   * Whether the server shares the host's network under a sandbox ({@link NetworkAccess#SHARED}, the
   * default).
   *
   * @return the network access
   */
  public NetworkAccess network() {
    return network;
  }

  /**
   * The endpoints the server may reach from its private network, in the order allowed.
   *
   * @return the endpoints, unmodifiable; empty unless the network is {@link NetworkAccess#NONE}
   */
  public List<SandboxPolicy.Endpoint> allowedEndpoints() {
    return allowedEndpoints;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OpenCodeOptions)) {
      return false;
    }
    OpenCodeOptions that = (OpenCodeOptions) o;
    return providerRetryLimit == that.providerRetryLimit
        && networkPluginInstall == that.networkPluginInstall
        && snapshots == that.snapshots
        && projectConfig == that.projectConfig
        && model.equals(that.model)
        && Objects.equals(providerConfigJson, that.providerConfigJson)
        && Objects.equals(apiKeyVariable, that.apiKeyVariable)
        && passEnvironment.equals(that.passEnvironment)
        && environment.equals(that.environment)
        && readyTimeout.equals(that.readyTimeout)
        && turnIdleTimeout.equals(that.turnIdleTimeout)
        && requestTimeout.equals(that.requestTimeout)
        && logLevel == that.logLevel
        && Objects.equals(pluginSeed, that.pluginSeed)
        && Objects.equals(extraConfigJson, that.extraConfigJson)
        && Objects.equals(binary, that.binary)
        && network == that.network
        && allowedEndpoints.equals(that.allowedEndpoints);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        model,
        providerConfigJson,
        apiKeyVariable,
        passEnvironment,
        environment,
        readyTimeout,
        turnIdleTimeout,
        requestTimeout,
        providerRetryLimit,
        logLevel,
        pluginSeed,
        networkPluginInstall,
        snapshots,
        projectConfig,
        extraConfigJson,
        binary,
        network,
        allowedEndpoints);
  }

  /**
   * Describes the options; explicit environment values are left out, only their names are shown.
   */
  @Override
  public String toString() {
    return "OpenCodeOptions{model="
        + model
        + ", providerConfigured="
        + (providerConfigJson != null)
        + ", apiKeyVariable="
        + apiKeyVariable
        + ", passEnvironment="
        + passEnvironment
        + ", environment="
        + environment.keySet().stream().sorted().toList()
        + ", readyTimeout="
        + readyTimeout
        + ", turnIdleTimeout="
        + turnIdleTimeout
        + ", requestTimeout="
        + requestTimeout
        + ", providerRetryLimit="
        + providerRetryLimit
        + ", logLevel="
        + logLevel
        + ", pluginSeed="
        + pluginSeed
        + ", networkPluginInstall="
        + networkPluginInstall
        + ", snapshots="
        + snapshots
        + ", projectConfig="
        + projectConfig
        + ", extraConfigured="
        + (extraConfigJson != null)
        + ", binary="
        + binary
        + ", network="
        + network
        + (allowedEndpoints.isEmpty() ? "" : ", allowedEndpoints=" + allowedEndpoints)
        + "}";
  }

  /**
   * Builds {@link OpenCodeOptions}. Setters check their argument for null; {@link #build()} checks
   * everything else, so a builder can be filled in any order.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable String model;
    private @Nullable String providerConfigJson;
    private @Nullable String apiKeyVariable;
    private List<String> passEnvironment = new ArrayList<>(DEFAULT_PASS_ENVIRONMENT);
    private Map<String, String> environment = new LinkedHashMap<>();
    private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
    private Duration turnIdleTimeout = DEFAULT_TURN_IDLE_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int providerRetryLimit = DEFAULT_PROVIDER_RETRY_LIMIT;
    private LogLevel logLevel = LogLevel.INFO;
    private @Nullable Path pluginSeed;
    private boolean networkPluginInstall;
    private boolean snapshots;
    private boolean projectConfig = true;
    private @Nullable String extraConfigJson;
    private @Nullable Path binary;
    private NetworkAccess network = NetworkAccess.SHARED;
    private List<SandboxPolicy.Endpoint> allowedEndpoints = new ArrayList<>();

    private Builder() {}

    private Builder(OpenCodeOptions o) {
      model = o.model;
      providerConfigJson = o.providerConfigJson;
      apiKeyVariable = o.apiKeyVariable;
      passEnvironment = new ArrayList<>(o.passEnvironment);
      environment = new LinkedHashMap<>(o.environment);
      readyTimeout = o.readyTimeout;
      turnIdleTimeout = o.turnIdleTimeout;
      requestTimeout = o.requestTimeout;
      providerRetryLimit = o.providerRetryLimit;
      logLevel = o.logLevel;
      pluginSeed = o.pluginSeed;
      networkPluginInstall = o.networkPluginInstall;
      snapshots = o.snapshots;
      projectConfig = o.projectConfig;
      extraConfigJson = o.extraConfigJson;
      binary = o.binary;
      network = o.network;
      allowedEndpoints = new ArrayList<>(o.allowedEndpoints);
    }

    /**
     * Sets the model as {@code provider/model}. Required.
     *
     * @param model the model, as {@code provider/model}
     * @return this builder
     * @throws NullPointerException if {@code model} is null
     */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model cannot be null");
      return this;
    }

    /**
     * Sets provider configuration: a JSON object mapping provider ids to OpenCode provider
     * settings, e.g. a {@code @ai-sdk/openai-compatible} provider with {@code options.baseURL}.
     * Keep keys out of it: reference them as {@code "{env:NAME}"} and name the variable with {@link
     * #apiKeyVariable}.
     *
     * @param json a JSON object
     * @return this builder
     * @throws NullPointerException if {@code json} is null
     */
    public Builder providerConfigJson(String json) {
      this.providerConfigJson = Objects.requireNonNull(json, "json cannot be null");
      return this;
    }

    /**
     * Names the worker environment variable holding the provider's API key; it is the only way a
     * key reaches the agent. The variable must be set when a launch is planned.
     *
     * @param name the variable's name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     */
    public Builder apiKeyVariable(String name) {
      this.apiKeyVariable = Objects.requireNonNull(name, "name cannot be null");
      return this;
    }

    /**
     * Replaces the list of worker variables passed through to the agent when set (default {@link
     * #DEFAULT_PASS_ENVIRONMENT}).
     *
     * @param names the variables' names
     * @return this builder
     * @throws NullPointerException if {@code names} or an element is null
     */
    public Builder passEnvironment(Collection<String> names) {
      Objects.requireNonNull(names, "names cannot be null");
      List<String> copy = new ArrayList<>(names.size());
      for (String name : names) {
        copy.add(Objects.requireNonNull(name, "passEnvironment element cannot be null"));
      }
      this.passEnvironment = copy;
      return this;
    }

    /**
     * Gives the agent a variable with an explicit value, e.g. a proxy setting.
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     * @throws NullPointerException if {@code name} or {@code value} is null
     */
    public Builder environment(String name, String value) {
      environment.put(
          Objects.requireNonNull(name, "name cannot be null"),
          Objects.requireNonNull(value, "value cannot be null"));
      return this;
    }

    /**
     * Sets how long a started server may take to become healthy (default 30 s).
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets how long a turn may go without an event of its session before it is aborted (default 5
     * min). Long silent shell commands count as silence, so keep it above the longest command the
     * agent is expected to run.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder turnIdleTimeout(Duration timeout) {
      this.turnIdleTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets the limit on one ordinary HTTP request (default 30 s).
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets how many model-provider retries a turn tolerates before it is given up (default 6, 0
     * allowed).
     *
     * @param limit the most retries; 0 or more
     * @return this builder
     */
    public Builder providerRetryLimit(int limit) {
      this.providerRetryLimit = limit;
      return this;
    }

    /**
     * Sets OpenCode's log level (default INFO).
     *
     * @param level the log level
     * @return this builder
     * @throws NullPointerException if {@code level} is null
     */
    public Builder logLevel(LogLevel level) {
      this.logLevel = Objects.requireNonNull(level, "level cannot be null");
      return this;
    }

    /**
     * Sets the worker-wide plugin seed folder (see {@link OpenCodePluginSeed}).
     *
     * @param directory the seed folder
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder pluginSeed(Path directory) {
      this.pluginSeed = Objects.requireNonNull(directory, "directory cannot be null");
      return this;
    }

    /**
     * Allows OpenCode to download its plugin dependencies when no seed is ready (default false: no
     * network).
     *
     * @param allowed true to allow downloads
     * @return this builder
     */
    public Builder networkPluginInstall(boolean allowed) {
      this.networkPluginInstall = allowed;
      return this;
    }

    /**
     * Enables OpenCode's own git snapshots of the worktree (default false; the library tracks
     * changes itself).
     *
     * @param enabled true to let OpenCode keep snapshots
     * @return this builder
     */
    public Builder snapshots(boolean enabled) {
      this.snapshots = enabled;
      return this;
    }

    /**
     * Whether OpenCode reads the repository's own {@code opencode.json} and {@code .opencode/}
     * (default true).
     *
     * @param enabled false to ignore the repository's configuration
     * @return this builder
     */
    public Builder projectConfig(boolean enabled) {
      this.projectConfig = enabled;
      return this;
    }

    /**
     * Sets a JSON object deep-merged over the generated OpenCode configuration (instructions, agent
     * settings, stricter permissions).
     *
     * @param json a JSON object
     * @return this builder
     * @throws NullPointerException if {@code json} is null
     */
    public Builder extraConfigJson(String json) {
      this.extraConfigJson = Objects.requireNonNull(json, "json cannot be null");
      return this;
    }

    /**
     * Sets an explicit path of the {@code opencode} binary.
     *
     * @param path the binary
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     */
    public Builder binary(Path path) {
      this.binary = Objects.requireNonNull(path, "path cannot be null");
      return this;
    }

    /**
     * Sets whether the server shares the host's network under a sandbox; default {@link
     * NetworkAccess#SHARED}. With {@link NetworkAccess#NONE} the server gets a private network: the
     * worker still reaches its port, and it reaches only the {@linkplain #allowEndpoint endpoints
     * allowed} (its model provider's; OpenCode's own downloads of model lists and plugins stop
     * working, so pair it with a {@link #pluginSeed}).
     *
     * @param network the network access
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder network(NetworkAccess network) {
      this.network = Objects.requireNonNull(network, "network cannot be null");
      return this;
    }

    /**
     * Lets the server reach {@code hostAndPort} (such as {@code api.anthropic.com:443}, or {@code
     * 127.0.0.1:4010} for a local model server) from its private network; requires {@link
     * #network(NetworkAccess) network(NONE)}. A loopback endpoint is reached at the same address
     * inside; any other through the proxy named in the server's {@code HTTPS_PROXY}, which tunnels
     * to the allowed endpoints and nothing else. Needs {@code socat} on the worker (Debian package
     * {@code socat}).
     *
     * @param hostAndPort the endpoint, as {@code host:port}
     * @return this builder
     * @throws NullPointerException if {@code hostAndPort} is null
     * @throws IllegalArgumentException if it is not {@code host:port} (see {@link
     *     SandboxPolicy.Endpoint#parse})
     */
    public Builder allowEndpoint(String hostAndPort) {
      allowedEndpoints.add(SandboxPolicy.Endpoint.parse(hostAndPort));
      return this;
    }

    /**
     * Validates and builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if a value is invalid; the message names the value and what
     *     is allowed
     */
    public OpenCodeOptions build() {
      if (model == null) {
        throw new IllegalArgumentException(
            "model must be set, as provider/model (e.g. anthropic/claude-sonnet-4-5)");
      }
      if (!MODEL.matcher(model).matches()) {
        throw new IllegalArgumentException(
            "model must be provider/model with no whitespace (e.g. anthropic/claude-sonnet-4-5) but was '"
                + model
                + "'");
      }
      if (providerConfigJson != null) {
        requireJsonObject("providerConfigJson", providerConfigJson);
      }
      if (extraConfigJson != null) {
        requireJsonObject("extraConfigJson", extraConfigJson);
      }
      if (apiKeyVariable != null) {
        requireVariableName("apiKeyVariable", apiKeyVariable);
      }
      Set<String> seen = new LinkedHashSet<>();
      for (String name : passEnvironment) {
        requireVariableName("passEnvironment", name);
        if (!seen.add(name)) {
          throw new IllegalArgumentException("passEnvironment lists '" + name + "' twice");
        }
      }
      for (String name : environment.keySet()) {
        requireVariableName("environment", name);
      }
      positive("readyTimeout", readyTimeout);
      positive("turnIdleTimeout", turnIdleTimeout);
      positive("requestTimeout", requestTimeout);
      if (providerRetryLimit < 0) {
        throw new IllegalArgumentException(
            "providerRetryLimit must be 0 or more but was " + providerRetryLimit);
      }
      if (network == NetworkAccess.SHARED && !allowedEndpoints.isEmpty()) {
        throw new IllegalArgumentException(
            "allowed endpoints "
                + allowedEndpoints
                + " need network(NONE): with the "
                + "SHARED network the server reaches everything the host does");
      }
      return new OpenCodeOptions(this, model);
    }

    private static void requireVariableName(String what, String name) {
      if (!VARIABLE.matcher(name).matches()) {
        throw new IllegalArgumentException(
            what
                + " must name environment variables as [A-Za-z_][A-Za-z0-9_]* but "
                + "got '"
                + name
                + "'");
      }
      if (RESERVED_VARIABLES.contains(name)) {
        throw new IllegalArgumentException(
            what
                + " must not set '"
                + name
                + "': the launch sets it for every cell "
                + "(reserved: "
                + RESERVED_VARIABLES.stream().sorted().toList()
                + ")");
      }
    }

    private static void requireJsonObject(String what, String json) {
      JsonNode node;
      try {
        node = Json.MAPPER.readTree(json);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            what + " must be a JSON object but is not valid JSON: " + e.getOriginalMessage(), e);
      }
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException(
            what
                + " must be a JSON object but was "
                + (node == null
                    ? "empty"
                    : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
      }
    }

    private static void positive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
    }
  }
}
