package io.openswarm.infra.sandbox;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.internal.Executables;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which {@link CellSandbox} a worker gets: checks once whether bubblewrap is installed and
 * actually works here, by running {@code true} under the full sandbox profile, and resolves a
 * {@link CellSandbox.Mode}.
 *
 * <p>Presence is not enough: {@code bwrap} can be installed where user namespaces are disabled, or
 * inside a container that forbids them, and then fails at every start. The trial catches that once,
 * up front.
 *
 * <ul>
 *   <li>{@link CellSandbox.Mode#AUTO}: bubblewrap if it works, otherwise {@link CellSandbox#none()}
 *       and an ERROR line (once per detector) saying that cells are not isolated and how to fix it;
 *   <li>{@link CellSandbox.Mode#BUBBLEWRAP}: bubblewrap, or an {@link IllegalStateException}
 *       explaining why not;
 *   <li>{@link CellSandbox.Mode#NONE}: {@link CellSandbox#none()}, silently.
 * </ul>
 *
 * <p>Thread-safe; the check runs at most once per detector, on first use.
 */
public final class SandboxDetector {

  private static final Logger log = LoggerFactory.getLogger(SandboxDetector.class);

  private static final long TRIAL_TIMEOUT_SECONDS = 10;
  private static final int MAX_DIAGNOSTIC_BYTES = 2048;
  private static final String HOW_TO_FIX =
      "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) and, when not "
          + "running as root, allow unprivileged user namespaces";

  private static final SandboxDetector SYSTEM = new SandboxDetector(null);

  private final @Nullable Path configuredExecutable;
  private final AtomicReference<@Nullable CompletableFuture<Detection>> detection =
      new AtomicReference<>();

  private SandboxDetector(@Nullable Path configuredExecutable) {
    this.configuredExecutable = configuredExecutable;
  }

  /**
   * The detector for {@code bwrap} on the worker's PATH (or the usual system directories), shared
   * by the JVM.
   *
   * @return the shared detector
   */
  public static SandboxDetector system() {
    return SYSTEM;
  }

  /**
   * A detector for a {@code bwrap} binary at a known location.
   *
   * @param executable the {@code bwrap} binary
   * @return a new detector
   * @throws NullPointerException if {@code executable} is null
   */
  public static SandboxDetector forExecutable(Path executable) {
    return new SandboxDetector(Objects.requireNonNull(executable, "executable cannot be null"));
  }

  /**
   * The working bubblewrap sandbox, or empty if bubblewrap is missing or does not work here.
   *
   * @return the sandbox, or empty
   */
  public Optional<BubblewrapSandbox> bubblewrap() {
    return Optional.ofNullable(detect().sandbox);
  }

  /**
   * Why bubblewrap cannot be used here, or empty if it works.
   *
   * @return the problem, or empty when bubblewrap works
   */
  public Optional<String> bubblewrapProblem() {
    return Optional.ofNullable(detect().problem);
  }

  /**
   * Resolves {@code mode} to a sandbox.
   *
   * @param mode the mode
   * @return the sandbox
   * @throws NullPointerException if {@code mode} is null
   * @throws IllegalStateException if {@code mode} is {@link CellSandbox.Mode#BUBBLEWRAP} and
   *     bubblewrap does not work
   */
  public CellSandbox select(CellSandbox.Mode mode) {
    Objects.requireNonNull(mode, "mode cannot be null");
    switch (mode) {
      case NONE:
        return CellSandbox.none();
      case BUBBLEWRAP:
        {
          Detection result = detect();
          if (result.sandbox == null) {
            throw new IllegalStateException(
                "sandbox mode BUBBLEWRAP was requested but "
                    + result.problem
                    + "; "
                    + HOW_TO_FIX
                    + ", or choose sandbox mode AUTO or NONE");
          }
          return result.sandbox;
        }
      default:
        {
          Detection result = detect();
          if (result.sandbox != null) {
            return result.sandbox;
          }
          // An ERROR each time: AUTO that fails open is a security downgrade, not a detail of
          // start-up.
          log.error(
              "cells are NOT isolated: sandbox mode AUTO fell back to none because {}; every agent and test "
                  + "command can read and write everything this worker can and reach its network. To fix it, {}; to make "
                  + "this an error, choose sandbox mode BUBBLEWRAP; to run unsandboxed on purpose, choose NONE",
              result.problem,
              HOW_TO_FIX);
          return CellSandbox.none();
        }
    }
  }

  /**
   * Runs the check once; concurrent first callers wait for the one running it (no lock held over
   * the I/O).
   */
  private Detection detect() {
    CompletableFuture<Detection> mine = new CompletableFuture<>();
    CompletableFuture<Detection> existing = detection.compareAndExchange(null, mine);
    if (existing != null) {
      return existing.join();
    }
    Detection result;
    try {
      result = runDetection();
    } catch (RuntimeException e) {
      result = Detection.failed("checking bubblewrap failed: " + e);
    }
    if (result.sandbox != null) {
      log.info("sandbox available: {}", result.sandbox.description());
    }
    mine.complete(result);
    return result;
  }

  private Detection runDetection() {
    Optional<Path> executable =
        configuredExecutable != null
            ? Optional.of(configuredExecutable).filter(Files::isExecutable)
            : Executables.resolveSystemTool("bwrap");
    if (executable.isEmpty()) {
      return Detection.failed(
          configuredExecutable != null
              ? "bubblewrap was not found at " + configuredExecutable
              : "bubblewrap (bwrap) was not found on PATH or in " + Executables.SYSTEM_PATH);
    }
    Path bwrap = executable.get();
    Optional<Path> trueProgram = Executables.resolveSystemTool("true");
    if (trueProgram.isEmpty()) {
      return Detection.failed(
          "the trial program 'true' was not found, so bubblewrap could not be checked");
    }
    Path trialDir = null;
    try {
      trialDir = Files.createTempDirectory("openswarm-bwrap-check");
      Path output = trialDir.resolve("output");
      Trial version = run(List.of(bwrap.toString(), "--version"), Map.of(), output);
      if (version.exitCode != 0) {
        return Detection.failed(
            bwrap + " --version failed with exit code " + version.exitCode + ": " + version.output);
      }
      String versionText = version.output.trim().replaceFirst("^bubblewrap\\s+", "");
      BubblewrapSandbox candidate =
          new BubblewrapSandbox(bwrap, versionText.isEmpty() ? "unknown" : versionText);
      Path cell = Files.createDirectory(trialDir.resolve("cell"));
      CellSandbox.Command trial =
          candidate.wrap(
              new CellSandbox.Request(
                  List.of(trueProgram.get().toString()),
                  cell,
                  Map.of("PATH", Executables.SYSTEM_PATH),
                  SandboxPolicy.newBuilder().writable(cell).build()));
      Trial result = run(trial.command(), trial.environment(), output);
      if (result.exitCode != 0) {
        return Detection.failed(
            bwrap
                + " is installed but cannot create a sandbox here (exit code "
                + result.exitCode
                + ": "
                + result.output.trim()
                + ")");
      }
      return new Detection(candidate, null);
    } catch (IOException e) {
      return Detection.failed("running " + bwrap + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Detection.failed("the bubblewrap check was interrupted");
    } finally {
      deleteQuietly(trialDir);
    }
  }

  /**
   * Runs a short command; output goes to a file so a hung command cannot block the read past the
   * timeout.
   */
  private static Trial run(List<String> command, Map<String, String> environment, Path outputFile)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(outputFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(environment);
    Process process = builder.start();
    try {
      if (!process.waitFor(TRIAL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("no answer within " + TRIAL_TIMEOUT_SECONDS + " s");
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(outputFile)) {
      head = in.readNBytes(MAX_DIAGNOSTIC_BYTES);
    }
    return new Trial(process.exitValue(), new String(head, StandardCharsets.UTF_8));
  }

  private static void deleteQuietly(@Nullable Path dir) {
    if (dir == null) {
      return;
    }
    try {
      TreeDeleter.deleteRecursively(dir);
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }

  @Override
  public String toString() {
    CompletableFuture<Detection> check = detection.get();
    Detection result = check == null ? null : check.getNow(null);
    return "SandboxDetector{"
        + (configuredExecutable != null ? configuredExecutable : "bwrap on PATH")
        + ", "
        + (result == null ? "not checked yet" : result.sandbox != null ? "works" : result.problem)
        + "}";
  }

  private static final class Trial {
    final int exitCode;
    final String output;

    Trial(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  private static final class Detection {
    final @Nullable BubblewrapSandbox sandbox;
    final @Nullable String problem;

    Detection(@Nullable BubblewrapSandbox sandbox, @Nullable String problem) {
      this.sandbox = sandbox;
      this.problem = problem;
    }

    static Detection failed(String problem) {
      return new Detection(null, problem);
    }
  }
}
