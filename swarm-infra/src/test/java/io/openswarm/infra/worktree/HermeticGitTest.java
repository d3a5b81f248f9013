package io.openswarm.infra.worktree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's own git work outside the sandbox runs nothing a cell wrote or configured. Each test
 * plants, as a hostile cell would, a program that leaves a marker file when git runs it, drives the
 * library's real git steps (list, commit, revert, release, re-acquire) and then looks for the
 * marker. Each attack was shown to work against the library before its git became hermetic.
 */
class HermeticGitTest {

  private static final CommitAuthor AUTHOR = CommitAuthor.of("Swarm Cell", "cell@swarm.example");

  @TempDir Path temp;
  private TestRepository repo;
  private WorktreePool pool;
  private WorktreeLease lease;
  private Path marker;
  private final GitWorktreeChanges changes = GitWorktreeChanges.create();

  @BeforeEach
  void setUp() {
    marker = temp.resolve("pwned");
  }

  @AfterEach
  void tearDown() {
    if (lease != null) {
      lease.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  private void startPool() {
    pool = WorktreePool.newBuilder().repository(repo.path()).root(temp.resolve("pool")).build();
    pool.start();
    lease = pool.acquire(CellId.of("cell"), "main");
  }

  /** A script that records that it ran (and who ran it) in the marker file. */
  private Path evilScript(Path where) throws IOException {
    Files.createDirectories(where.getParent());
    Files.writeString(where, "#!/bin/sh\necho \"$0 $*\" >> '" + marker + "'\nexit 0\n");
    Files.setPosixFilePermissions(where, PosixFilePermissions.fromString("rwxr-xr-x"));
    return where;
  }

  @Test
  void aSubmoduleTurnedIntoARepositoryWithAnFsmonitorDoesNotRunItOutsideTheSandbox()
      throws Exception {
    TestRepository library = TestRepositories.create(temp.resolve("library"));
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "--quiet",
        "add",
        library.path().toString(),
        "sub");
    repo.commit("add a submodule");
    startPool();
    // The cell populates the (uninitialised) submodule folder with a repository of its own whose
    // configuration
    // runs a program of its choice as the file-system monitor.
    Path sub = lease.path().resolve("sub");
    TestRepositories.git(sub, "init", "--quiet", "--initial-branch=main");
    TestRepositories.writeFile(sub, "f.txt", "x\n");
    TestRepositories.git(sub, "add", "f.txt");
    TestRepositories.git(
        sub, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "--quiet", "-m", "x");
    Path fsmonitor = evilScript(temp.resolve("cell-writable/fsmonitor.sh"));
    TestRepositories.git(sub, "config", "core.fsmonitor", fsmonitor.toString());
    TestRepositories.writeFile(sub, "f.txt", "dirty\n");
    TestRepositories.writeFile(lease.path(), "a.txt", "work\n");

    changes.changedFiles(lease);
    // Moving the submodule's pointer is refused; the revert and the return empty the submodule's
    // folder.
    assertThatThrownBy(() -> changes.commit(lease, "work", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNSAFE_CHANGE))
        .hasMessageContaining("sub (a gitlink");
    changes.revert(lease);
    assertThat(sub).isEmptyDirectory();
    TestRepositories.writeFile(lease.path(), "a.txt", "work\n");
    assertThat(changes.commit(lease, "work", AUTHOR)).isPresent();
    lease.close();
    lease = pool.acquire(CellId.of("cell-2"), "main");

    assertThat(marker).doesNotExist();
  }

  @Test
  void aSubmoduleFolderReplacedByALinkIsNotFollowedWhenTheRestoreEmptiesIt() throws Exception {
    TestRepository library = TestRepositories.create(temp.resolve("library"));
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "--quiet",
        "add",
        library.path().toString(),
        "sub");
    repo.commit("add a submodule");
    startPool();
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("precious.txt"), "keep me\n");
    Path sub = lease.path().resolve("sub");
    Files.delete(sub);
    Files.createSymbolicLink(sub, outside);

    changes.revert(lease);
    lease.close();
    lease = pool.acquire(CellId.of("cell-2"), "main");

