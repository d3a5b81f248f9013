package io.openswarm.infra.worktree;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker JVM of {@link WorktreePoolRestartIT}: leases two worktrees at once (recording a set-up
 * stamp on the first), returns both, closes its pool normally, prints {@code PARKED} and the paths,
 * and exits.
 *
 * <p>Arguments: the repository path and the pool root.
 */
public final class ParkingPoolMain {

  private ParkingPoolMain() {}

  public static void main(String[] args) {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(Path.of(args[0]))
            .root(Path.of(args[1]))
            .preserveIgnored(true)
            .build();
    pool.start();
    WorktreeLease first = pool.acquire(CellId.of("parking-1"), "main");
    WorktreeLease second = pool.acquire(CellId.of("parking-2"), "main");
    first.recordSetupStamp("stamp-of-the-first");
    List<String> paths =
        new ArrayList<>(List.of(first.path().toString(), second.path().toString()));
    first.close();
    second.close();
    pool.close();
    System.out.println("PARKED " + String.join(File.pathSeparator, paths));
    System.out.flush();
  }
}
