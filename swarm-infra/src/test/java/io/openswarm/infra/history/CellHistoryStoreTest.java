package io.openswarm.infra.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.history.CellHistory.CellRecord;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CellHistoryStoreTest {

  @TempDir Path temp;

  private TestRepository repo;
  private WorktreePool pool;
  private Path hostSecret;

  @BeforeEach
  void repository() throws IOException {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write(".gitignore", "target/\n");
    repo.commit("ignore target");
    pool = WorktreePool.newBuilder().repository(repo.path()).root(temp.resolve("pool")).build();
    pool.start();
    hostSecret = temp.resolve("host-secrets/id_rsa");
    Files.createDirectories(hostSecret.getParent());
    Files.writeString(hostSecret, "PRIVATE KEY OF THE HOST");
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  @Test
  void aRejectedChangeIsKeptAsARefOnTopOfItsBaseAndItsDiffShowsTheChange() throws IOException {
    CellHistoryStore store = store(HistoryOptions.getDefaultInstance(), Clock.systemUTC());
    CellId cell = CellId.of("rejected");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      CellRecord record = store.open(cell, "task-1", state(cell));
      record.leased(lease);
      Files.writeString(lease.path().resolve("README.md"), "# changed by the agent\n");
      Files.writeString(lease.path().resolve("new.txt"), "a new file\n");

      Optional<String> ref = record.keepRejected(lease);
      GitWorktreeChanges.create().revert(lease);
      record.close();

      assertThat(ref).contains("refs/swarm/rejected/rejected");
      assertThat(repo.resolve("refs/swarm/rejected/rejected^")).isEqualTo(lease.baseCommit());
      assertThat(
              repo.git("diff", "--name-only", lease.baseCommit(), "refs/swarm/rejected/rejected"))
          .isEqualTo("README.md\nnew.txt\n");
      assertThat(store.diff(cell, 1024 * 1024))
          .hasValueSatisfying(
              diff -> assertThat(diff).contains("+# changed by the agent").contains("+a new file"));
    }
  }

  @Test
  void aDiffLongerThanTheBoundIsCutAndSaysSo() throws IOException {
    CellHistoryStore store = store(HistoryOptions.getDefaultInstance(), Clock.systemUTC());
    CellId cell = CellId.of("long");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      CellRecord record = store.open(cell, null, state(cell));
      record.leased(lease);
      Files.writeString(lease.path().resolve("big.txt"), "line\n".repeat(10_000));
      record.keepRejected(lease);
      record.close();

      assertThat(store.diff(cell, 4096))
          .hasValueSatisfying(
              diff ->
                  assertThat(diff).hasSizeLessThan(4096 + 300).contains("[diff cut at 4096 bytes"));
    }
  }

  @Test
  void logsAreKeptAfterTheStateFolderIsGoneButNotWhatTheirLinksPointAt() throws IOException {
    CellHistoryStore store = store(HistoryOptions.getDefaultInstance(), Clock.systemUTC());
    CellId cell = CellId.of("logs");
    Path state = state(cell);
    Files.createDirectories(state.resolve("logs"));
    Files.writeString(state.resolve("logs/agent-1.log"), "agent said hello\n");
    Files.createSymbolicLink(state.resolve("logs/stolen.log"), hostSecret);
    CellRecord record = store.open(cell, null, state);

    Path kept = Path.of(record.close().orElseThrow());
    deleteTree(state);

    assertThat(kept.resolve("logs/agent-1.log")).hasContent("agent said hello");
    assertThat(kept.resolve("logs/stolen.log")).doesNotExist();
    assertThat(store.latest(cell).orElseThrow().logs())
        .containsExactly(kept.resolve("logs/agent-1.log"));
    assertThat(contentsBelow(store.folder())).noneMatch(text -> text.contains("PRIVATE KEY"));
  }

  @Test
  void aReportFolderThatIsALinkToAHostFolderIsNotCopied() throws IOException {
    HistoryOptions options =
        HistoryOptions.newBuilder().keepReports("target/surefire-reports").build();
    CellHistoryStore store = store(options, Clock.systemUTC());
    CellId cell = CellId.of("hostile");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      Files.createDirectories(lease.path().resolve("target"));
      Files.createSymbolicLink(
          lease.path().resolve("target/surefire-reports"), hostSecret.getParent());
      CellRecord record = store.open(cell, null, state(cell));

      record.keepReports(lease);
      Path kept = Path.of(record.close().orElseThrow());

      assertThat(kept.resolve("reports"))
          .satisfiesAnyOf(
              reports -> assertThat(reports).doesNotExist(),
              reports -> assertThat(contentsBelow(reports)).isEmpty());
      assertThat(contentsBelow(store.folder())).noneMatch(text -> text.contains("PRIVATE KEY"));
      assertThat(Files.readString(kept.resolve(CellHistoryStore.RECORD)))
          .contains("a symbolic link");
    }
  }

  @Test
  void aParentOfTheReportFolderThatIsALinkIsNotFollowed() throws IOException {
    Files.createDirectories(hostSecret.getParent().resolve("surefire-reports"));
    Files.writeString(
        hostSecret.getParent().resolve("surefire-reports/TEST-host.xml"), "PRIVATE KEY report");
    HistoryOptions options =
        HistoryOptions.newBuilder().keepReports("target/surefire-reports").build();
    CellHistoryStore store = store(options, Clock.systemUTC());
    CellId cell = CellId.of("hostile-parent");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      Files.createSymbolicLink(lease.path().resolve("target"), hostSecret.getParent());
      CellRecord record = store.open(cell, null, state(cell));

      record.keepReports(lease);
      record.close();

      assertThat(contentsBelow(store.folder())).noneMatch(text -> text.contains("PRIVATE KEY"));
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void reportsAreCopiedWithoutTheLinksAndPipesInsideThem() throws Exception {
    HistoryOptions options =
        HistoryOptions.newBuilder().keepReports("target/surefire-reports").build();
    CellHistoryStore store = store(options, Clock.systemUTC());
    CellId cell = CellId.of("reports");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      Path reports = lease.path().resolve("target/surefire-reports");
      Files.createDirectories(reports.resolve("nested"));
      Files.writeString(reports.resolve("TEST-Foo.xml"), "<testsuite failures=\"1\"/>");
      Files.writeString(reports.resolve("nested/Foo.txt"), "expected 1 but was 2");
      Files.createSymbolicLink(reports.resolve("leak.txt"), hostSecret);
      Files.createSymbolicLink(reports.resolve("leak-dir"), hostSecret.getParent());
      Process mkfifo = new ProcessBuilder("mkfifo", reports.resolve("pipe").toString()).start();
      assertThat(mkfifo.waitFor()).isZero();
      CellRecord record = store.open(cell, null, state(cell));

      record.keepReports(lease);
      Path kept = Path.of(record.close().orElseThrow()).resolve("reports/target/surefire-reports");

      assertThat(kept.resolve("TEST-Foo.xml")).hasContent("<testsuite failures=\"1\"/>");
      assertThat(kept.resolve("nested/Foo.txt")).hasContent("expected 1 but was 2");
      assertThat(kept.resolve("leak.txt")).doesNotExist();
      assertThat(kept.resolve("leak-dir")).doesNotExist();
      assertThat(kept.resolve("pipe")).doesNotExist();
      assertThat(contentsBelow(store.folder())).noneMatch(text -> text.contains("PRIVATE KEY"));
    }
  }

  @Test
  void whatARunCopiesIsBoundedByTheLimitPerRun() throws IOException {
    HistoryOptions options = HistoryOptions.newBuilder().maxRunBytes(1024 * 1024).build();
    CellHistoryStore store = store(options, Clock.systemUTC());
    CellId cell = CellId.of("chatty");
    Path state = state(cell);
    Files.createDirectories(state.resolve("logs"));
    Files.write(state.resolve("logs/agent-1.log"), new byte[3 * 1024 * 1024]);
    CellRecord record = store.open(cell, null, state);

    Path kept = Path.of(record.close().orElseThrow());

    assertThat(Files.size(kept.resolve("logs/agent-1.log"))).isEqualTo(1024 * 1024);
    assertThat(Files.readString(kept.resolve(CellHistoryStore.RECORD))).contains("truncated=true");
  }

  @Test
  void retentionByCountRemovesTheOldestRunsAndTheirRefs() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    CellHistoryStore store = store(HistoryOptions.newBuilder().maxRuns(2).build(), clock);
    for (String name : List.of("first", "second", "third")) {
      rejectedRun(store, CellId.of(name));
      clock.advance(Duration.ofMinutes(1));
    }

    assertThat(runNames(store)).hasSize(2).noneMatch(name -> name.endsWith("-first"));
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/swarm/rejected/"))
        .isEqualTo("refs/swarm/rejected/second\nrefs/swarm/rejected/third\n");
  }

  @Test
  void retentionByAgeRemovesRunsOlderThanTheLimitAtTheNextStart() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    HistoryOptions options = HistoryOptions.newBuilder().maxAge(Duration.ofDays(14)).build();
    CellHistoryStore store = store(options, clock);
    rejectedRun(store, CellId.of("old"));
    clock.advance(Duration.ofDays(10));
    rejectedRun(store, CellId.of("recent"));

    clock.advance(Duration.ofDays(5));
    int removed = store(options, clock).enforceRetention();

    assertThat(removed).isEqualTo(1);
    assertThat(runNames(store))
        .singleElement()
        .satisfies(name -> assertThat(name).endsWith("-recent"));
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/swarm/rejected/"))
        .isEqualTo("refs/swarm/rejected/recent\n");
  }

  @Test
  void retentionBySizeRemovesTheOldestRunsUntilTheHistoryFits() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    HistoryOptions options = HistoryOptions.newBuilder().maxBytes(2 * 1024 * 1024).build();
    CellHistoryStore store = store(options, clock);
    for (String name : List.of("a", "b", "c")) {
      CellId cell = CellId.of(name);
      Path state = state(cell);
      Files.createDirectories(state.resolve("logs"));
      Files.write(state.resolve("logs/tests.log"), new byte[900 * 1024]);
      store.open(cell, null, state).close();
      clock.advance(Duration.ofMinutes(1));
    }

    assertThat(runNames(store)).hasSize(2).noneMatch(name -> name.endsWith("-a"));
  }

  @Test
  void aNewerRunOfTheSameCellKeepsItsRefWhenTheOlderRunIsRemoved() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    CellHistoryStore store = store(HistoryOptions.newBuilder().maxRuns(1).build(), clock);
    rejectedRun(store, CellId.of("again"));
    clock.advance(Duration.ofMinutes(1));
    String newer = rejectedRun(store, CellId.of("again"));

    assertThat(runNames(store)).hasSize(1);
    assertThat(repo.resolve("refs/swarm/rejected/again")).isEqualTo(newer);
  }

  @Test
  void noRunsAreKeptWhenMaxRunsIsZero() throws IOException {
    CellHistoryStore store =
        store(HistoryOptions.newBuilder().maxRuns(0).build(), Clock.systemUTC());
    CellId cell = CellId.of("none");
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      CellRecord record = store.open(cell, null, state(cell));
      Files.writeString(lease.path().resolve("x.txt"), "x");

      assertThat(record.keepRejected(lease)).isEmpty();
      assertThat(record.close()).isEmpty();
      assertThat(store.folder()).doesNotExist();
    }
  }

  /** A run whose change was rejected; returns the commit its ref points at. */
  private String rejectedRun(CellHistoryStore store, CellId cell) throws IOException {
    try (WorktreeLease lease = pool.acquire(cell, "main")) {
      CellRecord record = store.open(cell, null, state(cell));
      record.leased(lease);
      Files.writeString(lease.path().resolve(cell.value() + ".txt"), cell.value());
      String ref = record.keepRejected(lease).orElseThrow();
      String sha = repo.resolve(ref);
      GitWorktreeChanges.create().revert(lease);
      record.close();
      return sha;
    }
  }

  private CellHistoryStore store(HistoryOptions options, Clock clock) {
    return CellHistoryStore.newBuilder()
        .folder(temp.resolve("state/history"))
        .repository(repo.path())
        .options(options)
        .clock(clock)
        .build();
  }

  private Path state(CellId cell) throws IOException {
    return Files.createDirectories(temp.resolve("state/cells").resolve(cell.value()));
  }

  private static List<String> runNames(CellHistoryStore store) throws IOException {
    try (Stream<Path> runs = Files.list(store.folder())) {
      return runs.map(run -> run.getFileName().toString()).sorted().toList();
    }
  }

  /** The text of every regular file below {@code root}, links not followed. */
  private static List<String> contentsBelow(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(file -> Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .map(
              file -> {
                try {
                  return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    io.openswarm.core.files.TreeDeleter.deleteRecursively(root);
  }

  /** A clock the test moves. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
