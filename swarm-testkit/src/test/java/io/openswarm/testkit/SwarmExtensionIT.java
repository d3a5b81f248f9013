package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link SwarmExtension} as its users meet it: run through JUnit's own engine test kit, so that
 * what happens after a class is done (the worker closed, its folder deleted) can be checked too.
 */
class SwarmExtensionIT {

  /** What the sample classes saw, in order. */
  static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

  record Seen(String test, SwarmWorker worker, Path repository, PortRange ports) {}

  @BeforeEach
  void forget() {
    SEEN.clear();
  }

  @Test
  void aNestedClassUsesItsEnclosingClassesSwarmAndEverythingIsGoneAfterwards() {
    Events tests = run(WithNested.class);

    assertAllSucceeded(tests, 3);
    assertThat(SEEN).extracting(Seen::test).containsExactlyInAnyOrder("outer", "nested", "deeper");
    assertThat(SEEN)
        .extracting(Seen::worker)
        .as("one worker for the class and its @Nested classes")
        .allMatch(worker -> worker == SEEN.get(0).worker());
    assertThat(SEEN.get(0).worker().state()).isEqualTo(SwarmWorker.State.STOPPED);
    assertThat(SEEN.get(0).repository()).doesNotExist();
    assertThat(SEEN.get(0).repository().getParent()).as("the swarm's folder").doesNotExist();
  }

  @Test
  void anInstanceFieldGivesEachTestItsOwnSwarmClosedAfterTheTest() {
    Events tests = run(PerTest.class);

    assertAllSucceeded(tests, 2);
    assertThat(SEEN).hasSize(2);
    assertThat(SEEN.get(0).worker()).isNotSameAs(SEEN.get(1).worker());
    for (Seen seen : SEEN) {
      assertThat(seen.worker().state()).isEqualTo(SwarmWorker.State.STOPPED);
      assertThat(seen.repository().getParent()).doesNotExist();
    }
  }

  @Test
  void twoSwarmsOfOneJvmGetPortBlocksThatDoNotOverlap() {
    Events tests = run(TwoSwarms.class);

    assertAllSucceeded(tests, 1);
    PortRange first = SEEN.get(0).ports();
    PortRange second = SEEN.get(1).ports();
    assertThat(first.size()).isEqualTo(SwarmExtension.PORTS_PER_SWARM);
    assertThat(first.max() < second.min() || second.max() < first.min())
        .as("%s and %s do not overlap", first, second)
        .isTrue();
    assertThat(List.of(first.min(), second.min()))
        .allMatch(
            port ->
                port >= SwarmExtension.FIRST_PORT
                    && port + SwarmExtension.PORTS_PER_SWARM - 1 <= SwarmExtension.LAST_PORT);
  }

