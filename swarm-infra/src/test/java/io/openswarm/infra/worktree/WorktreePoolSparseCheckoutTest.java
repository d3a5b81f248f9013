package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Worktrees as sparse checkouts: only the named directories are written, commits still cover the
 * whole tree.
 */
class WorktreePoolSparseCheckoutTest {

  private static final CommitAuthor AUTHOR = CommitAuthor.of("Swarm Cell", "cell@swarm.example");

  @TempDir Path temp;
  private TestRepository repo;
  private WorktreePool pool;
  private String configBefore;

  @BeforeEach
  void startPool() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.write("README.md", "top\n")
        .write("services/api/Api.java", "class Api {}\n")
        .write("services/web/Web.java", "class Web {}\n")
        .write("docs/guide.md", "guide\n")
        .commit("a monorepo");
    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .maxIdle(1)
            .maxTotal(2)
            .closeTimeout(Duration.ofSeconds(5))
            .sparseCheckout(List.of("services/api/"))
            .build();
    configBefore = Files.readString(repo.path().resolve(".git/config"));
    pool.start();
  }

  @AfterEach
  void closePool() {
    pool.close();
  }

  @Test
  void aWorktreeMaterializesOnlyTheNamedDirectoriesAndTheTopLevelFiles() {
    try (WorktreeLease lease = pool.acquire(CellId.of("sparse"), "main")) {
      assertThat(TestRepositories.files(lease.path()).keySet())
          .containsExactlyInAnyOrder("README.md", "services/api/Api.java");
      assertThat(TestRepositories.git(lease.path(), "status", "--porcelain", "--ignored"))
          .isEmpty();
    }
  }

  @Test
  void theUsersOwnCheckoutStaysAFullOne() throws Exception {
    try (WorktreeLease lease = pool.acquire(CellId.of("sparse"), "main")) {
      assertThat(lease.path()).isDirectory();
    }

    assertThat(TestRepositories.files(repo.path())).isEqualTo(repo.tree("main"));
    assertThat(repo.git("status", "--porcelain", "--ignored")).isEmpty();
    assertThat(repo.path().resolve(".git/info/sparse-checkout")).doesNotExist();
    assertThat(repo.git("config", "--list").toLowerCase(java.util.Locale.ROOT))
        .doesNotContain("core.sparse");
    // The one shared setting git adds: worktree configuration files are read from now on.
    assertThat(
            Files.readString(repo.path().resolve(".git/config")).replace(configBefore, "").strip())
        .isIn("", "[extensions]\n\tworktreeConfig = true");
  }

  @Test
  void aCellsCommitIsACommitOfTheWholeTree() throws Exception {
    String commit;
    try (WorktreeLease lease = pool.acquire(CellId.of("change"), "main")) {
      TestRepositories.writeFile(
          lease.path(), "services/api/Api.java", "class Api { int changed; }\n");
      TestRepositories.writeFile(lease.path(), "services/api/New.java", "class New {}\n");
      TestRepositories.writeFile(
          lease.path(), "docs/added-outside.md", "written outside the cone\n");
      commit = GitWorktreeChanges.create().commit(lease, "change the api", AUTHOR).orElseThrow();
    }

    Map<String, String> expected = new TreeMap<>(repo.tree("main"));
    expected.put("services/api/Api.java", "class Api { int changed; }\n");
    expected.put("services/api/New.java", "class New {}\n");
    expected.put("docs/added-outside.md", "written outside the cone\n");
    assertThat(repo.tree(commit)).isEqualTo(expected);
    assertThat(repo.resolve("swarm/change")).isEqualTo(commit);
  }

  @Test
  void aReturnedWorktreeIsReusedStillSparseAndClean() {
    Path path;
    try (WorktreeLease lease = pool.acquire(CellId.of("first"), "main")) {
      path = lease.path();
      TestRepositories.writeFile(
          lease.path(), "docs/left-behind.md", "untracked, outside the cone\n");
      TestRepositories.writeFile(
          lease.path(), "services/api/Api.java", "class Api { int dirty; }\n");
    }

    try (WorktreeLease lease = pool.acquire(CellId.of("second"), "main")) {
      assertThat(lease.path()).isEqualTo(path);
      assertThat(TestRepositories.files(lease.path()).keySet())
          .containsExactlyInAnyOrder("README.md", "services/api/Api.java");
      assertThat(lease.path().resolve("services/api/Api.java")).hasContent("class Api {}\n");
    }
  }

  @Test
  void anIdleWorktreeParkedSparseIsAdoptedByAPoolWithTheSameDirectories() {
    try (WorktreeLease lease = pool.acquire(CellId.of("first"), "main")) {
      assertThat(lease.path()).isDirectory();
    }
    pool.close();

    pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(temp.resolve("pool"))
            .sparseCheckout(List.of("services/api"))
            .build();
    pool.start();

    assertThat(pool.idleCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "/abs", "../up", "a/../b", "a//b", "./a", "-a", "a*", "a\\b", "!a", "a\nb"})
  void rejectsDirectoriesThatAreNotPlainRelativePaths(String directory) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> WorktreePoolOptions.newBuilder().sparseCheckout(List.of(directory)))
        .withMessageStartingWith(
            "a sparse checkout directory must be a path relative to the repository's top");
  }

  @Test
  void rejectsADirectoryNamedTwice() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> WorktreePoolOptions.newBuilder().sparseCheckout(List.of("a", "a/")))
        .withMessage("sparse checkout directory \"a\" is named twice");
  }
}