    assertThat(outside.resolve("precious.txt")).hasContent("keep me");
    assertThat(lease.path().resolve("sub")).isEmptyDirectory();
  }

  @Test
  void hooksInAHooksPathInsideTheWorktreeDoNotRunWhenTheLibraryCommits() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    repo.git("config", "core.hooksPath", ".githooks");
    startPool();
    for (String hook :
        new String[] {
          "pre-commit", "commit-msg", "post-commit", "post-checkout", "reference-transaction"
        }) {
      evilScript(lease.path().resolve(".githooks").resolve(hook));
    }
    TestRepositories.writeFile(lease.path(), "a.txt", "work\n");

    changes.commit(lease, "work", AUTHOR);
    changes.revert(lease);
    lease.close();
    lease = pool.acquire(CellId.of("cell-2"), "main");

    assertThat(marker).doesNotExist();
  }

  @Test
  void hooksPlantedInTheRepositorysGitDirectoryDoNotRunWhenTheLibraryCommits() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    startPool();
    for (String hook :
        new String[] {"pre-commit", "commit-msg", "post-commit", "post-checkout", "post-rewrite"}) {
      evilScript(repo.path().resolve(".git/hooks").resolve(hook));
    }
    TestRepositories.writeFile(lease.path(), "a.txt", "work\n");

    changes.commit(lease, "work", AUTHOR);
    lease.close();
    lease = pool.acquire(CellId.of("cell-2"), "main");
    TestRepositories.writeFile(lease.path(), "a.txt", "more\n");
    changes.revert(lease);

    assertThat(marker).doesNotExist();
  }

  @Test
  void aNestedRepositoryIsRefusedAtCommitAndItsFsmonitorNeverRuns() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    startPool();
    Path nested = lease.path().resolve("nested");
    TestRepositories.git(lease.path(), "init", "--quiet", "--initial-branch=main", "nested");
    TestRepositories.writeFile(nested, "f.txt", "x\n");
    TestRepositories.git(nested, "add", "f.txt");
    TestRepositories.git(
        nested, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "--quiet", "-m", "x");
    TestRepositories.git(
        nested, "config", "core.fsmonitor", evilScript(temp.resolve("w/fsmonitor.sh")).toString());

    changes.changedFiles(lease);
    assertThatThrownBy(() -> changes.commit(lease, "work", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNSAFE_CHANGE))
        .hasMessageContaining("nested")
        .hasMessageContaining("gitlink");
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());
    assertThat(marker).doesNotExist();
  }

  @Test
  void aGitlinkPointingAtTheMainRepositoryIsRefusedAtCommit() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    startPool();
    // A `.git` file naming the main repository's git directory: `git add` would record a 160000
    // entry.
    TestRepositories.writeFile(
        lease.path(), "sub/.git", "gitdir: " + repo.path().resolve(".git") + "\n");

    assertThatThrownBy(() -> changes.commit(lease, "work", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNSAFE_CHANGE))
        .hasMessageContaining("sub");
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());
  }

  @Test
  void symlinksThatLeaveTheWorktreeAreRefusedAtCommitAndInsideOnesAreKept() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    startPool();
    Path wt = lease.path();
    Files.createSymbolicLink(wt.resolve("inside"), Path.of("README.md"));
    Files.createDirectories(wt.resolve("docs"));
    Files.createSymbolicLink(wt.resolve("docs/readme"), Path.of("../README.md"));

    String sha = changes.commit(lease, "relative links", AUTHOR).orElseThrow();
    assertThat(repo.git("ls-tree", "-r", "--name-only", sha)).contains("inside", "docs/readme");

    for (String target :
        new String[] {
          "/etc/passwd",
          "../../outside",
          "docs/../../x",
          System.getProperty("user.home") + "/.gitconfig"
        }) {
      Path link = wt.resolve("escape");
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of(target));
      assertThatThrownBy(() -> changes.commit(lease, "escape", AUTHOR))
          .as("a link to %s", target)
          .isInstanceOfSatisfying(
              WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNSAFE_CHANGE))
          .hasMessageContaining("escape")
          .hasMessageContaining(target);
      assertThat(repo.resolve("swarm/cell")).isEqualTo(sha);
    }
  }

  @Test
  void aChangeLargerThanTheCommitLimitIsRefusedAndASmallerOneLands() throws Exception {
    repo = TestRepositories.create(temp.resolve("repo"));
    startPool();
    GitWorktreeChanges capped = GitWorktreeChanges.newBuilder().maxCommitBytes(1024 * 1024).build();
    Files.write(lease.path().resolve("big.bin"), new byte[1024 * 1024 + 1]);

    assertThatThrownBy(() -> capped.commit(lease, "too big", AUTHOR))
        .isInstanceOfSatisfying(
            WorktreeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.COMMIT_TOO_LARGE))
        .hasMessageContaining("1048577 bytes, more than the limit of 1048576 bytes");
    assertThat(repo.resolve("swarm/cell")).isEqualTo(lease.baseCommit());

    Files.write(lease.path().resolve("big.bin"), new byte[1024 * 1024]);
    assertThat(capped.commit(lease, "fits", AUTHOR)).isPresent();
  }
}
