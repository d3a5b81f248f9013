package io.openswarm.infra.process;

import io.openswarm.infra.process.internal.Executables;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The complete environment of a supervised process, built from an allowlist: nothing of the
 * worker's environment reaches the process unless it is named here. A worker holds secrets in its
 * environment (Temporal API keys, model API keys, cloud credentials) and the processes of a cell
 * run code an agent wrote.
 *
 * <p>{@link #defaults()} inherits only {@link #DEFAULT_INHERITED}: {@code PATH}, the locale
 * variables and {@code TZ}, which carry no secrets and which most programs need to behave. Add more
 * explicitly:
 *
 * <pre>{@code
 * ProcessEnvironment env = ProcessEnvironment.newBuilder()
 *     .inheritDefaults()
 *     .inherit("JAVA_HOME")
 *     .put("HOME", cellHome.toString())
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows variable names only, never values.
 */
public final class ProcessEnvironment {

  /**
   * The variables {@link Builder#inheritDefaults()} copies from the worker: {@code PATH}, {@code
   * LANG}, {@code LANGUAGE}, {@code LC_ALL}, {@code LC_COLLATE}, {@code LC_CTYPE}, {@code
   * LC_MESSAGES}, {@code LC_MONETARY}, {@code LC_NUMERIC}, {@code LC_TIME} and {@code TZ}.
   */
  public static final Set<String> DEFAULT_INHERITED =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              java.util.List.of(
                  "PATH",
                  "LANG",
                  "LANGUAGE",
                  "LC_ALL",
                  "LC_COLLATE",
                  "LC_CTYPE",
                  "LC_MESSAGES",
                  "LC_MONETARY",
                  "LC_NUMERIC",
                  "LC_TIME",
                  "TZ")));

  private final Map<String, String> variables;
  private final Map<String, String> source;

  private ProcessEnvironment(Map<String, String> variables, Map<String, String> source) {
    this.variables = Collections.unmodifiableMap(new TreeMap<>(variables));
    this.source = source;
  }

  /**
   * The default allowlist inherited from this JVM's environment.
   *
   * @return the default environment
   */
  public static ProcessEnvironment defaults() {
    return newBuilder().inheritDefaults().build();
  }

  /**
   * An empty builder whose {@code inherit} methods read this JVM's environment.
   *
   * @return a new, empty builder
   */
  public static Builder newBuilder() {
    return new Builder(System.getenv());
  }

  /**
   * An empty builder whose {@code inherit} methods read {@code workerEnvironment} instead of this
   * JVM's environment.
   *
   * @param workerEnvironment the environment to inherit from
   * @return a new, empty builder
   * @throws NullPointerException if {@code workerEnvironment} is null
   */
  public static Builder newBuilder(Map<String, String> workerEnvironment) {
    Objects.requireNonNull(workerEnvironment, "workerEnvironment cannot be null");
    return new Builder(Map.copyOf(workerEnvironment));
  }

  /**
   * A builder holding the variables of this environment, inheriting from the same source.
   *
   * @return a new builder holding these variables
   */
  public Builder toBuilder() {
    Builder builder = new Builder(source);
    builder.variables.putAll(variables);
    return builder;
  }

  /**
   * The variables, sorted by name.
   *
   * @return the variables and their values, unmodifiable
   */
  public Map<String, String> asMap() {
    return variables;
  }

  /**
   * The value of {@code name}, if set.
   *
   * @param name the variable's name
   * @return its value, or empty when it is not set
   */
  public Optional<String> get(String name) {
    return Optional.ofNullable(variables.get(Objects.requireNonNull(name, "name cannot be null")));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProcessEnvironment && variables.equals(((ProcessEnvironment) o).variables);
  }

  @Override
  public int hashCode() {
    return variables.hashCode();
  }

  @Override
  public String toString() {
    return "ProcessEnvironment" + variables.keySet();
  }

  /** Builds a {@link ProcessEnvironment}. Not thread-safe. */
  public static final class Builder {

    private final Map<String, String> source;
    private final Map<String, String> variables = new TreeMap<>();

    private Builder(Map<String, String> source) {
      this.source = source;
    }

    /**
     * Copies the {@link #DEFAULT_INHERITED} variables that the worker has; sets {@code PATH} to the
     * usual system directories when the worker has none.
     *
     * @return this builder
     */
    public Builder inheritDefaults() {
      DEFAULT_INHERITED.forEach(this::inherit);
      variables.putIfAbsent("PATH", Executables.SYSTEM_PATH);
      return this;
    }

    /**
     * Copies each named variable from the worker's environment; names the worker does not have are
     * skipped.
     *
     * @param names the variables' names
     * @return this builder
     * @throws NullPointerException if {@code names} or one of them is null
     * @throws IllegalArgumentException if a name is not a valid variable name
     */
    public Builder inherit(String... names) {
      Objects.requireNonNull(names, "names cannot be null");
      for (String name : names) {
        checkName(name);
        String value = source.get(name);
        if (value != null) {
          variables.put(name, value);
        }
      }
      return this;
    }

    /**
     * Sets {@code name} to {@code value}, replacing any inherited value.
     *
     * @param name the variable's name
     * @param value its value; no NUL
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is not a valid variable name or the value
     *     contains a NUL
     */
    public Builder put(String name, String value) {
      checkName(name);
      Objects.requireNonNull(value, "value cannot be null");
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "value of " + name + " must not contain a NUL character");
      }
      variables.put(name, value);
      return this;
    }

    /**
     * Sets {@code name} to {@code value} unless it is already set.
     *
     * @param name the variable's name
     * @param value its value; no NUL
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is not a valid variable name or the value
     *     contains a NUL
     */
    public Builder putIfAbsent(String name, String value) {
      checkName(name);
      return variables.containsKey(name) ? this : put(name, value);
    }

    /**
     * Removes {@code name} if set.
     *
     * @param name the variable's name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     */
    public Builder remove(String name) {
      variables.remove(Objects.requireNonNull(name, "name cannot be null"));
      return this;
    }

    /**
     * Builds the environment.
     *
     * @return the environment
     */
    public ProcessEnvironment build() {
      return new ProcessEnvironment(variables, source);
    }

    private static void checkName(String name) {
      Objects.requireNonNull(name, "name cannot be null");
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "environment variable name must be non-empty without '=' or NUL but was \""
                + name
                + "\"");
      }
    }
  }
}
