package io.openswarm.testkit.fault;

import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.OrphanReaper;
import io.openswarm.infra.process.ProcessSupervisor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JVM a test starts, reads the standard output of line by line, and kills or stops. Its log goes
 * to a file.
 */
final class ChildJvm implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private volatile Path reapOnClose;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // The child is gone.
              }
            },
            "child-jvm-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code main} with {@code args} on this JVM's class path; its standard error goes to
   * {@code log}. {@code secret} is the first line of its standard input: unlike its command line
   * and its environment, a pipe is readable by no other process.
   */
  static ChildJvm start(Path log, String secret, Class<?> main, String... args) {
    try {
      Process process =
          new ProcessBuilder(CrashWorkers.javaCommand(main, args))
              .redirectError(log.toFile())
              .start();
      try (var stdin = process.getOutputStream()) {
        stdin.write((secret + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return new ChildJvm(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * At {@link #close()}, after the child is gone, kills whatever processes it recorded in the lease
   * journal of {@code stateDirectory} and left running (a test that fails before a new worker reaps
   * them must not leak them).
   */
  ChildJvm reapOnClose(Path stateDirectory) {
    this.reapOnClose = stateDirectory;
    return this;
  }

  long pid() {
    return process.pid();
  }

  /** The lines that match, waiting until there are {@code count} of them. */
  List<String> await(Predicate<String> matching, int count, Duration timeout) {
    org.awaitility.Awaitility.await()
        .atMost(timeout)
        .failFast("the child JVM exited; its log:\n" + logTail(), () -> !process.isAlive())
        .until(() -> lines.stream().filter(matching).count() >= count);
    return lines.stream().filter(matching).toList();
  }

  /** Kills the JVM with SIGKILL and waits until it is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends SIGTERM, as a service manager would, and waits up to {@code timeout} for the JVM to exit.
   */
  boolean terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Everything the child logged so far. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  String logTail() {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
    Path state = reapOnClose;
    if (state != null && Files.isDirectory(state.resolve("journal"))) {
      try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().build()) {
        new OrphanReaper(LeaseJournal.open(state.resolve("journal")))
            .reap(supervisor, Duration.ofSeconds(1));
      }
    }
  }
}
