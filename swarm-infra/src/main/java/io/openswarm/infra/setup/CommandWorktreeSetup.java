package io.openswarm.infra.setup;

import io.openswarm.core.CellId;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.core.worktree.WorktreeSetupException;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.SupervisedProcess;
import io.openswarm.infra.process.internal.Executables;
import io.openswarm.infra.process.internal.NoFollowFiles;
import io.openswarm.infra.testrun.TestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up a cell's worktree: copies named untracked files from the user's checkout, checks out the
 * submodules, and runs the set-up command (say {@code npm ci}) in the cell's sandbox, only when the
 * worktree is not already set up for the same inputs.
 *
 * <h2>How it works</h2>
 *
 * In order, for every lease:
 *
 * <ol>
 *   <li><b>Copies</b> ({@link WorktreeSetupOptions#copyFromCheckout()}): git first confirms that
 *       each path is ignored in the worktree (an untracked file that is not ignored would be
 *       committed with the cell's change, and a tracked one would be changed); then each file is
 *       read from the checkout without following links (every part of its path must be a real
 *       folder, the file a regular file of bounded size) and written into the worktree without
 *       following links ({@code openat} with {@code O_NOFOLLOW} from the worktree down), readable
 *       by the worker's user only. The files are copied for every lease: a cell may have changed
 *       the previous copy.
 *   <li><b>Submodules</b> ({@link WorktreeSetupOptions#submodules()}): {@code git submodule update
 *       --init --recursive} with the library's hermetic git (no hooks, no file-system monitor, no
 *       {@code ext::} transport), outside the sandbox because it writes git's directory, which
 *       cells see read-only. Local URLs ({@code file://} and paths), which git refuses for
 *       submodules by default, are allowed only when the base commit's {@code .gitmodules} names
 *       one. Run for every lease: the pool empties submodule folders when a worktree is returned,
 *       and a checkout from the already cloned submodule repositories is cheap.
 *   <li><b>Command</b> ({@link WorktreeSetupOptions#command()}): a <em>stamp</em> is made of the
 *       command and of the object ids, at the lease's base commit, of the {@linkplain
 *       WorktreeSetupOptions#inputs() inputs} (one {@code git ls-tree}; git's object id is a hash
 *       of the content, of every file below for a folder). When the lease carries the same stamp (a
 *       warm worktree the pool kept with its ignored files, set up for the same inputs), the
 *       command is skipped. Otherwise the stamp is cleared, the command runs through the worker's
 *       {@link ProcessSupervisor} under the cell's sandbox policy (worktree and state folder
 *       writable, the network as {@linkplain WorktreeSetupOptions#network() configured}, shared by
 *       default), with {@code HOME} and {@code TMPDIR} in the cell's state folder, the tests'
 *       {@link TestEnvironment} when one is given (variables, caches, home files), and its log at
 *       {@code logs/setup.log} there; on exit 0 the new stamp is recorded.
 * </ol>
 *
 * <p>Failures are {@link WorktreeSetupException}s whose message names what failed and ends with the
 * end of the output: a program not found (before anything starts) or that the sandbox could not
 * execute, an exit code of 126 or 127 (said to mean "could not run"), any other non-zero exit code,
 * a run past the limit, a copy refused. Messages name the program, never the environment.
 *
 * <p>What a warm worktree trusts: the ignored files a previous cell left. A cell could have changed
 * what the set-up installed (say a file in {@code node_modules}); the next cell in that worktree
 * then runs with it. The defences are the sandbox (a cell reaches only its own worktree and state;
 * what it planted runs sandboxed, in another cell of the same repository) and that the set-up runs
 * again, on a worktree the pool restored, whenever an input changes. A user who wants no trust at
 * all leaves ignored files to be removed (the default without a set-up command) and pays the set-up
 * in every cell.
 *
 * <p>Immutable and thread-safe: cells set up their worktrees concurrently.
 */
public final class CommandWorktreeSetup implements WorktreeSetup {

  private static final Logger log = LoggerFactory.getLogger(CommandWorktreeSetup.class);

  /** Default size of the output tail kept in memory: 64 KiB. */
  public static final int DEFAULT_TAIL_BYTES = 64 * 1024;

  /** Default cap of the set-up's log file: 16 MiB. */
  public static final long DEFAULT_LOG_CAP_BYTES = 16L * 1024 * 1024;

  private static final String BWRAP_PREFIX = "bwrap: ";
  private static final String BWRAP_EXEC_PREFIX = "execvp ";
  private static final int MESSAGE_TAIL_CHARS = 8 * 1024;
  private static final int EXIT_NOT_EXECUTABLE = 126;
  private static final int EXIT_NOT_FOUND = 127;

  private final ProcessSupervisor supervisor;
  private final WorktreeSetupOptions options;
  private final @Nullable Path checkout;
  private final ProcessEnvironment environment;
  private final @Nullable TestEnvironment testEnvironment;
  private final GitRunner git;

  /** The part of every stamp that depends on the command alone. */
  private final String commandDigest;

  private CommandWorktreeSetup(Builder builder, WorktreeSetupOptions options) {
    this.supervisor = builder.supervisor;
    this.options = options;
    this.checkout = builder.checkout;
    this.environment =
        builder.environment != null ? builder.environment : ProcessEnvironment.defaults();
    this.testEnvironment = builder.testEnvironment;
    this.git =
        builder.git != null
            ? builder.git
            : GitRunner.newBuilder().timeout(options.timeout()).build();
    this.commandDigest = sha256(String.join("\0", options.command()));
  }

  /**
   * A new builder for a set-up whose command goes through {@code supervisor}.
   *
   * @param supervisor the supervisor that runs the set-up command
   * @return a new builder
   * @throws NullPointerException if {@code supervisor} is null
   */
  public static Builder newBuilder(ProcessSupervisor supervisor) {
    return new Builder(Objects.requireNonNull(supervisor, "supervisor cannot be null"));
  }

  /**
   * The options this set-up follows.
   *
   * @return the options
   */
  public WorktreeSetupOptions options() {
    return options;
  }

  @Override
  public WorktreeSetup.Result prepare(WorktreeSetup.Request request) throws InterruptedException {
    Objects.requireNonNull(request, "request cannot be null");
    long begin = System.nanoTime();
    WorktreeLease lease = request.worktree();
    Path worktree = lease.path().toAbsolutePath().normalize();
    copyFromCheckout(request.cellId(), worktree);
    if (options.submodules()) {
      updateSubmodules(request.cellId(), worktree, lease.baseCommit());
    }
    if (options.command().isEmpty()) {
      return new WorktreeSetup.Result(false, "no set-up command", since(begin));
    }
    String stamp = stamp(worktree, lease.baseCommit());
    Optional<String> previous = lease.setupStamp();
    if (previous.isPresent() && previous.get().equals(stamp)) {
      return new WorktreeSetup.Result(
          false, "warm worktree, set up for the same inputs", since(begin));
    }
    String reason =
        previous.isEmpty()
            ? (lease.reused() ? "worktree not set up yet" : "new worktree")
            : "changed: " + changedInputs(previous.get(), stamp);
    // Cleared first: a set-up that fails half-way leaves the worktree in no known state.
    lease.recordSetupStamp(null);
    ProcessResult result = runCommand(request, worktree);
    lease.recordSetupStamp(stamp);
    log.debug(
        "set-up of cell {} ran in {} ({}): exit code 0 in {} ms",
        request.cellId(),
        worktree,
        reason,
        result.duration().toMillis());
    return new WorktreeSetup.Result(true, reason, since(begin));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Copies

  private void copyFromCheckout(CellId cellId, Path worktree) {
    List<String> paths = options.copyFromCheckout();
    if (paths.isEmpty()) {
      return;
    }
    Path source = Objects.requireNonNull(checkout, "checkout");
    GitResult ignored =
        git.run(
            GitCommand.in(worktree)
                .args("check-ignore", "-z", "--stdin")
                .stdin(String.join("\0", paths) + "\0")
                .build());
    if (ignored.exitCode() > 1) {
      throw new WorktreeSetupException(
          "could not ask git whether the files to copy from the checkout are ignored in "
              + "the worktree of cell "
              + cellId
              + ": "
              + ignored.stderrTail().strip(),
          false,
          "");
    }
    Set<String> ignoredPaths = new HashSet<>(List.of(ignored.stdout().split("\0")));
    for (String path : paths) {
      if (!ignoredPaths.contains(path)) {
        throw new WorktreeSetupException(
            "copyFromCheckout refuses \""
                + path
                + "\": it is tracked or not ignored in "
                + "the worktree, so the copy would change a tracked file or be committed with the cell's change; add it to"
                + " .gitignore",
            false,
            "");
      }
    }
    for (String path : paths) {
      byte[] content = readFromCheckout(source, path);
      Path target = worktree.resolve(path);
      try {
        // A path resolved against the worktree always has a parent (at least the worktree).
        createParents(worktree, Objects.requireNonNull(target.getParent()));
        NoFollowFiles.writeNew(worktree, target, content);
      } catch (IOException e) {
        throw new WorktreeSetupException(
            "could not copy \""
                + path
                + "\" from the checkout into the worktree of cell "
                + cellId
                + ": "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * Reads a file of the checkout, refusing links anywhere on its path and files above the size
   * limit.
   */
  private byte[] readFromCheckout(Path source, String path) {
    Path current = source;
    String[] parts = path.split("/");
    try {
      for (int i = 0; i < parts.length; i++) {
        current = current.resolve(parts[i]);
        BasicFileAttributes attributes =
            Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        boolean last = i == parts.length - 1;
        if (attributes.isSymbolicLink()
            || (last ? !attributes.isRegularFile() : !attributes.isDirectory())) {
          throw new WorktreeSetupException(
              "copyFromCheckout refuses \""
                  + path
                  + "\": "
                  + current
                  + " is "
                  + (attributes.isSymbolicLink()
                      ? "a symbolic link"
                      : last ? "not a regular file" : "not a folder")
                  + " (only regular files reached through real folders are copied)",
              false,
              "");
        }
        if (last && attributes.size() > options.maxCopyBytes()) {
          throw new WorktreeSetupException(
              "copyFromCheckout refuses \""
                  + path
                  + "\": it has "
                  + attributes.size()
                  + " bytes, more than maxCopyBytes "
                  + options.maxCopyBytes(),
              false,
              "");
        }
      }
      try (InputStream in =
          Channels.newInputStream(
              Files.newByteChannel(
                  current, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))) {
        byte[] content = in.readNBytes((int) options.maxCopyBytes() + 1);
        if (content.length > options.maxCopyBytes()) {
          throw new WorktreeSetupException(
              "copyFromCheckout refuses \""
                  + path
                  + "\": it grew past maxCopyBytes "
                  + options.maxCopyBytes()
                  + " while it was read",
              false,
              "");
        }
        return content;
      }
    } catch (NoSuchFileException e) {
      throw new WorktreeSetupException(
          "copyFromCheckout names \"" + path + "\", which is not in the checkout " + source,
          false,
          "");
    } catch (IOException e) {
      throw new WorktreeSetupException(
          "could not read \"" + path + "\" in the checkout " + source + ": " + e, e);
    }
  }

  /**
   * Creates the folders between the worktree and {@code folder} that are missing, refusing links on
   * the way.
   */
  private static void createParents(Path worktree, Path folder) throws IOException {
    Path current = worktree;
    for (Path part : worktree.relativize(folder)) {
      if (part.toString().isEmpty()) {
        continue;
      }
      current = current.resolve(part);
      if (Files.isSymbolicLink(current)) {
        throw new IOException(current + " is a symbolic link");
      }
      if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(current);
      } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(current + " is not a folder");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Submodules

  private void updateSubmodules(CellId cellId, Path worktree, String base) {
    List<String> args = new ArrayList<>();
    if (hasLocalSubmoduleUrl(worktree, base)) {
      // Git refuses file:// and path URLs for submodules by default (CVE-2022-39253); allowed only
      // when named.
      args.addAll(List.of("-c", "protocol.file.allow=always"));
    }
    args.addAll(List.of("submodule", "update", "--init", "--recursive", "--force"));
    GitResult result = git.run(GitCommand.of(worktree, args.toArray(String[]::new)));
    if (!result.isSuccess()) {
      throw new WorktreeSetupException(
          "git submodule update --init --recursive failed in the worktree of cell "
              + cellId
              + " with exit code "
              + result.exitCode()
              + "; output:\n"
              + tail(result.stderrTail()),
          false,
          result.stderrTail());
    }
  }

  private boolean hasLocalSubmoduleUrl(Path worktree, String base) {
    GitResult urls =
        git.run(
            worktree,
            "config",
            "-z",
            "--blob",
            base + ":.gitmodules",
            "--get-regexp",
            "^submodule\\..*\\.url$");
    if (!urls.isSuccess()) {
      return false;
    }
    for (String entry : urls.stdout().split("\0")) {
      int newline = entry.indexOf('\n');
      if (newline < 0) {
        continue;
      }
      String url = entry.substring(newline + 1);
      if (url.startsWith("/")
          || url.startsWith("./")
          || url.startsWith("../")
          || url.startsWith("file:")
          || !url.contains(":")) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Stamp

  /**
   * The command's digest, then one line per input: its path and its object id at {@code base} (or
   * {@code -} when the base does not have it). Readable, so a log can say which input changed.
   */
  private String stamp(Path worktree, String base) {
    StringBuilder stamp = new StringBuilder(commandDigest);
    if (options.inputs().isEmpty()) {
      return stamp.toString();
    }
    List<String> args = new ArrayList<>(List.of("ls-tree", "-z", "--full-tree", base, "--"));
    args.addAll(options.inputs());
    GitResult listed = git.run(GitCommand.of(worktree, args.toArray(String[]::new)));
    if (!listed.isSuccess()) {
      throw new WorktreeSetupException(
          "could not read the set-up inputs "
              + options.inputs()
              + " at the base "
              + base
              + ": "
              + listed.stderrTail().strip(),
          false,
          "");
    }
    Map<String, String> ids = new LinkedHashMap<>();
    for (String entry : listed.stdout().split("\0")) {
      int tab = entry.indexOf('\t');
      if (tab < 0) {
        continue;
      }
      String[] fields = entry.substring(0, tab).split(" ");
      ids.put(entry.substring(tab + 1), fields[fields.length - 1]);
    }
    for (String input : options.inputs()) {
      stamp.append('\n').append(input).append('\t').append(ids.getOrDefault(input, "-"));
    }
    return stamp.toString();
  }

  /** Which inputs differ between two stamps, for the log. */
  private static String changedInputs(String before, String after) {
    List<String> old = List.of(before.split("\n"));
    List<String> changed = new ArrayList<>();
    String[] lines = after.split("\n");
    if (!old.isEmpty() && !old.get(0).equals(lines[0])) {
      changed.add("the set-up command");
    }
    for (int i = 1; i < lines.length; i++) {
      if (!old.contains(lines[i])) {
        changed.add(lines[i].substring(0, lines[i].indexOf('\t')));
      }
    }
    return changed.isEmpty() ? "the inputs" : String.join(", ", changed);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Command

  private ProcessResult runCommand(WorktreeSetup.Request request, Path worktree)
      throws InterruptedException {
    Path state = request.stateDirectory();
    Path logFile = state.resolve("logs").resolve("setup.log");
    SandboxPolicy.Builder policy =
        SandboxPolicy.forCell(worktree, state).toBuilder().network(options.network());
    options.writablePaths().forEach(policy::writable);
    ProcessEnvironment runEnvironment;
    try {
      Path home = Files.createDirectories(state.resolve("home"));
      Path tmp = Files.createDirectories(state.resolve("tmp"));
      runEnvironment =
          testEnvironment != null
              ? testEnvironment.applyTo(policy, System.getenv(), home, tmp)
              : environment.toBuilder()
                  .putIfAbsent("HOME", home.toString())
                  .putIfAbsent("TMPDIR", tmp.toString())
                  .build();
    } catch (IOException e) {
      throw new WorktreeSetupException(
          "could not prepare the state folder of cell "
              + request.cellId()
              + " for its set-up: "
              + e,
          e);
    }
    String program = options.command().get(0);
    requireProgram(program, runEnvironment, request.cellId(), worktree);
    ProcessSpec spec =
        ProcessSpec.newBuilder()
            .command(options.command())
            .workingDirectory(worktree)
            .environment(runEnvironment)
            .logFile(logFile)
            .logCapBytes(DEFAULT_LOG_CAP_BYTES)
            .tailBytes(DEFAULT_TAIL_BYTES)
            .timeout(options.timeout())
            .sandboxPolicy(policy.build())
            .description("set-up of " + request.cellId())
            .build();
    SupervisedProcess process;
    try {
      process = supervisor.start(spec);
    } catch (IOException e) {
      throw new WorktreeSetupException(
          "the set-up command '"
              + program
              + "' of cell "
              + request.cellId()
              + " could not be started: "
              + e.getMessage(),
          e);
    }
    ProcessResult result;
    try {
      result = process.waitFor();
    } catch (InterruptedException e) {
      process.stop();
      log.info("set-up of cell {} was interrupted and stopped", request.cellId());
      throw e;
    }
    requireSuccess(program, result);
    return result;
  }

  private void requireProgram(
      String program, ProcessEnvironment runEnvironment, CellId cellId, Path worktree) {
    String path = runEnvironment.get("PATH").orElse(null);
    if (Executables.resolve(program, path, worktree).isPresent()) {
      return;
    }
    String where =
        program.startsWith("/")
            ? "at that path"
            : program.indexOf('/') >= 0
                ? "in the worktree of cell " + cellId
                : path == null || path.isEmpty()
                    ? "in the system folders (the set-up has no PATH)"
                    : "on the set-up's PATH ("
                        + path.split(":", -1).length
                        + " folder(s) searched on the host)";
    throw new WorktreeSetupException(
        "the set-up command could not run: program '"
            + program
            + "' was not found or "
            + "is not executable "
            + where
            + (sandboxed()
                ? ", so not inside the cell's sandbox (" + supervisor.sandbox().name() + ") either"
                : ""),
        true,
        "");
  }

  private void requireSuccess(String program, ProcessResult result) {
    String inside =
        sandboxed() ? " inside the cell's sandbox (" + supervisor.sandbox().name() + ")" : "";
    String output = result.outputTail();
    if (result.timedOut()) {
      throw new WorktreeSetupException(
          "the set-up command '"
              + program
              + "' ran past its limit of "
              + options.timeout()
              + " and was killed; output:\n"
              + tail(output),
          false,
          output);
    }
    if (result.stopRequested()) {
      throw new WorktreeSetupException(
          "the set-up command '"
              + program
              + "' was stopped by the library before it "
              + "ended; output:\n"
              + tail(output),
          false,
          output);
    }
    String sandboxError = sandboxLauncherError(result);
    if (sandboxError != null) {
      throw new WorktreeSetupException(
          "the set-up command could not run: program '"
              + program
              + "' could not be "
              + (sandboxError.startsWith(BWRAP_EXEC_PREFIX)
                  ? "executed" + inside + ": " + sandboxError.substring(BWRAP_EXEC_PREFIX.length())
                  : "started" + inside + ": " + sandboxError),
          true,
          output);
    }
    if (result.exitCode() == EXIT_NOT_FOUND || result.exitCode() == EXIT_NOT_EXECUTABLE) {
      throw new WorktreeSetupException(
          "the set-up command could not run: '"
              + program
              + "' exited with code "
              + result.exitCode()
              + inside
              + ", which means a program it runs was "
              + (result.exitCode() == EXIT_NOT_FOUND
                  ? "not found"
                  : "found but could not be executed")
              + "; output:\n"
              + tail(output),
          true,
          output);
    }
    if (result.exitCode() != 0) {
      throw new WorktreeSetupException(
          "the set-up command '"
              + program
              + "' exited with code "
              + result.exitCode()
              + inside
              + "; output:\n"
              + tail(output),
          false,
          output);
    }
  }

  /**
   * The one line bubblewrap printed when it failed to run the command, or null when the command
   * ran.
   */
  private @Nullable String sandboxLauncherError(ProcessResult result) {
    if (!supervisor.sandbox().name().equals("bubblewrap")
        || result.exitCode() != 1
        || result.outputTailTruncated()) {
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

  private static String tail(String output) {
    return output.length() <= MESSAGE_TAIL_CHARS
        ? output
        : "..." + output.substring(output.length() - MESSAGE_TAIL_CHARS);
  }

  private static Duration since(long beginNanos) {
    return Duration.ofNanos(System.nanoTime() - beginNanos);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "CommandWorktreeSetup{program="
        + (options.command().isEmpty() ? "none" : options.command().get(0))
        + ", inputs="
        + options.inputs()
        + ", copyFromCheckout="
        + options.copyFromCheckout()
        + ", submodules="
        + options.submodules()
        + ", network="
        + options.network()
        + ", sandbox="
        + supervisor.sandbox().name()
        + "}";
  }

  /** Builds a {@link CommandWorktreeSetup}. Not thread-safe. */
  public static final class Builder {
    private final ProcessSupervisor supervisor;
    private WorktreeSetupOptions options = WorktreeSetupOptions.getDefaultInstance();
    private @Nullable Path checkout;
    private @Nullable ProcessEnvironment environment;
    private @Nullable TestEnvironment testEnvironment;
    private @Nullable GitRunner git;

    private Builder(ProcessSupervisor supervisor) {
      this.supervisor = supervisor;
    }

    /**
     * Sets what to set up; {@link WorktreeSetupOptions#getDefaultInstance()} (nothing) by default.
     *
     * @param options what to set up
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     */
    public Builder options(WorktreeSetupOptions options) {
      this.options = Objects.requireNonNull(options, "options cannot be null");
      return this;
    }

    /**
     * Sets the top folder of the user's checkout, where {@link
     * WorktreeSetupOptions#copyFromCheckout()} reads from. Required when files are to be copied.
     *
     * @param checkout the checkout's absolute top folder
     * @return this builder
     * @throws NullPointerException if {@code checkout} is null
     * @throws IllegalArgumentException if {@code checkout} is not absolute
     */
    public Builder checkout(Path checkout) {
      Objects.requireNonNull(checkout, "checkout cannot be null");
      if (!checkout.isAbsolute()) {
        throw new IllegalArgumentException("checkout must be absolute but was " + checkout);
      }
      this.checkout = checkout.normalize();
      return this;
    }

    /**
     * Sets the set-up command's environment; default {@link ProcessEnvironment#defaults()}. {@code
     * HOME} and {@code TMPDIR} point into the cell's state folder unless set here.
     *
     * @param environment the command's environment
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder environment(ProcessEnvironment environment) {
      this.environment = Objects.requireNonNull(environment, "environment cannot be null");
      return this;
    }

    /**
     * Gives the set-up command the tests' world: the variables, writable caches (a shared {@code
     * ~/.npm} makes a cold {@code npm ci} download nothing it has seen) and read-only home files
     * (an {@code ~/.npmrc} naming a private registry) of {@code environment}, applied as for the
     * tests. Instead of {@link #environment}.
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
     * Sets the runner of the library's own git commands; by default a hermetic runner whose time
     * limit is the set-up's.
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
     * Builds the set-up.
     *
     * @return the set-up
     * @throws IllegalStateException if files are to be copied and no checkout was set
     */
    public CommandWorktreeSetup build() {
      if (environment != null && testEnvironment != null) {
        throw new IllegalStateException(
            "set either environment(ProcessEnvironment) or "
                + "testEnvironment(TestEnvironment), not both");
      }
      if (!options.copyFromCheckout().isEmpty() && checkout == null) {
        throw new IllegalStateException(
            "checkout(path) must be set to copy " + options.copyFromCheckout() + " from it");
      }
      return new CommandWorktreeSetup(this, options);
    }
  }
}