  @Test
  void whatATestLeftInTheSwarmsFolderIsDeletedHoweverDeepAndWithoutFollowingLinks()
      throws Exception {
    Path outside = Files.createTempDirectory("openswarm-outside-");
    try {
      Path precious = Files.writeString(outside.resolve("precious.txt"), "keep");
      LeavesATrap.outside = outside;

      Events tests = run(LeavesATrap.class);

      assertAllSucceeded(tests, 1);
      assertThat(SEEN.get(0).repository().getParent()).as("the swarm's folder").doesNotExist();
      assertThat(precious).as("the link out of the folder was not followed").hasContent("keep");
    } finally {
      Files.deleteIfExists(outside.resolve("precious.txt"));
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void aGivenConnectionNamesTheHostAWorktreeShapeKeepsTheSwarmsRepositoryAndAnAgentFactoryIsUsed() {
    Events tests = run(Configured.class);

    assertAllSucceeded(tests, 1);
    assertThat(SEEN).extracting(Seen::test).containsExactly("default", "configured");
  }

  @Test
  void givenTestOptionsAreTheWorkersAndTheTestsAreSetOnlyOnce() {
    Events tests = run(WithTestOptions.class);

    assertAllSucceeded(tests, 1);
    assertThat(SEEN).extracting(Seen::test).containsExactly("tests");
    assertThatThrownBy(
            () -> SwarmExtension.newBuilder().testCommand("true").tests(WithTestOptions.TESTS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the tests were already set by testCommand(...)");
    assertThatThrownBy(
            () -> SwarmExtension.newBuilder().tests(WithTestOptions.TESTS).testCommand("true"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the tests were already set by tests(...)");
  }

  @Test
  void theAccessorsOutsideATestSayTheSwarmIsNotRunning() {
    SwarmExtension idle = SwarmExtension.newBuilder().build();

    assertThatThrownBy(idle::client)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the swarm is not running");
  }

  private static Events run(Class<?> sample) {
    return EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(sample))
        .execute()
        .allEvents();
  }

  private static void assertAllSucceeded(Events events, int tests) {
    List<String> failures =
        events.failed().stream()
            .map(
                event ->
                    event.getTestDescriptor().getDisplayName()
                        + ": "
                        + event
                            .getPayload(TestExecutionResult.class)
                            .flatMap(TestExecutionResult::getThrowable)
                            .map(Throwable::toString)
                            .orElse("?"))
            .toList();
    assertThat(failures).as("failed tests and containers").isEmpty();
    assertThat(
            events.started().stream().filter(event -> event.getTestDescriptor().isTest()).count())
        .as("tests started")
        .isEqualTo(tests);
    assertThat(
            events.succeeded().stream().filter(event -> event.getTestDescriptor().isTest()).count())
        .as("tests succeeded")
        .isEqualTo(tests);
  }

  private static void record(String test, SwarmWorker worker, TemporaryRepository repo) {
    assertThat(Files.isDirectory(repo.path())).isTrue();
    SEEN.add(new Seen(test, worker, repo.path(), worker.options().ports()));
  }

  // The sample classes run only through run(...): EngineTestKit selects them; the IT's own
  // discovery skips them
  // because their names do not end in IT.

  static class WithNested {
    @RegisterExtension
    static final SwarmExtension SWARM =
        SwarmExtension.newBuilder()
            .repository(
                repo ->
                    repo.write("test.sh", "#!/bin/sh\ntest -f done.txt\n").executable("test.sh"))
            .testCommand("sh", "test.sh")
            .agent(ScriptedAgent.newBuilder().promptCommands().build())
            .build();

    @Test
    void outer(SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
      CellOutcome outcome = client.runTcr(TaskSpec.of("outer", "write done.txt yes", "main"));
      assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
      record("outer", worker, repo);
    }

    @Nested
    class Inner {
      @Test
      void nested(SwarmWorker worker, TemporaryRepository repo) {
        assertThat(SWARM.worker()).isSameAs(worker);
        record("nested", worker, repo);
      }

      @Nested
      class Deeper {
        @Test
        void deeper(SwarmWorker worker, TemporaryRepository repo) {
          record("deeper", worker, repo);
        }
      }
    }
  }

  static class PerTest {
    @RegisterExtension final SwarmExtension swarm = SwarmExtension.newBuilder().build();

    @Test
    void first(SwarmWorker worker, TemporaryRepository repo) {
      record("first", worker, repo);
    }

    @Test
    void second(SwarmWorker worker, TemporaryRepository repo) {
      record("second", worker, repo);
    }
  }

  /** Leaves in its repository what a path-based deletion cannot delete or must not follow. */
  static class LeavesATrap {
    static Path outside = Path.of("/nonexistent");

    @RegisterExtension final SwarmExtension swarm = SwarmExtension.newBuilder().build();

    @Test
    void leaves(SwarmWorker worker, TemporaryRepository repo) throws Exception {
      record("leaves", worker, repo);
      // 40 levels of 200 characters: deeper than PATH_MAX, built bottom-up with renames of short
      // paths.
      Path top = Files.createDirectory(repo.path().resolve("nest"));
      Files.writeString(top.resolve("leaf.txt"), "bottom");
      Path staging = repo.path().resolve("nest.staging");
      for (int level = 1; level < 40; level++) {
        Files.createDirectory(staging);
        Files.move(top, staging.resolve("d".repeat(200)));
        Files.move(staging, top);
      }
      Files.createSymbolicLink(top.resolve("to-outside"), outside);
    }
  }

  static class Configured {
    /** The supervisor the shaped swarm's agent factory was given. */
    static final AtomicReference<ProcessSupervisor> SUPERVISOR = new AtomicReference<>();

    @RegisterExtension static final SwarmExtension PLAIN = SwarmExtension.newBuilder().build();

    @RegisterExtension
    static final SwarmExtension SHAPED =
        SwarmExtension.newBuilder()
            .connection(ConnectionOptions.newBuilder().hostId("shaped-host").build())
            .worktrees(pool -> pool.minIdle(0).maxIdle(2).maxTotal(3))
            .agent(
                supervisor -> {
                  SUPERVISOR.set(supervisor);
                  return ScriptedAgent.newBuilder().promptCommands().build();
                })
            .build();

    @Test
    void both() {
      SwarmWorker plain = PLAIN.worker();
      assertThat(plain.client().runTcr(TaskSpec.of("plain", "write a.txt a", "main")).host())
          .isEqualTo(SwarmExtension.DEFAULT_HOST_ID);
      record("default", plain, PLAIN.repository());

      SwarmWorker shaped = SHAPED.worker();
      CellOutcome outcome = SHAPED.client().runTcr(TaskSpec.of("shaped", "write b.txt b", "main"));
      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
      assertThat(outcome.host()).isEqualTo("shaped-host");
      assertThat(SUPERVISOR.get()).as("the agent factory got the worker's supervisor").isNotNull();
      WorktreePoolOptions pool = shaped.options().worktrees();
      assertThat(List.of(pool.minIdle(), pool.maxIdle(), pool.maxTotal())).containsExactly(0, 2, 3);
      assertThat(pool.repository()).isEqualTo(SHAPED.repository().path());
      assertThat(pool.root()).isEqualTo(shaped.options().stateDirectory().resolve("worktrees"));
      record("configured", shaped, SHAPED.repository());
    }
  }

  static class WithTestOptions {
    static final TestOptions TESTS =
        TestOptions.newBuilder().command(List.of("sh", "test.sh")).verifyBase(true).build();

    @RegisterExtension
    static final SwarmExtension SWARM =
        SwarmExtension.newBuilder()
            .repository(
                repo ->
                    repo.write("test.sh", "#!/bin/sh\ntest -f done.txt\n").executable("test.sh"))
            .tests(TESTS)
            .agent(ScriptedAgent.newBuilder().promptCommands().build())
            .build();

    @Test
    void tests(SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
      assertThat(worker.options().tests().command()).isEqualTo(List.of("sh", "test.sh"));
      // The base has no done.txt: checked first, it is red, and the agent never works.
      CellOutcome outcome = client.runTcr(TaskSpec.of("tests", "write done.txt yes", "main"));
      assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
      assertThat(outcome.failedStep()).isEqualTo(CellStep.VERIFY_BASE);
      record("tests", worker, repo);
    }
  }

  static class TwoSwarms {
    @RegisterExtension static final SwarmExtension ONE = SwarmExtension.newBuilder().build();
    @RegisterExtension static final SwarmExtension TWO = SwarmExtension.newBuilder().build();

    @Test
    void both() {
      record("one", ONE.worker(), ONE.repository());
      record("two", TWO.worker(), TWO.repository());
    }
  }
}
