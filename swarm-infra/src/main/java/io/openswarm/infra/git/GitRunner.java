package io.openswarm.infra.git;

import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.infra.git.internal.GitIo;
import io.openswarm.infra.git.internal.StreamCapture;
import io.openswarm.infra.process.internal.Executables;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs git commands as child processes, safely.
 *
 * <p>How it works: every command is started with {@link ProcessBuilder} from an argument list,
 * never through a shell. Standard output and standard error are pumped by shared daemon threads
 * into bounded buffers (the head of standard output, the tail of standard error), so a chatty
 * command can neither block on a full pipe nor fill the heap. Standard input is closed at once
 * unless the command supplies bytes for it. The calling thread waits for the exit with a timeout;
 * on timeout or interruption the whole process tree (git and its hooks) is killed and reaped before
 * the call returns, so no child outlives the call.
 *
 * <p>Environment: git gets an allowlist of the JVM's variables ({@link
 * #DEFAULT_INHERITED_ENVIRONMENT}: {@code PATH}, {@code HOME}, the git configuration locations and
 * a few more), never {@code GIT_DIR}, {@code GIT_WORK_TREE} or {@code GIT_INDEX_FILE} that would
 * point it at another repository, and never the worker's secrets. On top come {@code
 * GIT_TERMINAL_PROMPT=0} (fail instead of asking for credentials), {@code LC_ALL=C} (stable
 * messages, which the lock detection reads), configuration that switches off automatic {@code gc}
 * and maintenance (they would run in the background after commits, hold locks and make timings
 * erratic; run {@code git gc} on your own schedule), and {@code core.quotePath=false} (paths
 * printed as they are). The configuration travels in {@code GIT_CONFIG_COUNT}/{@code
 * GIT_CONFIG_KEY_n}/{@code GIT_CONFIG_VALUE_n}, so it does not clutter command lines in messages.
 *
 * <p>Hermetic: a cell can write its worktree, and in it nested repositories with configurations of
 * their own, hook folders a repository's {@code core.hooksPath} may name, and {@code .git} files.
 * Nothing of that may run here, outside the sandbox, with the worker's user and files. Every
 * command therefore carries, in {@code GIT_CONFIG_PARAMETERS} (what {@code git -c} sets; git passes
 * it on to the git processes it starts, submodules included, and it outranks every configuration
 * file), {@link #HERMETIC_CONFIGURATION}: no hooks at all ({@code core.hooksPath=/dev/null}), no
 * file-system monitor, no submodule recursion, no {@code ext::} transport. Those settings cannot be
 * overridden through {@link Builder#environment(String, String)}. Filter, diff and merge drivers
 * are only defined in configuration files, and a cell can write none that git reads here: the
 * repository's own configuration lies in its git directory, which is read-only inside the sandbox,
 * and git is never run inside a nested repository (status and diff are asked not to enter
 * submodules).
 *
 * <p>Lock contention: when another git process holds {@code index.lock}, a ref lock or {@code
 * config.lock}, git fails at once. Commands that allow it ({@link
 * GitCommand#retryOnLockContention()}) are run again after an exponential backoff with jitter, up
 * to {@link Builder#lockRetries(int, Duration, Duration) lockRetries} times; the caller sees the
 * last result.
 *
 * <p>Thread-safe and stateless: one runner serves any number of threads.
 */
public final class GitRunner {

  /** The environment variables a git child inherits from the JVM by default. */
  public static final Set<String> DEFAULT_INHERITED_ENVIRONMENT =
      Set.of(
          "PATH",
          "HOME",
          "USER",
          "LOGNAME",
          "TMPDIR",
          "TMP",
          "TEMP",
          "TZ",
          "XDG_CONFIG_HOME",
          "GIT_CONFIG_GLOBAL",
          "GIT_CONFIG_SYSTEM",
          "GIT_CONFIG_NOSYSTEM",
          "GIT_EXEC_PATH",
          "SYSTEMROOT",
          "WINDIR",
          "COMSPEC",
          "PATHEXT");

  /**
   * The settings every command runs with, whatever the repository's or a nested repository's
   * configuration says: no hooks, no file-system monitor (a program the configuration names), no
   * recursion into submodules, no {@code ext::} transport (a command line in a URL).
   */
  public static final List<String> HERMETIC_CONFIGURATION =
      List.of(
          "core.hooksPath=/dev/null",
          "core.fsmonitor=false",
          "submodule.recurse=false",
          "diff.ignoreSubmodules=dirty",
          "status.submoduleSummary=false",
          "protocol.ext.allow=never");

  /** {@link #HERMETIC_CONFIGURATION} in the quoted form of {@code GIT_CONFIG_PARAMETERS}. */
  private static final String HERMETIC_PARAMETERS =
      HERMETIC_CONFIGURATION.stream()
          .map(entry -> "'" + entry + "'")
          .collect(Collectors.joining(" "));

  private static final Logger log = LoggerFactory.getLogger(GitRunner.class);

  /**
   * util-linux's {@code setpriv}, which starts git with a parent-death signal: when the thread that
   * started git dies (with its JVM, even by SIGKILL), the kernel kills git, so no git process of a
   * dead worker goes on changing a worktree the next worker reclaims. The calling thread waits for
   * git, so it cannot end first. Null where {@code setpriv} is missing; git then runs without it.
   */
  private static final @Nullable String SETPRIV =
      Executables.resolveSystemTool("setpriv")
          .filter(GitRunner::supportsParentDeathSignal)
          .map(Path::toString)
          .orElse(null);

  /**
   * Git's own messages when another git process is changing shared metadata at the same moment (the
   * C locale is forced, so they are English): a lock file held by someone else, or a linked
   * worktree's administrative files read while another process creates or removes that worktree
   * (every checkout reads them all to see whether the branch is checked out elsewhere; found by the
   * soak, about once in 1500 lifecycles at four at a time).
   */
  private static final Pattern LOCK_CONTENTION =
      Pattern.compile(
          "(?s).*(Unable to create '[^']*\\.lock'|could not lock config file|\\.lock': File exists"
              + "|failed to read [^\n]*/worktrees/[^/\n]+/(commondir|gitdir)).*");

  /**
   * How long to wait for the pumps to see the end of a stream after git exited; only a stray
   * grandchild delays it.
   */
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(2);

  private static final GitRunner DEFAULT = newBuilder().build();

  private final String executable;
  private final Duration timeout;
  private final int maxStdoutBytes;
  private final int maxStderrBytes;
  private final int lockRetries;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Set<String> inheritedEnvironment;
  private final Map<String, String> environment;

  private GitRunner(Builder builder) {
    this.executable = builder.executable;
    this.timeout = builder.timeout;
    this.maxStdoutBytes = builder.maxStdoutBytes;
    this.maxStderrBytes = builder.maxStderrBytes;
    this.lockRetries = builder.lockRetries;
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.inheritedEnvironment = Set.copyOf(builder.inheritedEnvironment);
    this.environment = Map.copyOf(builder.environment);
  }

  /**
   * A runner with the defaults: {@code git} from {@code PATH}, 2-minute timeout, 16 MiB of output,
   * 8 retries.
   *
   * @return the shared runner with the defaults
   */
  public static GitRunner create() {
    return DEFAULT;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Runs {@code git <args>} in {@code directory} with the defaults of {@link GitCommand}.
   *
   * @param directory the working directory
   * @param args the arguments after {@code git}; at least one
   * @return what the command produced, whatever its exit code
   * @see #run(GitCommand)
   */
  public GitResult run(Path directory, String... args) {
    return run(GitCommand.of(directory, args));
  }

  /**
   * Runs {@code command} to its end and returns what it produced, whatever its exit code. Use
   * {@link GitResult#requireSuccess(String)} to turn a non-zero exit into an exception.
   *
   * @param command the command to run
   * @return what the command produced, whatever its exit code
   * @throws NullPointerException if {@code command} is null
   * @throws WorktreeException {@link Reason#TIMED_OUT} when an attempt exceeds its timeout (the
   *     process tree is killed), {@link Reason#INTERRUPTED} when the calling thread is interrupted
   *     (the process tree is killed and the interrupt flag set again), {@link Reason#GIT_FAILED}
   *     when git cannot be started
   */
  public GitResult run(GitCommand command) {
    Objects.requireNonNull(command, "command cannot be null");
    List<String> argv = new ArrayList<>(command.args().size() + 1);
    argv.add(executable);
    argv.addAll(command.args());
    List<String> launch = argv;
    if (SETPRIV != null) {
      launch = new ArrayList<>(argv.size() + 4);
      launch.add(SETPRIV);
      launch.add("--pdeathsig");
      launch.add("KILL");
      launch.add("--");
      launch.addAll(argv);
    }
    Duration attemptTimeout = command.timeout().orElse(timeout);
    long backoffNanos = initialBackoff.toNanos();
    for (int attempt = 1; ; attempt++) {
      GitResult result = runOnce(launch, argv, command, attemptTimeout, attempt);
      if (result.isSuccess()
          || !command.retryOnLockContention()
          || attempt > lockRetries
          || !isLockContention(result.stderrTail())) {
        if (attempt > 1 && !result.isSuccess()) {
          log.warn("git still found a lock held after {} attempts: {}", attempt, render(argv));
        }
        return result;
      }
      long sleepNanos =
          backoffNanos / 2 + ThreadLocalRandom.current().nextLong(backoffNanos / 2 + 1);
      log.debug(
          "git lock contention (attempt {}), retrying in {} ms: {}",
          attempt,
          TimeUnit.NANOSECONDS.toMillis(sleepNanos),
          render(argv));
      try {
        TimeUnit.NANOSECONDS.sleep(sleepNanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new WorktreeException(
            Reason.INTERRUPTED,
            "interrupted while waiting to retry `" + render(argv) + "` after lock contention",
            argv,
            OptionalInt.of(result.exitCode()),
            result.stderrTail(),
            e);
      }
      backoffNanos = Math.min(backoffNanos * 2, maxBackoff.toNanos());
    }
  }

  private static boolean supportsParentDeathSignal(Path setpriv) {
    try {
      Process probe =
          new ProcessBuilder(setpriv.toString(), "--pdeathsig", "KILL", "--", "true")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Whether git's standard error says that it failed because another git process was changing
   * shared metadata at the same moment: it held one of git's lock files, or was creating or
   * removing a linked worktree. Git reads or locks before it changes anything, so such a failure
   * left nothing behind and a retry overcomes it.
   *
   * @param stderr git's standard error, or its end
   * @return true when it reports lock contention
   */
  public static boolean isLockContention(String stderr) {
    return LOCK_CONTENTION.matcher(stderr).matches();
  }

  private GitResult runOnce(
      List<String> launch,
      List<String> argv,
      GitCommand command,
      Duration attemptTimeout,
      int attempt) {
    ProcessBuilder builder = new ProcessBuilder(launch).directory(command.directory().toFile());
    Map<String, String> env = builder.environment();
    Map<String, String> inherited = filterEnvironment(env, inheritedEnvironment);
    env.clear();
    env.putAll(inherited);
    env.putAll(environment);
    env.putAll(command.environment());
    // Last, so that it wins: later entries of GIT_CONFIG_PARAMETERS override earlier ones.
    String parameters = env.get("GIT_CONFIG_PARAMETERS");
    env.put(
        "GIT_CONFIG_PARAMETERS",
        parameters == null || parameters.isBlank()
            ? HERMETIC_PARAMETERS
            : parameters + " " + HERMETIC_PARAMETERS);
    long start = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.GIT_FAILED,
          "could not start `"
              + render(argv)
              + "` in "
              + command.directory()
              + ": "
              + e.getMessage(),
          argv,
          OptionalInt.empty(),
          "",
          e);
    }
    StreamCapture stdout = new StreamCapture(process.getInputStream(), maxStdoutBytes, false);
    StreamCapture stderr = new StreamCapture(process.getErrorStream(), maxStderrBytes, true);
    Future<?> stdoutPump;
    Future<?> stderrPump;
    try {
      stdoutPump = GitIo.executor().submit(stdout);
      stderrPump = GitIo.executor().submit(stderr);
      byte @Nullable [] input = command.stdin().orElse(null);
      if (input == null) {
        closeQuietly(process.getOutputStream());
      } else {
        // On a pump thread: git may not read its input before it has done other work (hooks run
        // first), and a
        // message larger than the pipe buffer must not block the thread that enforces the timeout.
        GitIo.executor().submit(() -> writeAndClose(process.getOutputStream(), input));
      }
    } catch (RuntimeException | Error e) {
      destroyTree(process);
      throw e;
    }
    boolean exited;
    try {
      exited = process.waitFor(attemptTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      destroyTree(process);
      Thread.currentThread().interrupt();
      throw new WorktreeException(
          Reason.INTERRUPTED,
          "interrupted while running `"
              + render(argv)
              + "` in "
              + command.directory()
              + "; the git process was killed",
          argv,
          OptionalInt.empty(),
          tail(stderr),
          e);
    }
    if (!exited) {
      destroyTree(process);
      awaitPump(stderrPump);
      throw new WorktreeException(
          Reason.TIMED_OUT,
          String.format(
              "`%s` in %s did not finish within %d ms and was killed%s",
              render(argv),
              command.directory(),
              attemptTimeout.toMillis(),
              GitResult.summary(tail(stderr))),
          argv,
          OptionalInt.empty(),
          tail(stderr),
          null);
    }
    boolean complete = awaitPump(stdoutPump) & awaitPump(stderrPump);
    if (!complete) {
      log.warn(
          "a process started by `{}` still holds git's output open after git exited; using what was read",
          render(argv));
    }
    Duration duration = Duration.ofNanos(System.nanoTime() - start);
    if (launch != argv
        && process.exitValue() == 127
        && tail(stderr).startsWith("setpriv: failed to execute ")) {
      // What ProcessBuilder.start() reports itself when git is started directly.
      throw new WorktreeException(
          Reason.GIT_FAILED,
          "could not start `"
              + render(argv)
              + "` in "
              + command.directory()
              + ": "
              + tail(stderr).substring("setpriv: ".length()).strip(),
          argv,
          OptionalInt.empty(),
          tail(stderr),
          null);
    }
    GitResult result =
        new GitResult(
            argv,
            command.directory(),
            process.exitValue(),
            new String(stdout.bytes(), StandardCharsets.UTF_8),
            stdout.truncated(),
            tail(stderr),
            duration,
            attempt);
    if (log.isDebugEnabled()) {
      log.debug(
          "`{}` in {} exited with {} after {} ms",
          render(argv),
          command.directory(),
          result.exitCode(),
          duration.toMillis());
    }
    return result;
  }

  private static String tail(StreamCapture stderr) {
    return new String(stderr.bytes(), StandardCharsets.UTF_8);
  }

  private static void writeAndClose(OutputStream out, byte[] input) {
    try (out) {
      out.write(input);
    } catch (IOException e) {
      // git exited (or closed its input) without reading everything; its exit code tells the story.
    }
  }

  private static void closeQuietly(OutputStream out) {
    try {
      out.close();
    } catch (IOException e) {
      // Nothing to do: the process has no use for its input.
    }
  }

  private static boolean awaitPump(Future<?> pump) {
    try {
      pump.get(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  /** Kills git and every process below it (hooks and what they started), then reaps git. */
  static void destroyTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
    descendants.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    boolean interrupted = false;
    while (true) {
      try {
        process.waitFor();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The variables of {@code environment} whose names are in {@code allowed}. */
  static Map<String, String> filterEnvironment(
      Map<String, String> environment, Set<String> allowed) {
    Map<String, String> kept = new LinkedHashMap<>();
    environment.forEach(
        (name, value) -> {
          if (allowed.contains(name)) {
            kept.put(name, value);
          }
        });
    return kept;
  }

  /**
   * A command line as one string for messages: arguments with spaces or quotes are single-quoted.
   */
  static String render(List<String> argv) {
    StringBuilder out = new StringBuilder();
    for (String arg : argv) {
      if (out.length() > 0) {
        out.append(' ');
      }
      if (arg.isEmpty()
          || arg.chars().anyMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')) {
        out.append('\'').append(arg.replace("'", "'\\''")).append('\'');
      } else {
        out.append(arg);
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "GitRunner{executable="
        + executable
        + ", timeout="
        + timeout
        + ", lockRetries="
        + lockRetries
        + "}";
  }

  /** Builds a {@link GitRunner}. Not thread-safe. */
  public static final class Builder {
    private String executable = "git";
    private Duration timeout = Duration.ofMinutes(2);
    private int maxStdoutBytes = 16 * 1024 * 1024;
    private int maxStderrBytes = 64 * 1024;
    private int lockRetries = 8;
    private Duration initialBackoff = Duration.ofMillis(20);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private Set<String> inheritedEnvironment = DEFAULT_INHERITED_ENVIRONMENT;
    private final Map<String, String> environment = new LinkedHashMap<>();

    private Builder() {
      environment.put("GIT_TERMINAL_PROMPT", "0");
      environment.put("LC_ALL", "C");
      environment.put("GIT_CONFIG_COUNT", "3");
      environment.put("GIT_CONFIG_KEY_0", "gc.auto");
      environment.put("GIT_CONFIG_VALUE_0", "0");
      environment.put("GIT_CONFIG_KEY_1", "maintenance.auto");
      environment.put("GIT_CONFIG_VALUE_1", "false");
      environment.put("GIT_CONFIG_KEY_2", "core.quotePath");
      environment.put("GIT_CONFIG_VALUE_2", "false");
    }

    /**
     * The git executable: a name looked up on {@code PATH} or a path. Default {@code git}.
     *
     * @param executable a program name or a path
     * @return this builder
     * @throws NullPointerException if {@code executable} is null
     * @throws IllegalArgumentException if {@code executable} is blank
     */
    public Builder executable(String executable) {
      Objects.requireNonNull(executable, "executable cannot be null");
      if (executable.isBlank()) {
        throw new IllegalArgumentException("executable must not be blank");
      }
      this.executable = executable;
      return this;
    }

    /**
     * How long one attempt of a command may run before it is killed, unless the command sets its
     * own. Default 2 minutes.
     *
     * @param timeout the limit of one attempt; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /**
     * How many bytes of standard output are kept; a command whose output is longer is flagged
     * ({@link GitResult#stdoutTruncated()}). Default 16 MiB.
     *
     * @param bytes the limit, in bytes; at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     */
    public Builder maxStdoutBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxStdoutBytes must be at least 1024 but was " + bytes);
      }
      this.maxStdoutBytes = bytes;
      return this;
    }

    /**
     * How many bytes of the end of standard error are kept. Default 64 KiB.
     *
     * @param bytes the limit, in bytes; at least 1024
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     */
    public Builder maxStderrBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxStderrBytes must be at least 1024 but was " + bytes);
      }
      this.maxStderrBytes = bytes;
      return this;
    }

    /**
     * How many times a command is run again after lock contention, with exponential backoff from
     * {@code initialBackoff} (plus jitter) up to {@code maxBackoff} between attempts. Default 8
     * retries, 20 ms to 1 s (about 4 s in total).
     *
     * @param retries how many times to run again; 0 or more
     * @param initialBackoff the first wait; positive
     * @param maxBackoff the longest wait; positive, at least {@code initialBackoff}
     * @return this builder
     * @throws NullPointerException if a duration is null
     * @throws IllegalArgumentException if {@code retries} is negative, a duration is not positive,
     *     or {@code maxBackoff} is shorter than {@code initialBackoff}
     */
    public Builder lockRetries(int retries, Duration initialBackoff, Duration maxBackoff) {
      if (retries < 0) {
        throw new IllegalArgumentException("lock retries must not be negative but was " + retries);
      }
      positive("initialBackoff", initialBackoff);
      positive("maxBackoff", maxBackoff);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff ("
                + maxBackoff
                + ") must not be shorter than initialBackoff ("
                + initialBackoff
                + ")");
      }
      this.lockRetries = retries;
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * The names of the JVM's environment variables git inherits, replacing {@link
     * #DEFAULT_INHERITED_ENVIRONMENT}.
     *
     * @param names the names of the variables to inherit; may be empty
     * @return this builder
     * @throws NullPointerException if {@code names} is or contains null
     */
    public Builder inheritedEnvironment(Set<String> names) {
      this.inheritedEnvironment = Set.copyOf(Objects.requireNonNull(names, "names cannot be null"));
      return this;
    }

    /**
     * Sets an environment variable for every command, on top of the inherited ones (for example
     * {@code GIT_TRACE=1} while debugging).
     *
     * @param name the variable's name; not empty, no {@code =}
     * @param value its value
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is empty or contains {@code =}
     */
    public Builder environment(String name, String value) {
      Objects.requireNonNull(name, "name cannot be null");
      Objects.requireNonNull(value, "value cannot be null");
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException(
            "an environment variable name must be non-empty without '=' but was \"" + name + "\"");
      }
      environment.put(name, value);
      return this;
    }

    /**
     * Builds the runner. Every setter validated its value, so this cannot fail.
     *
     * @return the runner
     */
    public GitRunner build() {
      return new GitRunner(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name + " cannot be null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
