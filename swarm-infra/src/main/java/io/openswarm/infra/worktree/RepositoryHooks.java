package io.openswarm.infra.worktree;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.internal.NoFollowFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the repository's own {@code pre-commit} and {@code commit-msg} hooks on a cell's staged
 * change, inside the cell's sandbox, as a check before the library commits.
 *
 * <p>Why: the library's git never runs hooks ({@code core.hooksPath=/dev/null}), because a hook
 * runs with the worker's user and files and a cell can write the folder hooks come from (a {@code
 * core.hooksPath} inside the worktree, as husky sets up). Teams still want their lint to guard what
 * lands. So a hook is taken from where the cell cannot have written it, the user's checkout (when
 * the repository's own configuration sets a relative {@code core.hooksPath}) or the repository's
 * {@code hooks} folder in its git directory, never from the cell's worktree, and run through the
 * process supervisor with the cell's sandbox policy: the worktree writable, the hook's folder
 * read-only, its own home and tmp. Inside, git reads the staged change (the index is read-only
 * there). A hook that exits non-zero, or runs past its timeout, rejects the change with {@link
 * Reason#COMMIT_REJECTED} and its output.
 *
 * <p>A {@code commit-msg} hook gets a file holding the message; changes it makes to it are ignored.
 * Thread-safe.
 */
public final class RepositoryHooks implements CommitCheck {

  /** The hooks that can run as a check. */
  public static final Set<String> SUPPORTED = Set.of("pre-commit", "commit-msg");

  private static final Logger log = LoggerFactory.getLogger(RepositoryHooks.class);

  private final ProcessSupervisor supervisor;
  private final Path repository;
  private final List<String> hooks;
  private final Path stateDirectory;
  private final ProcessEnvironment environment;
  private final Duration timeout;
  private final GitRunner git;

  private RepositoryHooks(Builder builder) {
    this.supervisor = builder.supervisor;
    this.repository = Objects.requireNonNull(builder.repository, "repository must be set");
    this.hooks = List.copyOf(builder.hooks);
    this.stateDirectory =
        Objects.requireNonNull(builder.stateDirectory, "stateDirectory must be set");
    this.environment = builder.environment;
    this.timeout = builder.timeout;
    this.git = builder.git;
  }

  /**
   * A builder for hooks run through {@code supervisor} (whose sandbox confines them).
   *
   * @param supervisor the supervisor that runs the hooks
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(Objects.requireNonNull(supervisor, "supervisor cannot be null"));
  }

  /**
   * The hooks this check runs, in order.
   *
   * @return the hooks' names, unmodifiable; never empty
   */
  public List<String> hooks() {
    return hooks;
  }

  @Override
  public void check(WorktreeLease lease, String message) {
    Objects.requireNonNull(lease, "lease cannot be null");
    Objects.requireNonNull(message, "message cannot be null");
    Path state = stateDirectory.resolve(lease.cellId().value());
    try {
      Files.createDirectories(state.resolve("home"));
      Files.createDirectories(state.resolve("tmp"));
      Location location = locate();
      for (String hook : hooks) {
        Path file = location.directory().resolve(hook);
        if (Files.isRegularFile(file) && Files.isExecutable(file)) {
          run(lease, new Hook(hook, file, location.bound()), message, state);
        }
      }
    } catch (IOException e) {
      throw new WorktreeException(
          Reason.IO_FAILED,
          "could not prepare the repository hooks of cell "
              + lease.cellId()
              + " in "
              + state
              + ": "
              + e.getMessage(),
          e);
    } finally {
      try {
        TreeDeleter.deleteRecursively(state);
      } catch (IOException e) {
        log.warn(
            "could not delete {} after the repository hooks of cell {}: {}",
            state,
            lease.cellId(),
            e.toString());
      }
    }
  }

  /**
   * A hook to run, and the folder to bind read-only so that what it calls beside it is there too.
   */
  private record Hook(String name, Path file, Path folder) {}

  /** The folder the hooks are in, and the folder bound read-only for them (it holds the first). */
  private record Location(Path directory, Path bound) {}

  /**
   * Where the hooks live, from the repository's own configuration: one or two git processes per
   * check.
   */
  private Location locate() {
    GitResult configured = git.run(repository, "config", "--local", "--get", "core.hooksPath");
    if (configured.isSuccess() && !configured.stdoutLine().isBlank()) {
      Path hooksPath = Path.of(configured.stdoutLine().strip());
      Path directory =
          hooksPath.isAbsolute() ? hooksPath : repository.resolve(hooksPath).normalize();
      // husky's `.husky/_/pre-commit` calls `.husky/pre-commit`: bind the top folder under the
      // checkout.
      Path bound =
          hooksPath.isAbsolute() || hooksPath.getNameCount() < 2
              ? directory
              : repository.resolve(hooksPath.getName(0)).normalize();
      return new Location(directory, bound);
    }
    String common =
        git.run(repository, "rev-parse", "--git-common-dir")
            .requireSuccess("find the git directory of " + repository)
            .stdoutLine()
            .strip();
    Path directory = repository.resolve(common).normalize().resolve("hooks");
    return new Location(directory, directory);
  }

  private void run(WorktreeLease lease, Hook hook, String message, Path state) throws IOException {
    List<String> command = new ArrayList<>(List.of(hook.file().toString()));
    if (hook.name().equals("commit-msg")) {
      Path messageFile = state.resolve("COMMIT_EDITMSG");
      NoFollowFiles.writeNew(state, messageFile, message);
      command.add(messageFile.toString());
    }
    ProcessSpec spec =
        ProcessSpec.newBuilder()
            .command(command)
            .workingDirectory(lease.path())
            .environment(
                environment.toBuilder()
                    .putIfAbsent("HOME", state.resolve("home").toString())
                    .putIfAbsent("TMPDIR", state.resolve("tmp").toString())
                    .build())
            .logFile(state.resolve("logs").resolve(hook.name() + ".log"))
            .timeout(timeout)
            .sandboxPolicy(
                SandboxPolicy.forCell(lease.path(), state).toBuilder()
                    .readOnly(hook.folder())
                    .build())
            .description(hook.name() + " hook of " + lease.cellId())
            .build();
    ProcessResult result;
    try {
      result = supervisor.start(spec).waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorktreeException(
          Reason.INTERRUPTED,
          "interrupted while the " + hook.name() + " hook of cell " + lease.cellId() + " ran",
          e);
    }
    if (result.timedOut() || result.exitCode() != 0) {
      String why =
          result.timedOut()
              ? "did not finish within " + timeout
              : "exited with code " + result.exitCode();
      throw new WorktreeException(
          Reason.COMMIT_REJECTED,
          "the repository's "
              + hook.name()
              + " hook ("
              + hook.file()
              + ", run in the sandbox of cell "
              + lease.cellId()
              + ") rejected the change: it "
              + why
              + "; its output ends with:\n"
              + result.outputTail().strip());
    }
    log.info(
        "the repository's {} hook passed for cell {} in {} ms",
        hook.name(),
        lease.cellId(),
        result.duration().toMillis());
  }

  @Override
  public String toString() {
    return "RepositoryHooks{hooks=" + hooks + ", repository=" + repository + "}";
  }

  /** Builds {@link RepositoryHooks}. Not thread-safe. */
  public static final class Builder {
    private final ProcessSupervisor supervisor;
    private @Nullable Path repository;
    private List<String> hooks = List.of("pre-commit");
    private @Nullable Path stateDirectory;
    private ProcessEnvironment environment = ProcessEnvironment.defaults();
    private Duration timeout = Duration.ofMinutes(5);
    private GitRunner git = GitRunner.create();

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = supervisor;
    }

    /**
     * The user's checkout of the repository, whose configuration and hooks are trusted. Required.
     *
     * @param repository the user's checkout
     * @return this builder
     * @throws NullPointerException if {@code repository} is null
     */
    public Builder repository(Path repository) {
      this.repository =
          Objects.requireNonNull(repository, "repository cannot be null")
              .toAbsolutePath()
              .normalize();
      return this;
    }

    /**
     * Which hooks run, in order; default {@code pre-commit}. A hook the repository does not have is
     * skipped.
     *
     * @param hooks the hooks' names, such as {@code pre-commit}; at least one
     * @return this builder
     * @throws NullPointerException if {@code hooks} is or holds null
     * @throws IllegalArgumentException if {@code hooks} is empty or names a hook outside {@link
     *     #SUPPORTED}
     */
    public Builder hooks(List<String> hooks) {
      Objects.requireNonNull(hooks, "hooks cannot be null");
      if (hooks.isEmpty()) {
        throw new IllegalArgumentException("hooks must name at least one of " + SUPPORTED);
      }
      for (String hook : hooks) {
        Objects.requireNonNull(hook, "a hook name cannot be null");
        if (!SUPPORTED.contains(hook)) {
          throw new IllegalArgumentException(
              "hook \""
                  + hook
                  + "\" cannot run as a check; supported: "
                  + "pre-commit, commit-msg");
        }
      }
      this.hooks = List.copyOf(hooks);
      return this;
    }

    /**
     * Where each cell's hook run keeps its home, tmp, log and message file (deleted afterwards); a
     * folder cells cannot read, such as one under the worker's state directory. Required.
     *
     * @param directory the folder
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder stateDirectory(Path directory) {
      this.stateDirectory =
          Objects.requireNonNull(directory, "stateDirectory cannot be null")
              .toAbsolutePath()
              .normalize();
      return this;
    }

    /**
     * The hooks' environment; default {@link ProcessEnvironment#defaults()}.
     *
     * @param environment the hooks' environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder environment(ProcessEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment cannot be null");
      return this;
    }

    /**
     * How long one hook may run; default 5 minutes.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout cannot be null");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * The runner of the git commands that find the hooks. Default {@link GitRunner#create()}.
     *
     * @param git the git runner
     * @return this builder
     * @throws NullPointerException if {@code git} is null
     */
    public Builder git(GitRunner git) {
      this.git = Objects.requireNonNull(git, "git cannot be null");
      return this;
    }

    /**
     * Builds the check.
     *
     * @return the check
     * @throws NullPointerException if the repository or the state directory was not set
     */
    public RepositoryHooks build() {
      return new RepositoryHooks(this);
    }
  }
}
