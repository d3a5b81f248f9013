package io.openswarm.testkit;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.jspecify.annotations.Nullable;

/**
 * A JUnit 5 extension that runs a swarm for a test class: a temporary git repository, an embedded {@link
 * SwarmWorker} on it (with its own embedded Temporal server), and a leak check after every test.
 *
 * <pre>{@code
 * class MyAgentTest {
 *   @RegisterExtension
 *   static final SwarmExtension swarm = SwarmExtension.newBuilder()
 *       .repository(repo -> repo.write("test.sh", "#!/bin/sh\ntest -f done.txt\n").executable("test.sh"))
 *       .testCommand("sh", "test.sh")
 *       .agent(ScriptedAgent.writing(FileEdit.write("done.txt", "yes")))
 *       .build();
 *
 *   @Test
 *   void commits(SwarmClient client, TemporaryRepository repo) {
 *     CellOutcome outcome = client.runTcr(TaskSpec.of("t1", "finish it", "main"));
 *     assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
 *   }
 * }
 * }</pre>
 *
 * <p>Test methods (and lifecycle methods) can declare parameters of type {@link SwarmWorker}, {@link SwarmClient}
 * and {@link TemporaryRepository}. Registered as a static field, one swarm serves the whole class (starting one takes
 * about two seconds); as an instance field, each test gets its own. After each test the extension asserts that no
 * cell, port, worktree or child process was left behind ({@link LeakCheck}); a leak fails that test.
 *
 * <p>Not thread-safe: meant for JUnit's default sequential execution.
 */
public final class SwarmExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private final Consumer<TemporaryRepository> shapeRepository;
  private final List<String> testCommand;
  private final AgentRuntime agent;
  private final Consumer<SwarmWorker.Builder> configure;
  private final boolean leakCheck;

  private @Nullable Path home;
  private @Nullable TemporaryRepository repository;
  private @Nullable SwarmWorker worker;
  private boolean perClass;

  private SwarmExtension(Builder builder) {
    this.shapeRepository = builder.shapeRepository;
    this.testCommand = builder.testCommand;
    this.agent = builder.agent;
    this.configure = builder.configure;
    this.leakCheck = builder.leakCheck;
  }

  /** Returns a builder: by default an empty repository, the test command {@code true} and a scripted agent. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The running worker. */
  public SwarmWorker worker() {
    return Objects.requireNonNull(worker, "the swarm is not running (use it from a test or lifecycle method)");
  }

  /** The worker's client. */
  public SwarmClient client() {
    return worker().client();
  }

  /** The repository the swarm works on. */
  public TemporaryRepository repository() {
    return Objects.requireNonNull(repository, "the swarm is not running (use it from a test or lifecycle method)");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (leakCheck && worker != null) {
        LeakCheck.of(worker).repository(repository()).assertClean();
      }
    } finally {
      if (!perClass) {
        stop();
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SwarmWorker.class || type == SwarmClient.class || type == TemporaryRepository.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (worker == null) {
      throw new ParameterResolutionException("the swarm is not running yet; register SwarmExtension as a static "
          + "field to use it in @BeforeAll methods");
    }
    if (type == SwarmWorker.class) {
      return worker();
    }
    if (type == SwarmClient.class) {
      return client();
    }
    return repository();
  }

  private void start() {
    try {
      home = Files.createTempDirectory("openswarm-test-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the swarm", e);
    }
    TemporaryRepository repo = TemporaryRepository.create(home.resolve("repo"));
    shapeRepository.accept(repo);
    if (!repo.git("status", "--porcelain").isBlank()) {
      repo.commit("the test project");
    }
    repository = repo;
    SwarmWorker.Builder builder = SwarmWorker.builder()
        .repository(repo.path())
        .stateDirectory(home.resolve("state"))
        .testCommand(testCommand)
        .agent(agent)
        .hostId("test-host")
        .ports(23000, 23200);
    configure.accept(builder);
    worker = builder.start();
  }

  private void stop() {
    try {
      if (worker != null) {
        worker.close();
      }
    } finally {
      worker = null;
      repository = null;
      if (home != null) {
        deleteRecursively(home);
        home = null;
      }
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the swarm's temporary directory " + root, e);
    }
  }

  /** Configures a {@link SwarmExtension}. Not thread-safe. */
  public static final class Builder {
    private Consumer<TemporaryRepository> shapeRepository = repo -> { };
    private List<String> testCommand = List.of("true");
    private AgentRuntime agent = ScriptedAgent.builder().build();
    private Consumer<SwarmWorker.Builder> configure = worker -> { };
    private boolean leakCheck = true;

    private Builder() {}

    /** Shapes the repository before the worker starts (write files; uncommitted changes are committed for you). */
    public Builder repository(Consumer<TemporaryRepository> shape) {
      this.shapeRepository = Objects.requireNonNull(shape, "shape cannot be null");
      return this;
    }

    /** The test command of every cell; {@code true} by default. */
    public Builder testCommand(String... command) {
      Objects.requireNonNull(command, "command cannot be null");
      if (command.length == 0) {
        throw new IllegalArgumentException("testCommand must name a program but was empty");
      }
      this.testCommand = List.of(command);
      return this;
    }

    /** The agent of every cell; a scripted agent that edits nothing by default. */
    public Builder agent(AgentRuntime runtime) {
      this.agent = Objects.requireNonNull(runtime, "agent cannot be null");
      return this;
    }

    /** Any other worker option, applied last (timeouts, concurrency, sandbox...). */
    public Builder configure(Consumer<SwarmWorker.Builder> options) {
      this.configure = Objects.requireNonNull(options, "configure cannot be null");
      return this;
    }

    /** Turns the leak check after each test off (for tests that keep cells running on purpose). */
    public Builder withoutLeakCheck() {
      this.leakCheck = false;
      return this;
    }

    /** Builds the extension. */
    public SwarmExtension build() {
      return new SwarmExtension(this);
    }
  }
}
