package io.openswarm.infra.worktree.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.git.TestRepositories;
import io.openswarm.infra.git.TestRepositories.TestRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRepositoryTest {

  @TempDir Path temp;

  /**
   * Ref updates take no lock of ours: git's own per-ref locks and the runner's retries must
   * suffice.
   */
  @Test
  void createsAndDeletesDifferentBranchesInParallelWithoutALockErrorReachingTheCaller()
      throws Exception {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    String base = repo.head();
    GitRepository repository = GitRepository.open(GitRunner.create(), repo.path());
    int threads = 8;
    int rounds = 10;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int deleted = 0;
                  for (int round = 0; round < rounds; round++) {
                    String branch = "swarm/t" + thread + "-" + round;
                    repository.createBranch(branch, base, "test");
                    assertThat(repository.tipIfBeyond(branch, base)).isEmpty();
                    if (repository.deleteBranchIfAt(branch, base)) {
                      deleted++;
                    }
                  }
                  return deleted;
                }));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertThat(result.get(2, TimeUnit.MINUTES)).isEqualTo(rounds);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/heads/"))
        .isEqualTo("refs/heads/main\n");
  }

  @Test
  void tellsTheTipOfABranchOnlyWhenItHoldsCommitsBeyondTheBase() {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    String older = repo.head();
    repo.write("next.txt", "next\n");
    String base = repo.commit("next");
    GitRepository repository = GitRepository.open(GitRunner.create(), repo.path());
    repo.git("branch", "behind", older);
    repo.git("branch", "at", base);
    repo.git("checkout", "--quiet", "-b", "ahead");
    repo.write("ahead.txt", "ahead\n");
    String ahead = repo.commit("ahead");

    assertThat(repository.tipIfBeyond("ahead", base)).contains(ahead);
    assertThat(repository.tipIfBeyond("at", base)).isEmpty();
    assertThat(repository.tipIfBeyond("behind", base)).isEmpty();
    assertThat(repository.tipIfBeyond("missing", base)).isEmpty();
  }

  @Test
  void remembersResolvedCommitsButResolvesNamesEveryTime() {
    TestRepository repo = TestRepositories.create(temp.resolve("repo"));
    GitRepository repository = GitRepository.open(GitRunner.create(), repo.path());
    String first = repository.resolveCommit("main");
    repo.write("next.txt", "next\n");
    String second = repo.commit("next");

    assertThat(repository.resolveCommit(first)).isEqualTo(first);
    assertThat(repository.resolveCommit("main"))
        .as("a branch name is resolved again")
        .isEqualTo(second);
  }
}
