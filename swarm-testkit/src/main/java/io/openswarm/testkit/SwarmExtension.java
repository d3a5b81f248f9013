package io.openswarm.testkit;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.AgentFactory;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that runs a swarm for a test class: a temporary git repository, an embedded
 * {@link SwarmWorker} on it (with its own embedded Temporal server and a port range of its own),
 * and a leak check after every test.
 *
 * <pre>{@code
 * class MyAgentTest {
 *   @RegisterExtension
 *   static final SwarmExtension swarm = SwarmExtension.newBuilder()
 *       .repository(repo -> repo.write("test.sh", "#!/bin/sh\ntest -f done.txt\n").executable("test.sh"))
 *       .testCommand("sh", "test.sh")
 *       .agent(ScriptedAgent.writing(ScriptedAgent.FileEdit.write("done.txt", "yes")))
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
 * <p>Test methods (and lifecycle methods) can declare parameters of type {@link SwarmWorker},
 * {@link SwarmClient} and {@link TemporaryRepository}. Registered as a static field, one swarm
 * serves the whole class and its {@code @Nested} classes (starting one takes about two seconds); as
 * an instance field, each test gets its own. After each test the extension asserts that no cell,
 * port, worktree or child process was left behind ({@link LeakCheck}); a leak fails that test.
 *
 * <p>The running swarm lives in JUnit's {@link ExtensionContext.Store} of the class (or test) that
 * started it, so a {@code @Nested} class reuses its enclosing class's swarm instead of starting a
 * second one, and the swarm is closed, its folder deleted, when that class is done, whatever failed
 * before. Each swarm takes a block of {@value #PORTS_PER_SWARM} ports that no other swarm of this
 * JVM uses, chosen at random in {@value #FIRST_PORT}..{@value #LAST_PORT} (below Linux's ephemeral
 * ports) so that test JVMs running side by side rarely meet; the worker's port manager skips any
 * port another process holds. The block cannot be replaced: a {@link Builder#configure configure}
 * that sets {@code ports(...)} again fails the worker's start, like any option set twice.
 *
 * <p>Thread-safe: test classes may run in parallel, each with its own extension instance and swarm.
 * JUnit is an optional dependency of the testkit; this class needs JUnit Jupiter 5.10 or later on
 * the class path.
 */
public final class SwarmExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  /** The size of each swarm's port block. */
  public static final int PORTS_PER_SWARM = 40;

  /** The lowest port a swarm's block may start at. */
  public static final int FIRST_PORT = 20_000;

  /** The highest port a swarm's block may end at. */
  public static final int LAST_PORT = 32_759;

  /** The host id of a swarm whose {@linkplain Builder#connection connection} was not given. */
  public static final String DEFAULT_HOST_ID = "test-host";

  private static final Set<Integer> BLOCKS_IN_USE = ConcurrentHashMap.newKeySet();

  private final Consumer<TemporaryRepository> shapeRepository;
  private final TestOptions tests;
  private final AgentFactory agent;
  private final ConnectionOptions connection;
  private final @Nullable Consumer<WorktreePoolOptions.Builder> worktrees;
  private final Consumer<SwarmWorkerBuilder> configure;
  private final boolean leakCheck;
  private final ExtensionContext.Namespace namespace;

  /**
   * The swarm the most recent test or class of this extension runs on; a convenience for the
   * accessors.
   */
  private volatile @Nullable RunningSwarm current;

  private SwarmExtension(Builder builder) {
    this.shapeRepository = builder.shapeRepository;
    this.tests = builder.tests;
    this.agent = builder.agent;
    this.connection = builder.connection;
    this.worktrees = builder.worktrees;
    this.configure = builder.configure;
    this.leakCheck = builder.leakCheck;
    this.namespace = ExtensionContext.Namespace.create(SwarmExtension.class, this);
  }

  /**
   * Returns a builder: by default an empty repository, the test command {@code true} and a scripted
   * agent.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * The running worker.
   *
   * @return the worker
   * @throws IllegalStateException outside a test or lifecycle method of a class that uses this
   *     extension
   */
  public SwarmWorker worker() {
    return running().worker;
  }

  /**
   * The worker's client.
   *
   * @return the client
   * @throws IllegalStateException outside a test or lifecycle method of a class that uses this
   *     extension
   */
  public SwarmClient client() {
    return running().worker.client();
  }

  /**
   * The repository the swarm works on.
   *
   * @return the repository
   * @throws IllegalStateException outside a test or lifecycle method of a class that uses this
   *     extension
   */
  public TemporaryRepository repository() {
    return running().repository;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // A @Nested class finds its enclosing class's swarm (Store.get looks in the enclosing contexts
    // too).
    RunningSwarm swarm = find(context);
    if (swarm == null) {
      swarm = start();
      context.getStore(namespace).put(RunningSwarm.class, swarm);
    }
    current = swarm;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // Only the class that started the swarm holds it in its own store; remove() does not look
    // further out.
    RunningSwarm swarm = context.getStore(namespace).remove(RunningSwarm.class, RunningSwarm.class);
    if (swarm != null) {
      if (current == swarm) {
        current = null;
      }
      swarm.close();
    } else {
      current = find(context);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    RunningSwarm swarm = find(context);
    if (swarm == null) {
      swarm = start();
      context.getStore(namespace).put(RunningSwarm.class, swarm);
    }
    current = swarm;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    RunningSwarm own = context.getStore(namespace).remove(RunningSwarm.class, RunningSwarm.class);
    try {
      RunningSwarm swarm = own != null ? own : find(context);
      if (leakCheck && swarm != null) {
        LeakCheck.of(swarm.worker).repository(swarm.repository).assertClean();
      }
    } finally {
      if (own != null) {
        if (current == own) {
          current = null;
        }
        own.close();
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SwarmWorker.class
        || type == SwarmClient.class
        || type == TemporaryRepository.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    RunningSwarm swarm = find(context);
    if (swarm == null) {
      throw new ParameterResolutionException(
          "the swarm is not running yet; register SwarmExtension as a static "
              + "field to use it in @BeforeAll methods");
    }
    if (type == SwarmWorker.class) {
      return swarm.worker;
    }
    if (type == SwarmClient.class) {
      return swarm.worker.client();
    }
    return swarm.repository;
  }

  private @Nullable RunningSwarm find(ExtensionContext context) {
    return context.getStore(namespace).get(RunningSwarm.class, RunningSwarm.class);
  }

  private RunningSwarm running() {
    RunningSwarm swarm = current;
    if (swarm == null) {
      throw new IllegalStateException(
          "the swarm is not running (use it from a test or lifecycle method of a class "
              + "that registers this SwarmExtension)");
    }
    return swarm;
  }

  private RunningSwarm start() {
    Path home;
    try {
      home = Files.createTempDirectory("openswarm-test-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the swarm", e);
    }
    int block = claimPortBlock();
    SwarmWorker worker = null;
    try {
      TemporaryRepository repo = TemporaryRepository.create(home.resolve("repo"));
      shapeRepository.accept(repo);
      if (!repo.git("status", "--porcelain").isBlank()) {
        repo.commit("the test project");
      }
      Path state = home.resolve("state");
      SwarmWorkerBuilder builder =
          SwarmWorker.newBuilder()
              .repository(repo.path())
              .stateDirectory(state)
              .tests(tests)
              .connection(connection)
              .agent(agent)
              .ports(new PortRange(block, block + PORTS_PER_SWARM - 1));
      if (worktrees != null) {
        WorktreePoolOptions.Builder pool =
            WorktreePoolOptions.newBuilder()
                .repository(repo.path())
                .root(state.resolve("worktrees"));
        worktrees.accept(pool);
        builder.worktrees(pool.build());
      }
      configure.accept(builder);
      worker = builder.start();
      return new RunningSwarm(home, repo, worker, block);
    } catch (RuntimeException | Error e) {
      BLOCKS_IN_USE.remove(block);
      deleteRecursively(home, e);
      throw e;
    }
  }

  /**
   * Claims a port block no other swarm of this JVM holds, starting the search at a random block.
   */
  private static int claimPortBlock() {
    int blocks = (LAST_PORT - FIRST_PORT + 1) / PORTS_PER_SWARM;
    int first = ThreadLocalRandom.current().nextInt(blocks);
    for (int i = 0; i < blocks; i++) {
      int start = FIRST_PORT + ((first + i) % blocks) * PORTS_PER_SWARM;
      if (BLOCKS_IN_USE.add(start)) {
        return start;
      }
    }
    throw new IllegalStateException(
        "all "
            + blocks
            + " port blocks of "
            + PORTS_PER_SWARM
            + " ports in "
            + FIRST_PORT
            + ".."
            + LAST_PORT
            + " are held by running swarms of this JVM");
  }

  /**
   * Deletes the swarm's folder with the library's own {@link TreeDeleter}: a scripted cell may have
   * left in the repository what a path-based walk cannot delete (a tree deeper than {@code
   * PATH_MAX}, a read-only folder) or must not follow (a link out of the folder).
   */
  private static void deleteRecursively(Path root, @Nullable Throwable failure) {
    try {
      TreeDeleter.deleteRecursively(root);
    } catch (IOException e) {
      UncheckedIOException problem =
          new UncheckedIOException("cannot delete the swarm's temporary directory " + root, e);
      if (failure == null) {
        throw problem;
      }
      failure.addSuppressed(problem);
    }
  }

  /**
   * One started swarm: closed (worker, folder, port block) exactly once, by the context that
   * started it.
   */
  private static final class RunningSwarm implements AutoCloseable {
    private final Path home;
    private final TemporaryRepository repository;
    private final SwarmWorker worker;
    private final int portBlock;
    private final AtomicBoolean closed = new AtomicBoolean();

    RunningSwarm(Path home, TemporaryRepository repository, SwarmWorker worker, int portBlock) {
      this.home = home;
      this.repository = repository;
      this.worker = worker;
      this.portBlock = portBlock;
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      try {
        worker.close();
      } finally {
        BLOCKS_IN_USE.remove(portBlock);
        deleteRecursively(home, null);
      }
    }
  }

  /** Configures a {@link SwarmExtension}. Not thread-safe. */
  public static final class Builder {
    private Consumer<TemporaryRepository> shapeRepository = repo -> {};
    private TestOptions tests = TestOptions.newBuilder().command(List.of("true")).build();
    private @Nullable String testsSetter;
    private AgentFactory agent = withoutSupervisor(ScriptedAgent.newBuilder().build());
    private ConnectionOptions connection =
        ConnectionOptions.newBuilder().hostId(DEFAULT_HOST_ID).build();
    private @Nullable Consumer<WorktreePoolOptions.Builder> worktrees;
    private Consumer<SwarmWorkerBuilder> configure = worker -> {};
    private boolean leakCheck = true;

    private Builder() {}

    /**
     * Shapes the repository before the worker starts (write files; uncommitted changes are
     * committed for you).
     *
     * @param shape writes the repository's files
     * @return this builder
     */
    public Builder repository(Consumer<TemporaryRepository> shape) {
      this.shapeRepository = Objects.requireNonNull(shape, "shape cannot be null");
      return this;
    }

    /**
     * The test command of every cell, with the other test settings at their defaults; {@code true}
     * by default. Once: this or {@link #tests}.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if {@code command} is empty or its program is blank
     * @throws IllegalStateException if the tests were already set, by this or {@link #tests}
     */
    public Builder testCommand(String... command) {
      Objects.requireNonNull(command, "command cannot be null");
      if (command.length == 0) {
        throw new IllegalArgumentException("testCommand must name a program but was empty");
      }
      return tests("testCommand(...)", TestOptions.newBuilder().command(List.of(command)).build());
    }

    /**
     * How every cell's tests run: command, limit, base check, network and environment; the command
     * {@code true} by default. Once: this or {@link #testCommand}.
     *
     * @param options the worker's test options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the tests were already set, by this or {@link #testCommand}
     */
    public Builder tests(TestOptions options) {
      return tests("tests(...)", Objects.requireNonNull(options, "tests cannot be null"));
    }

    private Builder tests(String setter, TestOptions options) {
      if (testsSetter != null) {
        throw new IllegalStateException(
            "the tests were already set by "
                + testsSetter
                + " to "
                + tests
                + "; set them once, with either testCommand(...) or tests(...), not both");
      }
      testsSetter = setter;
      tests = options;
      return this;
    }

    /**
     * The agent of every cell; a scripted agent that edits nothing by default.
     *
     * @param runtime the agent runtime
     * @return this builder
     */
    public Builder agent(AgentRuntime runtime) {
      Objects.requireNonNull(runtime, "agent cannot be null");
      this.agent = withoutSupervisor(runtime);
      return this;
    }

    /**
     * The agent of every cell, created with the worker's (sandboxed) process supervisor: for agents
     * that run processes, such as a {@code ChildProcessAgent} or the real OpenCode. Replaces {@link
     * #agent(AgentRuntime)}.
     *
     * @param factory creates the runtime from the worker's process supervisor
     * @return this builder
     * @throws NullPointerException if {@code factory} is null
     */
    public Builder agent(AgentFactory factory) {
      this.agent = Objects.requireNonNull(factory, "agent cannot be null");
      return this;
    }

    /** An agent that needs no process supervisor, as a factory that ignores it. */
    private static AgentFactory withoutSupervisor(AgentRuntime runtime) {
      return supervisor -> runtime;
    }

    /**
     * How the worker reaches Temporal: an embedded server with host id {@value
     * SwarmExtension#DEFAULT_HOST_ID} by default. Give one to choose the host id the outcomes name,
     * the task queue or the embedded server's token; a connection to a cluster ({@code target})
     * works too, and the cluster then holds the workflows the swarm's client starts.
     *
     * @param options the worker's connection options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     */
    public Builder connection(ConnectionOptions options) {
      this.connection = Objects.requireNonNull(options, "connection cannot be null");
      return this;
    }

    /**
     * Shapes the worker's worktree pool (warm and total worktrees, ignored files kept, sparse
     * checkouts...). The builder it receives already names the swarm's repository and the pool's
     * root ({@code <state>/worktrees}, as by default), which only the extension knows; without this
     * call the worker's own pool defaults apply.
     *
     * @param options sets options on the pool's builder
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     */
    public Builder worktrees(Consumer<WorktreePoolOptions.Builder> options) {
      this.worktrees = Objects.requireNonNull(options, "worktrees cannot be null");
      return this;
    }

    /**
     * Any other worker option, applied last (timeouts, capacity, sandbox...). The extension has set
     * the repository, the state directory, the tests, the agent, the connection, the ports and,
     * when {@link #worktrees} was called, the worktrees; setting one of them again is an {@link
     * IllegalStateException}.
     *
     * @param options sets options on the worker's builder
     * @return this builder
     */
    public Builder configure(Consumer<SwarmWorkerBuilder> options) {
      this.configure = Objects.requireNonNull(options, "configure cannot be null");
      return this;
    }

    /**
     * Turns the leak check after each test off (for tests that keep cells running on purpose).
     *
     * @return this builder
     */
    public Builder withoutLeakCheck() {
      this.leakCheck = false;
      return this;
    }

    /**
     * Builds the extension.
     *
     * @return the extension
     */
    public SwarmExtension build() {
      return new SwarmExtension(this);
    }
  }
}
