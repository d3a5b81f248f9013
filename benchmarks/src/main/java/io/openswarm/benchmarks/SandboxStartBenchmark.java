package io.openswarm.benchmarks;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What bubblewrap adds to every process a cell starts: the time to start {@code /bin/true} and
 * collect its result, side by side in one run.
 *
 * <ul>
 *   <li>{@code direct}: a bare {@link ProcessBuilder} start and wait, the floor the JVM imposes;
 *   <li>{@code none}: through the {@link ProcessSupervisor} without a sandbox (setsid, explicit
 *       environment, log file, pooled drain and exit watcher, {@code /proc} scan for leftovers of
 *       the tree at exit);
 *   <li>{@code bubblewrap}: the same under the cell profile of the bubblewrap sandbox;
 *   <li>{@code bubblewrap-limits}: the same with the default {@link CellLimits}: cgroups created,
 *       entered through a small {@code sh}, emptied and removed for every start, and a sized {@code
 *       /tmp};
 *   <li>{@code bubblewrap-network}: the cell profile with a private network that exposes one port
 *       and allows one loopback endpoint, as an isolated agent server gets it: the worker's relay
 *       sockets and listener opened, two {@code socat} relays and four waiting connections started
 *       inside, and all closed again at the end.
 * </ul>
 *
 * Without a sandbox the supervisor puts a small Perl subreaper in front of the command when it has
 * no cgroup, so {@code none} includes a {@code perl} start. The sandbox's extra cost per start is
 * {@code bubblewrap - none}; the target is at most 10 ms.
 *
 * <p>Results: {@code docs/benchmarks.md}.
 *
 * <pre>{@code
 * mvn -B -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar SandboxStartBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class SandboxStartBenchmark {

  @Param({"direct", "none", "bubblewrap", "bubblewrap-limits", "bubblewrap-network"})
  String sandbox;

  private Path root;
  private Path trueProgram;
  private ProcessSupervisor supervisor;
  private ProcessSpec spec;

  /** Creates a cell's worktree and state folder and a supervisor with the sandbox under test. */
  @Setup
  public void setUp() throws IOException {
    root = Files.createTempDirectory("sandbox-start-benchmark");
    Path worktree = Files.createDirectories(root.resolve("pool/cell-1"));
    Path state = Files.createDirectories(root.resolve("state/cell-1"));
    trueProgram =
        Stream.of(Path.of("/bin/true"), Path.of("/usr/bin/true"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow();
    CellSandbox cellSandbox =
        sandbox.startsWith("bubblewrap")
            ? SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP)
            : CellSandbox.none();
    ProcessSupervisor.Builder builder = ProcessSupervisor.newBuilder().sandbox(cellSandbox);
    if (sandbox.equals("bubblewrap-limits")) {
      builder.limits(CellLimits.getDefaultInstance());
    }
    supervisor = builder.build();
    SandboxPolicy.Builder policy = SandboxPolicy.forCell(worktree, state).toBuilder();
    if (sandbox.equals("bubblewrap-network")) {
      policy
          .network(NetworkAccess.NONE)
          .exposePort(freePort())
          .allowEndpoint(SandboxPolicy.Endpoint.parse("127.0.0.1:" + freePort()));
    }
    spec =
        ProcessSpec.newBuilder()
            .command(trueProgram.toString())
            .workingDirectory(worktree)
            .logFile(state.resolve("logs/true.log"))
            .sandboxPolicy(policy.build())
            .build();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Closes the supervisor and deletes the cell's folders. */
  @TearDown
  public void tearDown() throws IOException {
    supervisor.close();
    TreeDeleter.deleteRecursively(root);
  }

  /** Starts {@code true}, waits for its result and returns its exit code. */
  @Benchmark
  public int startTrue() throws Exception {
    if (sandbox.equals("direct")) {
      Process process =
          new ProcessBuilder(trueProgram.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      return process.waitFor();
    }
    int exitCode = supervisor.start(spec).waitFor().exitCode();
    if (exitCode != 0) {
      throw new IllegalStateException(
          spec.command() + " exited with " + exitCode + " under " + sandbox);
    }
    return exitCode;
  }
}
