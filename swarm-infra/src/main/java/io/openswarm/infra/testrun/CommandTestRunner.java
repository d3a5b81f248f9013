package io.openswarm.infra.testrun;

import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.core.testrun.TestCommandNotRunnableException;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import io.openswarm.infra.process.internal.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the repository's test command (an argument list, never a shell line) in a cell's worktree;
 * the exit code is the verdict.
 *
 * <p>Design. Each run is one process started through the worker's {@link ProcessSupervisor}, so it
 * gets the supervisor's sandbox with the cell's policy (worktree and state folder writable,
 * everything else read-only), an explicit environment, and a stop of its whole tree on timeout or
 * interruption. The cell's state folder holds the run's {@code HOME} ({@code home/}) and {@code
 * TMPDIR} ({@code tmp/}) unless the configured environment sets them, and its log ({@code
 * logs/tests.log}, overwritten by each run and capped). Only the last {@link Builder#tailBytes(int)
 * 64 KiB} of output are kept in memory, however much the tests print.
 *
 * <p>A command that could not run is no verdict and is reported as a {@link
 * TestCommandNotRunnableException} naming the program, never as red tests: a program not found or
 * not executable on the tests' {@code PATH} (checked before anything starts), one the sandbox could
 * not execute (bubblewrap reports {@code bwrap: execvp ...}, say when a script's interpreter lives
 * in a folder the sandbox hides), and a command that exited with 126 or 127, a shell's codes for
 * "not executable" and "not found". The messages never list the {@code PATH} or any other part of
 * the environment: they end up in outcomes and workflow histories.
 *
 * <p>Test commands that need a writable cache outside the cell (say {@code ~/.m2} or {@code
 * ~/.gradle}) get it through {@link Builder#writablePath(Path)}; under the sandbox everything else
 * outside the cell is read-only.
 *
 * <pre>{@code
 * TestRunner tests = CommandTestRunner.newBuilder(supervisor)
 *     .command(List.of("./gradlew", "test", "--offline"))
 *     .timeout(Duration.ofMinutes(5))
 *     .build();
 * TestRunner.Result result = tests.run(new TestRunner.Request(cellId, worktree, cellState));
 * }</pre>
 *
 * <p>Immutable and thread-safe: cells may run their tests concurrently.
 */
public final class CommandTestRunner implements TestRunner {

  private static final Logger log = LoggerFactory.getLogger(CommandTestRunner.class);

  /** Default time limit of one run: 10 minutes. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  /** Default size of the output tail kept in memory and returned: 64 KiB. */
  public static final int DEFAULT_TAIL_BYTES = 64 * 1024;

  /** Default cap of the run's log file: 16 MiB. */
  public static final long DEFAULT_LOG_CAP_BYTES = 16L * 1024 * 1024;

  /** How bubblewrap starts the messages of its own failures. */
  private static final String BWRAP_PREFIX = "bwrap: ";

  /**
   * What follows {@link #BWRAP_PREFIX} when bubblewrap could not execute the command: the errno
   * message follows.
   */
  private static final String BWRAP_EXEC_PREFIX = "execvp ";

  /** How much of the output a message about a command that could not run quotes. */
  private static final int MESSAGE_TAIL_CHARS = 8 * 1024;

  private final ProcessSupervisor supervisor;
  private final List<String> command;
  private final Duration timeout;
  private final Duration stopGrace;
  private final ProcessEnvironment environment;
  private final @Nullable TestEnvironment testEnvironment;
  private final NetworkAccess network;
  private final List<Path> writablePaths;
  private final int tailBytes;
  private final long logCapBytes;

  private CommandTestRunner(Builder builder, List<String> command) {
    this.supervisor = builder.supervisor;
    this.command = command;
    this.timeout = builder.timeout;
    this.stopGrace = builder.stopGrace;
    this.environment =
        builder.environment != null ? builder.environment : ProcessEnvironment.defaults();
    this.testEnvironment = builder.testEnvironment;
    this.network = builder.network;
    this.writablePaths = List.copyOf(builder.writablePaths);
    this.tailBytes = builder.tailBytes;
    this.logCapBytes = builder.logCapBytes;
  }

  /**
   * A new builder for a runner whose processes go through {@code supervisor}.
   *
   * @param supervisor the supervisor that runs the tests
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(Objects.requireNonNull(supervisor, "supervisor cannot be null"));
  }

  /** The test command. */
  @Override
  public List<String> command() {
    return command;
  }

  /**
   * The time limit of one run.
   *
   * @return the limit; positive
   */
  public Duration timeout() {
    return timeout;
  }

  @Override
  public TestRunner.Result run(TestRunner.Request request)
      throws IOException, InterruptedException {
    Objects.requireNonNull(request, "request cannot be null");
    Path state = request.stateDirectory();
    Path home = Files.createDirectories(state.resolve("home"));
    Path tmp = Files.createDirectories(state.resolve("tmp"));
    Path logFile = state.resolve("logs").resolve("tests.log");
    SandboxPolicy.Builder policy =
        SandboxPolicy.forCell(request.worktree(), state).toBuilder().network(network);
    writablePaths.forEach(policy::writable);
    List<String> runCommand = request.command() == null ? command : request.command();
    Duration runTimeout = request.timeout() == null ? timeout : request.timeout();
    ProcessEnvironment runEnvironment;
    if (testEnvironment != null) {
      runEnvironment = testEnvironment.applyTo(policy, System.getenv(), home, tmp);
    } else {
      runEnvironment =
          environment.toBuilder()
              .putIfAbsent("HOME", home.toString())
              .putIfAbsent("TMPDIR", tmp.toString())
              .build();
    }
    requireProgram(runCommand.get(0), runEnvironment, request);
    ProcessSpec spec =
        ProcessSpec.newBuilder()
            .command(runCommand)
            .workingDirectory(request.worktree())
            .environment(runEnvironment)
            .logFile(logFile)
            .logCapBytes(logCapBytes)
            .tailBytes(tailBytes)
            .timeout(runTimeout)
            .stopGrace(stopGrace)
            .sandboxPolicy(policy.build())
            .description("tests of " + request.cellId())
            .build();
    SupervisedProcess process = supervisor.start(spec);
    ProcessResult result;
    try {
      result = process.waitFor();
    } catch (InterruptedException e) {
      process.stop();
      log.info("tests of cell {} were interrupted and stopped", request.cellId());
      throw e;
    }
    TestRunner.Result testResult =
        new TestRunner.Result(
            result.exitCode(),
            result.timedOut(),
            result.stopRequested(),
            withHint(result.outputTail(), result.exitCode(), home),
            result.outputTailTruncated(),
            result.outputBytes(),
            result.duration());
    log.info(
        "tests of cell {} {} (exit code {}{}) in {} ms; log {}",
        request.cellId(),
        testResult.passed() ? "passed" : "failed",
        result.exitCode(),
        result.timedOut() ? ", timed out" : result.stopRequested() ? ", stopped" : "",
        result.duration().toMillis(),
        logFile);
    requireRan(runCommand.get(0), testResult);
    return testResult;
  }

  /** Caches in a home folder, and what a build tool that finds one empty says. */
  private static final Map<String, List<String>> CACHE_SYMPTOMS =
      Map.of(
          ".m2", List.of("in offline mode", "/.m2/"),
          ".gradle", List.of("No cached version of", "/.gradle/"),
          ".npm", List.of("ENOTCACHED", "/.npm/"));

  /**
   * A red run whose output names a path in the cell's fresh home folder that the worker's own home
   * has (a build tool that looked for {@code ~/.m2} and found an empty one) gets a line that says
   * why and what to do: the worker's home is hidden in the sandbox, and {@link TestEnvironment}
   * names what comes back.
   */
  private String withHint(String tail, int exitCode, Path cellHome) {
    if (exitCode == 0 || !supervisor.sandbox().isolating()) {
      return tail;
    }
    Path workerHome =
        testEnvironment != null
            ? testEnvironment.home()
            : Path.of(System.getProperty("user.home", "/")).toAbsolutePath().normalize();
    String prefix = cellHome + "/";
    Set<String> named = new java.util.TreeSet<>();
    for (int at = tail.indexOf(prefix);
        at >= 0 && named.size() < 5;
        at = tail.indexOf(prefix, at + 1)) {
      int start = at + prefix.length();
      int end = start;
      while (end < tail.length() && "/ \t\n'\":;,)]".indexOf(tail.charAt(end)) < 0) {
        end++;
      }
      String entry = tail.substring(start, end);
      if (!entry.isEmpty()
          && !entry.equals(".")
          && !entry.equals("..")
          && workerHome.getNameCount() > 0
          && Files.exists(workerHome.resolve(entry), LinkOption.NOFOLLOW_LINKS)) {
        named.add(entry);
      }
    }
    // Build tools that found their cache empty rarely print its path; they say what they could not
    // get.
    for (Map.Entry<String, List<String>> known : CACHE_SYMPTOMS.entrySet()) {
      boolean shared =
          testEnvironment != null
              && testEnvironment.caches().contains(workerHome.resolve(known.getKey()));
      if (!shared
          && Files.isDirectory(workerHome.resolve(known.getKey()))
          && known.getValue().stream().anyMatch(tail::contains)) {
        named.add(known.getKey());
      }
    }
    if (named.isEmpty()) {
      return tail;
    }
    String hint =
        "[openswarm] the tests looked for "
            + named.stream().map(e -> "~/" + e).toList()
            + ", which the "
            + "sandbox hides (the worker's home is not a cell's; each run has a fresh, empty home folder of its own). To "
            + "share a cache or a settings file with the tests, name it on the worker: "
            + "testEnvironment(TestEnvironment.newBuilder().cache(...) or .homeFile(...))";
    log.warn("{}", hint);
    return tail.endsWith("\n") || tail.isEmpty() ? tail + hint + "\n" : tail + "\n" + hint + "\n";
  }

  /**
   * Fails before anything starts when the program is not on the tests' {@code PATH} (or, for a
   * path, not in the worktree): a program the host does not have, the sandbox does not have either.
   * The message counts the folders searched instead of listing them: the worker's {@code PATH} has
   * no place in an outcome.
   */
  private void requireProgram(
      String program, ProcessEnvironment runEnvironment, TestRunner.Request request)
      throws TestCommandNotRunnableException {
    String path = runEnvironment.get("PATH").orElse(null);
    if (Executables.resolve(program, path, request.worktree()).isPresent()) {
      return;
    }
    String where =
        program.startsWith("/")
            ? "at that path"
            : program.indexOf('/') >= 0
                ? "in the worktree of cell " + request.cellId()
                : path == null || path.isEmpty()
                    ? "in the system folders (the tests have no PATH)"
                    : "on the tests' PATH ("
                        + path.split(":", -1).length
                        + " folder(s) searched on the host)";
    throw new TestCommandNotRunnableException(
        "program '"
            + program
            + "' was not found or is not executable "
            + where
            + (sandboxed()
                ? ", so not inside the cell's sandbox (" + supervisor.sandbox().name() + ") either"
                : ""),
        program,
        "");
  }

  /**
   * Fails when the run says that the command could not run: bubblewrap could not execute it (exit 1
   * with its own one-line {@code bwrap: ...} error and nothing else, since the command never
   * started), or it exited with 126 or 127.
   */
  private void requireRan(String program, TestRunner.Result result)
      throws TestCommandNotRunnableException {
    String inside =
        sandboxed() ? " inside the cell's sandbox (" + supervisor.sandbox().name() + ")" : "";
    String sandboxError = sandboxLauncherError(result);
    if (sandboxError != null) {
      String reason =
          sandboxError.startsWith(BWRAP_EXEC_PREFIX)
              ? "could not be executed"
                  + inside
                  + ": "
                  + sandboxError.substring(BWRAP_EXEC_PREFIX.length())
                  + "; the sandbox hides the home folders, /tmp, /run and the worker's state, so a program, a script's "
                  + "interpreter or a library kept there is missing inside it"
              : "could not be started" + inside + ": " + sandboxError;
      throw new TestCommandNotRunnableException(
          "program '" + program + "' " + reason, program, result.outputTail());
    }
    if (result.commandNotRunnable()) {
      String meaning =
          result.exitCode() == TestRunner.Result.EXIT_NOT_FOUND
              ? "a program it runs was not found"
              : "a program it runs was found but could not be executed";
      throw new TestCommandNotRunnableException(
          "the test command '"
              + program
              + "' exited with code "
              + result.exitCode()
              + inside
              + ", which means "
              + meaning
              + "; output:\n"
              + tail(result.outputTail()),
          program,
          result.outputTail());
    }
  }

  /**
   * The one line bubblewrap printed when it failed to run the command, or null when the command
   * ran.
   */
  private @Nullable String sandboxLauncherError(TestRunner.Result result) {
    if (!supervisor.sandbox().name().equals("bubblewrap")
        || result.exitCode() != 1
        || result.killedByLibrary()
        || result.outputTruncated()) {
      return null;
    }
    String output = result.outputTail().strip();
    if (!output.startsWith(BWRAP_PREFIX) || output.indexOf('\n') >= 0) {
      return null;
    }
    return output.substring(BWRAP_PREFIX.length());
  }

  private boolean sandboxed() {
    return supervisor.sandbox().isolating();
  }

  /** The end of the output, short enough for a message. */
  private static String tail(String output) {
    return output.length() <= MESSAGE_TAIL_CHARS
        ? output
        : "..." + output.substring(output.length() - MESSAGE_TAIL_CHARS);
  }

  @Override
  public String toString() {
    return "CommandTestRunner{program="
        + command.get(0)
        + ", arguments="
        + (command.size() - 1)
        + ", timeout="
        + timeout
        + ", network="
        + network
        + ", sandbox="
        + supervisor.sandbox().name()
        + "}";
  }

  /** Builds a {@link CommandTestRunner}. Not thread-safe. */
  public static final class Builder {

    private final ProcessSupervisor supervisor;
    private @Nullable List<String> command;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration stopGrace = ProcessSpec.DEFAULT_STOP_GRACE;
    private @Nullable ProcessEnvironment environment;
    private @Nullable TestEnvironment testEnvironment;
    private NetworkAccess network = NetworkAccess.SHARED;
    private final Set<Path> writablePaths = new LinkedHashSet<>();
    private int tailBytes = DEFAULT_TAIL_BYTES;
    private long logCapBytes = DEFAULT_LOG_CAP_BYTES;

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = supervisor;
    }

    /**
     * Sets the test command: the program and its arguments, each passed unchanged. Required.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} or an element is null
     */
    public Builder command(List<String> command) {
      Objects.requireNonNull(command, "command cannot be null");
      this.command = List.copyOf(command);
      return this;
    }

    /**
     * Sets the time limit of one run; default {@link #DEFAULT_TIMEOUT}. A run past it is stopped
     * (its whole process tree) and reported as timed out.
     *
     * @param timeout the limit; positive (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
      return this;
    }

    /**
     * Sets how long a stopped run gets between TERM and KILL; default {@link
     * ProcessSpec#DEFAULT_STOP_GRACE}.
     *
     * @param stopGrace the grace period; not negative (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code stopGrace} is null
     */
    public Builder stopGrace(Duration stopGrace) {
      this.stopGrace = Objects.requireNonNull(stopGrace, "stopGrace cannot be null");
      return this;
    }

    /**
     * Sets the environment of the tests; default {@link ProcessEnvironment#defaults()}. {@code
     * HOME} and {@code TMPDIR} point into the cell's state folder unless set here.
     *
     * @param environment the tests' environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder environment(ProcessEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment cannot be null");
      return this;
    }

    /**
     * Sets the tests' world from a {@link TestEnvironment}: its variables, and its caches and home
     * files bound into each run's home folder. Replaces {@link #environment(ProcessEnvironment)};
     * set one of the two.
     *
     * @param environment the tests' world
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder testEnvironment(TestEnvironment environment) {
      this.testEnvironment = Objects.requireNonNull(environment, "testEnvironment cannot be null");
      return this;
    }

    /**
     * Sets whether the tests share the host's network under the sandbox; default {@link
     * NetworkAccess#SHARED}.
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
     * Lets the tests write {@code path} as well, for example a build tool's cache; every cell's
     * tests can then write it.
     *
     * @param path an absolute path
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalArgumentException if {@code path} is not absolute or is the filesystem root
     */
    public Builder writablePath(Path path) {
      Objects.requireNonNull(path, "path cannot be null");
      if (!path.isAbsolute() || path.normalize().getParent() == null) {
        throw new IllegalArgumentException(
            "writable path must be absolute and not the filesystem root but was " + path);
      }
      writablePaths.add(path.normalize());
      return this;
    }

    /**
     * Sets how many bytes of the end of the output are returned; default {@link
     * #DEFAULT_TAIL_BYTES}.
     *
     * @param tailBytes the limit, in bytes; checked by {@link #build()}
     * @return this builder
     */
    public Builder tailBytes(int tailBytes) {
      this.tailBytes = tailBytes;
      return this;
    }

    /**
     * Sets the cap of the log file; default {@link #DEFAULT_LOG_CAP_BYTES}.
     *
     * @param logCapBytes the limit, in bytes; checked by {@link #build()}
     * @return this builder
     */
    public Builder logCapBytes(long logCapBytes) {
      this.logCapBytes = logCapBytes;
      return this;
    }

    /**
     * Validates the settings and builds the runner.
     *
     * @return the runner
     * @throws IllegalStateException if no command was set
     * @throws IllegalArgumentException if the command is empty or has an empty program name, the
     *     timeout is not positive, the stop grace is negative, the tail is outside 1 byte to {@link
     *     ProcessSpec#MAX_TAIL_BYTES}, or the log cap is negative
     */
    public CommandTestRunner build() {
      if (command == null) {
        throw new IllegalStateException("command is required but was not set");
      }
      if (command.isEmpty() || command.get(0).isEmpty()) {
        throw new IllegalArgumentException(
            "command must start with a program name but was " + command);
      }
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("stopGrace must not be negative but was " + stopGrace);
      }
      if (tailBytes < 1 || tailBytes > ProcessSpec.MAX_TAIL_BYTES) {
        throw new IllegalArgumentException(
            "tailBytes must be between 1 and "
                + ProcessSpec.MAX_TAIL_BYTES
                + " but was "
                + tailBytes);
      }
      if (logCapBytes < 0) {
        throw new IllegalArgumentException("logCapBytes must be 0 or more but was " + logCapBytes);
      }
      if (environment != null && testEnvironment != null) {
        throw new IllegalArgumentException(
            "set either environment(ProcessEnvironment) or "
                + "testEnvironment(TestEnvironment), not both");
      }
      if (testEnvironment != null) {
        for (Path cache : testEnvironment.caches()) {
          try {
            Files.createDirectories(cache);
          } catch (IOException e) {
            throw new IllegalArgumentException(
                "cache " + cache + " does not exist and cannot be created: " + e, e);
          }
        }
      }
      return new CommandTestRunner(this, List.copyOf(command));
    }
  }
}
