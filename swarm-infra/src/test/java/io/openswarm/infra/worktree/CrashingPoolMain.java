package io.openswarm.infra.worktree;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.TestRepositories;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The worker JVM that {@link WorktreePoolCrashIT} kills: it leases three worktrees ({@code crash-1}
 * to {@code crash-3}, the second with a commit on its branch), prints {@code READY} and the paths,
 * and waits forever.
 *
 * <p>Arguments: the repository path and the pool root.
 */
public final class CrashingPoolMain {

  private CrashingPoolMain() {}

  public static void main(String[] args) throws Exception {
    WorktreePool pool =
        WorktreePool.newBuilder().repository(Path.of(args[0])).root(Path.of(args[1])).build();
    pool.start();
    List<String> paths = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      WorktreeLease lease = pool.acquire(CellId.of("crash-" + i), "main");
      if (i == 2) {
        TestRepositories.writeFile(lease.path(), "work.txt", "committed before the crash\n");
        GitWorktreeChanges.create()
            .commit(lease, "work of crash-2", CommitAuthor.of("Cell", "cell@example.com"));
      } else {
        TestRepositories.writeFile(lease.path(), "half-done.txt", "not committed\n");
      }
      paths.add(lease.path().toString());
    }
    System.out.println("READY " + String.join(File.pathSeparator, paths));
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
