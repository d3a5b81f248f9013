package io.openswarm.infra.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.core.worktree.WorktreeSetupException;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.OutsideTmpDirFactory;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.infra.worktree.WorktreePool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up on real git, a real worktree pool and real bubblewrap: a set-up command runs once per
 * worktree and again only when an input changes, its ignored outputs survive warm reuse, failures
 * are typed with their output, files are copied from the checkout without following links, and
 * submodules are checked out.
 */
class CommandWorktreeSetupIT {

  /**
   * Counts its runs in an ignored folder of the worktree, which survives warm reuse like
   * node_modules.
   */
  private static final List<String> COUNTING_SETUP =
      List.of(
          "sh",
          "-c",
          "mkdir -p deps && echo run >> deps/runs && cp lock.txt deps/installed.txt && echo installed");

  @TempDir(factory = OutsideTmpDirFactory.class)
  Path temp;

  private TestRepository repo;
  private ProcessSupervisor supervisor;
  private final List<WorktreePool> pools = new ArrayList<>();
  private int cells;

  @BeforeEach
  void setUp() {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "deps/\n.env\n*.secret\n")
        .write("lock.txt", "left-pad 1.0\n")
        .commit("a project");
    supervisor =
        ProcessSupervisor.newBuilder()
            .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
            .build();
  }

  @AfterEach
  void tearDown() {
    pools.forEach(WorktreePool::close);
    supervisor.close();
  }

  private WorktreePool pool(boolean preserveIgnored) {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .minIdle(0)
            .maxTotal(1)
            .preserveIgnored(preserveIgnored)
            .closeTimeout(Duration.ofSeconds(5))
            .build();
    pools.add(pool);
    pool.start();
    return pool;
  }

  private CommandWorktreeSetup setup(WorktreeSetupOptions.Builder options) {
    return CommandWorktreeSetup.newBuilder(supervisor)
        .options(options.build())
        .checkout(repo.path())
        .build();
  }

  private WorktreeSetup.Result prepare(CommandWorktreeSetup setup, WorktreeLease lease)
      throws Exception {
    Path state = Files.createDirectories(temp.resolve("state").resolve(lease.cellId().value()));
    return setup.prepare(new WorktreeSetup.Request(lease.cellId(), lease, state));
  }

  private WorktreeLease lease(WorktreePool pool) {
    return pool.acquire(CellId.of("cell-" + ++cells), "main");
  }

  @Test
  void aNewWorktreeIsSetUpOnceAndAWarmOneWithTheSameInputsSkipsIt() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(WorktreeSetupOptions.newBuilder().command(COUNTING_SETUP).inputs("lock.txt"));

    try (WorktreeLease cold = lease(pool)) {
      WorktreeSetup.Result result = prepare(setup, cold);
      assertThat(result.ran()).isTrue();
      assertThat(result.reason()).isEqualTo("new worktree");
      assertThat(cold.path().resolve("deps/installed.txt")).hasContent("left-pad 1.0");
      Files.writeString(cold.path().resolve("work.txt"), "a cell's change\n");
    }
    try (WorktreeLease warm = lease(pool)) {
      WorktreeSetup.Result result = prepare(setup, warm);

      assertThat(warm.reused()).isTrue();
      assertThat(result.ran()).as(result.reason()).isFalse();
      assertThat(warm.path().resolve("deps/runs"))
          .as("ran once in this worktree")
          .hasContent("run");
      assertThat(warm.path().resolve("deps/installed.txt"))
          .as("the set-up's ignored output survived")
          .hasContent("left-pad 1.0");
      assertThat(warm.path().resolve("work.txt"))
          .as("the cell's untracked file did not")
          .doesNotExist();
    }
  }

  @Test
  void aChangedInputRunsTheSetUpAgainOnTheWarmWorktree() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(
            WorktreeSetupOptions.newBuilder()
                .command(COUNTING_SETUP)
                .inputs("lock.txt", "package.json"));
    try (WorktreeLease cold = lease(pool)) {
      prepare(setup, cold);
    }
    repo.write("lock.txt", "left-pad 2.0\n").commit("upgrade left-pad");

    try (WorktreeLease warm = lease(pool)) {
      WorktreeSetup.Result result = prepare(setup, warm);

      assertThat(result.ran()).isTrue();
      assertThat(result.reason()).isEqualTo("changed: lock.txt");
      assertThat(warm.path().resolve("deps/runs")).hasContent("run\nrun");
      assertThat(warm.path().resolve("deps/installed.txt")).hasContent("left-pad 2.0");
    }
  }

  @Test
  void aPoolThatRemovesIgnoredFilesForgetsTheSetUpSoItRunsAgain() throws Exception {
    WorktreePool pool = pool(false);
    CommandWorktreeSetup setup =
        setup(WorktreeSetupOptions.newBuilder().command(COUNTING_SETUP).inputs("lock.txt"));
    try (WorktreeLease cold = lease(pool)) {
      prepare(setup, cold);
    }

    try (WorktreeLease warm = lease(pool)) {
      assertThat(warm.reused()).isTrue();
      assertThat(warm.setupStamp()).isEmpty();
      WorktreeSetup.Result result = prepare(setup, warm);

      assertThat(result.ran()).isTrue();
      assertThat(result.reason()).isEqualTo("worktree not set up yet");
      assertThat(warm.path().resolve("deps/runs")).hasContent("run");
    }
  }

  @Test
  void aFailingSetUpFailsWithItsOutputAndLeavesTheWorktreeNotSetUp() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(
            WorktreeSetupOptions.newBuilder()
                .command("sh", "-c", "echo 'npm ERR! missing: left-pad@1.0' >&2; exit 3"));

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(() -> prepare(setup, lease))
          .isInstanceOfSatisfying(
              WorktreeSetupException.class,
              e -> {
                assertThat(e.notRunnable()).isFalse();
                assertThat(e.outputTail()).contains("npm ERR! missing: left-pad@1.0");
              })
          .hasMessageStartingWith(
              "the set-up command 'sh' exited with code 3 inside the cell's sandbox (bubblewrap)")
          .hasMessageContaining("npm ERR! missing: left-pad@1.0");
      assertThat(lease.setupStamp()).isEmpty();
    }
  }

  @Test
  void aSetUpWhoseProgramIsMissingInsideSaysItCouldNotRun() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(
            WorktreeSetupOptions.newBuilder()
                .command("sh", "-c", "echo '> install'; no-such-installer --frozen"));

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(() -> prepare(setup, lease))
          .isInstanceOfSatisfying(
              WorktreeSetupException.class, e -> assertThat(e.notRunnable()).isTrue())
          .hasMessageStartingWith(
              "the set-up command could not run: 'sh' exited with code 127 inside the cell's "
                  + "sandbox (bubblewrap), which means a program it runs was not found")
          .hasMessageContaining("no-such-installer");
    }
  }

  @Test
  void aSetUpProgramThatDoesNotExistIsNamedWithoutThePath() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(WorktreeSetupOptions.newBuilder().command("no-such-installer", "ci"));

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(() -> prepare(setup, lease))
          .isInstanceOfSatisfying(
              WorktreeSetupException.class, e -> assertThat(e.notRunnable()).isTrue())
          .hasMessageContaining("program 'no-such-installer' was not found")
          .hasMessageNotContaining(System.getenv("PATH"));
    }
  }

  @Test
  void aSetUpPastItsLimitIsKilledAndSaysSo() throws Exception {
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(
            WorktreeSetupOptions.newBuilder()
                .timeout(Duration.ofSeconds(1))
                .command("sh", "-c", "echo 'resolving dependencies'; exec sleep 600"));

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(() -> prepare(setup, lease))
          .isInstanceOf(WorktreeSetupException.class)
          .hasMessageStartingWith(
              "the set-up command 'sh' ran past its limit of PT1S and was killed")
          .hasMessageContaining("resolving dependencies");
      assertThat(supervisor.liveProcesses()).isEmpty();
    }
  }

  @Test
  void theSetUpRunsInTheCellsSandboxAndCannotWriteTheCheckout() throws Exception {
    Path planted = repo.path().resolve("planted-by-setup.txt");
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(
            WorktreeSetupOptions.newBuilder()
                .command("sh", "-c", "echo installed > deps.txt; echo pwned > " + planted));

    try (WorktreeLease lease = lease(pool)) {
      if (OutsideTmpDirFactory.insidePrivateTmp(planted)) {
        // The checkout lies in /tmp, which the sandbox replaces: the write lands in the cell's own
        // /tmp.
        prepare(setup, lease);
      } else {
        assertThatThrownBy(() -> prepare(setup, lease))
            .isInstanceOf(WorktreeSetupException.class)
            .hasMessageContaining("exited with code")
            .hasMessageContaining("Read-only file system");
      }
      assertThat(lease.path().resolve("deps.txt"))
          .as("its own worktree is writable")
          .hasContent("installed");
    }
    assertThat(planted).doesNotExist();
  }

  @Test
  void theSetUpGetsTheTestsWorldItsVariablesAndItsWritableCaches() throws Exception {
    Path cache = Files.createDirectories(temp.resolve("shared-npm-cache"));
    List<String> command =
        List.of("sh", "-c", "echo \"$REGISTRY_FLAVOUR\" > " + cache.resolve("seen"));
    WorktreePool pool = pool(true);
    CommandWorktreeSetup plain = setup(WorktreeSetupOptions.newBuilder().command(command));
    CommandWorktreeSetup inWorld =
        CommandWorktreeSetup.newBuilder(supervisor)
            .options(WorktreeSetupOptions.newBuilder().command(command).build())
            .testEnvironment(
                TestEnvironment.newBuilder().cache(cache).put("REGISTRY_FLAVOUR", "mirror").build())
            .build();

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(() -> prepare(plain, lease))
          .as("outside the cell, not writable without the cache named")
          .isInstanceOf(WorktreeSetupException.class)
          .hasMessageContaining("shared-npm-cache/seen");
      prepare(inWorld, lease);
    }
    assertThat(cache.resolve("seen")).hasContent("mirror");
  }

  @Test
  void filesAreCopiedFromTheCheckoutIntoEveryWorktreeWithoutFollowingAPlantedLink()
      throws Exception {
    Files.writeString(repo.path().resolve(".env"), "API_URL=http://localhost:9999\n");
    Path outside = Files.writeString(temp.resolve("outside.txt"), "not to be overwritten\n");
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup =
        setup(WorktreeSetupOptions.newBuilder().copyFromCheckout(".env", "config/app.secret"));
    Files.createDirectories(repo.path().resolve("config"));
    Files.writeString(repo.path().resolve("config/app.secret"), "s3cr3t\n");

    try (WorktreeLease first = lease(pool)) {
      prepare(setup, first);
      assertThat(first.path().resolve(".env")).hasContent("API_URL=http://localhost:9999");
      assertThat(first.path().resolve("config/app.secret")).hasContent("s3cr3t");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(first.path().resolve(".env"))))
          .isEqualTo("rw-------");
      // A cell replaces the ignored copy with a link to a file outside; ignored files survive the
      // release.
      Files.delete(first.path().resolve(".env"));
      Files.createSymbolicLink(first.path().resolve(".env"), outside);
    }
    try (WorktreeLease second = lease(pool)) {
      prepare(setup, second);

      assertThat(outside).hasContent("not to be overwritten");
      assertThat(Files.isSymbolicLink(second.path().resolve(".env"))).isFalse();
      assertThat(second.path().resolve(".env")).hasContent("API_URL=http://localhost:9999");
    }
  }

  @Test
  void aCopyThatIsNotIgnoredOrIsALinkIsRefused() throws Exception {
    Files.writeString(repo.path().resolve("notes.txt"), "untracked, not ignored\n");
    Files.createSymbolicLink(repo.path().resolve("key.secret"), temp.resolve("outside.txt"));
    Files.writeString(temp.resolve("outside.txt"), "a file outside the checkout\n");
    WorktreePool pool = pool(true);

    try (WorktreeLease lease = lease(pool)) {
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(WorktreeSetupOptions.newBuilder().copyFromCheckout("notes.txt")),
                      lease))
          .isInstanceOf(WorktreeSetupException.class)
          .hasMessageContaining(
              "copyFromCheckout refuses \"notes.txt\": it is tracked or not ignored");
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(WorktreeSetupOptions.newBuilder().copyFromCheckout("lock.txt")), lease))
          .hasMessageContaining(
              "copyFromCheckout refuses \"lock.txt\": it is tracked or not ignored");
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(WorktreeSetupOptions.newBuilder().copyFromCheckout("key.secret")),
                      lease))
          .hasMessageContaining("copyFromCheckout refuses \"key.secret\"")
          .hasMessageContaining("a symbolic link");
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(WorktreeSetupOptions.newBuilder().copyFromCheckout("missing.secret")),
                      lease))
          .hasMessageContaining(
              "copyFromCheckout names \"missing.secret\", which is not in the checkout");
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(
                          WorktreeSetupOptions.newBuilder()
                              .copyFromCheckout(".env")
                              .maxCopyBytes(4)),
                      lease))
          .hasMessageContaining("copyFromCheckout names \".env\"");
      Files.writeString(repo.path().resolve(".env"), "TOO=LARGE\n");
      assertThatThrownBy(
              () ->
                  prepare(
                      setup(
                          WorktreeSetupOptions.newBuilder()
                              .copyFromCheckout(".env")
                              .maxCopyBytes(4)),
                      lease))
          .hasMessageContaining(
              "copyFromCheckout refuses \".env\": it has 10 bytes, more than maxCopyBytes 4");
      assertThat(lease.path().resolve(".env")).doesNotExist();
    }
  }

  @Test
  void submodulesAreCheckedOutInEveryWorktreeByTheLibrarysGit() throws Exception {
    TestRepository library = TestRepositories.create(temp.resolve("library"));
    library.write("lib.txt", "library code\n").commit("library");
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "--quiet",
        library.path().toString(),
        "vendor/library");
    repo.commit("add the library as a submodule");
    WorktreePool pool = pool(true);
    CommandWorktreeSetup setup = setup(WorktreeSetupOptions.newBuilder().submodules(true));

    try (WorktreeLease cold = lease(pool)) {
      prepare(setup, cold);
      assertThat(cold.path().resolve("vendor/library/lib.txt")).hasContent("library code");
    }
    try (WorktreeLease warm = lease(pool)) {
      assertThat(warm.reused()).isTrue();
      prepare(setup, warm);
      assertThat(warm.path().resolve("vendor/library/lib.txt")).hasContent("library code");
    }
  }
}
