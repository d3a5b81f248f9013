package io.openswarm.infra.opencode.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openswarm.infra.opencode.OpenCodeBinary;
import io.openswarm.infra.opencode.OpenCodeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The plan for one cell's OpenCode server: the argument list, the working directory, the complete
 * environment, and the files under the cell's state folder that must exist before the start. It
 * starts nothing; the process supervisor does, with exactly this environment (not added to the
 * worker's).
 *
 * <p>Design. Everything OpenCode writes goes under the cell's state folder: {@code HOME}, the four
 * XDG folders and {@code TMPDIR} point into it (without {@code TMPDIR} OpenCode writes {@code
 * /tmp/opencode}, and without the XDG variables it writes its database, logs and npm cache into the
 * worker's home). The server binds 127.0.0.1 only and demands HTTP Basic authentication with a
 * random password drawn per launch from {@link SecureRandom}. The environment is an allowlist: the
 * variables of {@link OpenCodeOptions#passEnvironment()} that are set, explicit {@link
 * OpenCodeOptions#environment()} values, and the one variable named by {@link
 * OpenCodeOptions#apiKeyVariable()} — a worker's other secrets never reach the agent. Configuration
 * travels in {@code OPENCODE_CONFIG_CONTENT}: model, provider, no sharing, no auto-update,
 * snapshots off unless asked, and permissions that never ask (edit, bash and reading allowed;
 * external directories, web fetch/search, interactive questions and the doom-loop prompt denied).
 * Auto-update, the models.dev fetch, LSP downloads, default plugins and sharing are also disabled
 * through their {@code OPENCODE_DISABLE_*} variables. Plugin dependencies come from the worker's
 * {@link OpenCodePluginSeed} when it is ready; otherwise an {@code .npmrc} with {@code
 * offline=true} stops OpenCode's background npm install before it reaches the network (unless
 * {@link OpenCodeOptions#networkPluginInstall()} allows the download).
 *
 * <p>Invariant: {@link #toString()} and every log line leave out the password and the environment
 * values.
 *
 * <p>Immutable and thread-safe; {@link #prepareFileSystem()} is idempotent.
 */
public final class OpenCodeLaunch {

  /** The HTTP Basic user name OpenCode expects. */
  public static final String USER = "opencode";

  /** The address every server binds. */
  public static final String HOST = "127.0.0.1";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String NPMRC =
      "offline=true\nregistry=http://127.0.0.1:9/\naudit=false\nfund=false\n";

  private final Path binary;
  private final Path worktree;
  private final int port;
  private final Path stateDirectory;
  private final OpenCodeOptions options;
  private final String password;
  private final String configJson;
  private final Map<String, String> environment;
  private final List<String> command;

  private OpenCodeLaunch(
      Path binary,
      Path worktree,
      int port,
      Path stateDirectory,
      OpenCodeOptions options,
      Map<String, String> workerEnvironment) {
    this.binary = binary;
    this.worktree = worktree;
    this.port = port;
    this.stateDirectory = stateDirectory;
    this.options = options;
    this.password = newPassword();
    this.configJson = configJson(options);
    this.environment = environment(workerEnvironment);
    this.command =
        List.of(
            binary.toString(),
            "serve",
            "--hostname",
            HOST,
            "--port",
            Integer.toString(port),
            "--print-logs",
            "--log-level",
            options.logLevel().name());
  }

  /** Returns a new builder. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The argument list: {@code opencode serve --hostname 127.0.0.1 --port N --print-logs --log-level
   * L}.
   */
  public List<String> command() {
    return command;
  }

  /**
   * The working directory of the server: the cell's worktree, which OpenCode treats as its project.
   */
  public Path workingDirectory() {
    return worktree;
  }

  /**
   * The complete environment of the server; start it with exactly this map. Contains the password
   * and possibly an API key: never log it.
   */
  public Map<String, String> environment() {
    return environment;
  }

  /** The binary that will be started. */
  public Path binary() {
    return binary;
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** Where the server answers: {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return URI.create("http://" + HOST + ":" + port);
  }

  /** The server's password (HTTP Basic, user {@value #USER}). Never log it. */
  public String password() {
    return password;
  }

  /** The options the plan was made from. */
  public OpenCodeOptions options() {
    return options;
  }

  /** The cell's state folder, under which every folder of the plan lies. */
  public Path stateDirectory() {
    return stateDirectory;
  }

  /** The server's {@code HOME}. */
  public Path homeDirectory() {
    return stateDirectory.resolve("home");
  }

  /** The server's {@code XDG_CONFIG_HOME}. */
  public Path configHome() {
    return stateDirectory.resolve("config");
  }

  /**
   * The server's {@code XDG_DATA_HOME}; OpenCode keeps its database and its own log under {@code
   * opencode/}.
   */
  public Path dataHome() {
    return stateDirectory.resolve("data");
  }

  /** The server's {@code XDG_CACHE_HOME}. */
  public Path cacheHome() {
    return stateDirectory.resolve("cache");
  }

  /** The server's {@code XDG_STATE_HOME}. */
  public Path stateHome() {
    return stateDirectory.resolve("state");
  }

  /** The server's {@code TMPDIR}. */
  public Path tmpDirectory() {
    return stateDirectory.resolve("tmp");
  }

  /**
   * OpenCode's global configuration folder, {@code $XDG_CONFIG_HOME/opencode}, where its plugin
   * install goes.
   */
  public Path openCodeConfigDirectory() {
    return configHome().resolve("opencode");
  }

  /** The folder where OpenCode writes its own log files. */
  public Path openCodeLogDirectory() {
    return dataHome().resolve("opencode").resolve("log");
  }

  /** The paths the server must be able to write: the worktree and the cell's state folder. */
  public List<Path> writablePaths() {
    return List.of(worktree, stateDirectory);
  }

  /**
   * The JSON passed in {@code OPENCODE_CONFIG_CONTENT}. It holds no secret values, only {@code
   * {env:NAME}} names.
   */
  public String configJson() {
    return configJson;
  }

  /**
   * Creates the state folders (owner-only where the file system supports POSIX permissions), links
   * the plugin seed when it is ready, or else writes the offline {@code .npmrc} unless network
   * installs are allowed. Safe to call again.
   *
   * @throws UncheckedIOException if a folder or file cannot be created
   */
  public void prepareFileSystem() {
    try {
      for (Path dir :
          List.of(
              stateDirectory,
              homeDirectory(),
              configHome(),
              dataHome(),
              cacheHome(),
              stateHome(),
              tmpDirectory(),
              openCodeConfigDirectory())) {
        createPrivateDirectory(dir);
      }
      OpenCodePluginSeed seed = options.pluginSeed().map(OpenCodePluginSeed::at).orElse(null);
      if (seed != null && seed.isReady()) {
        seed.linkInto(openCodeConfigDirectory());
      } else if (!options.networkPluginInstall()) {
        Files.writeString(
            openCodeConfigDirectory().resolve(".npmrc"),
            NPMRC,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare OpenCode state folder " + stateDirectory, e);
    }
  }

  /**
   * A client for this server, with the options' request timeout and provider retry limit.
   *
   * @return a new client; close it when the cell is done
   */
  public OpenCodeClient newClient() {
    return OpenCodeClient.newBuilder(baseUri(), password)
        .requestTimeout(options.requestTimeout())
        .providerRetryLimit(options.providerRetryLimit())
        .build();
  }

  /** Describes the plan without the password or any environment value. */
  @Override
  public String toString() {
    return "OpenCodeLaunch{binary="
        + binary
        + ", worktree="
        + worktree
        + ", port="
        + port
        + ", stateDirectory="
        + stateDirectory
        + ", model="
        + options.model()
        + ", environment="
        + environment.keySet().stream().sorted().toList()
        + "}";
  }

  private Map<String, String> environment(Map<String, String> worker) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : options.passEnvironment()) {
      String value = worker.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    options
        .apiKeyVariable()
        .ifPresent(
            name -> {
              String value = worker.get(name);
              if (value == null || value.isEmpty()) {
                throw new IllegalStateException(
                    "environment variable "
                        + name
                        + " (named by OpenCodeOptions.apiKeyVariable) is not set in the worker's environment");
              }
              env.put(name, value);
            });
    env.putAll(options.environment());
    env.put("HOME", homeDirectory().toString());
    env.put("XDG_CONFIG_HOME", configHome().toString());
    env.put("XDG_DATA_HOME", dataHome().toString());
    env.put("XDG_CACHE_HOME", cacheHome().toString());
    env.put("XDG_STATE_HOME", stateHome().toString());
    env.put("TMPDIR", tmpDirectory().toString());
    env.put("OPENCODE_SERVER_PASSWORD", password);
    env.put("OPENCODE_DISABLE_AUTOUPDATE", "1");
    env.put("OPENCODE_DISABLE_MODELS_FETCH", "1");
    env.put("OPENCODE_DISABLE_LSP_DOWNLOAD", "1");
    env.put("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1");
    env.put("OPENCODE_DISABLE_SHARE", "1");
    if (!options.projectConfig()) {
      env.put("OPENCODE_DISABLE_PROJECT_CONFIG", "1");
    }
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("OPENCODE_CONFIG_CONTENT", configJson);
    return Map.copyOf(env);
  }

  private static String configJson(OpenCodeOptions options) {
    ObjectNode config = Json.MAPPER.createObjectNode();
    config.put("$schema", "https://opencode.ai/config.json");
    config.put("model", options.model());
    config.put("autoupdate", false);
    config.put("share", "disabled");
    config.put("snapshot", options.snapshots());
    ObjectNode permission = config.putObject("permission");
    for (String allowed :
        List.of(
            "edit", "bash", "read", "glob", "grep", "list", "todowrite", "task", "lsp", "skill")) {
      permission.put(allowed, "allow");
    }
    for (String denied :
        List.of("external_directory", "webfetch", "websearch", "question", "doom_loop")) {
      permission.put(denied, "deny");
    }
    options.providerConfigJson().ifPresent(json -> config.set("provider", parse(json)));
    options.extraConfigJson().ifPresent(json -> Json.deepMerge(config, parse(json)));
    try {
      return Json.MAPPER.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise OpenCode configuration", e);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("options held invalid JSON although build() validated it", e);
    }
  }

  private static String newPassword() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
      Files.setPosixFilePermissions(dir, ownerOnly);
    }
  }

  /**
   * Builds an {@link OpenCodeLaunch}. Setters check for null; {@link #build()} checks the rest.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable OpenCodeOptions options;
    private @Nullable Path worktree;
    private int port = -1;
    private @Nullable Path stateDirectory;
    private @Nullable Path binary;
    private Map<String, String> workerEnvironment = System.getenv();
    private @Nullable Path searchFrom;

    private Builder() {}

    /**
     * Sets the options. Required.
     *
     * @throws NullPointerException if {@code options} is null
     */
    public Builder options(OpenCodeOptions options) {
      this.options = Objects.requireNonNull(options, "options cannot be null");
      return this;
    }

    /**
     * Sets the cell's worktree, the server's working directory. Required; must be an existing
     * directory.
     *
     * @throws NullPointerException if {@code worktree} is null
     */
    public Builder worktree(Path worktree) {
      this.worktree = Objects.requireNonNull(worktree, "worktree cannot be null");
      return this;
    }

    /** Sets the leased port, 1 to 65535. Required. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Sets the cell's own state folder; it need not exist yet and must not lie inside the worktree.
     * Required.
     *
     * @throws NullPointerException if {@code stateDirectory} is null
     */
    public Builder stateDirectory(Path stateDirectory) {
      this.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
      return this;
    }

    /**
     * Uses this binary instead of searching for one with {@link OpenCodeBinary}.
     *
     * @throws NullPointerException if {@code binary} is null
     */
    public Builder binary(Path binary) {
      this.binary = Objects.requireNonNull(binary, "binary cannot be null");
      return this;
    }

    /**
     * Sets the worker environment the allowlist picks from (default {@link System#getenv()}).
     *
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder workerEnvironment(Map<String, String> environment) {
      this.workerEnvironment =
          Map.copyOf(Objects.requireNonNull(environment, "environment cannot be null"));
      return this;
    }

    /**
     * Sets where the search for a project-local binary starts (default: the JVM's working
     * directory).
     *
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder binarySearchDirectory(Path directory) {
      this.searchFrom = Objects.requireNonNull(directory, "directory cannot be null");
      return this;
    }

    /**
     * Validates the inputs, finds the binary when none was given, and makes the plan with a fresh
     * password.
     *
     * @throws IllegalArgumentException if a required value is missing or invalid
     * @throws IllegalStateException if the variable named by {@link
     *     OpenCodeOptions#apiKeyVariable()} is not set
     * @throws io.openswarm.infra.opencode.OpenCodeBinaryNotFoundException if no binary was given
     *     and none was found
     */
    public OpenCodeLaunch build() {
      if (options == null) {
        throw new IllegalArgumentException("options must be set");
      }
      if (worktree == null) {
        throw new IllegalArgumentException("worktree must be set");
      }
      if (stateDirectory == null) {
        throw new IllegalArgumentException("stateDirectory must be set");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be between 1 and 65535 but was " + port);
      }
      Path tree = worktree.toAbsolutePath().normalize();
      Path cellState = stateDirectory.toAbsolutePath().normalize();
      if (!Files.isDirectory(tree)) {
        throw new IllegalArgumentException(
            "worktree must be an existing directory but was " + tree);
      }
      if (cellState.startsWith(tree)) {
        throw new IllegalArgumentException(
            "stateDirectory must lie outside the worktree (it would be committed) "
                + "but "
                + cellState
                + " is inside "
                + tree);
      }
      if (tree.startsWith(cellState)) {
        throw new IllegalArgumentException(
            "worktree must not lie inside stateDirectory but " + tree + " is inside " + cellState);
      }
      Path start = searchFrom != null ? searchFrom : Path.of(System.getProperty("user.dir"));
      Path resolved =
          OpenCodeBinary.locate(
              binary != null ? binary : options.binary().orElse(null), workerEnvironment, start);
      return new OpenCodeLaunch(resolved, tree, port, cellState, options, workerEnvironment);
    }
  }
}
