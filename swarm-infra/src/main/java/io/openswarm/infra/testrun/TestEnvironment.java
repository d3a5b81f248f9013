package io.openswarm.infra.testrun;

import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The world a cell's test command (and its worktree's set-up) runs in, beyond the worktree: its
 * environment variables, the caches it may write and the configuration files from the worker's home
 * it may read. Set on the worker, never per task, so that no value is written to a workflow's
 * history.
 *
 * <p>Every test run gets a fresh home folder of its cell ({@code HOME}); the worker's own home is
 * hidden by the sandbox. What the user names comes back both at its own path (for tools that take
 * the home folder from the password database, as the JVM's {@code user.home} does, so Maven) and at
 * the same place inside the cell's home (for tools that read {@code $HOME}: npm, pip, git):
 *
 * <pre>{@code
 * Path home = Path.of(System.getProperty("user.home"));
 * TestEnvironment.newBuilder()
 *     .cache(home.resolve(".m2"))          // writable: a dependency the agent adds is downloaded once, for all cells
 *     .homeFile(home.resolve(".npmrc"))    // read-only copy of the registry settings
 *     .inherit("JAVA_HOME", "MAVEN_OPTS")
 *     .put("SPRING_PROFILES_ACTIVE", "test")
 *     .build();
 * }</pre>
 *
 * A writable cache is shared by every cell and kept between runs: a cell can put anything in it,
 * which the next build (another cell's, or the user's own outside the swarm) then uses. Name one
 * knowingly.
 *
 * <p>Defaults ({@link #defaults()}): the variables of {@link ProcessEnvironment#DEFAULT_INHERITED}
 * ({@code PATH}, locale, {@code TZ}), plus {@code JAVA_HOME} when the worker has it, {@code USER}
 * and {@code LOGNAME} set to the worker's user name (some build tools need one), and {@code
 * CI=true}, which makes npm, jest, Gradle and others non-interactive and stops watch modes. {@link
 * Builder#put} overrides any of them.
 *
 * <p>Immutable and thread-safe; {@link #toString()} shows variable names, never values.
 */
public final class TestEnvironment {

  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> RESERVED = Set.of("HOME", "TMPDIR");

  private final List<String> inherited;
  private final Map<String, String> values;
  private final List<Path> caches;
  private final List<Path> homeFiles;
  private final Path home;

  private TestEnvironment(Builder builder) {
    this.inherited = List.copyOf(builder.inherited);
    this.values = Map.copyOf(builder.values);
    this.caches = List.copyOf(builder.caches);
    this.homeFiles = List.copyOf(builder.homeFiles);
    this.home = builder.home;
  }

  /**
   * The defaults: the usual variables, {@code JAVA_HOME}, {@code USER}, {@code LOGNAME} and {@code
   * CI=true}.
   *
   * @return the default environment
   */
  public static TestEnvironment defaults() {
    return newBuilder().build();
  }

  /**
   * A builder with the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The worker variables every test run inherits (by name; values are read on the worker at each
   * run).
   *
   * @return the names, unmodifiable
   */
  public List<String> inherited() {
    return inherited;
  }

  /**
   * The explicit values, including the defaults {@code CI}, {@code USER} and {@code LOGNAME}.
   *
   * @return the variables and their values, unmodifiable
   */
  public Map<String, String> values() {
    return values;
  }

  /**
   * The writable caches, as host paths.
   *
   * @return the caches, unmodifiable; may be empty
   */
  public List<Path> caches() {
    return caches;
  }

  /**
   * The read-only files from the worker's home, as host paths.
   *
   * @return the files, unmodifiable; may be empty
   */
  public List<Path> homeFiles() {
    return homeFiles;
  }

  /**
   * The worker's home folder, against which caches and home files are placed in a cell's home.
   *
   * @return the home folder
   */
  public Path home() {
    return home;
  }

  /**
   * The environment of one run, built from the worker's {@code workerEnvironment}: inherited names,
   * then explicit values; {@code HOME} and {@code TMPDIR} are the run's own.
   */
  ProcessEnvironment environment(Map<String, String> workerEnvironment, Path cellHome, Path tmp) {
    ProcessEnvironment.Builder builder =
        ProcessEnvironment.newBuilder(workerEnvironment).inheritDefaults();
    inherited.forEach(builder::inherit);
    values.forEach(builder::put);
    builder.put("HOME", cellHome.toString());
    builder.put("TMPDIR", tmp.toString());
    return builder.build();
  }

  /**
   * Applies this world to one run of a cell's command (a test run, or a worktree's set-up): names
   * its caches writable and its home files read-only in {@code policy}, each bound both at its own
   * path and at the same place in the run's home folder {@code cellHome}, and returns the run's
   * environment (inherited names from the worker's {@code workerEnvironment}, then explicit values;
   * {@code HOME} and {@code TMPDIR} the run's own). A home file that does not exist is left out.
   *
   * @param policy the run's sandbox policy, to which the caches and home files are added
   * @param workerEnvironment the worker's environment, from which inherited names are read
   * @param cellHome the run's home folder
   * @param tmp the run's temporary folder
   * @return the run's environment
   * @throws NullPointerException if an argument is null
   */
  public ProcessEnvironment applyTo(
      SandboxPolicy.Builder policy,
      Map<String, String> workerEnvironment,
      Path cellHome,
      Path tmp) {
    Objects.requireNonNull(policy, "policy cannot be null");
    // At its own path (tools that take the home folder from the password database, as the JVM's
    // user.home does,
    // so Maven) and at the same place in the run's home folder (tools that read $HOME: npm, pip,
    // git).
    for (Path cache : caches) {
      policy.writable(cache);
      policy.bind(cache, targetIn(cellHome, cache), true);
    }
    for (Path file : homeFiles) {
      if (Files.exists(file)) {
        policy.readOnly(file);
        policy.bind(file, targetIn(cellHome, file), false);
      }
    }
    return environment(workerEnvironment, cellHome, tmp);
  }

  /** Where {@code hostPath} appears inside a cell whose home is {@code cellHome}. */
  Path targetIn(Path cellHome, Path hostPath) {
    return hostPath.startsWith(home)
        ? cellHome.resolve(home.relativize(hostPath).toString())
        : hostPath;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TestEnvironment that)) {
      return false;
    }
    return inherited.equals(that.inherited)
        && values.equals(that.values)
        && caches.equals(that.caches)
        && homeFiles.equals(that.homeFiles)
        && home.equals(that.home);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inherited, values, caches, homeFiles, home);
  }

  @Override
  public String toString() {
    return "TestEnvironment{inherited="
        + inherited
        + ", values="
        + new java.util.TreeSet<>(values.keySet())
        + ", caches="
        + caches
        + ", homeFiles="
        + homeFiles
        + "}";
  }

  /** Builds a {@link TestEnvironment}. Not thread-safe. */
  public static final class Builder {

    private final Set<String> inherited = new LinkedHashSet<>(List.of("JAVA_HOME"));
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<Path> caches = new LinkedHashSet<>();
    private final Set<Path> homeFiles = new LinkedHashSet<>();
    private Path home = Path.of(System.getProperty("user.home", "/")).toAbsolutePath().normalize();

    private Builder() {
      String user = System.getProperty("user.name");
      if (user != null && !user.isBlank()) {
        values.put("USER", user);
        values.put("LOGNAME", user);
      }
      values.put("CI", "true");
    }

    /**
     * Passes the worker's variables {@code names} to every test run, when the worker has them.
     *
     * @param names the variables' names
     * @return this builder
     * @throws NullPointerException if {@code names} or a name is null
     * @throws IllegalArgumentException if a name is not a variable name, or is {@code HOME} or
     *     {@code TMPDIR}
     */
    public Builder inherit(String... names) {
      for (String name : Objects.requireNonNull(names, "names cannot be null")) {
        inherited.add(checkName(name));
      }
      return this;
    }

    /**
     * Sets {@code name} to {@code value} in every test run (overriding a default or an inherited
     * value).
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is not a variable name, or is {@code HOME}
     *     or {@code TMPDIR}
     */
    public Builder put(String name, String value) {
      values.put(checkName(name), Objects.requireNonNull(value, "value cannot be null"));
      return this;
    }

    /**
     * Lets every test run write {@code directory}, a cache shared by all cells (such as {@code
     * ~/.m2}, {@code ~/.gradle}, {@code ~/.npm} or {@code ~/.cache/pip}). A folder in the worker's
     * home appears at the same place in each cell's home; one elsewhere at its own path. Created
     * when missing.
     *
     * @param directory an absolute folder
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     * @throws IllegalArgumentException if it is not absolute, is the filesystem root or the home
     *     folder itself
     */
    public Builder cache(Path directory) {
      caches.add(checkPath("cache", directory));
      return this;
    }

    /**
     * Lets every test run read {@code file}, a file of the worker's home folder (such as {@code
     * ~/.npmrc} or {@code ~/.gitconfig}), at the same place in the cell's home.
     *
     * @param file an absolute file inside the home folder
     * @return this builder
     * @throws NullPointerException if {@code file} is null
     * @throws IllegalArgumentException if it is not absolute or does not lie inside the worker's
     *     home folder
     */
    public Builder homeFile(Path file) {
      Path path = checkPath("homeFile", file);
      if (!path.startsWith(home)) {
        throw new IllegalArgumentException(
            "homeFile must lie inside the worker's home folder " + home + " but was " + file);
      }
      homeFiles.add(path);
      return this;
    }

    /**
     * Sets the worker's home folder against which caches and home files are placed; default {@code
     * user.home}.
     *
     * @param home an absolute folder
     * @return this builder
     * @throws NullPointerException if {@code home} is null
     * @throws IllegalArgumentException if it is not absolute
     */
    public Builder home(Path home) {
      Objects.requireNonNull(home, "home cannot be null");
      if (!home.isAbsolute()) {
        throw new IllegalArgumentException("home must be absolute but was " + home);
      }
      this.home = home.normalize();
      return this;
    }

    /**
     * Builds the environment.
     *
     * @return the environment
     * @throws IllegalArgumentException if a home file lies outside the home folder set last
     */
    public TestEnvironment build() {
      for (Path file : homeFiles) {
        if (!file.startsWith(home)) {
          throw new IllegalArgumentException(
              "homeFile must lie inside the worker's home folder " + home + " but was " + file);
        }
      }
      return new TestEnvironment(this);
    }

    private Path checkPath(String what, Path path) {
      Objects.requireNonNull(path, what + " cannot be null");
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException(what + " must be an absolute path but was " + path);
      }
      Path normalized = path.normalize();
      if (normalized.getParent() == null || normalized.equals(home)) {
        throw new IllegalArgumentException(
            what
                + " must be a folder or file below the root and not the home folder "
                + "itself (which would expose everything in it) but was "
                + path);
      }
      return normalized;
    }

    private static String checkName(String name) {
      Objects.requireNonNull(name, "variable name cannot be null");
      if (!VARIABLE.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "variable name must match [A-Za-z_][A-Za-z0-9_]* but was '" + name + "'");
      }
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException(
            "variable "
                + name
                + " is each run's own (the cell's home and tmp folder) "
                + "and cannot be set");
      }
      return name;
    }
  }
}
