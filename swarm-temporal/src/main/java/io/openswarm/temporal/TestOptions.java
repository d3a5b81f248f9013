package io.openswarm.temporal;

import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.temporal.internal.OptionChecks;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link SwarmWorker} runs the repository's tests, whose exit code is every cell's verdict:
 * the command (an argument list, never a shell line), its time limit, whether each cell first
 * checks its base, whether the tests share the host's network, and the world they run in
 * (variables, caches, home files).
 *
 * <p>The command is required. Each setter checks its argument at once; the worker checks the time
 * limit against its step limit.
 *
 * <p>Immutable and thread-safe.
 */
public final class TestOptions {

  /** The default limit on a test run. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private final List<String> command;
  private final Duration timeout;
  private final boolean verifyBase;
  private final NetworkAccess network;
  private final TestEnvironment environment;

  private TestOptions(Builder b, List<String> command) {
    this.command = command;
    this.timeout = b.timeout;
    this.verifyBase = b.verifyBase;
    this.network = b.network;
    this.environment = b.environment;
  }

  /**
   * A builder holding the defaults; the command must be set.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder holding the values of {@code options}, each of which may be set once more.
   *
   * @param options the options to start from
   * @return a new builder
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(TestOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder b = new Builder();
    b.command = options.command;
    b.timeout = options.timeout;
    b.verifyBase = options.verifyBase;
    b.network = options.network;
    b.environment = options.environment;
    return b;
  }

  /**
   * Options with this command and every other value at its default.
   *
   * @param command the program and its arguments
   * @return the options
   * @throws NullPointerException if {@code command} is or holds null
   * @throws IllegalArgumentException if {@code command} is empty or its program is blank
   */
  public static TestOptions of(String... command) {
    return newBuilder().command(command).build();
  }

  /**
   * The test command.
   *
   * @return the program and its arguments, unmodifiable
   */
  public List<String> command() {
    return command;
  }

  /**
   * The limit on one test run.
   *
   * @return the limit; positive
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Whether cells check their base before the agent works, unless their task or DAG says otherwise.
   *
   * @return the worker's default for the base check
   */
  public boolean verifyBase() {
    return verifyBase;
  }

  /**
   * Whether a test run shares the host's network.
   *
   * @return the network access
   */
  public NetworkAccess network() {
    return network;
  }

  /**
   * The world of every test run: variables, caches and home files.
   *
   * @return the tests' world
   */
  public TestEnvironment environment() {
    return environment;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TestOptions that)) {
      return false;
    }
    return verifyBase == that.verifyBase
        && command.equals(that.command)
        && timeout.equals(that.timeout)
        && network == that.network
        && environment.equals(that.environment);
  }

  @Override
  public int hashCode() {
    return Objects.hash(command, timeout, verifyBase, network, environment);
  }

  @Override
  public String toString() {
    return "TestOptions{command="
        + command
        + ", timeout="
        + timeout
        + ", verifyBase="
        + verifyBase
        + ", network="
        + network
        + "}";
  }

  /**
   * Builds {@link TestOptions}. Each value may be set once; a second call is an {@link
   * IllegalStateException}. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private @Nullable List<String> command;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean verifyBase;
    private NetworkAccess network = NetworkAccess.SHARED;
    private TestEnvironment environment = TestEnvironment.defaults();

    private Builder() {}

    private void once(String option, @Nullable Object current) {
      if (!assigned.add(option)) {
        OptionChecks.requireUnset(option, current);
      }
    }

    /**
     * The repository's test command, as an argument list (no shell). Required.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if {@code command} is empty or its program is blank
     * @throws IllegalStateException if the command was already set
     */
    public Builder command(List<String> command) {
      List<String> copy = List.copyOf(Objects.requireNonNull(command, "command cannot be null"));
      if (copy.isEmpty() || copy.get(0).isBlank()) {
        throw new IllegalArgumentException(
            "testCommand must name a program as its first argument but was " + copy);
      }
      once("command", this.command);
      this.command = copy;
      return this;
    }

    /**
     * The repository's test command; see {@link #command(List)}.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if {@code command} is empty or its program is blank
     * @throws IllegalStateException if the command was already set
     */
    public Builder command(String... command) {
      return command(List.of(Objects.requireNonNull(command, "command cannot be null")));
    }

    /**
     * The limit on a test run; 10 min by default.
     *
     * @param limit the limit; positive, at most the worker's step limit
     * @return this builder
     * @throws NullPointerException if {@code limit} is null
     * @throws IllegalArgumentException if {@code limit} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder timeout(Duration limit) {
      OptionChecks.positive("testTimeout", limit);
      once("timeout", timeout);
      this.timeout = limit;
      return this;
    }

    /**
     * Whether every cell first runs the test command on its base commit, before its agent is
     * prompted, and fails with the type {@code BaseIsRed} (at the step {@code VERIFY_BASE}, with
     * the base commit, the command and the end of the output) when the tests fail there, instead of
     * reverting the agent's change for a failure it did not cause. A task ({@link
     * io.openswarm.core.TaskSpec#withVerifyBase}) or a DAG ({@link DagRequest#withVerifyBase})
     * overrides it. The run is an ordinary test run; its verdict is kept per base commit, command
     * and limit, so cells on a base already checked run nothing. False by default: it costs one
     * test run per new base.
     *
     * @param verify true to check the base of every cell whose task and DAG name no choice
     * @return this builder
     * @throws IllegalStateException if the choice was already made
     */
    public Builder verifyBase(boolean verify) {
      once("verifyBase", verifyBase);
      this.verifyBase = verify;
      return this;
    }

    /**
     * Whether the test command (which runs the code the agent wrote) shares the host's network;
     * {@link NetworkAccess#SHARED} by default. With {@link NetworkAccess#NONE} a test run has only
     * its own loopback: no service on the host (the embedded Temporal server, other cells' agents,
     * databases, a cloud metadata address) and no abstract Unix socket is reachable from it. Choose
     * it when your tests run offline; it needs bubblewrap.
     *
     * @param access the network access
     * @return this builder
     * @throws NullPointerException if {@code access} is null
     * @throws IllegalStateException if the network access was already set
     */
    public Builder network(NetworkAccess access) {
      Objects.requireNonNull(access, "network cannot be null");
      once("network", network);
      this.network = access;
      return this;
    }

    /**
     * The world of every test run: environment variables (from an allowlist of the worker's, plus
     * explicit values; never written to workflow history), caches the tests may write and files of
     * the worker's home they may read, placed in each cell's own home folder. {@link
     * TestEnvironment#defaults()} by default.
     *
     * @param world the tests' world
     * @return this builder
     * @throws NullPointerException if {@code world} is null
     * @throws IllegalStateException if the environment was already set
     */
    public Builder environment(TestEnvironment world) {
      Objects.requireNonNull(world, "environment cannot be null");
      once("environment", environment);
      this.environment = world;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalStateException if no command was set
     */
    public TestOptions build() {
      if (command == null) {
        throw new IllegalStateException("command(...) must be set before build()");
      }
      return new TestOptions(this, command);
    }
  }
}
